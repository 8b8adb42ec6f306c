"""Lookup buttons are state in their custom ids: they survive a restart of the bot, and a page
that the notes no longer have is answered politely."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.sandbox import Sandbox, SandboxClient, SandboxConfig
from tests.e2e.conftest import start_ready_bot
from tests.e2e.test_lookup import ids, notes_folder, private


async def connected_again(user: SandboxClient) -> None:
    """Until the restarted bot has its own gateway session (the old one stays, closed)."""
    for _ in range(300):
        sessions = (await user.state())["sessions"]
        if len(sessions) == 2 and sessions[-1]["connected"]:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"the bot did not reconnect: {sessions}")


async def test_buttons_keep_working_after_a_restart(tmp_path: Path) -> None:
    notes_folder(tmp_path)
    # Without rate limits: re-syncing commands at once would otherwise wait out a 429.
    async with Sandbox(SandboxConfig(rate_limits=False)) as sandbox:
        await restart_and_click(sandbox, tmp_path)
        assert sandbox.journal.problems == []


async def restart_and_click(sandbox: Sandbox, tmp_path: Path) -> None:
    bot = await start_ready_bot(sandbox, tmp_path)
    async with SandboxClient(sandbox.url, member="alice", channel="papers") as user:
        on_first = private(await user.command("tag", {"name": "bulk"}))
        on_second = private(await user.command("tag", {"name": "bulk"}))
        on_second = private(await user.click(on_second.message["id"], ids(on_second)["Next ▶"]))
        assert await bot.stop() == 0
        notes_folder(tmp_path, bulk=12)  # the notes change while the bot is down: 2 pages
        bot = await start_ready_bot(sandbox, tmp_path)
        await connected_again(user)
        after = private(await user.click(on_first.message["id"], ids(on_first)["Next ▶"]))
        assert after.message["id"] == on_first.message["id"]
        assert after.embeds[0]["title"] == "#bulk · 12 papers"
        assert after.embeds[0]["footer"]["text"] == "Page 2/2"
        gone = private(await user.click(on_second.message["id"], ids(on_second)["Next ▶"]))
        assert gone.content.startswith("That page no longer exists")
    assert await bot.stop() == 0
