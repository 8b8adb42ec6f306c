"""Logging set-up shared by every entry point."""

from __future__ import annotations

import logging


class RedactSecrets(logging.Filter):
    """Replace secrets (the bot token) wherever they would appear in a log line.

    discord.py never logs the token, but an exception message or a debug dump of a
    request might; this keeps it out of journals either way.
    """

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self._secrets = [s for s in secrets if s]

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record in place; never drops it."""
        if self._secrets:
            message = record.getMessage()
            if any(secret in message for secret in self._secrets):
                for secret in self._secrets:
                    message = message.replace(secret, "[redacted]")
                record.msg, record.args = message, None
        return True


def setup_logging(level: str, secrets: list[str] | None = None) -> None:
    """Log to stderr at `level`, with secrets redacted from every handler's output."""
    handler = logging.StreamHandler()
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s", "%H:%M:%S")
    )
    handler.addFilter(RedactSecrets(secrets or []))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # discord.py's HTTP client is chatty at DEBUG even when the bot is not.
    logging.getLogger("discord.http").setLevel(max(logging.INFO, root.level))
