"""End-to-end fixtures: the stand-in in-process, the bot as a real subprocess.

The bot is started exactly as an operator would start it — ``python -m bot run`` with its
settings in environment variables — in a temporary working directory (so no ``.env`` leaks
in), against a temporary notes folder and database. Tests act through ``SandboxClient``.
Tear-down sends SIGTERM and requires a clean exit 0 within 10 s, and that the bot never
called an unknown route nor got an answer that strays from Discord's spec.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import sys
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.sandbox import Sandbox, SandboxClient

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "seeds" / "000_16f820bf8340cb5c.txt"  # one day: 2024-06-12
STOP_WITHIN = 10.0


@dataclass
class BotProcess:
    process: asyncio.subprocess.Process
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text("utf-8", errors="replace")

    async def wait(self, within: float = STOP_WITHIN) -> int:
        try:
            return await asyncio.wait_for(self.process.wait(), within)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()
            pytest.fail(f"the bot did not exit within {within} s\n{self.log()}")

    async def stop(self) -> int:
        """SIGTERM, as systemd or Docker would send it."""
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
        return await self.wait()


async def start_bot(
    sandbox: Sandbox, workdir: Path, env: Mapping[str, str] | None = None
) -> BotProcess:
    notes = workdir / "notes"
    notes.mkdir(parents=True, exist_ok=True)
    shutil.copy(SEED, notes / SEED.name)
    inherited = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "DIGEST_"))}
    full_env = {
        **inherited,
        "PYTHONPATH": str(ROOT),
        **sandbox.bot_env(),
        "NOTES_DIR": str(notes),
        "DATABASE_PATH": str(workdir / "bot.sqlite3"),
        "LOG_LEVEL": "INFO",
        **(env or {}),
    }
    log_path = workdir / "bot.log"
    with log_path.open("wb") as log:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", cwd=workdir, env=full_env, stdout=log, stderr=log
        )
    return BotProcess(process, log_path)


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    async with Sandbox() as running:
        yield running
    assert running.journal.problems == [], running.journal.problems


async def start_ready_bot(sandbox: Sandbox, workdir: Path) -> BotProcess:
    """Start the bot and wait until it is on the gateway with its commands registered."""
    process = await start_bot(sandbox, workdir)
    async with SandboxClient(sandbox.url) as user:
        try:
            await user.wait_until_ready(within=30)
        except TimeoutError:
            await process.stop()
            pytest.fail(f"the bot did not come up\n{process.log()}")
    return process


@pytest.fixture
async def bot(sandbox: Sandbox, tmp_path: Path) -> AsyncIterator[BotProcess]:
    process = await start_ready_bot(sandbox, tmp_path)
    yield process
    assert await process.stop() == 0, process.log()


@pytest.fixture
async def user(sandbox: Sandbox, bot: BotProcess) -> AsyncIterator[SandboxClient]:
    async with SandboxClient(sandbox.url, member="alice", channel="papers") as client:
        yield client
