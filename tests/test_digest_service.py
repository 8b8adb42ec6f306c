"""The digest state machine on a real store, against a recording stand-in for Discord.

The stand-in here implements only the `DigestSender` protocol (ids, nonce dedupe,
announcement channels, threads, failures); the end-to-end tests drive the same
service through discord.py and the local Discord stand-in.
"""

from __future__ import annotations

import itertools
import shutil
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.core.i18n import ordinal
from bot.core.render import Message, fingerprint
from bot.sandbox.limits import check_message
from bot.services.digest import (
    DeliveryError,
    DigestDefaults,
    DigestService,
    Effective,
    nonce_for,
)
from bot.services.ingest import ingest
from bot.store import Store
from tests.conftest import SEEDS

CHANNEL, OTHER, GUILD = 1000, 2000, 1


class Killed(BaseException):
    """The process dying mid-digest (not an Exception: nothing may catch it)."""


@dataclass
class FakeDiscord:
    announcement: set[int] = field(default_factory=set)
    posted: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    nonces: dict[str, int] = field(default_factory=dict)
    published: list[int] = field(default_factory=list)
    edits: list[int] = field(default_factory=list)
    failures: list[BaseException] = field(default_factory=list)
    kill_after_send: int | None = None
    ids: itertools.count[int] = field(default_factory=lambda: itertools.count(10_000))

    def _maybe_fail(self) -> None:
        if self.failures:
            raise self.failures.pop(0)

    async def send(self, target_id: int, message: Message, nonce: str) -> int:
        self._maybe_fail()
        payload = message.to_dict()
        assert not check_message(payload), check_message(payload).to_dict()
        if nonce in self.nonces:
            return self.nonces[nonce]
        message_id = next(self.ids)
        self.nonces[nonce] = message_id
        self.posted.setdefault(target_id, []).append({**payload, "id": str(message_id)})
        if self.kill_after_send is not None:
            self.kill_after_send -= 1
            if self.kill_after_send == 0:
                raise Killed
        return message_id

    async def recent(self, target_id: int, after: int | None) -> list[dict[str, Any]]:
        return [m for m in self.posted.get(target_id, []) if int(m["id"]) > (after or 0)]

    async def edit(self, target_id: int, message_id: int, message: Message) -> None:
        self._maybe_fail()
        for i, m in enumerate(self.posted[target_id]):
            if int(m["id"]) == message_id:
                self.posted[target_id][i] = {**message.to_dict(), "id": str(message_id)}
                self.edits.append(message_id)
                return
        raise DeliveryError("Unknown Message", permanent=True, code=10008)

    async def delete(self, target_id: int, message_id: int) -> None:
        self.posted[target_id] = [m for m in self.posted[target_id] if int(m["id"]) != message_id]

    async def publish(self, channel_id: int, message_id: int) -> bool:
        if channel_id not in self.announcement:
            return False
        self._maybe_fail()
        self.published.append(message_id)
        return True

    async def start_thread(self, channel_id: int, message_id: int, name: str) -> int:
        return message_id  # Discord: a thread started from a message shares its id

    def count(self, target: int = CHANNEL) -> int:
        return len(self.posted.get(target, []))


DEFAULTS = DigestDefaults(channel_id=CHANNEL, time=time(9, 0), timezone="Asia/Seoul")


def settings(channel: int = CHANNEL, style: str = "full", language: str = "both") -> Effective:
    return Effective(GUILD, channel, time(9), "Asia/Seoul", language, style, False)  # type: ignore[arg-type]


@asynccontextmanager
async def library(
    tmp_path: Path,
    discord: FakeDiscord,
    extra: Mapping[str, str] | None = None,
    defaults: DigestDefaults = DEFAULTS,
) -> AsyncIterator[tuple[Store, DigestService, Path]]:
    """A copy of the seed notes (plus `extra` files: name → text) ingested into a new
    database file, and a digest service over it; the notes folder can be edited."""
    notes = tmp_path / "notes"
    shutil.copytree(SEEDS, notes)
    for name, text in (extra or {}).items():
        (notes / name).write_text(text)
    async with Store.open(tmp_path / "db.sqlite3") as store:
        await ingest(store, notes)
        yield store, DigestService(store, discord, defaults, retry_delays=()), notes


@pytest.fixture
def discord() -> FakeDiscord:
    return FakeDiscord()


@pytest.fixture
def service(seeded_store: Store, discord: FakeDiscord) -> DigestService:
    return DigestService(seeded_store, discord, DEFAULTS, retry_delays=(0, 0))


async def test_days_go_out_oldest_first_then_nothing(service: DigestService) -> None:
    days = [(await service.run(settings())).day for _ in range(6)]
    assert days == [
        date(2024, 6, 12),
        date(2024, 6, 18),
        date(2024, 8, 30),
        date(2024, 12, 5),
        date(2024, 12, 17),
        None,
    ]


async def test_header_and_parts(service: DigestService, discord: FakeDiscord) -> None:
    outcome = await service.run(settings())
    assert outcome.parts_sent == discord.count() >= 2
    first = discord.posted[CHANNEL][0]
    assert "2024-06-12" in first["content"] and "6 papers" in first["content"]
    embeds = [e for m in discord.posted[CHANNEL] for e in m["embeds"]]
    assert len(embeds) == 6
    assert embeds[2]["footer"]["text"] == "2024-06-12 · 3/6"
    assert all(m["allowed_mentions"] == {"parse": []} for m in discord.posted[CHANNEL])


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        ("latest", date(2024, 12, 17)),
        ("2024-08-01", date(2024, 8, 30)),
        ("first", date(2024, 6, 12)),
    ],
)
async def test_start_setting(
    service: DigestService, seeded_store: Store, start: str, expected: date
) -> None:
    await seeded_store.digests.ensure_channel(CHANNEL, GUILD)
    await seeded_store.digests.set_start(CHANNEL, start)
    assert (await service.run(settings())).day == expected


async def test_killed_after_discord_got_a_part_resumes_without_duplicate(
    seeded_store: Store, discord: FakeDiscord
) -> None:
    service = DigestService(seeded_store, discord, DEFAULTS, retry_delays=(0,))
    discord.kill_after_send = 1  # Discord has part 0, the ledger still says 'sending'
    with pytest.raises(Killed):
        await service.run(settings(channel=3000))
    assert discord.count(3000) == 1
    outcome = await service.run(settings(channel=3000))  # the restart
    assert outcome.resumed and outcome.day == date(2024, 6, 12)
    posted = discord.posted[3000]
    assert len({fingerprint(m) for m in posted}) == len(posted)  # no duplicate
    embeds = [e for m in posted for e in m["embeds"]]
    assert [e["footer"]["text"].split(" · ")[1] for e in embeds] == [f"{i}/6" for i in range(1, 7)]
    assert (await service.run(settings(channel=3000))).day == date(2024, 6, 18)


async def test_killed_before_discord_got_a_part_sends_it_once(
    seeded_store: Store, discord: FakeDiscord
) -> None:
    service = DigestService(seeded_store, discord, DEFAULTS, retry_delays=())
    discord.failures = [Killed()]
    with pytest.raises(Killed):
        await service.run(settings())
    assert discord.count() == 0
    await service.run(settings())
    assert len([e for m in discord.posted[CHANNEL] for e in m["embeds"]]) == 6


async def test_transient_errors_are_retried(service: DigestService, discord: FakeDiscord) -> None:
    discord.failures = [DeliveryError("500"), DeliveryError("429")]
    outcome = await service.run(settings())
    assert outcome.day == date(2024, 6, 12)
    assert len([e for m in discord.posted[CHANNEL] for e in m["embeds"]]) == 6


async def test_permanent_error_stops_the_channel_and_others_go_on(
    service: DigestService, discord: FakeDiscord, seeded_store: Store
) -> None:
    discord.failures = [DeliveryError("403 Missing Permissions", permanent=True, code=50013)]
    failed = await service.run(settings())
    assert failed.day is None and "Missing Permissions" in failed.note
    state = await seeded_store.digests.channel(CHANNEL)
    assert state is not None and state.stopped and "Missing Permissions" in (state.error or "")
    assert (await service.run(settings())).note.startswith("stopped")
    assert (await service.run(settings(channel=OTHER))).day == date(2024, 6, 12)
    await service.resume_channel(CHANNEL)
    assert (await service.run(settings())).day == date(2024, 6, 12)  # resumes where it was


async def test_transient_error_after_retries_is_recorded_and_resumed(
    service: DigestService, discord: FakeDiscord, seeded_store: Store
) -> None:
    discord.failures = [DeliveryError("502")] * 3
    failed = await service.run(settings())
    assert "502" in failed.note
    state = await seeded_store.digests.channel(CHANNEL)
    assert state is not None and not state.stopped and state.error
    outcome = await service.run(settings())
    assert outcome.resumed and outcome.day == date(2024, 6, 12)


async def test_announcement_channel_is_published(
    service: DigestService, discord: FakeDiscord
) -> None:
    discord.announcement.add(CHANNEL)
    await service.run(settings())
    assert discord.published == [int(m["id"]) for m in discord.posted[CHANNEL]]


async def test_publish_failure_is_recorded_not_fatal(
    service: DigestService, discord: FakeDiscord, seeded_store: Store
) -> None:
    discord.announcement.add(CHANNEL)
    discord.failures = [DeliveryError("rate limited for 3500s")]
    outcome = await service.run(settings())
    assert outcome.day == date(2024, 6, 12)
    state = await seeded_store.digests.channel(CHANNEL)
    assert state is not None and state.cursor == date(2024, 6, 12)


async def test_compact_style_uses_a_thread(service: DigestService, discord: FakeDiscord) -> None:
    await service.run(settings(style="compact"))
    (lead,) = discord.posted[CHANNEL]
    assert "1. [An Image is Worth 32 Tokens" in lead["embeds"][0]["description"]
    thread = int(lead["id"])
    assert len([e for m in discord.posted[thread] for e in m["embeds"]]) == 6


async def test_changed_notes_edit_the_posted_message(tmp_path: Path, discord: FakeDiscord) -> None:
    async with library(tmp_path, discord) as (store, service, notes):
        await service.run(settings())
        before = discord.count()
        path = notes / "000_16f820bf8340cb5c.txt"
        path.write_text(path.read_text().replace("#synthetic-data", "#synthetic-data #fixed"))
        report = await ingest(store, notes)
        assert date(2024, 6, 12) in report.changes.days
        await service.notes_changed(report.changes.days)
        now = datetime.now(UTC)
        # The header (the day's tags) and the paper's embed changed: two messages.
        assert await service.refresh(CHANNEL, now) == 2
        assert discord.count() == before  # edited, not posted again
        assert any("#fixed" in str(m) for m in discord.posted[CHANNEL])
        assert await service.refresh(CHANNEL, now) == 0


async def test_published_messages_are_edited_at_most_every_20_minutes(
    tmp_path: Path, discord: FakeDiscord
) -> None:
    discord.announcement.add(CHANNEL)
    async with library(tmp_path, discord) as (store, service, notes):
        await service.run(settings())
        path = notes / "000_16f820bf8340cb5c.txt"
        now = datetime.now(UTC)
        edits = []
        for n, minutes in enumerate([0, 5]):
            path.write_text(path.read_text().replace("#synthetic-data", f"#synthetic-data #v{n}"))
            await service.notes_changed((await ingest(store, notes)).changes.days)
            edits.append(await service.refresh(CHANNEL, now + timedelta(minutes=minutes)))
        # The change at +5 min waits; the periodic refresh sends it once 20 minutes passed.
        edits.append(await service.refresh(CHANNEL, now + timedelta(minutes=15)))
        edits.append(await service.refresh(CHANNEL, now + timedelta(minutes=21)))
        edits.append(await service.refresh(CHANNEL, now + timedelta(minutes=60)))
        assert edits == [2, 0, 0, 2, 0]
        assert "#v1" in str(discord.posted[CHANNEL])


def test_nonce_is_deterministic_and_short() -> None:
    a = nonce_for(1, date(2024, 6, 12), 0)
    assert a == nonce_for(1, date(2024, 6, 12), 0) != nonce_for(1, date(2024, 6, 12), 1)
    assert len(a) <= 25


async def test_publishing_stays_within_ten_an_hour(
    seeded_store: Store, discord: FakeDiscord
) -> None:
    discord.announcement.add(CHANNEL)
    service = DigestService(seeded_store, discord, DEFAULTS, retry_delays=())
    for _ in range(5):
        await service.run(settings())
    sent = sum(len(v) for v in discord.posted.values())
    assert sent > 10
    assert len(discord.published) == 10
    assert await service.publish_pending() == sent - 10  # still within the hour: waits
    state = await seeded_store.digests.channel(CHANNEL)
    assert state is not None and "publish limit" in (state.error or "")
    # An hour later the rest goes out.
    await seeded_store.digests._db.execute(
        "UPDATE deliveries SET published_at = '2000-01-01T00:00:00+00:00'"
    )
    assert await service.publish_pending() == 0
    assert len(discord.published) == sent


# ---- alerts, a lost database, notes problems, why -------------------------------------

ALERTS = 9000
WITH_ALERTS = DigestDefaults(CHANNEL, time(9, 0), "Asia/Seoul", alert_channel_id=ALERTS)
FORBIDDEN = "403 Missing Permissions (code 50013)"


@pytest.fixture
def alarms() -> FakeDiscord:
    """Where alerts are posted (apart from the digest's Discord, whose failures are set)."""
    return FakeDiscord()


@pytest.fixture
def alerted(seeded_store: Store, discord: FakeDiscord, alarms: FakeDiscord) -> DigestService:
    return DigestService(seeded_store, discord, WITH_ALERTS, retry_delays=(), alert_sender=alarms)


def alerts_in(alarms: FakeDiscord) -> list[str]:
    return [m["content"] for m in alarms.posted.get(ALERTS, [])]


async def test_a_stopped_channel_is_alerted_once_until_resumed(
    alerted: DigestService, discord: FakeDiscord, alarms: FakeDiscord
) -> None:
    discord.failures = [DeliveryError(FORBIDDEN, permanent=True, code=50013)]
    await alerted.run(settings())
    await alerted.run(settings())  # stays stopped: nothing new to say
    await alerted.refresh_all(datetime.now(UTC))
    [alert] = alerts_in(alarms)
    assert f"<#{CHANNEL}>" in alert and "Missing Permissions" in alert and "resume" in alert
    await alerted.resume_channel(CHANNEL)
    discord.failures = [DeliveryError(FORBIDDEN, permanent=True, code=50013)]
    await alerted.run(settings())
    assert len(alerts_in(alarms)) == 2  # stopped again after a resume: said again


async def test_three_failed_runs_in_a_row_are_alerted_once(
    alerted: DigestService, discord: FakeDiscord, alarms: FakeDiscord
) -> None:
    discord.failures = [DeliveryError("502 Bad Gateway (code 0)")] * 4
    for _ in range(2):
        await alerted.run(settings())
    assert alerts_in(alarms) == []  # one or two failures are often a blip
    await alerted.run(settings())
    [alert] = alerts_in(alarms)
    assert "3" in alert and "502" in alert
    await alerted.run(settings())
    assert len(alerts_in(alarms)) == 1
    assert (await alerted.run(settings())).day == date(2024, 6, 12)  # success resets the count
    discord.failures = [DeliveryError("502 Bad Gateway (code 0)")] * 3
    for _ in range(2):
        await alerted.run(settings())
    assert len(alerts_in(alarms)) == 1
    await alerted.run(settings())  # three in a row again: said again
    assert len(alerts_in(alarms)) == 2


async def test_nothing_is_delivered_from_a_deleted_database(
    tmp_path: Path, seeds: Path, discord: FakeDiscord
) -> None:
    path = tmp_path / "db.sqlite3"
    async with Store.open(path) as store:
        await ingest(store, seeds)
        service = DigestService(store, discord, WITH_ALERTS, retry_delays=())
        assert await service.halted() is None
        path.unlink()
        outcome = await service.run(settings())
        assert outcome.day is None and "database" in outcome.note
        assert await service.halted() is not None
    assert discord.posted == {}


BROKEN_ENTRY = "2025-01-01\nA Paper Without Authors\nA note about it.\n#broken\n"
UNDATED = "2024년 6월 20\nSome Title\n(A. Author)\n#x\n"


async def test_notes_problems_of_days_still_to_go_out_are_alerted(
    tmp_path: Path, discord: FakeDiscord
) -> None:
    extra = {
        "900_new.txt": BROKEN_ENTRY,
        "901_old.txt": BROKEN_ENTRY.replace("2025-01-01", "2024-06-13"),
        "902_undated.txt": UNDATED,
    }
    async with library(tmp_path, discord, extra, WITH_ALERTS) as (store, service, notes):
        await store.digests.ensure_channel(CHANNEL, GUILD)
        await store.digests.set_start(CHANNEL, "2024-12-01")  # 2024-06-13 is not in the queue
        await service.alert_queued_problems([settings()])
        await service.alert_queued_problems([settings()])  # said once
        new, undated = sorted(alerts_in(discord), key=lambda text: "902_undated" in text)
        assert "900_new.txt:3" in new and "2025-01-01" in new and "authors" in new
        assert "902_undated.txt:1" in undated and "Nothing in" in undated
        assert "901_old.txt" not in new + undated
        # Fixed: the alert clears, and a new problem in that file is said again.
        (notes / "900_new.txt").write_text(BROKEN_ENTRY.replace("Authors\n", "Authors\n(A. B)\n"))
        await ingest(store, notes)
        await service.alert_queued_problems([settings()])
        assert not any("900_new" in k for k in service.alerts.policy.standing("notes:"))
        (notes / "900_new.txt").write_text(BROKEN_ENTRY)
        await ingest(store, notes)
        await service.alert_queued_problems([settings()])
        assert len(alerts_in(discord)) == 3


async def test_why_a_posted_day_and_entry_link_to_their_messages(
    service: DigestService, discord: FakeDiscord
) -> None:
    await service.run(settings())
    day = await service.why(settings(), "2024-06-12")
    [fate] = day.fates
    first = discord.posted[CHANNEL][0]
    assert (fate.state, fate.target_id, fate.message_id) == ("posted", CHANNEL, int(first["id"]))
    assert fate.edited_at is None and day.problems == ()
    entry = await service.why(settings(), "Simple and Effective Masked Diffusion Language Models")
    [fate] = entry.fates
    assert entry.subject == "Simple and Effective Masked Diffusion Language Models"
    holding = next(m for m in discord.posted[CHANNEL] if "2024-06-12 · 2/6" in str(m["embeds"]))
    assert fate.message_id == int(holding["id"])


async def test_why_an_entry_posted_in_a_compact_thread(
    service: DigestService, discord: FakeDiscord
) -> None:
    await service.run(settings(style="compact"))
    [fate] = (await service.why(settings(), "Simple and Effective Masked Diffusion")).fates
    (lead,) = discord.posted[CHANNEL]
    assert fate.target_id == int(lead["id"])  # the thread, which shares the lead's id
    thread = discord.posted[int(lead["id"])]
    assert fate.message_id in [int(m["id"]) for m in thread]


async def test_why_an_edited_day(tmp_path: Path, discord: FakeDiscord) -> None:
    async with library(tmp_path, discord) as (store, service, notes):
        await service.run(settings())
        path = notes / "000_16f820bf8340cb5c.txt"
        path.write_text(path.read_text().replace("#synthetic-data", "#synthetic-data #fixed"))
        await service.notes_changed((await ingest(store, notes)).changes.days)
        await service.refresh(CHANNEL, datetime.now(UTC))
        [fate] = (await service.why(settings(), "2024-06-12")).fates
        assert fate.state == "posted" and fate.edited_at is not None


async def test_why_waiting_days_know_their_place(service: DigestService) -> None:
    await service.run(settings())  # 2024-06-12 goes out
    [fate] = (await service.why(settings(), "2024-08-30")).fates
    assert (fate.state, fate.place) == ("waiting", 2)  # after 2024-06-18
    [fate] = (await service.why(settings(), "2024년 6월 18일")).fates
    assert (fate.state, fate.place) == ("waiting", 1)


async def test_why_a_failed_day_shows_discords_error(
    service: DigestService, discord: FakeDiscord
) -> None:
    discord.failures = [DeliveryError(FORBIDDEN, permanent=True, code=50013)]
    await service.run(settings())
    found = await service.why(settings(), "2024-06-12")
    [fate] = found.fates
    assert (fate.state, fate.error) == ("failed", FORBIDDEN)
    assert found.state.stopped


async def test_why_a_day_before_the_channels_start_was_skipped(
    service: DigestService, seeded_store: Store
) -> None:
    await seeded_store.digests.ensure_channel(CHANNEL, GUILD)
    await seeded_store.digests.set_start(CHANNEL, "latest")
    [fate] = (await service.why(settings(), "2024-06-12")).fates
    assert fate.state == "skipped"


async def test_why_unparsed_notes_name_file_and_line(tmp_path: Path, discord: FakeDiscord) -> None:
    extra = {"902_undated.txt": UNDATED, "2024-06-25.txt": "Another Title\n(B. Author)\n#y\n"}
    async with library(tmp_path, discord, extra) as (_, service, _):
        undated = await service.why(settings(), "2024-06-20")
        assert undated.fates == ()
        assert [(p.source, p.line) for p in undated.problems] == [("902_undated.txt", 1)]
        headless = await service.why(settings(), "2024-06-25")
        assert [(p.source, p.line) for p in headless.problems] == [("2024-06-25.txt", 1)]
        nothing = await service.why(settings(), "qqq zzz nothing like it")
        assert nothing.fates == () and nothing.problems == ()


async def test_why_an_entry_lists_the_problems_of_its_lines(
    tmp_path: Path, discord: FakeDiscord
) -> None:
    fine_first = "2025-01-01\nA Fine Paper\n(C. Author)\nFine.\n#fine\n\n" + BROKEN_ENTRY[11:]
    async with library(tmp_path, discord, {"900_new.txt": fine_first}) as (_, service, _):
        broken = await service.why(settings(), "A Paper Without Authors")
        assert [(p.source, p.line) for p in broken.problems] == [("900_new.txt", 8)]
        assert [f.state for f in broken.fates] == ["waiting"]
        fine = await service.why(settings(), "A Fine Paper")
        assert fine.problems == ()


async def test_operator_counts_stopped_channels_and_open_parts(
    seeded_store: Store, discord: FakeDiscord
) -> None:
    service = DigestService(seeded_store, discord, DEFAULTS, retry_delays=())
    digests = seeded_store.digests
    discord.failures = [DeliveryError(FORBIDDEN, permanent=True, code=50013)]
    await service.run(settings(channel=OTHER))
    assert await digests.stopped_channels() == 1
    assert await digests.pending_parts() == 1  # the refused part: 'sending' until resumed
    discord.kill_after_send = 1  # part 0 reached Discord, the ledger still says 'sending'
    with pytest.raises(Killed):
        await service.run(settings())
    assert await digests.pending_parts() == 2
    discord.kill_after_send = None
    discord.announcement.add(CHANNEL)
    discord.failures = [DeliveryError("rate limited for 3500s")]  # the first publish waits
    await service.run(settings())
    assert await digests.pending_parts() == 2
    await service.publish_pending()
    assert await digests.pending_parts() == 1
    await service.resume_channel(OTHER)
    await service.run(settings(channel=OTHER))
    await service.run(settings(channel=3000, style="compact"))  # thread parts: never published
    assert (await digests.stopped_channels(), await digests.pending_parts()) == (0, 0)


async def test_a_servers_alert_channel_is_a_setting(seeded_store: Store) -> None:
    await seeded_store.digests.update_guild(GUILD, alert_channel_id=ALERTS)
    row = await seeded_store.digests.guild(GUILD)
    assert row is not None and row.alert_channel_id == ALERTS and row.channel_id is None
    await seeded_store.digests.update_guild(GUILD, alert_channel_id=None)
    row = await seeded_store.digests.guild(GUILD)
    assert row is not None and row.alert_channel_id is None


@pytest.mark.parametrize(
    ("number", "en", "ko"),
    [
        (1, "1st", "1번째"),
        (2, "2nd", "2번째"),
        (3, "3rd", "3번째"),
        (4, "4th", "4번째"),
        (11, "11th", "11번째"),
        (12, "12th", "12번째"),
        (22, "22nd", "22번째"),
        (113, "113th", "113번째"),
    ],
)
def test_places_in_line_read_naturally(number: int, en: str, ko: str) -> None:
    assert (ordinal(number, "en-US"), ordinal(number, "ko")) == (en, ko)
