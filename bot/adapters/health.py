"""`/healthz` and `/metrics` for operators, and the probe Docker's HEALTHCHECK runs.

A supervisor (Docker, Kubernetes, a load balancer, an uptime check) needs one
yes/no that means "this bot is doing its job": connected to Discord, able to
write its database, and running the digest scheduler. `/healthz` answers 200
when all three hold and 503 naming what does not. `/metrics` serves the bot's
Prometheus metrics; the gauges that come from the store or the gateway are read
at scrape time, so they are as fresh as the scrape.

`python -m bot.adapters.health --probe` asks `/healthz` with the standard library
only (slim images have no curl) and exits 0 when healthy, 1 otherwise.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sqlite3
import sys
import urllib.error
import urllib.request
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Protocol

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST

from bot.adapters.metrics import Metrics
from bot.config import ConfigError, Settings, load_settings

log = logging.getLogger(__name__)

OK = "ok"
# A database check slower than this is itself the problem (a lock held, a dead disk).
STORE_TIMEOUT = 5.0
PROBE_TIMEOUT = 5.0


@dataclass
class HealthState:
    """What the bot's parts report about themselves; `/healthz` reads it.

    The digest scheduler sets `scheduler_running`; whatever finds the database
    unusable mid-run (a failed write) sets `database_problem` to a one-line reason.
    """

    scheduler_running: bool = False
    database_problem: str | None = None


class HealthPortError(OSError):
    """The health port cannot be bound; the message is one line for the operator."""


class DigestCounts(Protocol):
    """The store queries behind the digest gauges."""

    async def stopped_channels(self) -> int:
        """Channels stopped by a permanent delivery failure."""

    async def pending_parts(self) -> int:
        """Ledger parts not yet confirmed sent."""


class CheckedStore(Protocol):
    """What health reads from the store."""

    @property
    def digests(self) -> DigestCounts:
        """The digest tables."""

    async def health(self) -> str | None:
        """None when the database is present and writable, else a one-line reason."""


class Watched(Protocol):
    """What health reads from the running bot (`PaperBot` has all of it)."""

    health: HealthState
    metrics: Metrics

    @property
    def store(self) -> CheckedStore:
        """The opened store."""

    @property
    def latency(self) -> float:
        """Gateway heartbeat latency in seconds (NaN before the first heartbeat)."""

    def is_ready(self) -> bool:
        """Whether the gateway session is established."""

    def is_closed(self) -> bool:
        """Whether the connection was closed for good."""


async def _store_reason(bot: Watched) -> str:
    """`OK` or why the database is not usable; a check that fails is a reason too."""
    if bot.health.database_problem:
        return bot.health.database_problem
    try:
        async with asyncio.timeout(STORE_TIMEOUT):
            return await bot.store.health() or OK
    except TimeoutError:
        return f"the database did not answer within {STORE_TIMEOUT:.0f} s"
    except (sqlite3.Error, OSError) as error:
        return f"the database check failed: {error}"


async def check(bot: Watched) -> dict[str, str]:
    """Each part (gateway, database, scheduler) mapped to "ok" or why it is not."""
    if bot.is_closed():
        gateway = "the connection to Discord is closed"
    elif not bot.is_ready():
        gateway = "not connected to Discord"
    else:
        gateway = OK
    return {
        "gateway": gateway,
        "database": await _store_reason(bot),
        "scheduler": OK if bot.health.scheduler_running else "the digest scheduler is not running",
    }


async def refresh_gauges(bot: Watched) -> None:
    """Set the gauges read at scrape time: gateway latency, stopped channels, pending parts.

    A store that cannot answer leaves its gauges as they were and is logged; the rest
    of /metrics is still served (and /healthz says what is wrong with the database).
    """
    bot.metrics.gateway_latency(bot.latency)
    digests = bot.store.digests
    try:
        async with asyncio.timeout(STORE_TIMEOUT):
            stopped, pending = await digests.stopped_channels(), await digests.pending_parts()
    except (TimeoutError, sqlite3.Error, OSError) as error:
        log.warning("metrics: could not read the digest gauges from the store: %r", error)
        return
    bot.metrics.store_gauges(stopped, pending)


class HealthServer:
    """The aiohttp server behind `/healthz` and `/metrics` (no access log: scrapes are
    every few seconds and would drown the bot's own lines)."""

    def __init__(self, bot: Watched) -> None:
        self._bot = bot
        app = web.Application()
        app.router.add_get("/healthz", self._healthz)
        app.router.add_get("/metrics", self._metrics)
        self._runner = web.AppRunner(app, access_log=None)

    async def start(self, host: str, port: int) -> int:
        """Listen on `host:port` (0: any free port); the port bound.

        Raises `HealthPortError` when the address cannot be bound.
        """
        await self._runner.setup()
        try:
            await web.TCPSite(self._runner, host, port).start()
        except OSError as error:
            await self._runner.cleanup()
            raise HealthPortError(
                f"HEALTH_PORT={port}: cannot listen on {host}:{port}"
                f" ({error.strerror or error}); choose a free port or unset HEALTH_PORT"
            ) from error
        return int(self._runner.addresses[0][1])

    async def stop(self) -> None:
        """Close the listening socket and any open connection."""
        await self._runner.cleanup()

    async def _healthz(self, request: web.Request) -> web.Response:
        checks = await check(self._bot)
        healthy = all(value == OK for value in checks.values())
        return web.json_response(
            {"status": OK if healthy else "failing", "checks": checks},
            status=200 if healthy else 503,
        )

    async def _metrics(self, request: web.Request) -> web.Response:
        await refresh_gauges(self._bot)
        return web.Response(
            body=self._bot.metrics.exposition(), headers={"Content-Type": CONTENT_TYPE_LATEST}
        )


@asynccontextmanager
async def serve_health(settings: Settings, bot: Watched) -> AsyncIterator[int | None]:
    """Serve `/healthz` and `/metrics` on HEALTH_HOST:HEALTH_PORT while the block runs.

    Yields the port bound, or None (and serves nothing) when HEALTH_PORT is unset.
    Raises `HealthPortError` when the port cannot be bound.
    """
    if settings.health_port is None:
        yield None
        return
    server = HealthServer(bot)
    port = await server.start(settings.health_host, settings.health_port)
    log.info("serving /healthz and /metrics on %s:%d", settings.health_host, port)
    try:
        yield port
    finally:
        await server.stop()


def probe_url(settings: Settings) -> str:
    """Where the probe finds `/healthz`: a wildcard bind address is reached on loopback."""
    host = {"0.0.0.0": "127.0.0.1", "": "127.0.0.1", "::": "::1"}.get(
        settings.health_host, settings.health_host
    )
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{settings.health_port}/healthz"


def probe(url: str, timeout: float = PROBE_TIMEOUT) -> tuple[bool, str]:
    """Ask `url`; (healthy, one line saying what it answered)."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return True, f"{url}: {response.status} ok"
    except urllib.error.HTTPError as error:
        try:
            checks = json.loads(error.read())["checks"]
            failing = "; ".join(f"{k}: {v}" for k, v in checks.items() if v != OK)
        except (ValueError, KeyError, TypeError, AttributeError):
            failing = error.reason
        return False, f"{url}: {error.code} {failing}"
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        return False, f"cannot reach {url}: {reason}; is the bot running with HEALTH_PORT set?"


def main(argv: Sequence[str] | None = None) -> int:
    """The HEALTHCHECK entry point: 0 when healthy, 1 otherwise (Docker reserves 2)."""
    parser = argparse.ArgumentParser(
        prog="python -m bot.adapters.health",
        description="Ask the running bot's /healthz (HEALTH_HOST, HEALTH_PORT from the"
        " environment or .env); exit 0 when healthy, 1 otherwise.",
    )
    parser.add_argument("--probe", action="store_true", required=True, help="probe /healthz")
    parser.add_argument("--timeout", type=float, default=PROBE_TIMEOUT, help="seconds to wait")
    args = parser.parse_args(argv)
    try:
        settings = load_settings()
    except ConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    if settings.health_port is None:
        print("error: HEALTH_PORT is not set, so the bot serves no /healthz", file=sys.stderr)
        return 1
    healthy, line = probe(probe_url(settings), args.timeout)
    print(line, file=sys.stdout if healthy else sys.stderr)
    return 0 if healthy else 1


if __name__ == "__main__":
    sys.exit(main())
