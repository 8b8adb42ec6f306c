"""Run the bot until SIGTERM/SIGINT, and turn failures into an exit code and one line.

SIGHUP (`systemctl reload`) re-reads the notes folder at once; the process stays up.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from typing import Any

import discord

from bot.adapters import exitcodes
from bot.adapters.discord.app import PaperBot
from bot.adapters.health import serve_health
from bot.adapters.metrics import IngestOutcome
from bot.config import Settings

log = logging.getLogger(__name__)

# topics/opcodes-and-status-codes#gateway-gateway-close-event-codes
AUTHENTICATION_FAILED = 4004


async def run_bot(
    settings: Settings, store: Any, ingested: tuple[IngestOutcome, int | None] = ("ok", None)
) -> int:
    """Connect and stay connected until SIGTERM or SIGINT, then close cleanly.

    `ingested` is how the start-up ingest went (outcome, problems), for the metrics.

    Returns ``exitcodes.OK`` after a signal, ``exitcodes.BAD_TOKEN`` when Discord rejects the token
    (401 on login or gateway close 4004), ``exitcodes.FAILURE`` for anything else that ends the
    connection. Failures are one log line; the token never appears in it.
    """
    if not settings.discord_token:
        raise ValueError("run_bot needs settings.discord_token")
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    signals = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
    for sig in signals[:2]:
        loop.add_signal_handler(sig, stop.set)
    try:
        async with PaperBot(settings, store) as bot, serve_health(settings, bot):
            # The digest cog logs it and runs the notes check at once.
            loop.add_signal_handler(signal.SIGHUP, bot.dispatch, "notes_reload")
            bot.metrics.ingest(*ingested)
            running = asyncio.create_task(bot.start(settings.discord_token))
            stopping = asyncio.create_task(stop.wait())
            await asyncio.wait({running, stopping}, return_when=asyncio.FIRST_COMPLETED)
            stopping.cancel()
            if stop.is_set():
                log.info("signal received: disconnecting")
                await bot.close()
                running.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await running
                return exitcodes.OK
            return _exit_code(running.exception())
    finally:
        for sig in signals:
            loop.remove_signal_handler(sig)


def _exit_code(error: BaseException | None) -> int:
    if error is None:
        log.error("the connection to Discord ended unexpectedly")
        return exitcodes.FAILURE
    if isinstance(error, discord.LoginFailure) or (
        isinstance(error, discord.ConnectionClosed) and error.code == AUTHENTICATION_FAILED
    ):
        log.error("Discord rejected DISCORD_TOKEN (check the token in .env): %s", error)
        return exitcodes.BAD_TOKEN
    if isinstance(error, discord.PrivilegedIntentsRequired):
        log.error("Discord refused the requested intents: %s", error)
        return exitcodes.FAILURE
    if isinstance(error, discord.HTTPException | discord.ConnectionClosed | OSError):
        log.error("could not stay connected to Discord: %s", error)
        return exitcodes.FAILURE
    log.error("the bot stopped on an unexpected error", exc_info=error)
    return exitcodes.FAILURE
