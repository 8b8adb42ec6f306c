"""The digest state machine on a real store, against a recording stand-in for Discord.

The stand-in here implements only the `DigestSender` protocol (ids, nonce dedupe,
announcement channels, threads, failures); the end-to-end tests drive the same
service through discord.py and the local Discord stand-in.
"""

from __future__ import annotations

import itertools
import shutil
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest

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


async def test_changed_notes_edit_the_posted_message(
    tmp_path: Path, seeds: Path, discord: FakeDiscord
) -> None:
    notes = tmp_path / "notes"
    shutil.copytree(seeds, notes)
    async with Store.open(tmp_path / "db.sqlite3") as store:
        await ingest(store, notes)
        service = DigestService(store, discord, DEFAULTS, retry_delays=())
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
    tmp_path: Path, seeds: Path, discord: FakeDiscord
) -> None:
    notes = tmp_path / "notes"
    shutil.copytree(seeds, notes)
    discord.announcement.add(CHANNEL)
    async with Store.open(tmp_path / "db.sqlite3") as store:
        await ingest(store, notes)
        service = DigestService(store, discord, DEFAULTS, retry_delays=())
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
