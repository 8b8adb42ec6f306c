"""APScheduler jobs: each server's daily digest, catch-up after downtime, the notes watcher.

APScheduler's `CronTrigger` with the server's IANA zone computes every fire time
(DST and midnight included); no loop here counts time by hand. Jobs are rebuilt
whenever a server's settings change. What happened while the process was down
is not in APScheduler's memory, so `catch_up` compares each channel's last served
run (in the store) with the trigger's most recent fire time.

The notes watcher is the bot's minute-by-minute check. It first asks whether the
database is still the file the bot opened: if it was deleted or replaced, that is one
CRITICAL line, /healthz turns 503 and nothing is delivered (the digest service refuses
too), rather than a new, empty database starting every channel over from day one. An
ingest that would remove most of the library is refused and alerted, never applied.
A failing check is one log line when it starts failing, not a traceback a minute.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger

from bot.adapters.health import HealthState
from bot.adapters.metrics import Metrics
from bot.services.alerts import Alert
from bot.services.digest import DigestService, Effective, Outcome
from bot.services.ingest import MassRemoval, ingest

log = logging.getLogger(__name__)

GuildLister = Callable[[], list[tuple[int, int | None]]]
WATCH_SECONDS = 60


class DailyTrigger(CronTrigger):  # type: ignore[misc]  # APScheduler has no type hints
    """A cron trigger that fires once per local day.

    When clocks go back, a time in the repeated hour (01:30 in New York on the first
    Sunday of November) happens twice, and `CronTrigger` fires at both: the second fire
    of a local day is skipped here.
    """

    def get_next_fire_time(
        self, previous_fire_time: datetime | None, now: datetime
    ) -> datetime | None:
        """The next fire time after `now` on a later local day than `previous_fire_time`."""
        fire: datetime | None = super().get_next_fire_time(previous_fire_time, now)
        if previous_fire_time is not None and fire is not None:
            local = previous_fire_time.astimezone(self.timezone).date()
            if fire.astimezone(self.timezone).date() == local:
                fire = super().get_next_fire_time(fire, _after(fire))
        return fire


def _after(fire: datetime) -> datetime:
    """Just after `fire`, counted in UTC: one second after a local time in a repeated hour
    is the same wall-clock time, so stepping in local time never moves on."""
    return fire.astimezone(UTC) + timedelta(seconds=1)


def digest_trigger(settings: Effective) -> CronTrigger:
    """Every day at the server's time, in the server's time zone."""
    return DailyTrigger(
        hour=settings.time.hour, minute=settings.time.minute, timezone=ZoneInfo(settings.timezone)
    )


def last_fire(trigger: CronTrigger, now: datetime) -> datetime | None:
    """The trigger's most recent fire time at or before `now` (within two days)."""
    fire = trigger.get_next_fire_time(None, now - timedelta(days=2))
    previous = None
    while fire is not None and fire <= now:
        previous = fire
        fire = trigger.get_next_fire_time(fire, _after(fire))
    return previous


class DigestScheduler:
    """Owns the AsyncIOScheduler; started and stopped with the digest cog."""

    def __init__(
        self,
        service: DigestService,
        guilds: GuildLister,
        notes_dir: Path,
        *,
        health: HealthState,
        metrics: Metrics,
        watch_seconds: float = WATCH_SECONDS,
    ) -> None:
        self._service = service
        self._guilds = guilds
        self._notes_dir = notes_dir
        self._health = health
        self._metrics = metrics
        self._watch_seconds = watch_seconds
        self._watching = asyncio.Lock()
        self._trouble: str | None = None  # the watcher's last failure, logged once
        self._database_problem: str | None = None
        self.scheduler = AsyncIOScheduler(timezone=UTC)

    def start(self) -> None:
        """Start the scheduler and the notes watcher (digest jobs come from `sync_all`)."""
        self.scheduler.add_job(
            self.watch_notes,
            "interval",
            seconds=self._watch_seconds,
            id="notes-watcher",
            coalesce=True,
            max_instances=1,
        )
        self.scheduler.start()
        self._health.scheduler_running = True

    def shutdown(self) -> None:
        """Stop firing; a job already running finishes on its own."""
        self._health.scheduler_running = False
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)

    def _default_channel(self, guild_id: int) -> int | None:
        return dict(self._guilds()).get(guild_id)

    async def effective(self, guild_id: int) -> Effective:
        """A server's settings, the operator's channel included when it is in that server."""
        return await self._service.effective(guild_id, self._default_channel(guild_id))

    async def sync(self, guild_id: int) -> Effective:
        """(Re)build one server's digest job from its current settings."""
        settings = await self.effective(guild_id)
        job_id = f"digest:{guild_id}"
        if self.scheduler.get_job(job_id):
            self.scheduler.remove_job(job_id)
        if settings.channel_id is not None and not settings.paused:
            self.scheduler.add_job(
                self.fire,
                digest_trigger(settings),
                args=[guild_id],
                id=job_id,
                coalesce=True,
                max_instances=1,
                misfire_grace_time=3600,
            )
            log.info(
                "digest for guild %s: %s %s → channel %s",
                guild_id,
                settings.time.strftime("%H:%M"),
                settings.timezone,
                settings.channel_id,
            )
        return settings

    async def sync_all(self) -> None:
        """Build every server's job, then post what downtime made us miss."""
        for guild_id, _ in self._guilds():
            await self.sync(guild_id)
        await self.catch_up()

    def next_run(self, guild_id: int) -> datetime | None:
        """When the server's next digest is due, if it is scheduled."""
        job = self.scheduler.get_job(f"digest:{guild_id}")
        return job.next_run_time if job else None

    def nth_run(self, guild_id: int, nth: int) -> datetime | None:
        """When the server's `nth` run from now (1: the next) is due, if scheduled."""
        job = self.scheduler.get_job(f"digest:{guild_id}")
        fire = job.next_run_time if job else None
        for _ in range(nth - 1):
            if fire is None:
                break
            fire = job.trigger.get_next_fire_time(fire, _after(fire))
        return fire

    async def run(
        self, settings: Effective, late: bool = False, fire: datetime | None = None
    ) -> Outcome:
        """One digest run (scheduled, catch-up or post-now), counted in the metrics."""
        outcome = await self._service.run(settings, late=late, fire=fire)
        if outcome.day is not None:
            self._metrics.digest_succeeded(datetime.now(UTC))
        return outcome

    async def fire(self, guild_id: int) -> None:
        """The scheduled run (APScheduler calls it at the server's time)."""
        settings = await self.effective(guild_id)
        now = datetime.now(UTC)
        fire = last_fire(digest_trigger(settings), now) or now
        outcome = await self.run(settings, fire=fire)
        log.info("digest run for guild %s: %s", guild_id, outcome)

    async def catch_up(self, now: datetime | None = None) -> None:
        """Post once, marked late, for each server whose last scheduled run was missed,
        and finish any digest a crash interrupted.

        Only the most recent missed run counts (one digest, not one per missed day);
        the next scheduled run continues the queue.
        """
        now = now or datetime.now(UTC)
        if (problem := await self._service.halted()) is not None:
            log.error("no catch-up: the database is not usable: %s", problem)
            return
        for guild_id, _ in self._guilds():
            settings = await self.effective(guild_id)
            if settings.channel_id is None or settings.paused:
                continue
            due = last_fire(digest_trigger(settings), now)
            state = await self._service.channel_state(settings)
            if due is not None and (state.last_fire is None or state.last_fire < due):
                log.info("guild %s missed its digest at %s; posting it late", guild_id, due)
                outcome = await self.run(settings, late=True, fire=due)
            elif await self._service.interrupted(settings.channel_id):
                # Stopped mid-digest (crash, kill): finish it now rather than tomorrow.
                outcome = await self.run(settings)
            else:
                continue
            log.info("catch-up for guild %s: %s", guild_id, outcome)

    async def watch_notes(self) -> None:
        """The periodic check (also run at once on SIGHUP): database first, then the notes.

        One check at a time: a SIGHUP during a scheduled check waits for it, then reads
        the folder again.
        """
        async with self._watching:
            try:
                await self._check()
            except (OSError, sqlite3.Error) as error:
                self._metrics.ingest("error")
                self._failing(f"the notes check failed: {error}")
                if isinstance(error, OSError):
                    alert = Alert("notes-folder", "alert.notes_folder", {"error": str(error)})
                    await self._service.alerts.notify(alert)

    async def _check(self) -> None:
        if not await self._database_usable():
            return
        service = self._service
        try:
            report = await ingest(service.store, self._notes_dir)
        except MassRemoval as refused:
            self._metrics.ingest("refused")
            self._failing(f"notes check refused: {refused}")
            values = {"removing": refused.removing, "total": refused.total}
            await service.alerts.notify(Alert("mass-removal", "alert.mass_removal", values))
            return
        self._metrics.ingest("ok", len(report.problems))
        if self._trouble is not None:
            log.info("the notes check works again")
            self._trouble = None
        service.alerts.resolve("mass-removal")
        service.alerts.resolve("notes-folder")
        if report.files_changed or report.files_removed:
            log.info("notes changed: %s", "; ".join(report.lines()[:2]))
            await service.notes_changed(report.changes.days)
        await service.refresh_all(datetime.now(UTC))
        await service.publish_pending()
        await service.alert_queued_problems([await self.effective(g) for g, _ in self._guilds()])

    async def _database_usable(self) -> bool:
        """Whether the database is still the one opened; a change is logged and alerted once."""
        problem = await self._service.halted()
        if problem == self._database_problem:
            return problem is None
        self._database_problem = self._health.database_problem = problem
        if problem is None:
            log.warning("the database is usable again; digests resume")
            self._service.alerts.resolve("database")
            return True
        log.critical("%s; no digest goes out until then (none starts over from day one)", problem)
        await self._service.alerts.notify(Alert("database", "alert.database", {"reason": problem}))
        return False

    def _failing(self, reason: str) -> None:
        """Log a failing check once, not again each minute while it fails the same way."""
        if reason != self._trouble:
            log.error("%s", reason)
            self._trouble = reason
