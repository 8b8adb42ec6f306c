"""`paper-digest-bot check`: the operator's look at everything before going live.

It changes nothing, so it can run beside a running bot: the notes are parsed in memory,
the database is opened read-only, and Discord is only asked (``GET``) what the bot may do
in each digest channel. Each finding is one line — what is wrong and what to do — and the
exit code is 1 when something must be fixed; warnings alone leave it 0.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import sys
from collections.abc import Awaitable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from bot.adapters import exitcodes
from bot.config import Settings
from bot.core.permissions import (
    DIGEST_CHANNELS,
    GUILD_ANNOUNCEMENT,
    Guild,
    Member,
    channel_permissions,
    digest_needs,
    missing_permissions,
    overwrites_from_payload,
    overwritten_permissions,
)
from bot.services.digest import STYLES, DigestDefaults
from bot.services.ingest import NotesDirError, Unreadable, list_notes, read_source
from bot.store import GuildRow, Store, StoreError, StoreOutdated
from bot.store.schema import SCHEMA_VERSION

if TYPE_CHECKING:
    import discord.http

Status = Literal["ok", "warn", "fail"]
T = TypeVar("T")

GIB = 1 << 30
LOW_DISK_BYTES = GIB
LOW_DISK_SHARE = 0.05
# Each Discord request; an unreachable host fails the first one within this.
REQUEST_SECONDS = 15.0
# Notes problems listed one by one; the rest are counted (`parse` lists them all).
MAX_PROBLEMS = 20
PORTAL = "https://discord.com/developers/applications"
NO_TOKEN_FIX = f"create a bot at {PORTAL} (Bot → Reset Token) and set DISCORD_TOKEN in .env"
TOKEN_FIX = f"the token was reset or mistyped: copy a new one at {PORTAL} (Bot → Reset Token)"
KEPT = "until then the bot keeps what it stored from there"


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing checked: where (`area`), how it stands, and what to do about it."""

    area: str
    status: Status
    message: str
    fix: str = ""

    def line(self) -> str:
        """`fail  channel   #rules: … → what to do`, one line whatever the finding."""
        text = f"{self.status:<5} {self.area:<9} {self.message}"
        return f"{text} → {self.fix}" if self.fix else text


@dataclass
class Findings:
    """The findings so far, in the order they were made."""

    items: list[Finding] = field(default_factory=list)

    def ok(self, area: str, message: str) -> None:
        self.items.append(Finding(area, "ok", message))

    def warn(self, area: str, message: str, fix: str) -> None:
        self.items.append(Finding(area, "warn", message, fix))

    def fail(self, area: str, message: str, fix: str) -> None:
        self.items.append(Finding(area, "fail", message, fix))


# ---- configuration and files -------------------------------------------------------


def check_config(settings: Settings, found: Findings) -> None:
    """What the bot would run with, as loading succeeded (a bad value stops `main` first)."""
    channel = settings.digest_channel_id or "none (each server picks one)"
    health = f"{settings.health_host}:{settings.health_port}" if settings.health_port else "off"
    found.ok(
        "config",
        f"notes {settings.notes_dir} · database {settings.database_path} · default channel"
        f" {channel} · digest at {settings.digest_time:%H:%M} {settings.digest_timezone}"
        f" · health {health} · Discord API {settings.discord_api_base_url}",
    )


def check_notes(notes_dir: Path, found: Findings) -> None:
    """Read and parse every notes file as ingest would, keeping nothing."""
    if not os.access(notes_dir, os.R_OK | os.X_OK) and notes_dir.is_dir():
        found.fail(
            "notes",
            f"NOTES_DIR {notes_dir} cannot be read by this user",
            "give the bot's user read access to the folder and its files",
        )
        return
    try:
        listing = list_notes(notes_dir)
    except NotesDirError as error:
        found.fail("notes", str(error), "point NOTES_DIR at the folder of daily notes files")
        return
    entries = problems = 0
    days: set[str] = set()
    for source, path in listing.files.items():
        read = read_source(path, source)
        if isinstance(read, Unreadable):
            found.warn("notes", f"{notes_dir / source}: {read.why}", f"fix it; {KEPT}")
            continue
        entries += len(read.entries)
        days.update(a.date.isoformat() for a in read.entries)
        for problem in read.problems:
            problems += 1
            if problems <= MAX_PROBLEMS:
                found.warn(
                    "notes",
                    f"{notes_dir / problem.source}:{problem.line}: {problem.message}",
                    "fix that line; the file's other entries are read as usual",
                )
    if problems > MAX_PROBLEMS:
        found.warn(
            "notes",
            f"{problems - MAX_PROBLEMS} more problems",
            f"list them all with `paper-digest-bot parse {notes_dir}`",
        )
    for line in listing.lines():
        found.warn(
            "notes", f"{notes_dir / line}", f"make it a readable file inside NOTES_DIR; {KEPT}"
        )
    if not listing.files:
        found.warn(
            "notes",
            f"no notes files (.txt, .md) in {notes_dir}",
            "add a day's notes, or point NOTES_DIR at the right folder",
        )
        return
    found.ok(
        "notes",
        f"{len(listing.files)} notes file(s) in {notes_dir}: {entries} entries over"
        f" {len(days)} day(s)",
    )


def _existing_folder(path: Path) -> Path:
    """The nearest folder that exists, where a missing database would be created."""
    folder = path.absolute().parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    return folder


def check_writable(database: Path, found: Findings) -> None:
    """The bot writes the file and, beside it, SQLite's -wal and -shm files (or creates
    the file and its folders on first run)."""
    folder = _existing_folder(database)
    blocked = [str(p) for p in (database, folder) if p.exists() and not os.access(p, os.W_OK)]
    if blocked:
        found.fail(
            "database",
            f"this user cannot write {' nor '.join(blocked)}",
            "give the bot's user write access to the database file and its folder",
        )
    elif database.exists():
        found.ok("database", f"this user can write {database} and its folder")
    else:
        found.ok("database", f"this user can create {database}")


def check_disk(database: Path, found: Findings) -> None:
    """Warn before the database's disk fills: SQLite fails writes, and digests stop."""
    folder = _existing_folder(database)
    usage = shutil.disk_usage(folder)
    share = usage.free / usage.total if usage.total else 0.0
    text = (
        f"{usage.free / GIB:.1f} GiB free of {usage.total / GIB:.1f} GiB ({share:.0%}) at {folder}"
    )
    if usage.free < LOW_DISK_BYTES or share < LOW_DISK_SHARE:
        found.warn("disk", f"low disk space: {text}", "free some space on that disk")
    else:
        found.ok("disk", text)


async def check_database(database: Path, found: Findings) -> list[GuildRow]:
    """Open the database read-only (beside a running bot, never writing); the servers'
    settings it holds, for the Discord part."""
    if not await asyncio.to_thread(database.exists):
        found.warn(
            "database",
            f"{database} does not exist yet: it will be created on first run",
            "nothing to do for a first run; otherwise check DATABASE_PATH",
        )
        return []
    try:
        async with Store.open(database, readonly=True) as store:
            version = await store.schema_version()
            damage = await store.quick_check()
            guilds = await store.digests.guilds()
    except StoreOutdated as outdated:
        found.warn(
            "database",
            f"{database}: schema version {outdated.version}, written by an older version",
            f"nothing to do: the bot upgrades it to version {SCHEMA_VERSION} when it starts"
            " (keeping a copy beside it)",
        )
        return []
    except StoreError as error:
        # The store's message says what is wrong, with which file, and what to do.
        found.fail("database", str(error), "as the message says; `check` changed nothing")
        return []
    if damage:
        lines = [line for text in damage for line in text.splitlines() if line[:3] != "***"]
        more = f" (and {len(lines) - 3} more)" if len(lines) > 3 else ""
        found.fail(
            "database",
            f"{database} is damaged: {'; '.join(lines[:3])}{more}",
            "restore the latest backup, or move the file away to rebuild it from the notes",
        )
        return guilds
    found.ok("database", f"{database}: schema version {version}, integrity ok")
    return guilds


# ---- Discord -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Target:
    """A channel the bot will post digests in, and where that was configured."""

    channel_id: int
    source: str
    style: str


def digest_targets(
    settings: Settings, guilds: Sequence[GuildRow], default_style: str
) -> list[Target]:
    """DIGEST_CHANNEL_ID and each server's own channel, with the style each will post in.

    DIGEST_CHANNEL_ID's style depends on its server, known once Discord says which it is,
    so it is resolved in `DiscordCheck.channel`.
    """
    targets: dict[int, Target] = {}
    for row in guilds:
        if row.channel_id is not None:
            targets[row.channel_id] = Target(
                row.channel_id,
                f"server {row.guild_id} (/digest-admin channel)",
                _style(row, default_style),
            )
    if settings.digest_channel_id is not None and settings.digest_channel_id not in targets:
        targets[settings.digest_channel_id] = Target(
            settings.digest_channel_id, "DIGEST_CHANNEL_ID", ""
        )
    return list(targets.values())


def _style(row: GuildRow | None, default: str) -> str:
    """A server's digest style, falling back to the operator's default like the digest."""
    return row.style if row is not None and row.style in STYLES else default


class Unreachable(Exception):
    """Discord could not be reached at all; the rest of the Discord part is skipped."""


@dataclass
class DiscordCheck:
    """The token, the servers and each digest channel's permissions, asked over REST."""

    http: discord.http.HTTPClient
    settings: Settings
    found: Findings
    rows: Mapping[int, GuildRow]
    default_style: str
    now: datetime = field(default_factory=lambda: datetime.now(UTC))
    bot_id: int = 0
    guilds: dict[int, tuple[Guild, Member, str, str]] = field(default_factory=dict)

    async def ask(self, request: Awaitable[T]) -> T:
        """One request, bounded in time; a refused or silent connection is `Unreachable`."""
        import aiohttp

        try:
            async with asyncio.timeout(REQUEST_SECONDS):
                return await request
        except (TimeoutError, aiohttp.ClientConnectionError, OSError) as error:
            raise Unreachable(str(error) or type(error).__name__) from error

    async def run(self, targets: Sequence[Target]) -> None:
        import discord

        try:
            me = await self.ask(self.http.static_login(self.settings.discord_token or ""))
        except discord.LoginFailure:
            self.found.fail(
                "discord", "Discord rejected DISCORD_TOKEN (401 Unauthorized)", TOKEN_FIX
            )
            return
        self.bot_id = int(me["id"])
        self.found.ok("discord", f"DISCORD_TOKEN works: logged in as {me['username']} ({me['id']})")
        listed = await self.ask(self.http.get_guilds(200))
        self.servers([(int(g["id"]), g["name"]) for g in listed])
        for target in targets:
            await self.channel(target)
        if not targets:
            self.found.warn(
                "channel",
                "no digest channel is set: no digest will be posted",
                "set DIGEST_CHANNEL_ID, or run /digest-admin channel in the server",
            )

    def servers(self, servers: Sequence[tuple[int, str]]) -> None:
        invite = (
            f"https://discord.com/oauth2/authorize?client_id={self.bot_id}"
            f"&scope=bot+applications.commands&permissions={sum(digest_needs('compact'))}"
        )
        if not servers:
            self.found.fail("discord", "the bot is in no server", f"invite it: {invite}")
            return
        names = ", ".join(f"{name} ({guild_id})" for guild_id, name in servers[:10])
        more = f" and {len(servers) - 10} more" if len(servers) > 10 else ""
        self.found.ok("discord", f"in {len(servers)} server(s): {names}{more}")
        wanted = self.settings.discord_guild_id
        if wanted is not None and wanted not in {guild_id for guild_id, _ in servers}:
            self.found.fail(
                "discord",
                f"DISCORD_GUILD_ID {wanted} is not a server the bot is in",
                f"invite the bot there ({invite}) or correct DISCORD_GUILD_ID",
            )

    async def guild(self, guild_id: int) -> tuple[Guild, Member, str, str]:
        """The guild's roles and owner, the bot's membership, the guild's and role's names."""
        if guild_id not in self.guilds:
            data = await self.ask(self.http.get_guild(guild_id))
            member = await self.ask(self.http.get_member(guild_id, self.bot_id))
            roles = [
                r for r in data["roles"] if r.get("tags", {}).get("bot_id") == str(self.bot_id)
            ]
            role = f"the bot's role {roles[0]['name']!r}" if roles else "the bot"
            self.guilds[guild_id] = (
                Guild.from_payload(data),
                Member.from_payload(member, self.now),
                data["name"],
                role,
            )
        return self.guilds[guild_id]

    async def channel(self, target: Target) -> None:
        import discord

        fix_id = (
            "set DIGEST_CHANNEL_ID to the channel's id (right-click it → Copy Channel ID)"
            if target.source == "DIGEST_CHANNEL_ID"
            else "choose another channel with /digest-admin channel in that server"
        )
        try:
            data: Mapping[str, Any] = await self.ask(self.http.get_channel(target.channel_id))
        except discord.NotFound:
            self.found.fail(
                "channel", f"channel {target.channel_id} ({target.source}) does not exist", fix_id
            )
            return
        except discord.Forbidden:
            self.found.fail(
                "channel",
                f"the bot cannot see channel {target.channel_id} ({target.source}):"
                " 403 Missing Access",
                "in that channel's settings → Permissions, allow View Channel for the bot's role",
            )
            return
        name = f"#{data.get('name', '?')} ({target.channel_id}, {target.source})"
        guild_id = data.get("guild_id")
        if data["type"] not in DIGEST_CHANNELS or guild_id is None:
            self.found.fail("channel", f"{name} is not a text or announcement channel", fix_id)
            return
        guild, member, guild_name, role = await self.guild(int(guild_id))
        style = target.style or _style(self.rows.get(int(guild_id)), self.default_style)
        overwrites = overwrites_from_payload(data.get("permission_overwrites", []))
        missing = missing_permissions(
            channel_permissions(guild, member, overwrites, data["type"]), style
        )
        where = f"{name} in {guild_name}"
        if missing:
            self.found.fail(
                "channel",
                f"{where}: the bot lacks {', '.join(missing)} ({style} digests need them)",
                _permissions_fix(
                    data.get("name", "?"),
                    missing,
                    missing_permissions(overwritten_permissions(guild, member, overwrites), style),
                    role,
                    member.timed_out,
                ),
            )
            return
        publish = " and publish them" if data["type"] == GUILD_ANNOUNCEMENT else ""
        self.found.ok("channel", f"{where}: the bot can post {style} digests{publish}")


def _permissions_fix(
    channel: str, missing: list[str], unset: list[str], role: str, timed_out: bool
) -> str:
    """What an admin switches on: the permissions the overwrites take away (`unset`); the
    rest of `missing` follow from those (no Embed Links without Send Messages)."""
    if timed_out:
        return "the bot is timed out in that server: remove its timeout (Members → Remove Timeout)"
    follow = [name for name in missing if name not in unset]
    then = f"; {', '.join(follow)} then count too" if follow else ""
    return f"in the settings of #{channel} → Permissions, allow {', '.join(unset)} for {role}{then}"


async def check_discord(settings: Settings, guilds: Sequence[GuildRow], found: Findings) -> None:
    """The Discord part, skipped without a token or when Discord cannot be reached."""
    if not settings.discord_token:
        found.warn("discord", "DISCORD_TOKEN is not set: Discord was not checked", NO_TOKEN_FIX)
        return
    import discord.http

    from bot.adapters.discord.app import point_discord_py_at

    point_discord_py_at(settings)
    http = discord.http.HTTPClient(asyncio.get_running_loop())
    # The operator's defaults, as the digest cog builds them (servers override them).
    style = DigestDefaults(
        settings.digest_channel_id, settings.digest_time, settings.digest_timezone
    ).style
    check = DiscordCheck(http, settings, found, {row.guild_id: row for row in guilds}, style)
    try:
        await check.run(digest_targets(settings, guilds, style))
    except Unreachable as error:
        found.warn(
            "discord",
            f"Discord not reachable at {settings.discord_api_base_url} ({error}): not checked",
            "check the network, or DISCORD_API_BASE_URL",
        )
    except discord.HTTPException as error:
        found.warn(
            "discord",
            f"Discord answered {error.status} ({error.text or 'no detail'}): not checked",
            "try again in a few minutes",
        )
    finally:
        await http.close()


# ---- the command -------------------------------------------------------------------


async def run_checks(settings: Settings) -> list[Finding]:
    """Every check, in the order an operator fixes things."""
    found = Findings()
    check_config(settings, found)
    await asyncio.to_thread(check_notes, settings.notes_dir, found)
    guilds = await check_database(settings.database_path, found)
    check_writable(settings.database_path, found)
    check_disk(settings.database_path, found)
    await check_discord(settings, guilds, found)
    return found.items


def add_check_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `check` on the CLI's subcommands."""
    p = sub.add_parser(
        "check",
        help="check settings, notes, database and Discord permissions before going live",
        description="Changes nothing: safe beside a running bot. Exit 1 when something must"
        " be fixed; warnings alone exit 0.",
    )
    p.add_argument("--json", action="store_true", help="print the findings as JSON")


def cmd_check(args: argparse.Namespace, settings: Settings) -> int:
    """`check`: print each finding, then a count; exit 1 when any must be fixed."""
    findings = asyncio.run(run_checks(settings))
    if args.json:
        print(json.dumps([asdict(f) for f in findings], ensure_ascii=False, indent=2))
    else:
        for finding in findings:
            print(finding.line())
        counts = {s: sum(f.status == s for f in findings) for s in ("ok", "warn", "fail")}
        print(
            f"check: {counts['ok']} ok, {counts['warn']} warning(s), {counts['fail']} to fix",
            file=sys.stderr,
        )
    failed = any(f.status == "fail" for f in findings)
    return exitcodes.FAILURE if failed else exitcodes.OK
