"""The daily digest end to end: the real bot process, the real scheduler, the stand-in."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.sandbox import Sandbox, SandboxClient
from bot.sandbox.client import SandboxUserError
from tests.e2e.conftest import BotProcess, start_bot

MESSAGES = "POST /channels/{channel_id}/messages"
DISCORD_EPOCH_MS = 1_420_070_400_000
CROSSPOSTED = 1 << 0


async def ready(sandbox: Sandbox, workdir: Path, **env: str) -> BotProcess:
    process = await start_bot(sandbox, workdir, env)
    async with SandboxClient(sandbox.url) as user:
        await user.wait_until_ready(within=30)
    return process


@asynccontextmanager
async def admin_session(
    sandbox: Sandbox, workdir: Path, **env: str
) -> AsyncIterator[tuple[BotProcess, SandboxClient]]:
    """The bot started with `env` and alice (Manage Server) in #papers; a clean exit after."""
    bot = await ready(sandbox, workdir, **env)
    async with SandboxClient(sandbox.url, member="alice", channel="papers") as user:
        yield bot, user
    assert await bot.stop() == 0, bot.log()


def papers_channel(sandbox: Sandbox) -> str:
    """DIGEST_CHANNEL_ID for #papers."""
    return str(sandbox.config.text_channel_id)


async def eventually(check: Callable[[], Awaitable[Any]], within: float = 15.0) -> Any:
    deadline = asyncio.get_running_loop().time() + within
    while True:
        result = await check()
        if result:
            return result
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.1)


def embeds_of(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for m in messages for e in m.get("embeds", [])]


def positions(messages: list[dict[str, Any]]) -> list[str]:
    return [e["footer"]["text"].split(" · ")[1] for e in embeds_of(messages)]


SIX = [f"{i}/6" for i in range(1, 7)]


async def test_scheduled_digest_in_seoul_arrives_at_its_minute(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    seoul = ZoneInfo("Asia/Seoul")
    now = datetime.now(seoul)
    due = (now + timedelta(minutes=1 if now.second < 50 else 2)).replace(second=0, microsecond=0)
    async with admin_session(
        sandbox,
        tmp_path,
        DIGEST_CHANNEL_ID=papers_channel(sandbox),
        DIGEST_TIME=due.strftime("%H:%M"),
        DIGEST_TIMEZONE="Asia/Seoul",
    ) as (_, user):
        status = await user.command("digest-admin status")
        assert due.strftime("%H:%M") in str(status.embeds) and "Asia/Seoul" in str(status.embeds)
        posted = await eventually(lambda: user.messages("papers"), within=150)
        sent_ms = (int(posted[0]["id"]) >> 22) + DISCORD_EPOCH_MS
        sent = datetime.fromtimestamp(sent_ms / 1000, UTC).astimezone(seoul)
        assert sent.replace(second=0, microsecond=0) == due
        assert "2024-06-12" in posted[0]["content"] and "posted late" not in posted[0]["content"]
        await eventually(lambda: _complete(user, "papers"))


async def _complete(user: SandboxClient, channel: str) -> bool:
    return positions(await user.messages(channel)) == SIX


async def test_admin_settings_post_now_and_status(user: SandboxClient) -> None:
    answer = await user.command("digest-admin channel", {"channel": "papers"})
    assert answer.ephemeral and "<#" in answer.content
    posted = await user.command("digest-admin post-now")
    assert posted.ephemeral and "2024-06-12" in posted.content
    messages = await user.messages("papers")
    assert positions(messages) == SIX
    assert all(m["mentions"] == [] and not m["mention_everyone"] for m in messages)
    status = await user.command("digest-admin status")
    fields = {f["name"]: f["value"] for f in status.embeds[0]["fields"]}
    assert fields["Last day posted"] == "2024-06-12" and fields["Days waiting"] == "0"
    again = await user.command("digest-admin post-now")
    assert "Nothing to post" in again.content
    assert len(await user.messages("papers")) == len(messages)


async def test_invalid_settings_are_explained_and_change_nothing(user: SandboxClient) -> None:
    bad_time = await user.command("digest-admin schedule", {"time": "25:00"})
    assert bad_time.ephemeral and "25:00" in bad_time.content and "HH:MM" in bad_time.content
    bad_zone = await user.command(
        "digest-admin schedule", {"time": "09:00", "timezone": "Mars/Olympus"}
    )
    assert bad_zone.ephemeral and "Mars/Olympus" in bad_zone.content
    choices = await user.autocomplete(
        "digest-admin schedule", "timezone", {"time": "09:00", "timezone": "seo"}
    )
    assert choices.choices and choices.choices[0]["value"] == "Asia/Seoul"
    assert len(choices.choices) <= 25
    status = await user.command("digest-admin status")
    assert "09:00 UTC" in str(status.embeds)
    bad_start = await user.command("digest-admin start", {"at": "yesterday"})
    assert "yesterday" in bad_start.content


def override_permissions(sandbox: Sandbox, command: str) -> None:
    """What a server admin's command-permission override does (Server Settings →
    Integrations): the command shows to every member whatever its default permissions."""
    for commands in (sandbox.world.global_commands, *sandbox.world.guild_commands.values()):
        for (name, _), registered in commands.items():
            if name == command:
                registered.payload["default_member_permissions"] = None


async def test_digest_admin_is_for_servers_and_manage_server_by_default(
    sandbox: Sandbox, user: SandboxClient
) -> None:
    [admin] = [c for c in (await user.state())["guild_commands"] if c["name"] == "digest-admin"]
    assert admin["default_member_permissions"] == str(1 << 5)  # MANAGE_GUILD
    assert admin["contexts"] == [0] and admin["dm_permission"] is False  # servers only
    with pytest.raises(SandboxUserError, match="default_member_permissions"):
        await user.command("digest-admin status", member="bob")


async def test_members_without_manage_server_cannot_change_settings(
    sandbox: Sandbox, user: SandboxClient
) -> None:
    override_permissions(sandbox, "digest-admin")  # bob sees the command now…
    for command, options in [
        ("digest-admin channel", {"channel": "papers"}),
        ("digest-admin post-now", {}),
        ("digest-admin status", {}),
        ("digest-admin alerts", {"channel": "papers"}),
        ("digest-admin why", {"query": "2024-06-12"}),
    ]:
        answer = await user.command(command, options, member="bob")  # …and is refused
        assert answer.ephemeral and "Manage Server" in answer.content
    assert await user.messages("papers") == []


async def test_korean_admin_gets_korean_answers(user: SandboxClient) -> None:
    answer = await user.command("digest-admin schedule", {"time": "99:99"}, member="minji")
    assert answer.ephemeral and "올바른 시간이 아니에요" in answer.content
    status = await user.command("digest-admin status", member="minji")
    assert status.embeds[0]["title"] == "다이제스트 상태"


async def test_kill_9_mid_digest_then_restart_completes_without_duplicate(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    bot = await ready(sandbox, tmp_path, DIGEST_CHANNEL_ID=papers_channel(sandbox))
    async with SandboxClient(sandbox.url, member="alice", channel="papers") as user:
        # The second part hangs at "Discord"; the process dies while waiting for it.
        await user.inject_fault(route=MESSAGES, nth=2, delay=30)
        pending = asyncio.create_task(user.command("digest-admin post-now", within=40))
        await eventually(lambda: user.messages("papers"))
        await asyncio.sleep(0.5)
        bot.process.kill()
        await bot.process.wait()
        pending.cancel()
        restarted = await ready(sandbox, tmp_path, DIGEST_CHANNEL_ID=papers_channel(sandbox))
        await eventually(lambda: _complete(user, "papers"), within=40)
        await asyncio.sleep(1)  # nothing more arrives
        assert positions(await user.messages("papers")) == SIX
    assert await restarted.stop() == 0


async def test_a_500_and_a_429_on_parts_are_survived(user: SandboxClient) -> None:
    await user.command("digest-admin channel", {"channel": "papers"})
    await user.inject_fault(500, route=MESSAGES, nth=1)
    await user.inject_fault(429, route=MESSAGES, nth=3, retry_after=0.5)
    answer = await user.command("digest-admin post-now", within=30)
    assert "2024-06-12" in answer.content
    assert positions(await user.messages("papers")) == SIX


async def test_a_403_stops_the_channel_and_shows_in_status(user: SandboxClient) -> None:
    await user.command("digest-admin channel", {"channel": "papers"})
    await user.inject_fault(403, route=MESSAGES, nth=1)
    answer = await user.command("digest-admin post-now")
    assert "Missing Permissions" in answer.content
    status = await user.command("digest-admin status")
    error = {f["name"]: f["value"] for f in status.embeds[0]["fields"]}["Last error"]
    assert "Missing Permissions" in error and "resume" in error
    assert (await user.command("digest-admin post-now")).content.startswith("Nothing to post")
    await user.command("digest-admin resume")
    assert "2024-06-12" in (await user.command("digest-admin post-now")).content


async def test_announcement_channel_messages_are_crossposted(user: SandboxClient) -> None:
    await user.command("digest-admin channel", {"channel": "announcements"})
    await user.command("digest-admin post-now")
    messages = await user.messages("announcements")
    assert positions(messages) == SIX
    assert all(m["flags"] & CROSSPOSTED for m in messages)


async def test_compact_style_lists_papers_and_threads_the_embeds(user: SandboxClient) -> None:
    await user.command("digest-admin channel", {"channel": "papers"})
    await user.command("digest-admin style", {"style": "compact"})
    await user.command("digest-admin post-now")
    [lead] = await user.messages("papers")
    assert "1. [An Image is Worth 32 Tokens" in lead["embeds"][0]["description"]
    thread = await user.messages(lead["id"])
    assert positions(thread) == SIX


async def test_an_edited_notes_file_edits_the_posted_message(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    async with admin_session(
        sandbox, tmp_path, DIGEST_CHANNEL_ID=papers_channel(sandbox), NOTES_WATCH_SECONDS="0.5"
    ) as (_, user):
        await user.command("digest-admin post-now")
        before = await user.messages("papers")
        [notes] = (tmp_path / "notes").iterdir()
        notes.write_text(notes.read_text().replace("#synthetic-data", "#synthetic-data #fixed"))

        async def edited() -> bool:
            return "#fixed" in str(await user.messages("papers"))

        await eventually(edited)
        after = await user.messages("papers")
        assert [m["id"] for m in after] == [m["id"] for m in before]  # edited in place
        assert any(m.get("edited_timestamp") for m in after)


async def test_a_channel_the_bot_cannot_post_in_is_refused(user: SandboxClient) -> None:
    answer = await user.command("digest-admin channel", {"channel": "rules"})
    assert answer.ephemeral and "Send Messages" in answer.content
    assert "Nothing was changed" in answer.content
    status = await user.command("digest-admin status")
    channel = {f["name"]: f["value"] for f in status.embeds[0]["fields"]}["Channel"]
    assert "rules" not in channel and str(1_200_000_000_000_000_202) not in channel
