"""Digest settings, channel cursors and the delivery ledger.

The ledger is what makes delivery exactly-once: a part is recorded as 'sending'
(with its deterministic nonce) before the request and as 'sent' with Discord's
message id after it, each in its own committed transaction. After a crash, a
'sending' part is the only one whose fate is unknown, and the digest service
resolves it before sending anything else.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from bot.core.notes import Problem
from bot.store.base import Database

GUILD_FIELDS = (
    "channel_id",
    "digest_time",
    "timezone",
    "language",
    "style",
    "paused",
    "alert_channel_id",
)
# Column names are the constants above, never input.
GUILD_SELECT = f"SELECT guild_id, {', '.join(GUILD_FIELDS)} FROM guild_settings"  # noqa: S608


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True, slots=True)
class GuildRow:
    """A server's own settings; None means "the operator's default"."""

    guild_id: int
    channel_id: int | None
    digest_time: str | None
    timezone: str | None
    language: str | None
    style: str | None
    paused: bool
    alert_channel_id: int | None


@dataclass(frozen=True, slots=True)
class AlertChannel:
    """A server's channel for operator alerts, with the server's language setting."""

    guild_id: int
    channel_id: int
    language: str | None


@dataclass(frozen=True, slots=True)
class FileProblems:
    """A notes file with problems, and the days of notes read from it (none if unreadable)."""

    source: str
    days: tuple[date, ...]
    problems: tuple[Problem, ...]


@dataclass(frozen=True, slots=True)
class ChannelState:
    """A digest channel's position and health."""

    channel_id: int
    guild_id: int
    start: str
    cursor: date | None
    last_fire: datetime | None
    error: str | None
    error_at: datetime | None
    stopped: bool


@dataclass(frozen=True, slots=True)
class DigestRow:
    """One day's digest in one channel."""

    channel_id: int
    day: date
    style: str
    language: str
    late: bool
    thread_id: int | None
    completed: bool


@dataclass(frozen=True, slots=True)
class Delivery:
    """One message of a digest, as the ledger knows it."""

    part: int
    target_id: int
    nonce: str
    payload_hash: str
    sent: bool
    message_id: int | None
    publish: str  # 'pending', 'done' or 'not-announcement'
    edited_at: datetime | None

    @property
    def published(self) -> bool:
        """Crossposted to following servers (edits of it are rate-limited by Discord)."""
        return self.publish == "done"


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _guild(row: Any) -> GuildRow:
    guild_id, channel_id, digest_time, timezone, language, style, paused, alerts = row
    return GuildRow(
        guild_id, channel_id, digest_time, timezone, language, style, bool(paused), alerts
    )


class DigestStore(Database):
    """Settings and ledger tables; shares the library's connection and write lock."""

    # ---- settings -----------------------------------------------------------

    async def guild(self, guild_id: int) -> GuildRow | None:
        """A server's settings row, if it changed anything."""
        rows = list(await self._rows(f"{GUILD_SELECT} WHERE guild_id = ?", (guild_id,)))
        return _guild(rows[0]) if rows else None

    async def guilds(self) -> list[GuildRow]:
        """Every server that changed a setting."""
        rows = await self._rows(f"{GUILD_SELECT} ORDER BY guild_id")
        return [_guild(r) for r in rows]

    async def alert_channels(self) -> list[AlertChannel]:
        """Every server's alert channel (servers without one are left out)."""
        rows = await self._rows(
            "SELECT guild_id, alert_channel_id, language FROM guild_settings"
            " WHERE alert_channel_id IS NOT NULL ORDER BY guild_id"
        )
        return [AlertChannel(guild, channel, language) for guild, channel, language in rows]

    async def update_guild(self, guild_id: int, **values: Any) -> None:
        """Set some of a server's settings (names from `GUILD_FIELDS`)."""
        unknown = set(values) - set(GUILD_FIELDS)
        if unknown:
            raise ValueError(f"unknown guild settings: {sorted(unknown)}")
        async with self._transaction():
            await self._db.execute(
                "INSERT INTO guild_settings (guild_id, updated_at) VALUES (?, ?)"
                " ON CONFLICT (guild_id) DO NOTHING",
                (guild_id, _now()),
            )
            for name, value in values.items():
                # Column names come from GUILD_FIELDS above, never from input.
                await self._db.execute(
                    f"UPDATE guild_settings SET {name} = ?, updated_at = ? WHERE guild_id = ?",  # noqa: S608
                    (value, _now(), guild_id),
                )

    # ---- channels -----------------------------------------------------------

    async def channel(self, channel_id: int) -> ChannelState | None:
        """A digest channel's state."""
        rows = list(
            await self._rows(
                "SELECT channel_id, guild_id, start, cursor, last_fire, error, error_at, stopped"
                " FROM digest_channels WHERE channel_id = ?",
                (channel_id,),
            )
        )
        if not rows:
            return None
        cid, gid, start, cursor, fire, error, error_at, stopped = rows[0]
        return ChannelState(
            cid,
            gid,
            start,
            date.fromisoformat(cursor) if cursor else None,
            _dt(fire),
            error,
            _dt(error_at),
            bool(stopped),
        )

    async def ensure_channel(self, channel_id: int, guild_id: int) -> ChannelState:
        """The channel's state, created (at the archive's start) on first use."""
        async with self._transaction():
            # last_fire starts now: runs scheduled before the channel existed are not "missed".
            await self._db.execute(
                "INSERT INTO digest_channels (channel_id, guild_id, last_fire) VALUES (?, ?, ?)"
                " ON CONFLICT (channel_id) DO UPDATE SET guild_id = excluded.guild_id",
                (channel_id, guild_id, _now()),
            )
        state = await self.channel(channel_id)
        assert state is not None
        return state

    async def set_start(self, channel_id: int, start: str) -> None:
        """Move where the channel's digests (re)start; the next tick follows it."""
        async with self._transaction():
            await self._db.execute(
                "UPDATE digest_channels SET start = ?, cursor = NULL WHERE channel_id = ?",
                (start, channel_id),
            )

    async def record_fire(self, channel_id: int, fire: datetime) -> None:
        """Remember the scheduled run served, so a restart can tell what was missed."""
        async with self._transaction():
            await self._db.execute(
                "UPDATE digest_channels SET last_fire = ? WHERE channel_id = ?",
                (fire.astimezone(UTC).isoformat(timespec="seconds"), channel_id),
            )

    async def set_error(self, channel_id: int, error: str | None, stopped: bool = False) -> None:
        """Record (or clear, with None) the channel's last delivery error."""
        async with self._transaction():
            await self._db.execute(
                "UPDATE digest_channels SET error = ?, error_at = ?, stopped = ?"
                " WHERE channel_id = ?",
                (error, _now() if error else None, int(stopped), channel_id),
            )

    # ---- ledger -------------------------------------------------------------

    async def digest(self, channel_id: int, day: date) -> DigestRow | None:
        """The digest of `day` in a channel, if one was started."""
        rows = list(
            await self._rows(
                "SELECT channel_id, day, style, language, late, thread_id, completed_at"
                " FROM digests WHERE channel_id = ? AND day = ?",
                (channel_id, day.isoformat()),
            )
        )
        if not rows:
            return None
        cid, day_s, style, language, late, thread, done = rows[0]
        return DigestRow(
            cid, date.fromisoformat(day_s), style, language, bool(late), thread, done is not None
        )

    async def incomplete_digests(self, channel_id: int) -> list[DigestRow]:
        """Digests started but not finished (a crash or an error interrupted them)."""
        rows = await self._rows(
            "SELECT day FROM digests WHERE channel_id = ? AND completed_at IS NULL ORDER BY day",
            (channel_id,),
        )
        found = [await self.digest(channel_id, date.fromisoformat(r[0])) for r in rows]
        return [d for d in found if d is not None]

    async def start_digest(
        self, channel_id: int, day: date, style: str, language: str, late: bool
    ) -> None:
        """Open the ledger for a day's digest (a no-op if it is open already)."""
        async with self._transaction():
            await self._db.execute(
                "INSERT INTO digests (channel_id, day, style, language, late, started_at)"
                " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (channel_id, day) DO NOTHING",
                (channel_id, day.isoformat(), style, language, int(late), _now()),
            )

    async def set_thread(self, channel_id: int, day: date, thread_id: int) -> None:
        """Remember the thread a compact digest's full embeds go to."""
        async with self._transaction():
            await self._db.execute(
                "UPDATE digests SET thread_id = ? WHERE channel_id = ? AND day = ?",
                (thread_id, channel_id, day.isoformat()),
            )

    async def deliveries(self, channel_id: int, day: date) -> list[Delivery]:
        """The digest's parts, in order."""
        rows = await self._rows(
            "SELECT part, target_id, nonce, payload_hash, state, message_id, publish,"
            " edited_at FROM deliveries WHERE channel_id = ? AND day = ? ORDER BY part",
            (channel_id, day.isoformat()),
        )
        return [
            Delivery(part, target, nonce, h, state == "sent", mid, pub, _dt(edited))
            for part, target, nonce, h, state, mid, pub, edited in rows
        ]

    async def unpublished(self, channel_id: int) -> list[tuple[date, Delivery]]:
        """Sent parts posted in the channel itself whose publishing is still pending."""
        rows = await self._rows(
            "SELECT day FROM deliveries WHERE channel_id = ? AND target_id = channel_id"
            " AND state = 'sent' AND publish = 'pending' GROUP BY day ORDER BY day",
            (channel_id,),
        )
        out = []
        for (day_s,) in rows:
            day = date.fromisoformat(day_s)
            out += [
                (day, d)
                for d in await self.deliveries(channel_id, day)
                if d.sent and d.publish == "pending" and d.target_id == channel_id
            ]
        return out

    async def published_since(self, channel_id: int, since: datetime) -> int:
        """How many parts were crossposted in the channel since `since`."""
        count: int = await self._scalar(
            "SELECT count(*) FROM deliveries WHERE channel_id = ? AND publish = 'done'"
            " AND published_at >= ?",
            (channel_id, since.astimezone(UTC).isoformat(timespec="seconds")),
        )
        return count

    async def part_sending(
        self, channel_id: int, day: date, part: int, target_id: int, nonce: str, payload_hash: str
    ) -> None:
        """Record that a part is about to be sent (committed before the request)."""
        async with self._transaction():
            await self._db.execute(
                "INSERT INTO deliveries (channel_id, day, part, target_id, nonce, payload_hash,"
                " state, updated_at) VALUES (?, ?, ?, ?, ?, ?, 'sending', ?)"
                " ON CONFLICT (channel_id, day, part) DO UPDATE SET target_id = excluded.target_id,"
                " payload_hash = excluded.payload_hash, updated_at = excluded.updated_at"
                " WHERE state = 'sending'",
                (channel_id, day.isoformat(), part, target_id, nonce, payload_hash, _now()),
            )

    async def part_sent(self, channel_id: int, day: date, part: int, message_id: int) -> None:
        """Record Discord's id for a part: from now on it is edited, never re-sent."""
        async with self._transaction():
            await self._db.execute(
                "UPDATE deliveries SET state = 'sent', message_id = ?, updated_at = ?"
                " WHERE channel_id = ? AND day = ? AND part = ?",
                (message_id, _now(), channel_id, day.isoformat(), part),
            )

    async def part_published(self, channel_id: int, day: date, part: int, outcome: str) -> None:
        """Record a part's publishing outcome: 'done' or 'not-announcement'."""
        async with self._transaction():
            await self._db.execute(
                "UPDATE deliveries SET publish = ?, published_at = ?"
                " WHERE channel_id = ? AND day = ? AND part = ?",
                (outcome, _now(), channel_id, day.isoformat(), part),
            )

    async def part_edited(self, channel_id: int, day: date, part: int, payload_hash: str) -> None:
        """Record that a sent part now shows a new payload."""
        async with self._transaction():
            await self._db.execute(
                "UPDATE deliveries SET payload_hash = ?, edited_at = ?, updated_at = ?"
                " WHERE channel_id = ? AND day = ? AND part = ?",
                (payload_hash, _now(), _now(), channel_id, day.isoformat(), part),
            )

    async def drop_part(self, channel_id: int, day: date, part: int) -> None:
        """Forget a part whose message was deleted (the day's notes got shorter)."""
        async with self._transaction():
            await self._db.execute(
                "DELETE FROM deliveries WHERE channel_id = ? AND day = ? AND part = ?",
                (channel_id, day.isoformat(), part),
            )

    async def complete_digest(self, channel_id: int, day: date) -> None:
        """Close a day's digest and move the channel's cursor past it, atomically."""
        async with self._transaction():
            await self._db.execute(
                "UPDATE digests SET completed_at = ? WHERE channel_id = ? AND day = ?",
                (_now(), channel_id, day.isoformat()),
            )
            await self._db.execute(
                "UPDATE digest_channels SET cursor = max(coalesce(cursor, ''), ?),"
                " error = NULL, error_at = NULL WHERE channel_id = ?",
                (day.isoformat(), channel_id),
            )

    async def mark_dirty(self, days: Sequence[date]) -> None:
        """Flag posted digests of `days` (in every channel) as needing an edit check."""
        async with self._transaction():
            await self._db.executemany(
                "UPDATE digests SET dirty = 1 WHERE day = ? AND completed_at IS NOT NULL",
                [(d.isoformat(),) for d in days],
            )

    async def dirty_days(self, channel_id: int) -> list[date]:
        """Posted days of a channel whose notes changed since their last edit check."""
        rows = await self._rows(
            "SELECT day FROM digests WHERE channel_id = ? AND dirty = 1 ORDER BY day",
            (channel_id,),
        )
        return [date.fromisoformat(r[0]) for r in rows]

    async def set_clean(self, channel_id: int, day: date) -> None:
        """Every message of the digest shows the current notes."""
        async with self._transaction():
            await self._db.execute(
                "UPDATE digests SET dirty = 0 WHERE channel_id = ? AND day = ?",
                (channel_id, day.isoformat()),
            )

    async def channels(self) -> list[int]:
        """Every channel that ever had a digest."""
        return [r[0] for r in await self._rows("SELECT channel_id FROM digest_channels")]

    # ---- for operators --------------------------------------------------------

    async def stopped_channels(self) -> int:
        """How many digest channels are stopped (403/404) until an admin acts."""
        count: int = await self._scalar("SELECT count(*) FROM digest_channels WHERE stopped = 1")
        return count

    async def pending_parts(self) -> int:
        """Digest parts whose fate is open: being sent, or waiting to be published.

        Parts in a thread are never published (only the channel's own messages are),
        so their 'pending' does not count.
        """
        count: int = await self._scalar(
            "SELECT count(*) FROM deliveries WHERE state = 'sending'"
            " OR (publish = 'pending' AND target_id = channel_id)"
        )
        return count

    async def problem_files(self) -> list[FileProblems]:
        """Notes files with problems, by name, each with the days of notes read from it."""
        rows = await self._rows(
            "SELECT f.source, f.problems,"
            " (SELECT json_group_array(DISTINCT a.date) FROM appearances a"
            "  WHERE a.source = f.source)"
            " FROM files f WHERE f.problems != '[]' ORDER BY f.source"
        )
        return [
            FileProblems(
                source,
                tuple(sorted(date.fromisoformat(d) for d in json.loads(days))),
                tuple(Problem(source, line, message) for line, message in json.loads(problems)),
            )
            for source, problems, days in rows
        ]
