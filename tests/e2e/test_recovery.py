"""Recovering an interrupted digest when Discord no longer remembers its nonces.

A deterministic nonce makes Discord return the earlier message instead of posting a
second one, but only for a few minutes. A bot that was down longer than that must look
in the channel's history for the part it was sending when it died; nothing else stands
between it and a duplicate. Here Discord posts a part, the bot dies before it hears so,
the nonce window passes, and the restarted bot finishes the digest.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.sandbox import Sandbox, SandboxClient
from tests.e2e.test_digest import MESSAGES, SIX, eventually, papers_channel, positions, ready

DELIVERED = "digest 2024-06-12 delivered to channel"


async def test_a_part_posted_before_a_kill_9_is_found_in_history_after_the_nonce_window(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    channel = papers_channel(sandbox)
    bot = await ready(sandbox, tmp_path, DIGEST_CHANNEL_ID=channel)
    async with SandboxClient(sandbox.url, member="alice", channel="papers") as user:
        # Discord posts the second part, then holds its answer: the bot dies waiting.
        await user.inject_fault(route=MESSAGES, nth=2, answer_delay=60)
        pending = asyncio.create_task(user.command("digest-admin post-now", within=70))

        async def second_part_posted() -> bool:
            return len(await user.messages("papers")) == 2

        await eventually(second_part_posted)
        bot.process.kill()
        await bot.process.wait()
        pending.cancel()
        assert DELIVERED not in bot.log()
        assert await user.forget_nonces() == 2  # the bot stayed down past the window

        restarted = await ready(sandbox, tmp_path, DIGEST_CHANNEL_ID=channel)

        async def delivered() -> bool:
            return DELIVERED in restarted.log()

        await eventually(delivered, within=40)
        assert positions(await user.messages("papers")) == SIX
    assert await restarted.stop() == 0, restarted.log()
