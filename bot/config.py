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
LOG_FORMATS = ("plain", "json")
# A token shorter than this is not a Discord token; redacting it would blank ordinary text.
MIN_TOKEN_LENGTH = 16


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
    log_format: str = "plain"
    health_port: int | None = None
    health_host: str = "127.0.0.1"
    alert_channel_id: int | None = None

    def __repr__(self) -> str:
        # The token must never reach a log line, even through a debug repr.
        token = "set" if self.discord_token else "unset"
        return (
            f"Settings(token={token}, api={self.discord_api_base_url!r}, "
            f"gateway={self.discord_gateway_url!r}, guild={self.discord_guild_id}, "
            f"notes_dir={str(self.notes_dir)!r}, database={str(self.database_path)!r}, "
            f"digest_channel={self.digest_channel_id}, digest_time={self.digest_time:%H:%M}, "
            f"timezone={self.digest_timezone!r}, log_level={self.log_level!r}, "
            f"notes_watch_seconds={self.notes_watch_seconds}, log_format={self.log_format!r}, "
            f"health={self.health_host}:{self.health_port}, alert_channel={self.alert_channel_id})"
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
        # isascii: str.isdigit accepts other scripts' digits (`١٢٣` would read as 123).
        if not (raw.isascii() and raw.isdigit()) or not 0 < int(raw) < 2**64:
            problems.append(f"{name}={raw!r} is not a Discord id (a number like 1234567890)")
            return None
        return int(raw)

    def url(name: str, default: str, schemes: tuple[str, ...]) -> str:
        value = get(name, default)
        scheme, _, rest = value.partition("://")
        if f"{scheme}://" not in schemes or not rest.split("/", 1)[0]:
            problems.append(
                f"{name}={value!r} must be a URL with a host, starting with {' or '.join(schemes)}"
            )
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

    log_format = get("LOG_FORMAT", "plain").lower()
    if log_format not in LOG_FORMATS:
        problems.append(f"LOG_FORMAT={log_format!r} must be one of {', '.join(LOG_FORMATS)}")

    raw_port = get("HEALTH_PORT")
    health_port = None
    if raw_port:
        if raw_port.isascii() and raw_port.isdigit() and 0 < int(raw_port) < 65536:
            health_port = int(raw_port)
        else:
            problems.append(f"HEALTH_PORT={raw_port!r} must be a TCP port number, 1 to 65535")

    token = get("DISCORD_TOKEN") or None
    if token is not None and (len(token) < MIN_TOKEN_LENGTH or any(c.isspace() for c in token)):
        problems.append(
            "DISCORD_TOKEN does not look like a bot token (too short or has spaces): copy it"
            " again from the Developer Portal (Bot → Reset Token)"
        )

    settings = Settings(
        discord_token=token,
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
        log_format=log_format,
        health_port=health_port,
        health_host=get("HEALTH_HOST", "127.0.0.1"),
        alert_channel_id=snowflake("ALERT_CHANNEL_ID"),
    )
    if problems:
        raise ConfigError("Invalid configuration:\n  - " + "\n  - ".join(problems))
    return settings
