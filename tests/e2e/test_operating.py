"""The operator's view of a running bot: one process per database, health and metrics."""

from __future__ import annotations

import asyncio
import json
import socket
import sys
from pathlib import Path

import aiohttp
from prometheus_client.parser import text_string_to_metric_families

from bot.sandbox import Sandbox, SandboxClient
from tests.e2e.conftest import ROOT, BotProcess, start_bot


async def command(workdir: Path, sandbox: Sandbox, *args: str) -> tuple[int, str, str]:
    """`python -m bot ARGS` with the running bot's settings."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        cwd=workdir,
        env={
            "PYTHONPATH": str(ROOT),
            "PATH": "/usr/bin:/bin",
            **sandbox.bot_env(),
            "NOTES_DIR": str(workdir / "notes"),
            "DATABASE_PATH": str(workdir / "bot.sqlite3"),
        },
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_a_second_run_and_an_ingest_are_refused_lookups_work(
    bot: BotProcess, sandbox: Sandbox, tmp_path: Path
) -> None:
    pid = bot.process.pid
    second = await start_bot(sandbox, tmp_path)
    assert await second.wait(30) == 4
    [line] = [line for line in second.log().splitlines() if "holds the database" in line]
    assert f"pid {pid}" in line and "Traceback" not in second.log()

    code, _, err = await command(tmp_path, sandbox, "ingest")
    assert code == 4 and f"kill -HUP {pid}" in err
    code, out, err = await command(tmp_path, sandbox, "search", "samba", "--json")
    assert code == 0, err
    assert json.loads(out)["results"][0]["title"].startswith("Samba")
    async with SandboxClient(sandbox.url, member="alice", channel="papers") as user:
        answer = await user.command("about")
        assert answer.answered and answer.message  # the first bot still serves members


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


async def test_healthz_and_metrics_of_the_running_bot(sandbox: Sandbox, tmp_path: Path) -> None:
    port = free_port()
    process = await start_bot(sandbox, tmp_path, {"HEALTH_PORT": str(port)})
    try:
        async with SandboxClient(sandbox.url, member="alice", channel="papers") as user:
            await user.wait_until_ready(within=30)
            assert (await user.command("about")).answered
        async with aiohttp.ClientSession() as http:

            async def healthz() -> tuple[int, dict[str, str]]:
                async with http.get(f"http://127.0.0.1:{port}/healthz") as response:
                    return response.status, (await response.json())["checks"]

            # discord.py is ready ~2 s after the last GUILD_CREATE; until then, 503.
            status, checks = await healthz()
            for _ in range(100):
                if status == 200:
                    break
                assert checks["gateway"] == "not connected to Discord", checks
                await asyncio.sleep(0.1)
                status, checks = await healthz()
            assert (status, checks) == (200, {"gateway": "ok", "database": "ok", "scheduler": "ok"})
            async with http.get(f"http://127.0.0.1:{port}/metrics") as response:
                text = await response.text()
        samples = {
            (s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text)
            for s in family.samples
        }
        about = (("command", "about"), ("kind", "command"), ("outcome", "ok"))
        assert samples[("paperbot_interactions_total", about)] == 1
        assert samples[("paperbot_ingest_runs_total", (("outcome", "ok"),))] >= 1
        assert samples[("paperbot_notes_problems", ())] == 0
    finally:
        assert await process.stop() == 0, process.log()


async def test_a_health_port_in_use_is_exit_2_in_one_line(sandbox: Sandbox, tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        process = await start_bot(sandbox, tmp_path, {"HEALTH_PORT": str(port)})
        assert await process.wait(30) == 2
    log = process.log()
    assert "Traceback" not in log
    assert [line for line in log.splitlines() if line.startswith("error: ") and str(port) in line]
