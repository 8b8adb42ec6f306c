"""Logging set-up shared by every entry point: plain lines or JSON lines, token redacted.

Operators read the plain format in a terminal or the journal; log shippers (Loki,
Elasticsearch, CloudWatch) want one JSON object per line with the context as fields.
Both carry full dates with the zone offset, so a line still says when it happened
after it left the machine, and both redact the token from the finished text.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

PLAIN_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"
# Context the bot passes with `extra=`; copied into JSON lines when a record carries it.
CONTEXT_FIELDS = ("guild_id", "channel_id", "day", "command", "error_id")
REDACTED = "[redacted]"


def _local_time(record: logging.LogRecord) -> datetime:
    return datetime.fromtimestamp(record.created, UTC).astimezone()


class RedactingFormatter(logging.Formatter):
    """Plain lines (`2026-11-29 23:58:58.123+0000 INFO …`) with every secret replaced.

    discord.py never logs the token, but an exception message, a traceback or a
    debug dump of a request might. Redacting the finished text covers all of them.
    """

    def __init__(self, fmt: str, datefmt: str | None, secrets: list[str]) -> None:
        super().__init__(fmt, datefmt)
        self._secrets = [s for s in secrets if s]

    def redact(self, text: str) -> str:
        """`text` with every secret replaced."""
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        return text

    def format(self, record: logging.LogRecord) -> str:
        """The formatted line (traceback included) with every secret replaced."""
        return self.redact(super().format(record))

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        """Date, time to the millisecond and zone offset, unless `datefmt` asks otherwise."""
        moment = _local_time(record)
        if datefmt:
            return moment.strftime(datefmt)
        return f"{moment:%Y-%m-%d %H:%M:%S}.{moment.microsecond // 1000:03d}{moment:%z}"


class JsonFormatter(RedactingFormatter):
    """One JSON object per line: ts, level, logger, msg, the context present, exc.

    Secrets are replaced in each value before encoding, so an escaped form of a
    secret (a quote or a non-ASCII character in it) cannot slip past the redaction.
    """

    def __init__(self, secrets: list[str]) -> None:
        super().__init__("%(message)s", None, secrets)

    def format(self, record: logging.LogRecord) -> str:
        """The record as one line of JSON."""
        line: dict[str, Any] = {
            "ts": _local_time(record).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": self.redact(record.getMessage()),
        }
        for name in CONTEXT_FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                line[name] = value if isinstance(value, int) else self.redact(str(value))
        if record.exc_info:
            line["exc"] = self.redact(self.formatException(record.exc_info))
        if record.stack_info:
            line["stack"] = self.redact(self.formatStack(record.stack_info))
        return json.dumps(line, ensure_ascii=False)


def setup_logging(level: str, secrets: list[str] | None = None, log_format: str = "plain") -> None:
    """Log to stderr at `level` as `log_format` ("plain" or "json"), secrets redacted."""
    handler = logging.StreamHandler()
    handler.setFormatter(
        JsonFormatter(secrets or [])
        if log_format == "json"
        else RedactingFormatter(PLAIN_FORMAT, None, secrets or [])
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # discord.py's HTTP client is chatty at DEBUG even when the bot is not.
    logging.getLogger("discord.http").setLevel(max(logging.INFO, root.level))
    # APScheduler logs two INFO lines per job run ("Running job…", "…executed
    # successfully"): every notes check would fill the log. Its warnings (a missed
    # run, a job that raised) still show; LOG_LEVEL=DEBUG shows everything.
    logging.getLogger("apscheduler").setLevel(
        logging.NOTSET if root.level <= logging.DEBUG else logging.WARNING
    )
