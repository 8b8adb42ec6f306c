"""Settings: read once from the environment and `.env`, validated at start-up.

Every field is mirrored in `.env.example`. Problems are collected and reported
together so an operator fixes the file in one pass instead of one error per run.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import time
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv import dotenv_values

from bot.core.text import parse_hhmm

DEFAULT_API_BASE_URL = "https://discord.com/api/v10"
DEFAULT_GATEWAY_URL = "wss://gateway.discord.gg/"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class ConfigError(ValueError):
    """Invalid configuration; the message says which variable and how to fix it."""


@dataclass(frozen=True, slots=True)
class Settings:
    """The bot's whole configuration."""

    discord_token: str | None
    discord_api_base_url: str
    discord_gateway_url: str
    discord_guild_id: int | None
    notes_dir: Path
    database_path: Path
    digest_channel_id: int | None
    digest_time: time
    digest_timezone: str
    log_level: str
    notes_watch_seconds: float = 60.0

    def __repr__(self) -> str:
        # The token must never reach a log line, even through a debug repr.
        token = "set" if self.discord_token else "unset"
        return (
            f"Settings(token={token}, api={self.discord_api_base_url!r}, "
            f"gateway={self.discord_gateway_url!r}, guild={self.discord_guild_id}, "
            f"notes_dir={str(self.notes_dir)!r}, database={str(self.database_path)!r}, "
            f"digest_channel={self.digest_channel_id}, digest_time={self.digest_time:%H:%M}, "
            f"timezone={self.digest_timezone!r}, log_level={self.log_level!r}, "
            f"notes_watch_seconds={self.notes_watch_seconds})"
        )

    __str__ = __repr__


def load_settings(
    environ: Mapping[str, str] | None = None, dotenv_path: Path | None = Path(".env")
) -> Settings:
    """Merge `.env` under the process environment (the environment wins) and validate."""
    merged: dict[str, str] = {}
    if dotenv_path is not None and dotenv_path.is_file():
        merged.update({k: v for k, v in dotenv_values(dotenv_path).items() if v is not None})
    merged.update(os.environ if environ is None else environ)
    return parse_settings(merged)


def parse_settings(env: Mapping[str, str]) -> Settings:
    """Build `Settings` from a plain mapping, raising one `ConfigError` listing every problem."""
    problems: list[str] = []

    def get(name: str, default: str = "") -> str:
        return env.get(name, "").strip() or default

    def snowflake(name: str) -> int | None:
        raw = get(name)
        if not raw:
            return None
        if not raw.isdigit() or not 0 < int(raw) < 2**64:
            problems.append(f"{name}={raw!r} is not a Discord id (a number like 1234567890)")
            return None
        return int(raw)

    def url(name: str, default: str, schemes: tuple[str, ...]) -> str:
        value = get(name, default)
        if not value.startswith(schemes):
            problems.append(f"{name}={value!r} must start with {' or '.join(schemes)}")
        return value

    raw_time = get("DIGEST_TIME", "09:00")
    digest_time = parse_hhmm(raw_time) or time(9, 0)
    if parse_hhmm(raw_time) is None:
        problems.append(f"DIGEST_TIME={raw_time!r} is not a 24-hour HH:MM time such as 09:00")

    tz = get("DIGEST_TIMEZONE", "UTC")
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(f"DIGEST_TIMEZONE={tz!r} is not an IANA time zone such as Asia/Seoul")

    watch = get("NOTES_WATCH_SECONDS", "60")
    try:
        watch_seconds = float(watch)
    except ValueError:
        watch_seconds = 0.0
    if not 0.5 <= watch_seconds <= 86400:
        problems.append(f"NOTES_WATCH_SECONDS={watch!r} must be a number of seconds, 0.5 to 86400")

    level = get("LOG_LEVEL", "INFO").upper()
    if level not in LOG_LEVELS:
        problems.append(f"LOG_LEVEL={level!r} must be one of {', '.join(LOG_LEVELS)}")

    settings = Settings(
        discord_token=get("DISCORD_TOKEN") or None,
        discord_api_base_url=url(
            "DISCORD_API_BASE_URL", DEFAULT_API_BASE_URL, ("http://", "https://")
        ).rstrip("/"),
        discord_gateway_url=url("DISCORD_GATEWAY_URL", DEFAULT_GATEWAY_URL, ("ws://", "wss://")),
        discord_guild_id=snowflake("DISCORD_GUILD_ID"),
        notes_dir=Path(get("NOTES_DIR", "seeds")),
        database_path=Path(get("DATABASE_PATH", "data/bot.sqlite3")),
        digest_channel_id=snowflake("DIGEST_CHANNEL_ID"),
        digest_time=digest_time,
        digest_timezone=tz,
        log_level=level,
        notes_watch_seconds=watch_seconds,
    )
    if problems:
        raise ConfigError("Invalid configuration:\n  - " + "\n  - ".join(problems))
    return settings
