"""APScheduler jobs: each server's daily digest, catch-up after downtime, the notes watcher.

APScheduler's `CronTrigger` with the server's IANA zone computes every fire time
(DST and midnight included); no loop here counts time by hand. Jobs are rebuilt
whenever a server's settings change. What happened while the process was down
is not in APScheduler's memory, so `catch_up` compares each channel's last served
run (in the store) with the trigger's most recent fire time.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger

from bot.services.digest import DigestService, Effective
from bot.services.ingest import ingest

log = logging.getLogger(__name__)

GuildLister = Callable[[], list[tuple[int, int | None]]]
WATCH_SECONDS = 60


def digest_trigger(settings: Effective) -> CronTrigger:
    """Every day at the server's time, in the server's time zone."""
    return CronTrigger(
        hour=settings.time.hour, minute=settings.time.minute, timezone=ZoneInfo(settings.timezone)
    )


def last_fire(trigger: CronTrigger, now: datetime) -> datetime | None:
    """The trigger's most recent fire time at or before `now` (within two days)."""
    fire = trigger.get_next_fire_time(None, now - timedelta(days=2))
    previous = None
    while fire is not None and fire <= now:
        previous = fire
        fire = trigger.get_next_fire_time(fire, fire + timedelta(seconds=1))
    return previous


class DigestScheduler:
    """Owns the AsyncIOScheduler; started and stopped with the digest cog."""

    def __init__(
        self,
        service: DigestService,
        guilds: GuildLister,
        notes_dir: Path,
        on_notes_changed: Callable[[], Awaitable[None]] | None = None,
        watch_seconds: float = WATCH_SECONDS,
    ) -> None:
        self._service = service
        self._guilds = guilds
        self._notes_dir = notes_dir
        self._on_notes_changed = on_notes_changed
        self._watch_seconds = watch_seconds
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

    def shutdown(self) -> None:
        """Stop firing; a job already running finishes on its own."""
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

    async def fire(self, guild_id: int) -> None:
        """The scheduled run (APScheduler calls it at the server's time)."""
        settings = await self.effective(guild_id)
        now = datetime.now(UTC)
        fire = last_fire(digest_trigger(settings), now) or now
        outcome = await self._service.run(settings, fire=fire)
        log.info("digest run for guild %s: %s", guild_id, outcome)

    async def catch_up(self, now: datetime | None = None) -> None:
        """Post once, marked late, for each server whose last scheduled run was missed,
        and finish any digest a crash interrupted.

        Only the most recent missed run counts (one digest, not one per missed day);
        the next scheduled run continues the queue.
        """
        now = now or datetime.now(UTC)
        for guild_id, _ in self._guilds():
            settings = await self.effective(guild_id)
            if settings.channel_id is None or settings.paused:
                continue
            due = last_fire(digest_trigger(settings), now)
            state = await self._service.channel_state(settings)
            if due is not None and (state.last_fire is None or state.last_fire < due):
                log.info("guild %s missed its digest at %s; posting it late", guild_id, due)
                outcome = await self._service.run(settings, late=True, fire=due)
            elif await self._service.interrupted(settings.channel_id):
                # Stopped mid-digest (crash, kill): finish it now rather than tomorrow.
                outcome = await self._service.run(settings)
            else:
                continue
            log.info("catch-up for guild %s: %s", guild_id, outcome)

    async def watch_notes(self) -> None:
        """Re-ingest changed notes files, edit posted digests of changed days, and publish
        what had to wait for Discord's publish limit."""
        try:
            report = await ingest(self._service.store, self._notes_dir)
        except OSError as error:
            log.error("could not read the notes folder: %s", error)
            return
        if report.files_changed or report.files_removed:
            log.info("notes changed: %s", "; ".join(report.lines()[:2]))
            await self._service.notes_changed(report.changes.days)
            if self._on_notes_changed is not None:
                await self._on_notes_changed()
        await self._service.refresh_all(datetime.now(UTC))
        await self._service.publish_pending()
