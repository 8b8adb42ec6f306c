"""Scheduling with the real APScheduler: time zones, midnight in Seoul, catch-up."""

from __future__ import annotations

import asyncio
import logging
import shutil
from datetime import UTC, date, datetime, time, timedelta
from itertools import count
from pathlib import Path
from unittest.mock import patch
from zoneinfo import ZoneInfo

import pytest
from apscheduler.triggers.cron import CronTrigger

from bot.adapters.health import HealthState
from bot.adapters.metrics import Metrics
from bot.adapters.scheduler import DigestScheduler, digest_trigger, last_fire
from bot.services.digest import DigestDefaults, DigestService, Effective
from bot.store import Store
from tests.test_digest_service import FakeDiscord

SEOUL = ZoneInfo("Asia/Seoul")
GUILD, CHANNEL = 1, 1000


def effective(at: time, tz: str = "Asia/Seoul") -> Effective:
    return Effective(GUILD, CHANNEL, at, tz, "both", "full", False)


def test_midnight_in_seoul_fires_once_a_day_at_1500_utc() -> None:
    trigger = digest_trigger(effective(time(0, 0)))
    fire = trigger.get_next_fire_time(None, datetime(2024, 6, 11, 14, 0, tzinfo=UTC))
    fires = []
    for _ in range(10):
        assert fire is not None
        fires.append(fire)
        fire = trigger.get_next_fire_time(fire, fire + timedelta(seconds=1))
    assert [f.astimezone(UTC).hour for f in fires] == [15] * 10
    assert [f.astimezone(SEOUL).date() for f in fires] == [
        date(2024, 6, 12) + timedelta(days=i) for i in range(10)
    ]


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (datetime(2024, 6, 12, 15, 0, 0, tzinfo=UTC), datetime(2024, 6, 12, 15, 0, tzinfo=UTC)),
        (datetime(2024, 6, 12, 14, 59, 59, tzinfo=UTC), datetime(2024, 6, 11, 15, 0, tzinfo=UTC)),
        (datetime(2024, 6, 12, 23, 0, 0, tzinfo=UTC), datetime(2024, 6, 12, 15, 0, tzinfo=UTC)),
    ],
)
def test_last_fire_around_seoul_midnight(now: datetime, expected: datetime) -> None:
    assert last_fire(digest_trigger(effective(time(0, 0))), now) == expected


@pytest.mark.parametrize(
    ("at", "first"),
    [
        pytest.param(time(2, 30), date(2024, 3, 8), id="02:30 missing on 03-10"),
        pytest.param(
            time(1, 30),
            date(2024, 11, 1),
            id="01:30 twice on 11-03",
        ),
    ],
)
def test_dst_transitions_neither_loop_nor_skip(at: time, first: date) -> None:
    new_york = ZoneInfo("America/New_York")
    trigger = digest_trigger(effective(at, "America/New_York"))
    days = [first + timedelta(days=i) for i in range(6)]
    fires: list[datetime] = []
    fire = trigger.get_next_fire_time(None, datetime.combine(first, time(0), new_york))
    while fire is not None and fire.astimezone(new_york).date() <= days[-1] and len(fires) < 9:
        fires.append(fire)
        # As APScheduler asks after running a job: its clock is in UTC.
        fire = trigger.get_next_fire_time(fire, fire.astimezone(UTC) + timedelta(seconds=1))
    assert [f.astimezone(new_york).date() for f in fires] == days  # each day once
    original = CronTrigger.get_next_fire_time
    asked = count()

    def bounded(self: CronTrigger, previous: datetime | None, now: datetime) -> datetime | None:
        assert next(asked) < 100, "fire times stopped moving forward"
        following: datetime | None = original(self, previous, now)
        return following

    with patch.object(CronTrigger, "get_next_fire_time", bounded):
        for fire in fires:  # what a run at that fire, or a catch-up soon after, looks up
            assert last_fire(trigger, fire.astimezone(UTC) + timedelta(minutes=5)) == fire


@pytest.fixture
def discord() -> FakeDiscord:
    return FakeDiscord()


def scheduler_for(
    service: DigestService,
    notes: Path,
    health: HealthState | None = None,
    metrics: Metrics | None = None,
    watch_seconds: float = 60,
) -> DigestScheduler:
    """A scheduler of one server whose digest channel is CHANNEL."""
    return DigestScheduler(
        service,
        lambda: [(GUILD, CHANNEL)],
        notes,
        health=health or HealthState(),
        metrics=metrics or Metrics(),
        watch_seconds=watch_seconds,
    )


async def test_catch_up_posts_once_marked_late(
    seeded_store: Store, discord: FakeDiscord, tmp_path: Path
) -> None:
    defaults = DigestDefaults(CHANNEL, time(0, 0), "Asia/Seoul")
    service = DigestService(seeded_store, discord, defaults, retry_delays=())
    scheduler = scheduler_for(service, tmp_path)
    await seeded_store.digests.ensure_channel(CHANNEL, GUILD)
    # The bot was last up three days ago: runs at three Seoul midnights were missed.
    await seeded_store.digests.record_fire(CHANNEL, datetime.now(UTC) - timedelta(days=3))
    await scheduler.catch_up()
    assert len(discord.posted[CHANNEL]) >= 1
    assert "posted late" in discord.posted[CHANNEL][0]["content"]
    posted = len(discord.posted[CHANNEL])
    await scheduler.catch_up()  # one catch-up, not one per missed day
    assert len(discord.posted[CHANNEL]) == posted
    state = await seeded_store.digests.channel(CHANNEL)
    assert state is not None and state.cursor == date(2024, 6, 12)


async def test_new_channel_does_not_count_earlier_runs_as_missed(
    seeded_store: Store, discord: FakeDiscord, tmp_path: Path
) -> None:
    defaults = DigestDefaults(CHANNEL, time(0, 0), "Asia/Seoul")
    service = DigestService(seeded_store, discord, defaults, retry_delays=())
    scheduler = scheduler_for(service, tmp_path)
    await scheduler.catch_up()
    assert discord.posted == {}


async def test_jobs_follow_settings_and_fire_for_real(
    seeded_store: Store, discord: FakeDiscord, tmp_path: Path
) -> None:
    defaults = DigestDefaults(CHANNEL, time(9, 0), "Asia/Seoul")
    service = DigestService(seeded_store, discord, defaults, retry_delays=())
    health = HealthState()
    scheduler = scheduler_for(service, tmp_path, health, watch_seconds=3600)
    scheduler.start()
    assert health.scheduler_running
    try:
        await scheduler.sync_all()
        next_run = scheduler.next_run(GUILD)
        assert next_run is not None and next_run.astimezone(SEOUL).time() == time(9, 0)
        await seeded_store.digests.update_guild(GUILD, digest_time="21:30", timezone="UTC")
        await scheduler.sync(GUILD)
        moved = scheduler.next_run(GUILD)
        assert moved is not None and (moved.hour, moved.minute, moved.utcoffset()) == (
            21,
            30,
            timedelta(0),
        )
        await seeded_store.digests.update_guild(GUILD, paused=1)
        await scheduler.sync(GUILD)
        assert scheduler.next_run(GUILD) is None
        # APScheduler really runs the job: move it to now and let the loop fire it.
        await seeded_store.digests.update_guild(GUILD, paused=0)
        await scheduler.sync(GUILD)
        scheduler.scheduler.modify_job(f"digest:{GUILD}", next_run_time=datetime.now(UTC))
        for _ in range(100):
            if discord.posted:
                break
            await asyncio.sleep(0.05)
        assert "2024-06-12" in discord.posted[CHANNEL][0]["content"]
    finally:
        scheduler.shutdown()
    assert not health.scheduler_running


async def test_catch_up_finishes_an_interrupted_digest(
    seeded_store: Store, discord: FakeDiscord, tmp_path: Path
) -> None:
    from tests.test_digest_service import Killed, settings

    defaults = DigestDefaults(CHANNEL, time(0, 0), "Asia/Seoul")
    service = DigestService(seeded_store, discord, defaults, retry_delays=())
    discord.kill_after_send = 1
    with pytest.raises(Killed):
        await service.run(settings())
    scheduler = scheduler_for(service, tmp_path)
    await scheduler.catch_up()  # what the restarted bot does once connected
    embeds = [e for m in discord.posted[CHANNEL] for e in m["embeds"]]
    assert len(embeds) == 6
    assert "posted late" not in discord.posted[CHANNEL][0]["content"]


# ---- the notes watcher: refusals, a lost database, failures as one line ----------------

ALERTS = 9000


def sample(metrics: Metrics, name: str, **labels: str) -> float | None:
    return metrics.registry.get_sample_value(name, labels)


def records(caplog: pytest.LogCaptureFixture, level: str) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelname == level]


async def test_a_mass_removal_is_refused_alerted_and_the_watcher_carries_on(
    tmp_path: Path, seeds: Path, discord: FakeDiscord, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot")
    notes = tmp_path / "notes"
    shutil.copytree(seeds, notes)
    defaults = DigestDefaults(CHANNEL, time(9, 0), "Asia/Seoul", alert_channel_id=ALERTS)
    async with Store.open(tmp_path / "db.sqlite3") as store:
        service = DigestService(store, discord, defaults, retry_delays=())
        metrics = Metrics()
        scheduler = scheduler_for(service, notes, metrics=metrics)
        await scheduler.watch_notes()
        before = await store.stats()
        moved = tmp_path / "moved"
        shutil.move(notes, moved)
        notes.mkdir()  # an empty mount point: every paper would go
        for _ in range(2):
            await scheduler.watch_notes()
        assert await store.stats() == before
        [error] = records(caplog, "ERROR")
        assert "refus" in error and str(before.papers) in error
        [alert] = [m["content"] for m in discord.posted[ALERTS]]
        assert f"{before.papers}" in alert and "notes folder" in alert
        assert sample(metrics, "paperbot_ingest_runs_total", outcome="refused") == 2
        notes.rmdir()
        shutil.move(moved, notes)
        await scheduler.watch_notes()
        assert "the notes check works again" in records(caplog, "INFO")
        assert sample(metrics, "paperbot_ingest_runs_total", outcome="ok") == 2
        assert "mass-removal" not in service.alerts.policy.standing("")


async def test_a_deleted_database_is_critical_once_and_nothing_goes_out(
    tmp_path: Path, seeds: Path, discord: FakeDiscord, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "db.sqlite3"
    defaults = DigestDefaults(CHANNEL, time(0, 0), "Asia/Seoul", alert_channel_id=ALERTS)
    async with Store.open(path) as store:
        service = DigestService(store, discord, defaults, retry_delays=())
        health = HealthState()
        scheduler = scheduler_for(service, seeds, health)
        await scheduler.watch_notes()
        await store.digests.ensure_channel(CHANNEL, GUILD)
        await store.digests.record_fire(CHANNEL, datetime.now(UTC) - timedelta(days=3))
        path.unlink()
        await scheduler.watch_notes()
        await scheduler.watch_notes()
        [critical] = records(caplog, "CRITICAL")
        assert "database" in critical and health.database_problem is not None
        assert "deleted" in health.database_problem
        [alert] = [m["content"] for m in discord.posted[ALERTS]]
        assert "Digests are stopped" in alert and "deleted" in alert
        await scheduler.catch_up()  # a missed run: refused, not posted late
        assert any("no catch-up" in line for line in records(caplog, "ERROR"))
        await scheduler.fire(GUILD)
        outcome = await scheduler.run(await scheduler.effective(GUILD))
        assert "database" in outcome.note
    assert CHANNEL not in discord.posted


async def test_an_unreadable_notes_folder_is_one_line_not_a_traceback(
    tmp_path: Path, seeds: Path, discord: FakeDiscord, caplog: pytest.LogCaptureFixture
) -> None:
    notes = tmp_path / "notes"
    defaults = DigestDefaults(CHANNEL, time(9, 0), "Asia/Seoul", alert_channel_id=ALERTS)
    async with Store.open(tmp_path / "db.sqlite3") as store:
        service = DigestService(store, discord, defaults, retry_delays=())
        metrics = Metrics()
        scheduler = scheduler_for(service, notes, metrics=metrics)
        for _ in range(3):
            await scheduler.watch_notes()
        [error] = [r for r in caplog.records if r.levelname == "ERROR"]
        assert "NOTES_DIR" in error.getMessage() and error.exc_info is None
        assert sample(metrics, "paperbot_ingest_runs_total", outcome="error") == 3
        [alert] = [m["content"] for m in discord.posted[ALERTS]]
        assert "notes folder" in alert
        shutil.copytree(seeds, notes)
        await scheduler.watch_notes()
        assert (await store.stats()).papers > 0


async def test_a_digest_run_is_recorded_in_the_metrics(
    seeded_store: Store, discord: FakeDiscord, tmp_path: Path
) -> None:
    service = DigestService(seeded_store, discord, DigestDefaults(CHANNEL, time(9), "UTC"))
    metrics = Metrics()
    scheduler = scheduler_for(service, tmp_path, metrics=metrics)
    name = "paperbot_last_digest_success_timestamp_seconds"
    assert sample(metrics, name) == 0
    await scheduler.run(await scheduler.effective(GUILD))
    assert (sample(metrics, name) or 0) > 0


async def test_the_nth_run_follows_the_servers_schedule(
    seeded_store: Store, discord: FakeDiscord, tmp_path: Path
) -> None:
    service = DigestService(seeded_store, discord, DigestDefaults(CHANNEL, time(9), "UTC"))
    scheduler = scheduler_for(service, tmp_path, watch_seconds=3600)
    scheduler.start()
    try:
        await scheduler.sync(GUILD)
        first, third = scheduler.nth_run(GUILD, 1), scheduler.nth_run(GUILD, 3)
        assert first is not None and first == scheduler.next_run(GUILD)
        assert third == first + timedelta(days=2)
    finally:
        scheduler.shutdown()
