"""The real bot process against the stand-in: log-in, command sync, answers, resume, shutdown."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.sandbox import Sandbox, SandboxClient
from tests.e2e.conftest import BotProcess, start_bot, start_ready_bot

GUILDS_INTENT = 1


async def test_logs_in_and_syncs_commands_to_the_guild_only(
    user: SandboxClient, sandbox: Sandbox
) -> None:
    requests = [(r["method"], r["route"]) for r in await user.requests()]
    assert requests[:2] == [("GET", "/users/@me"), ("GET", "/oauth2/applications/@me")]
    state = await user.state()
    assert "about" in {c["name"] for c in state["guild_commands"]}
    assert state["global_commands"] == []  # never both: members would see each command twice
    [session] = state["sessions"]
    assert session["intents"] == GUILDS_INTENT  # no privileged intents


async def test_about_answers_with_an_ephemeral_embed(user: SandboxClient) -> None:
    answer = await user.command("about", member="bob")
    assert answer.answered and answer.response_type == 4 and answer.ephemeral
    [embed] = answer.embeds
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert fields["Days"] == "1" and fields["Latest day"] == "2024-06-12"
    assert int(fields["Papers"].replace(",", "")) > 0
    assert await user.messages("papers") == []  # ephemeral: nothing visible in the channel


async def resumed(user: SandboxClient) -> None:
    """Wait until the bot's one session has resumed once and is connected again."""
    for _ in range(200):
        [session] = (await user.state())["sessions"]
        if session["resumes"] == 1 and session["connected"]:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"the bot did not resume: {session}")


async def test_a_dropped_gateway_connection_is_resumed(user: SandboxClient) -> None:
    assert await user.drop_gateway() == 1
    await resumed(user)
    answer = await user.command("about")
    assert answer.answered


async def test_an_interaction_sent_while_disconnected_is_delivered_after_resume(
    user: SandboxClient,
) -> None:
    await user.drop_gateway()
    answer = await user.command("about")  # queued for the session, replayed on RESUME
    assert answer.answered


async def test_sigterm_stops_the_bot_cleanly(bot: BotProcess, sandbox: Sandbox) -> None:
    assert await bot.stop() == 0
    assert "signal received" in bot.log()
    [session] = sandbox.gateway.sessions.values()
    assert session.connection is None


async def test_a_rejected_token_exits_non_zero_with_one_line(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    secret = "definitely-not-the-token"
    process = await start_bot(sandbox, tmp_path, {"DISCORD_TOKEN": secret})
    assert await process.wait() == 3
    log = process.log()
    assert secret not in log
    assert [line for line in log.splitlines() if "rejected DISCORD_TOKEN" in line]
    assert "Traceback" not in log


async def test_gateway_close_4004_exits_non_zero(sandbox: Sandbox, tmp_path: Path) -> None:
    process = await start_ready_bot(sandbox, tmp_path)
    await sandbox.gateway.drop(code=4004)  # e.g. the token was reset while the bot ran
    assert await process.wait() == 3
    assert "rejected DISCORD_TOKEN" in process.log()


async def test_a_reconnect_request_is_followed_by_resume(user: SandboxClient) -> None:
    await user.request_reconnect()  # op 7, as Discord sends before moving a session
    await resumed(user)


async def test_the_digest_is_posted_with_embeds(user: SandboxClient) -> None:
    # Every message passed the stand-in's limits and spec checks, or it would not be listed.
    await user.command("digest-admin channel", {"channel": "papers"})
    answer = await user.command("digest-admin post-now")
    assert answer.answered and answer.ephemeral
    posted = await user.messages("papers")
    assert posted and all(m["author"]["bot"] for m in posted)
    embeds = [e for m in posted for e in m["embeds"]]
    assert embeds and all(e["title"] for e in embeds)
    assert not any(m["mention_everyone"] for m in posted)
