"""/healthz and /metrics over real HTTP: a real server on an ephemeral port, a real discord.py
client on the local Discord stand-in for the gateway check, and the bot itself (in-process,
on the stand-in) for what members' interactions and digest deliveries do to the metrics."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import sqlite3
import subprocess
import sys
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import aiohttp
import discord
import discord.gateway
import discord.http
import pytest
import yarl
from prometheus_client.parser import text_string_to_metric_families

from bot.adapters import health
from bot.adapters.discord.app import PaperBot
from bot.adapters.health import HealthPortError, HealthServer, HealthState, serve_health
from bot.adapters.metrics import Metrics
from bot.config import Settings, parse_settings
from bot.sandbox import Sandbox, SandboxClient
from bot.store import Store
from tests.test_deploy import ROOT, healthcheck_command, image_environment

# Family names as the Prometheus parser reports them (counters without `_total`).
FAMILIES = {
    "paperbot_interactions": "counter",
    "paperbot_interaction_latency_seconds": "histogram",
    "paperbot_digest_messages_delivered": "counter",
    "paperbot_digest_messages_failed": "counter",
    "paperbot_digest_channels_stopped": "gauge",
    "paperbot_ledger_parts_pending": "gauge",
    "paperbot_ingest_runs": "counter",
    "paperbot_notes_problems": "gauge",
    "paperbot_gateway_latency_seconds": "gauge",
    "paperbot_last_digest_success_timestamp_seconds": "gauge",
}
ALL_OK = {"gateway": "ok", "database": "ok", "scheduler": "ok"}


class StoreAnswers:
    """The store calls health makes, answered as each test sets them. (`Store.health` and
    the two digest counts are written by other engineers; these tests cover what the health
    server does with their answers.)"""

    def __init__(self) -> None:
        self.digests = self
        self.problem: str | None = None
        self.error: Exception | None = None
        self.stopped = 2
        self.pending = 5

    async def health(self) -> str | None:
        if self.error is not None:
            raise self.error
        return self.problem

    async def stopped_channels(self) -> int:
        if self.error is not None:
            raise self.error
        return self.stopped

    async def pending_parts(self) -> int:
        return self.pending


class WatchedClient(discord.Client):
    """A real discord.py client carrying what /healthz and /metrics read from the bot."""

    def __init__(self, store: Any) -> None:
        super().__init__(intents=discord.Intents(guilds=True), guild_ready_timeout=0.05)
        self.health = HealthState(scheduler_running=True)
        self.metrics = Metrics()
        self.store = store


def point_at(live: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    """discord.py reads its endpoints from class attributes: set them for this test only."""
    monkeypatch.setattr(discord.http.Route, "BASE", live.api_base_url)
    monkeypatch.setattr(
        discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY", yarl.URL(live.gateway_url)
    )


@pytest.fixture
async def live() -> AsyncIterator[Sandbox]:
    async with Sandbox() as running:
        yield running
    assert running.journal.problems == []


@pytest.fixture
async def client(live: Sandbox, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[WatchedClient]:
    point_at(live, monkeypatch)
    bot = WatchedClient(StoreAnswers())
    running = asyncio.create_task(bot.start(live.config.token))
    await asyncio.wait_for(bot.wait_until_ready(), 10)
    yield bot
    await bot.close()
    await running


@pytest.fixture
async def base_url(client: WatchedClient) -> AsyncIterator[str]:
    server = HealthServer(client)
    port = await server.start("127.0.0.1", 0)
    yield f"http://127.0.0.1:{port}"
    await server.stop()


async def get(url: str) -> tuple[int, str, str]:
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        return response.status, response.headers["Content-Type"], await response.text()


async def get_json(url: str) -> tuple[int, Any]:
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        return response.status, await response.json()


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of a /metrics page, keyed by name and sorted labels."""
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


# ---- /healthz ------------------------------------------------------------------------


async def test_healthz_is_200_when_connected_writable_and_scheduling(base_url: str) -> None:
    assert await get_json(f"{base_url}/healthz") == (200, {"status": "ok", "checks": ALL_OK})


async def test_healthz_is_503_naming_a_stopped_scheduler(
    base_url: str, client: WatchedClient
) -> None:
    client.health.scheduler_running = False
    status, body = await get_json(f"{base_url}/healthz")
    assert status == 503
    assert body == {
        "status": "failing",
        "checks": {**ALL_OK, "scheduler": "the digest scheduler is not running"},
    }


async def test_healthz_is_503_with_the_database_reason(
    base_url: str, client: WatchedClient
) -> None:
    client.store.problem = "data/bot.sqlite3 is read-only: give the bot write access"
    status, body = await get_json(f"{base_url}/healthz")
    assert (status, body["checks"]["database"]) == (503, client.store.problem)
    # A problem a part of the bot reported mid-run comes first.
    client.health.database_problem = "a write failed: database or disk is full"
    status, body = await get_json(f"{base_url}/healthz")
    assert (status, body["checks"]["database"]) == (503, client.health.database_problem)
    assert body["checks"]["gateway"] == "ok"


async def test_a_database_check_that_fails_or_hangs_is_a_reason_not_a_500(
    base_url: str, client: WatchedClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    client.store.error = sqlite3.OperationalError("disk I/O error")
    status, body = await get_json(f"{base_url}/healthz")
    assert (status, body["checks"]["database"]) == (
        503,
        "the database check failed: disk I/O error",
    )

    class Hanging(StoreAnswers):
        async def health(self) -> str | None:
            await asyncio.Event().wait()
            return None

    monkeypatch.setattr(health, "STORE_TIMEOUT", 0.05)
    client.store = Hanging()
    status, body = await get_json(f"{base_url}/healthz")
    assert (status, body["checks"]["database"]) == (
        503,
        "the database did not answer within 0 s",
    )


async def test_healthz_is_503_once_the_gateway_is_closed(
    base_url: str, client: WatchedClient
) -> None:
    await client.close()
    status, body = await get_json(f"{base_url}/healthz")
    assert status == 503
    assert body["checks"] == {**ALL_OK, "gateway": "the connection to Discord is closed"}


async def test_healthz_is_503_before_the_gateway_is_ready(tmp_path: Path) -> None:
    bot = WatchedClient(StoreAnswers())  # never started
    server = HealthServer(bot)
    port = await server.start("127.0.0.1", 0)
    try:
        status, body = await get_json(f"http://127.0.0.1:{port}/healthz")
    finally:
        await server.stop()
        await bot.close()
    assert status == 503
    assert body["checks"]["gateway"] in (
        "not connected to Discord",
        "the connection to Discord is closed",
    )


async def test_healthz_reads_the_real_store(
    live: Sandbox, monkeypatch: pytest.MonkeyPatch, store: Store, tmp_path: Path
) -> None:
    point_at(live, monkeypatch)
    bot = WatchedClient(store)
    running = asyncio.create_task(bot.start(live.config.token))
    server = HealthServer(bot)
    port = await server.start("127.0.0.1", 0)
    try:
        await asyncio.wait_for(bot.wait_until_ready(), 10)
        assert (await get_json(f"http://127.0.0.1:{port}/healthz"))[0] == 200
        (tmp_path / "db" / "bot.sqlite3").unlink()
        status, body = await get_json(f"http://127.0.0.1:{port}/healthz")
    finally:
        await server.stop()
        await bot.close()
        await running
    assert status == 503
    assert body["checks"]["database"].startswith("the database file ")
    assert "was deleted while the bot ran" in body["checks"]["database"]
    assert {k: v for k, v in body["checks"].items() if k != "database"} == {
        "gateway": "ok",
        "scheduler": "ok",
    }


# ---- /metrics ------------------------------------------------------------------------


async def test_metrics_page_has_every_metric_and_reads_gauges_at_scrape(
    base_url: str, client: WatchedClient
) -> None:
    client.metrics.ingest("ok", 3)
    client.metrics.delivered(4)
    status, content_type, text = await get(f"{base_url}/metrics")
    assert status == 200
    assert content_type.startswith("text/plain") and "version=" in content_type
    families = {f.name: f.type for f in text_string_to_metric_families(text)}
    assert FAMILIES.items() <= families.items()
    values = samples(text)
    assert values["paperbot_digest_channels_stopped", ()] == 2
    assert values["paperbot_ledger_parts_pending", ()] == 5
    assert values["paperbot_notes_problems", ()] == 3
    assert values["paperbot_digest_messages_delivered_total", ()] == 4
    assert values["paperbot_ingest_runs_total", (("outcome", "ok"),)] == 1
    assert values["paperbot_ingest_runs_total", (("outcome", "refused"),)] == 0
    assert values["paperbot_gateway_latency_seconds", ()] == client.latency
    # The next scrape reads the store again.
    client.store.stopped = 0
    _, _, text = await get(f"{base_url}/metrics")
    assert samples(text)["paperbot_digest_channels_stopped", ()] == 0


async def test_metrics_page_is_served_when_the_store_cannot_answer(
    base_url: str, client: WatchedClient, caplog: pytest.LogCaptureFixture
) -> None:
    await get(f"{base_url}/metrics")
    client.store.error = sqlite3.OperationalError("database is locked")
    with caplog.at_level(logging.WARNING, logger="bot.adapters.health"):
        status, _, text = await get(f"{base_url}/metrics")
    assert status == 200
    assert samples(text)["paperbot_digest_channels_stopped", ()] == 2  # as last read
    assert "could not read the digest gauges" in caplog.text
    assert "database is locked" in caplog.text


def test_metrics_of_two_bots_are_apart() -> None:
    one, two = Metrics(), Metrics()
    one.interaction("command", "about", "ok")
    assert b'command="about"' in one.exposition()
    assert b'command="about"' not in two.exposition()


# ---- serve_health --------------------------------------------------------------------


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return parse_settings({"DATABASE_PATH": str(tmp_path / "bot.sqlite3")})


async def test_serve_health_serves_nothing_without_a_port(settings: Settings) -> None:
    bot = WatchedClient(StoreAnswers())
    async with serve_health(settings, bot) as port:
        assert port is None
    await bot.close()


async def test_serve_health_serves_while_the_block_runs(
    client: WatchedClient, settings: Settings
) -> None:
    async with serve_health(replace(settings, health_port=0), client) as port:
        assert port
        assert (await get_json(f"http://127.0.0.1:{port}/healthz"))[0] == 200
    with pytest.raises(aiohttp.ClientConnectionError):
        await get_json(f"http://127.0.0.1:{port}/healthz")


async def test_a_port_in_use_is_one_clear_line(settings: Settings) -> None:
    bot = WatchedClient(StoreAnswers())
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(HealthPortError) as caught:
            async with serve_health(replace(settings, health_port=port), bot):
                pass
    await bot.close()
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"HEALTH_PORT={port}: cannot listen on 127.0.0.1:{port}")
    assert "choose a free port or unset HEALTH_PORT" in message


# ---- the container's probe -----------------------------------------------------------


def run_probe(port: int | None, tmp_path: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    """The Dockerfile's HEALTHCHECK command, run as Docker would, with the image's settings."""
    command = healthcheck_command()
    assert command[0] == "python"
    env = {
        "PATH": os.environ["PATH"],
        "PYTHONPATH": str(ROOT),
        **image_environment(),
        **extra,
    }
    if port is None:
        del env["HEALTH_PORT"]
    else:
        env["HEALTH_PORT"] = str(port)
    return subprocess.run(
        [sys.executable, *command[1:]], cwd=tmp_path, env=env, capture_output=True, text=True
    )


async def test_the_probe_exits_0_when_healthy_and_1_when_not(
    client: WatchedClient, tmp_path: Path
) -> None:
    server = HealthServer(client)
    port = await server.start("0.0.0.0", 0)  # as in the image: HEALTH_HOST=0.0.0.0
    try:
        healthy = await asyncio.to_thread(run_probe, port, tmp_path)
        client.health.scheduler_running = False
        failing = await asyncio.to_thread(run_probe, port, tmp_path)
    finally:
        await server.stop()
    refused = await asyncio.to_thread(run_probe, port, tmp_path)
    assert (healthy.returncode, healthy.stdout.strip()) == (
        0,
        f"http://127.0.0.1:{port}/healthz: 200 ok",
    )
    assert (failing.returncode, failing.stderr.strip()) == (
        1,
        f"http://127.0.0.1:{port}/healthz: 503 scheduler: the digest scheduler is not running",
    )
    assert refused.returncode == 1
    assert refused.stderr.startswith(f"cannot reach http://127.0.0.1:{port}/healthz: ")
    assert "Traceback" not in healthy.stderr + failing.stderr + refused.stderr


def test_the_probe_without_a_port_or_with_bad_settings_is_one_line_and_1(tmp_path: Path) -> None:
    unset = run_probe(None, tmp_path)
    assert (unset.returncode, unset.stderr.strip()) == (
        1,
        "error: HEALTH_PORT is not set, so the bot serves no /healthz",
    )
    bad = run_probe(8080, tmp_path, LOG_FORMAT="xml")
    assert bad.returncode == 1  # never 2: Docker reserves it
    assert "LOG_FORMAT='xml' must be one of plain, json" in bad.stderr
    assert "Traceback" not in bad.stderr


# ---- the bot's own metrics -----------------------------------------------------------


@pytest.fixture
async def paper_bot(
    live: Sandbox, seeded_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seeds: Path
) -> AsyncIterator[PaperBot]:
    """The real bot, in-process on the stand-in, with the seed notes in a real store."""
    point_at(live, monkeypatch)  # PaperBot points discord.py itself; this restores it after
    settings = parse_settings(
        {
            **live.bot_env(),
            "NOTES_DIR": str(seeds),
            "DATABASE_PATH": str(tmp_path / "db" / "bot.sqlite3"),
            "DIGEST_CHANNEL_ID": str(live.config.text_channel_id),
        }
    )
    bot = PaperBot(settings, seeded_store)
    running = asyncio.create_task(bot.start(live.config.token))
    async with SandboxClient(live.url) as user:
        await user.wait_until_ready(within=30)
    yield bot
    await bot.close()
    await running


def value(bot: PaperBot, name: str, **labels: str) -> float:
    found = bot.metrics.registry.get_sample_value(name, labels)
    return 0.0 if found is None else found


async def test_interactions_are_counted_and_timed_to_their_first_response(
    live: Sandbox, paper_bot: PaperBot
) -> None:
    async with SandboxClient(live.url, member="alice", channel="papers") as user:
        await user.command("about")
        await user.autocomplete("paper", "title", {"title": "sam"})
        refused = await user.command("digest-admin schedule", {"time": "25:99"})
        tags = await user.command("tag", {"name": "vq"})
        assert tags.message is not None
        button = next(
            c["custom_id"]
            for row in tags.message["components"]
            for c in row["components"]
            if c["type"] == 2 and not c.get("disabled")
        )
        await user.click(tags.message["id"], button)
    assert "25:99" in refused.content
    latency = "paperbot_interaction_latency_seconds_count"
    assert value(paper_bot, latency, kind="command") == 3
    assert value(paper_bot, latency, kind="autocomplete") == 1
    assert value(paper_bot, latency, kind="component") == 1
    total = "paperbot_interactions_total"
    assert value(paper_bot, total, kind="command", command="about", outcome="ok") == 1
    assert value(paper_bot, total, kind="autocomplete", command="paper", outcome="ok") == 1
    assert (
        value(
            paper_bot, total, kind="command", command="digest-admin schedule", outcome="user_error"
        )
        == 1
    )


async def test_digest_messages_are_counted_delivered_or_failed(
    live: Sandbox, paper_bot: PaperBot
) -> None:
    async with SandboxClient(live.url, member="alice", channel="papers") as user:
        await user.command("digest-admin post-now")
        posted = [
            r
            for r in await user.requests()
            if r["route"] == "/channels/{channel_id}/messages" and r["method"] == "POST"
        ]
        assert posted and all(r["status"] == 200 for r in posted)
        assert value(paper_bot, "paperbot_digest_messages_delivered_total") == len(posted)
        assert value(paper_bot, "paperbot_digest_messages_failed_total") == 0

        await user.inject_fault(403, route="POST /channels/{channel_id}/messages")
        await user.command("digest-admin post-now")
    assert value(paper_bot, "paperbot_digest_messages_failed_total") == 1
    assert value(paper_bot, "paperbot_digest_messages_delivered_total") == len(posted)
    # The 403 stopped the channel, and the part it refused waits in the ledger for
    # /digest-admin resume: /metrics reads both from the real store when scraped.
    server = HealthServer(paper_bot)
    port = await server.start("127.0.0.1", 0)
    try:
        _, _, text = await get(f"http://127.0.0.1:{port}/metrics")
    finally:
        await server.stop()
    assert samples(text)["paperbot_digest_channels_stopped", ()] == 1
    assert samples(text)["paperbot_ledger_parts_pending", ()] == 1


async def test_a_command_the_bot_no_longer_has_counts_as_an_error(
    live: Sandbox, paper_bot: PaperBot
) -> None:
    """Discord still offers a command the running bot dropped (a stale registration)."""
    paper_bot.tree.remove_command("about", guild=discord.Object(live.config.guild_id))
    async with SandboxClient(live.url, member="alice", channel="papers") as user:
        answer = await user.command("about")
    assert "Something went wrong" in answer.content
    total = "paperbot_interactions_total"
    assert value(paper_bot, total, kind="command", command="unknown", outcome="error") == 1
    assert value(paper_bot, total, kind="command", command="unknown", outcome="ok") == 0
