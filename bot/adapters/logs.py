"""Logging set-up shared by every entry point."""

from __future__ import annotations

import logging


class RedactingFormatter(logging.Formatter):
    """Replace secrets (the bot token) wherever they would appear in a log line.

    discord.py never logs the token, but an exception message, a traceback or a
    debug dump of a request might. Redacting the finished text covers all of them.
    """

    def __init__(self, fmt: str, datefmt: str, secrets: list[str]) -> None:
        super().__init__(fmt, datefmt)
        self._secrets = [s for s in secrets if s]

    def format(self, record: logging.LogRecord) -> str:
        """The formatted line (traceback included) with every secret replaced."""
        text = super().format(record)
        for secret in self._secrets:
            text = text.replace(secret, "[redacted]")
        return text


def setup_logging(level: str, secrets: list[str] | None = None) -> None:
    """Log to stderr at `level`, with secrets redacted from every line."""
    handler = logging.StreamHandler()
    handler.setFormatter(
        RedactingFormatter(
            "%(asctime)s %(levelname)-7s %(name)s: %(message)s", "%H:%M:%S", secrets or []
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # discord.py's HTTP client is chatty at DEBUG even when the bot is not.
    logging.getLogger("discord.http").setLevel(max(logging.INFO, root.level))
