"""The daily digest: which day goes out, rendering, exactly-once delivery, edits, and
what became of an entry (`why`).

Delivery talks to Discord through the `DigestSender` protocol (implemented by the
discord.py adapter), so this module holds the whole state machine and can be
tested on a real store. Per part: ledger 'sending' → send with a deterministic
nonce → ledger 'sent' + message id. A restart finds at most one 'sending' part and
looks for it in the channel before sending it again.

Nothing is delivered while the database is not the one the bot opened (deleted or
replaced under it): a fresh database would start every channel over from day one.
A stopped channel, repeated failures and notes problems of days still to go out
are said in the operator alert channels (`bot.services.alerts`).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import partial
from typing import Any, Literal, Protocol, TypeVar, cast

from bot.core.days import parse_day
from bot.core.notes import Problem
from bot.core.papers import Appearance
from bot.core.render import (
    LANGUAGES,
    Language,
    Message,
    PaperView,
    compact_messages,
    digest_messages,
    fingerprint,
    paper_embeds,
    payload_hash,
)
from bot.core.text import fold, parse_hhmm
from bot.services.alerts import Alert, Alerts, AlertSender
from bot.services.lookup import LookupService
from bot.store import ChannelState, Delivery, DigestRow, Store
from bot.store.digests import FileProblems

log = logging.getLogger(__name__)
T = TypeVar("T")

Style = Literal["full", "compact"]
STYLES: tuple[Style, ...] = ("full", "compact")
# Discord allows only a few edits an hour to a published message: wait this long
# between edits of one, so a burst of typo fixes becomes one edit.
PUBLISHED_EDIT_INTERVAL = timedelta(minutes=20)
# Discord's (undocumented, commonly reported) crosspost limit per channel.
PUBLISH_LIMIT = 10
PUBLISH_WINDOW = timedelta(hours=1)
# Consecutive failed runs of a channel that make an alert (one failure is often a blip).
FAILING_RUNS = 3
# `why` autocomplete values naming a paper by id (a title may exceed Discord's 100).
PAPER_PREFIX = "paper:"
# Problems listed in one notes alert; the file has the rest.
ALERT_PROBLEMS = 3
# Dates a notes problem mentions: a quoted header (`'2024년 6월 32일'`) or an ISO day.
_MENTIONED_DAY_RE = re.compile(r"'([^']*)'|(\d{4}-\d{1,2}-\d{1,2})")


class DeliveryError(Exception):
    """Discord refused or failed a request.

    `permanent` (403 Missing Permissions/Access, 404 Unknown Channel) stops the
    channel's digests until an admin fixes it; anything else is retried.
    """

    def __init__(self, message: str, *, permanent: bool = False, code: int | None = None) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.code = code


class DigestSender(Protocol):
    """What delivery needs from Discord."""

    async def send(self, target_id: int, message: Message, nonce: str) -> int:
        """Post a message (with `enforce_nonce`) and return its id."""

    async def recent(self, target_id: int, after: int | None) -> list[dict[str, Any]]:
        """The bot's own recent messages in a channel (Discord's JSON), oldest first."""

    async def edit(self, target_id: int, message_id: int, message: Message) -> None:
        """Replace a message's content and embeds."""

    async def delete(self, target_id: int, message_id: int) -> None:
        """Delete a message."""

    async def publish(self, channel_id: int, message_id: int) -> bool:
        """Crosspost in an announcement channel; False when it is not one."""

    async def start_thread(self, channel_id: int, message_id: int, name: str) -> int:
        """Start a thread from a message (or return the existing one's id)."""


@dataclass(frozen=True, slots=True)
class DigestDefaults:
    """The operator's defaults (from the environment); servers override them."""

    channel_id: int | None
    time: time
    timezone: str
    language: Language = "both"
    style: Style = "full"
    alert_channel_id: int | None = None


@dataclass(frozen=True, slots=True)
class Effective:
    """A server's settings after falling back to the defaults."""

    guild_id: int
    channel_id: int | None
    time: time
    timezone: str
    language: Language
    style: Style
    paused: bool


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one run did, for logs and status."""

    day: date | None
    parts_sent: int = 0
    resumed: bool = False
    note: str = ""


FateState = Literal["posted", "waiting", "failed", "skipped"]


@dataclass(frozen=True, slots=True)
class Fate:
    """What became of one day (or of one entry of it) in a channel."""

    day: date
    state: FateState
    place: int = 0  # waiting: 1 is the next run's day
    target_id: int | None = None  # posted: the channel or thread of its message
    message_id: int | None = None
    edited_at: datetime | None = None
    error: str | None = None  # failed: Discord's refusal, as stored


@dataclass(frozen=True, slots=True)
class Why:
    """`/digest-admin why`: a title's or a day's fate in a server's channel, and the
    notes problems that concern it (all there is for what was never read)."""

    subject: str
    fates: tuple[Fate, ...]
    problems: tuple[Problem, ...]
    state: ChannelState


def advice(error: str, stopped: bool) -> str:
    """The i18n key of what an admin should do about a channel's stored error."""
    if not stopped:
        return "advice.retry"
    return "advice.permissions" if error.startswith("403") else "advice.gone"


def mentioned_days(problem: Problem) -> set[date]:
    """Days a problem is about: named in its file's name or in its message."""
    texts = [problem.source.rsplit("/", 1)[-1].rsplit(".", 1)[0]]
    texts += [quoted or iso for quoted, iso in _MENTIONED_DAY_RE.findall(problem.message)]
    return {day for text in texts if (day := parse_day(text)) is not None}


def problem_lines(problems: Sequence[Problem], limit: int) -> str:
    """`file:line: message; …` for the first `limit` problems, and how many more."""
    shown = "; ".join(str(p) for p in problems[:limit])
    return shown + (f" (+{len(problems) - limit})" if len(problems) > limit else "")


def nonce_for(channel_id: int, day: date, part: int) -> str:
    """Deterministic per (channel, day, part): a resend lands as the same message."""
    digest = hashlib.sha256(f"{channel_id}:{day.isoformat()}:{part}".encode()).hexdigest()
    return digest[:25]  # Discord's nonce limit


class DigestComposer:
    """Turns a day of notes into digest messages (used by delivery and the CLI preview)."""

    def __init__(self, store: Store) -> None:
        self._store = store

    # ---- rendering ----------------------------------------------------------

    async def views(self, day: date) -> list[PaperView]:
        """A day's papers, numbered in order, each with its links to earlier notes."""
        entries = await self._store.day_entries(day)
        views = []
        for position, item in enumerate(entries, start=1):
            earlier = await self._store.earlier_papers(item.paper_id, day)
            views.append(PaperView.of(item.appearance.entry, day, position, len(entries), earlier))
        return views

    async def render(
        self, day: date, language: Language, style: Style, late: bool = False
    ) -> tuple[list[Message], list[Message]]:
        """(messages for the channel, messages for the thread) of a day's digest."""
        return self.messages(day, await self.views(day), language, style, late)

    @staticmethod
    def messages(
        day: date, views: Sequence[PaperView], language: Language, style: Style, late: bool
    ) -> tuple[list[Message], list[Message]]:
        """`render` for views already at hand."""
        if not views:
            return [], []
        if style == "compact":
            return compact_messages(day, views, language, late), digest_messages(
                day, views, language, header=False
            )
        return digest_messages(day, views, language, late), []


class DigestService:
    """Everything about digests except talking to Discord and scheduling."""

    def __init__(
        self,
        store: Store,
        sender: DigestSender,
        defaults: DigestDefaults,
        retry_delays: Sequence[float] = (1.0, 4.0, 15.0),
        alert_sender: AlertSender | None = None,
    ) -> None:
        """`alert_sender` posts operator alerts; the digest sender does when it is None."""
        self._store = store
        self.composer = DigestComposer(store)
        self._sender = sender
        self._defaults = defaults
        self._retry_delays = tuple(retry_delays)
        self._locks: dict[int, asyncio.Lock] = {}
        self._failed_runs: dict[int, int] = {}
        self.alerts = Alerts(
            store, alert_sender or sender, defaults.alert_channel_id, defaults.language
        )

    # ---- settings -----------------------------------------------------------

    async def effective(self, guild_id: int, default_channel: int | None = None) -> Effective:
        """A server's settings; `default_channel` is the operator's channel if in that server."""
        row = await self._store.digests.guild(guild_id)
        d = self._defaults
        language = (row.language if row else None) or d.language
        style = (row.style if row else None) or d.style
        return Effective(
            guild_id=guild_id,
            channel_id=(row.channel_id if row else None) or default_channel,
            time=(parse_hhmm(row.digest_time) if row and row.digest_time else None) or d.time,
            timezone=(row.timezone if row else None) or d.timezone,
            language=language if language in LANGUAGES else d.language,
            style=style if style in STYLES else d.style,
            paused=bool(row and row.paused),
        )

    # ---- which day ----------------------------------------------------------

    async def next_day(self, state: ChannelState) -> date | None:
        """The oldest day of notes after the channel's cursor (or its start)."""
        if state.cursor is not None:
            return await self._store.day_after(state.cursor)
        if state.start == "latest":
            stats = await self._store.stats()
            return stats.latest_day
        if state.start == "first":
            return await self._store.day_after(None)
        return await self._store.day_after(date.fromisoformat(state.start) - timedelta(days=1))

    # ---- delivery -----------------------------------------------------------

    def _lock(self, channel_id: int) -> asyncio.Lock:
        return self._locks.setdefault(channel_id, asyncio.Lock())

    async def run(
        self, settings: Effective, late: bool = False, fire: datetime | None = None
    ) -> Outcome:
        """One scheduled (or catch-up, or post-now) run for a server's channel.

        Finishes an interrupted digest first; otherwise posts the next day, if any.
        Discord's refusals are recorded on the channel (shown by status), never raised:
        a permanent one (403/404) stops the channel until an admin changes it.
        """
        channel_id = settings.channel_id
        if channel_id is None or settings.paused:
            return Outcome(None, note="paused" if settings.paused else "no channel set")
        if (problem := await self.halted()) is not None:
            return Outcome(None, note=f"the database is not usable: {problem}")
        async with self._lock(channel_id):
            state = await self._store.digests.ensure_channel(channel_id, settings.guild_id)
            if fire is not None:
                await self._store.digests.record_fire(channel_id, fire)
            if state.stopped:
                return Outcome(None, note=f"stopped: {state.error}")
            try:
                outcome = await self._run_channel(settings, state, late)
            except DeliveryError as error:
                log.warning("digest for channel %s failed: %s", channel_id, error)
                await self._failed(state, error, run=True)
                return Outcome(None, note=f"failed: {error}")
        self._failed_runs.pop(channel_id, None)
        self.alerts.resolve(f"failing:{channel_id}")
        return outcome

    async def halted(self) -> str | None:
        """Why nothing may be delivered (the database is not the one opened), or None."""
        return await self._store.health()

    async def _failed(self, state: ChannelState, error: DeliveryError, run: bool) -> None:
        """Record Discord's refusal on the channel; alert when it stops the channel, or
        when `FAILING_RUNS` runs in a row failed."""
        channel_id = state.channel_id
        await self._store.digests.set_error(channel_id, str(error), error.permanent)
        values = {"channel": channel_id, "error": str(error)}
        if error.permanent:
            then = advice(str(error), stopped=True)
            alert = Alert(f"stopped:{channel_id}", "alert.stopped", values, state.guild_id, then)
            await self.alerts.notify(alert)
            return
        if not run:
            return
        runs = self._failed_runs[channel_id] = self._failed_runs.get(channel_id, 0) + 1
        if runs >= FAILING_RUNS:
            failing = {**values, "runs": runs}
            key = f"failing:{channel_id}"
            await self.alerts.notify(
                Alert(key, "alert.failing", failing, state.guild_id, "advice.retry")
            )

    async def _run_channel(self, settings: Effective, state: ChannelState, late: bool) -> Outcome:
        channel_id = state.channel_id
        unfinished = await self._store.digests.incomplete_digests(channel_id)
        if unfinished:
            d = unfinished[0]
            sent = await self._deliver(
                channel_id, d.day, cast(Language, d.language), cast(Style, d.style), d.late
            )
            return Outcome(d.day, sent, resumed=True)
        day = await self.next_day(state)
        if day is None:
            return Outcome(None, note="no new notes")
        await self._store.digests.start_digest(
            channel_id, day, settings.style, settings.language, late
        )
        sent = await self._deliver(channel_id, day, settings.language, settings.style, late)
        return Outcome(day, sent)

    @property
    def store(self) -> Store:
        """The library store (the notes watcher ingests into it)."""
        return self._store

    async def channel_state(self, settings: Effective) -> ChannelState:
        """The state of the server's digest channel (created on first use)."""
        assert settings.channel_id is not None
        return await self._store.digests.ensure_channel(settings.channel_id, settings.guild_id)

    async def refresh_all(self, now: datetime) -> int:
        """`refresh` every channel that has posted digests."""
        changed = 0
        for channel_id in await self._store.digests.channels():
            try:
                changed += await self.refresh(channel_id, now)
            except DeliveryError as error:
                log.warning("could not update digests in channel %s: %s", channel_id, error)
                state = await self._store.digests.channel(channel_id)
                assert state is not None  # listed by channels() just now
                await self._failed(state, error, run=False)
        return changed

    async def interrupted(self, channel_id: int) -> bool:
        """Whether a digest in the channel was started and not finished."""
        return bool(await self._store.digests.incomplete_digests(channel_id))

    async def resume_channel(self, channel_id: int) -> None:
        """Let a stopped channel try again (an admin fixed its permissions or chose it)."""
        await self._store.digests.set_error(channel_id, None, stopped=False)
        self._failed_runs.pop(channel_id, None)
        self.alerts.resolve(f"stopped:{channel_id}")
        self.alerts.resolve(f"failing:{channel_id}")

    async def _deliver(
        self, channel_id: int, day: date, language: Language, style: Style, late: bool
    ) -> int:
        """Send every part of the day's digest not yet sent; returns how many were sent."""
        lead, threaded = await self.composer.render(day, language, style, late)
        sent = await self._send_parts(channel_id, day, 0, channel_id, lead)
        if threaded:
            thread_id = await self._thread(channel_id, day)
            sent += await self._send_parts(channel_id, day, len(lead), thread_id, threaded)
        await self._store.digests.complete_digest(channel_id, day)
        log.info("digest %s delivered to channel %s (%d new messages)", day, channel_id, sent)
        return sent

    async def _thread(self, channel_id: int, day: date) -> int:
        digest = await self._store.digests.digest(channel_id, day)
        if digest and digest.thread_id:
            return digest.thread_id
        first = next(d for d in await self._store.digests.deliveries(channel_id, day))
        assert first.message_id is not None
        thread_id = await self._retrying(
            partial(self._sender.start_thread, channel_id, first.message_id, f"📚 {day}")
        )
        await self._store.digests.set_thread(channel_id, day, thread_id)
        return thread_id

    async def _send_parts(
        self, channel_id: int, day: date, offset: int, target_id: int, messages: list[Message]
    ) -> int:
        ledger = {d.part: d for d in await self._store.digests.deliveries(channel_id, day)}
        previous = max((d.message_id or 0 for d in ledger.values() if d.sent), default=None)
        sent = 0
        for index, message in enumerate(messages):
            part = offset + index
            known = ledger.get(part)
            if known and known.sent:
                await self._publish(channel_id, day, known)
                previous = known.message_id
                continue
            nonce = nonce_for(channel_id, day, part)
            message_id: int | None = None
            if known:  # 'sending' when we stopped: did it reach Discord?
                message_id = await self._find_sent(target_id, message, previous)
            if message_id is None:
                await self._store.digests.part_sending(
                    channel_id, day, part, target_id, nonce, payload_hash(message)
                )
                message_id = await self._retrying(
                    partial(self._sender.send, target_id, message, nonce)
                )
                sent += 1
            await self._store.digests.part_sent(channel_id, day, part, message_id)
            previous = message_id
            delivered = Delivery(
                part, target_id, nonce, payload_hash(message), True, message_id, "pending", None
            )
            await self._publish(channel_id, day, delivered)
        return sent

    async def _find_sent(self, target_id: int, message: Message, after: int | None) -> int | None:
        wanted = fingerprint(message.to_dict())
        for posted in await self._retrying(partial(self._sender.recent, target_id, after)):
            if fingerprint(posted) == wanted:
                return int(posted["id"])
        return None

    async def _publish(self, channel_id: int, day: date, delivery: Delivery) -> None:
        """Crosspost a part posted in an announcement channel; never fatal, never blocking.

        Discord allows about ten publishes an hour per channel: past that (counted in
        the ledger) or when Discord refuses, the part waits for `publish_pending`.
        """
        if delivery.publish != "pending" or delivery.target_id != channel_id:
            return
        if delivery.message_id is None:
            return
        now = datetime.now(UTC)
        if await self._store.digests.published_since(channel_id, now - PUBLISH_WINDOW) >= (
            PUBLISH_LIMIT
        ):
            await self._store.digests.set_error(
                channel_id, "publish limit (10 an hour) reached: the rest is published later"
            )
            return
        try:
            done = await self._sender.publish(channel_id, delivery.message_id)
        except DeliveryError as error:
            log.warning("could not publish digest %s part %d: %s", day, delivery.part, error)
            await self._store.digests.set_error(channel_id, f"could not publish: {error}")
            return
        outcome = "done" if done else "not-announcement"
        await self._store.digests.part_published(channel_id, day, delivery.part, outcome)

    async def publish_pending(self) -> int:
        """Retry publishing parts that had to wait; returns how many are still waiting."""
        waiting = 0
        for channel_id in await self._store.digests.channels():
            async with self._lock(channel_id):
                for day, delivery in await self._store.digests.unpublished(channel_id):
                    await self._publish(channel_id, day, delivery)
                waiting += len(await self._store.digests.unpublished(channel_id))
        return waiting

    async def _retrying(self, call: Callable[[], Awaitable[T]]) -> T:
        """Run `call()`; transient failures are retried with backoff, permanent ones raised."""
        for delay in (*self._retry_delays, None):
            try:
                return await call()
            except DeliveryError as error:
                if error.permanent or delay is None:
                    raise
                log.warning("Discord request failed (%s); retrying in %.0fs", error, delay)
                await asyncio.sleep(delay)
        raise AssertionError("unreachable")

    # ---- edits --------------------------------------------------------------

    async def notes_changed(self, days: Sequence[date]) -> None:
        """Remember that the notes of these days changed (after an ingest)."""
        if days:
            await self._store.digests.mark_dirty(days)

    async def refresh(self, channel_id: int, now: datetime) -> int:
        """Bring a channel's changed digests in line with the notes; returns messages changed.

        Changed parts are edited in place; a digest that grew gets new parts, one
        that shrank loses its surplus messages. Published messages are edited at
        most once per `PUBLISHED_EDIT_INTERVAL`: the day stays dirty and a later
        call (the scheduler's periodic job) sends the accumulated change.
        """
        changed = 0
        async with self._lock(channel_id):
            for day in await self._store.digests.dirty_days(channel_id):
                digest = await self._store.digests.digest(channel_id, day)
                if digest is None:
                    continue
                count, waiting = await self._refresh_day(channel_id, day, digest, now)
                changed += count
                if not waiting:
                    await self._store.digests.set_clean(channel_id, day)
        return changed

    async def _refresh_day(
        self, channel_id: int, day: date, digest: DigestRow, now: datetime
    ) -> tuple[int, bool]:
        """(messages changed, whether an edit is still waiting for the publish interval)."""
        lead, threaded = await self.composer.render(
            day, cast(Language, digest.language), cast(Style, digest.style), digest.late
        )
        wanted = lead + threaded
        ledger = await self._store.digests.deliveries(channel_id, day)
        changed, waiting = 0, False
        for delivery in ledger:
            if delivery.message_id is None:
                continue
            if delivery.part >= len(wanted):
                await self._retrying(
                    partial(self._sender.delete, delivery.target_id, delivery.message_id)
                )
                await self._store.digests.drop_part(channel_id, day, delivery.part)
                changed += 1
                continue
            message = wanted[delivery.part]
            new_hash = payload_hash(message)
            if new_hash == delivery.payload_hash:
                continue
            recent = delivery.edited_at and now - delivery.edited_at < PUBLISHED_EDIT_INTERVAL
            if delivery.published and recent:
                waiting = True
                continue
            await self._retrying(
                partial(self._sender.edit, delivery.target_id, delivery.message_id, message)
            )
            await self._store.digests.part_edited(channel_id, day, delivery.part, new_hash)
            changed += 1
        if len(wanted) > len(ledger):
            target = digest.thread_id or channel_id
            changed += await self._send_parts(
                channel_id, day, len(ledger), target, wanted[len(ledger) :]
            )
        return changed, waiting

    # ---- notes problems and `why` ---------------------------------------------

    async def alert_queued_problems(self, servers: Sequence[Effective]) -> None:
        """Alert on notes files with problems whose day has not gone out yet in a server
        (or from which no day could be read at all): fixed before the run, nothing is lost.

        A file's alert is keyed by its problem lines, so a fix that leaves other problems
        is said again; a file fixed, or whose days all went out, clears its alert.
        """
        files = await self._store.digests.problem_files()
        standing = []
        for settings in servers:
            if settings.channel_id is None:
                continue
            first = await self.next_day(await self.channel_state(settings))
            for found in files:
                waiting = [d for d in found.days if first is not None and d >= first]
                if found.days and not waiting:
                    continue
                key = f"notes:{found.source}:" + ",".join(str(p.line) for p in found.problems)
                standing.append(key)
                values = {
                    "source": found.source,
                    "day": waiting[0].isoformat() if waiting else "",
                    "problems": problem_lines(found.problems, ALERT_PROBLEMS),
                }
                message = "alert.notes" if waiting else "alert.notes_unread"
                await self.alerts.notify(Alert(key, message, values, settings.guild_id))
        self.alerts.resolve_others("notes:", standing)

    async def why(self, settings: Effective, query: str) -> Why:
        """What became of a title or a day (`query`, or an autocomplete value) here."""
        state = await self.channel_state(settings)
        files = await self._store.digests.problem_files()
        day = parse_day(query)
        if day is not None:
            fates: tuple[Fate, ...] = ()
            if await self._store.day_entries(day):
                fates = (await self._fate(state, day, None),)
            problems = [
                p for f in files for p in f.problems if day in f.days or day in mentioned_days(p)
            ]
            return Why(day.isoformat(), fates, tuple(problems), state)
        paper_id = await self._paper_id(query)
        appearances = await self._store.paper_appearances(paper_id) if paper_id is not None else []
        if not appearances:
            needle = fold(query).strip()
            problems = [
                p for f in files for p in f.problems if needle and needle in fold(p.message)
            ]
            return Why(query.strip(), (), tuple(problems), state)
        fates = tuple([await self._fate(state, a.date, a) for a in appearances])
        problems = []
        for appearance in appearances:
            for found in files:
                if found.source == appearance.source:
                    problems += await self._entry_problems(found, appearance)
        return Why(appearances[-1].entry.title, fates, tuple(dict.fromkeys(problems)), state)

    async def _paper_id(self, query: str) -> int | None:
        """The paper an autocomplete value names, or the title typed resolves to."""
        if query.startswith(PAPER_PREFIX) and query[len(PAPER_PREFIX) :].isdigit():
            return int(query[len(PAPER_PREFIX) :])
        return (await LookupService(self._store).find_paper(query)).paper_id

    async def _entry_problems(self, found: FileProblems, appearance: Appearance) -> list[Problem]:
        """A file's problems within an entry's lines (up to the next entry), or naming it."""
        starts = []
        for day in found.days:
            starts += [
                item.appearance.entry.line
                for item in await self._store.day_entries(day)
                if item.appearance.source == found.source
            ]
        starts.sort()
        begin = appearance.entry.line
        end = next((line for line in starts if line > begin), None)
        title = fold(appearance.entry.title)
        return [
            p
            for p in found.problems
            if (begin <= p.line and (end is None or p.line < end)) or title in fold(p.message)
        ]

    async def _fate(self, state: ChannelState, day: date, entry: Appearance | None) -> Fate:
        """A day's fate in the channel; for an entry, its own message when posted."""
        channel_id = state.channel_id
        digest = await self._store.digests.digest(channel_id, day)
        if digest is None:
            first = await self.next_day(state)
            if first is None or day < first:
                return Fate(day, "skipped")
            before = await self._store.days_after(first - timedelta(days=1))
            return Fate(day, "waiting", place=before - await self._store.days_after(day))
        if not digest.completed:
            if state.error:
                return Fate(day, "failed", error=state.error)
            return Fate(day, "waiting", place=1)  # interrupted: the next run finishes it
        posted = [d for d in await self._store.digests.deliveries(channel_id, day) if d.message_id]
        part = await self._part_showing(digest, entry) if entry else 0
        shown = next((d for d in posted if d.part == part), posted[0] if posted else None)
        edited = max((d.edited_at for d in posted if d.edited_at), default=None)
        return Fate(
            day,
            "posted",
            target_id=shown.target_id if shown else None,
            message_id=shown.message_id if shown else None,
            edited_at=edited,
        )

    async def _part_showing(self, digest: DigestRow, entry: Appearance) -> int:
        """The digest part whose embeds open the entry's paper (0 if not found)."""
        language, style = cast(Language, digest.language), cast(Style, digest.style)
        views = await self.composer.views(digest.day)
        position, _ = await self._store.day_position(entry)
        lead, threaded = self.composer.messages(digest.day, views, language, style, digest.late)
        opening = paper_embeds(views[position - 1], language)[0]
        return next((i for i, m in enumerate(lead + threaded) if opening in m.embeds), 0)
