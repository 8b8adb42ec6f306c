"""Discord manners (issue 11): command registration that touches one scope and only when
the commands changed, `paper-digest-bot sync`, Korean everywhere the bot speaks, clickable
command mentions, `/help`, the permission check of `/digest-admin channel`, and the
autocomplete of times, time zones and starts. The real bot process against the stand-in."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from bot.sandbox import Sandbox, SandboxClient
from bot.sandbox.world import Command
from tests.e2e.conftest import BotProcess, start_bot
from tests.e2e.test_digest import eventually, papers_channel
from tests.e2e.test_operating import command as paper_digest_bot

GLOBAL = "/applications/{application_id}/commands"
GUILD = "/applications/{application_id}/guilds/{guild_id}/commands"
MENTION_RE = re.compile(r"</([-\w ]+):(\d+)>")


async def connected(sandbox: Sandbox, workdir: Path, **env: str) -> BotProcess:
    """Start the bot; return once this process is on the gateway (`on_ready` logged)."""
    process = await start_bot(sandbox, workdir, env)

    async def ready() -> bool:
        return "connected as" in process.log()

    await eventually(ready, within=30)
    return process


async def stopped(process: BotProcess) -> None:
    assert await process.stop() == 0, process.log()


def puts(requests: list[dict[str, Any]], route: str) -> list[dict[str, Any]]:
    """The bulk overwrites of one command scope the bot sent."""
    return [r for r in requests if r["method"] == "PUT" and r["route"] == route]


def fields(answer: Any) -> dict[str, str]:
    return {f["name"]: f["value"] for f in answer.embeds[0]["fields"]}


# ---- registration -------------------------------------------------------------------


async def test_a_restart_with_unchanged_commands_registers_nothing(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    await stopped(await connected(sandbox, tmp_path))
    again = await connected(sandbox, tmp_path)
    async with SandboxClient(sandbox.url, channel="papers") as user:
        assert len(puts(await user.requests(), GUILD)) == 1
        assert (await user.command("about")).answered  # the commands work as registered
        # …and what Discord lost is registered again at the next start, hash or not.
        await stopped(again)
        sandbox.world.guild_commands.clear()
        third = await connected(sandbox, tmp_path)
        assert len(puts(await user.requests(), GUILD)) == 2
        assert "about" in {c["name"] for c in (await user.state())["guild_commands"]}
    await stopped(third)


async def test_a_development_run_leaves_global_commands_alone(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    await stopped(await connected(sandbox, tmp_path / "production", DISCORD_GUILD_ID=""))
    production = {c.name: c.payload["version"] for c in sandbox.world.global_commands.values()}
    assert "about" in production
    development = await connected(sandbox, tmp_path / "development")
    async with SandboxClient(sandbox.url) as user:
        state = await user.state()
        assert {c["name"]: c["version"] for c in state["global_commands"]} == production
        assert "about" in {c["name"] for c in state["guild_commands"]}
        assert len(puts(await user.requests(), GLOBAL)) == 1  # production's own, only
    await stopped(development)
    assert "global command(s) are registered too" in development.log()


async def test_sync_clears_only_the_scope_it_names(sandbox: Sandbox, tmp_path: Path) -> None:
    (tmp_path / "notes").mkdir()
    code, out, err = await paper_digest_bot(tmp_path, sandbox, "sync", "--global", "--json")
    assert code == 0, err
    done = json.loads(out)
    assert done["scope"] == "global" and not done["cleared"]
    assert {"about", "help", "digest-admin"} <= set(done["commands"])
    code, _, err = await paper_digest_bot(tmp_path, sandbox, "sync")  # DISCORD_GUILD_ID's
    assert code == 0, err
    async with SandboxClient(sandbox.url) as user:
        state = await user.state()
        assert state["global_commands"] and state["guild_commands"]
        code, out, err = await paper_digest_bot(tmp_path, sandbox, "sync", "--global", "--clear")
        assert code == 0, err
        assert "every command removed" in out
        state = await user.state()
        assert state["global_commands"] == []
        assert "about" in {c["name"] for c in state["guild_commands"]}
        before = len(puts(await user.requests(), GUILD))
    # `sync` recorded what it registered: the bot's start registers nothing more.
    bot = await connected(sandbox, tmp_path)
    async with SandboxClient(sandbox.url) as user:
        assert len(puts(await user.requests(), GUILD)) == before
    await stopped(bot)


async def test_sync_of_a_server_the_bot_is_not_in_is_one_line_exit_1(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    (tmp_path / "notes").mkdir()
    code, out, err = await paper_digest_bot(tmp_path, sandbox, "sync", "--guild", "42")
    [error] = [line for line in err.splitlines() if line.startswith("error:")]
    assert code == 1 and out == "" and "guild 42" in error and "403" in error


# ---- Korean ----------------------------------------------------------------------------


async def test_a_korean_member_reads_korean(sandbox: Sandbox, user: SandboxClient) -> None:
    about = await user.command("about", member="minji")
    assert about.embeds[0]["title"] == "논문 다이제스트 라이브러리"
    assert set(fields(about)) == {"논문", "날짜", "태그", "최근 날짜"}
    help_ = await user.command("help", member="minji")
    assert help_.embeds[0]["title"] == "명령어"
    assert "노트에 있는 논문 보기" in help_.embeds[0]["description"]
    await user.command("digest-admin channel", {"channel": "papers"}, member="minji")
    await user.command("digest-admin language", {"language": "both"}, member="minji")
    paused = await user.command("digest-admin pause", member="minji")
    assert "다이제스트를 멈췄어요" in paused.content
    status = fields(await user.command("digest-admin status", member="minji"))
    assert status["일정"].endswith(" · 멈춤")
    assert status["언어 · 형식"] == "한국어와 영어 · 전체: 논문마다 임베드"
    # The tree's own error text too: a command Discord still offers but the bot lacks.
    registered = sandbox.world.guild_commands[sandbox.config.guild_id]
    ghost = {**registered[("about", 1)].payload, "name": "ghost", "id": "1"}
    registered[("ghost", 1)] = Command(ghost)
    gone = await user.command("ghost", member="minji")
    assert gone.ephemeral and gone.content.startswith("문제가 생겼어요 (오류 번호 `")


async def test_choices_and_options_carry_korean_names(user: SandboxClient) -> None:
    [admin] = [c for c in (await user.state())["guild_commands"] if c["name"] == "digest-admin"]
    options = {o["name"]: o for o in admin["options"]}
    [language] = options["language"]["options"]
    assert language["name_localizations"] == {"ko": "언어"}
    names = {c["value"]: (c["name"], c["name_localizations"]["ko"]) for c in language["choices"]}
    assert names["ko"] == ("Korean", "한국어") and names["both"] == (
        "Korean and English",
        "한국어와 영어",
    )
    set_style = await user.command("digest-admin style", {"style": "compact"}, member="minji")
    assert set_style.content == "다이제스트 형식: 간단히: 목록과 스레드."


# ---- mentions and /help -----------------------------------------------------------------


async def test_commands_named_in_answers_are_clickable(user: SandboxClient) -> None:
    ids = {c["name"]: c["id"] for c in (await user.state())["guild_commands"]}
    no_channel = await user.command("digest-admin post-now")
    assert f"</digest-admin channel:{ids['digest-admin']}>" in no_channel.content
    help_ = (await user.command("help")).embeds[0]["description"]
    mentioned = dict(MENTION_RE.findall(help_))
    assert mentioned["paper"] == ids["paper"] and mentioned["help"] == ids["help"]
    assert mentioned["digest-admin status"] == ids["digest-admin"]
    lines = help_.splitlines()
    assert len(lines) == len(mentioned)  # one line a command
    assert f"</search:{ids['search']}> — Search titles, authors, abstracts and notes" in lines
    # A member without Manage Server is not offered the settings.
    bob = (await user.command("help", member="bob")).embeds[0]["description"]
    assert "</paper:" in bob and "digest-admin" not in bob


# ---- /digest-admin channel checks every permission the setting needs ----------------------


async def test_a_channel_without_embed_links_is_refused_naming_it(user: SandboxClient) -> None:
    answer = await user.command("digest-admin channel", {"channel": "quotes"})
    assert answer.ephemeral and "Embed Links" in answer.content
    assert "Send Messages" not in answer.content and "Nothing was changed" in answer.content
    korean = await user.command("digest-admin channel", {"channel": "quotes"}, member="minji")
    assert "링크 첨부" in korean.content and "Embed Links" not in korean.content
    status = fields(await user.command("digest-admin status"))
    assert status["Channel"] == "none"


async def test_compact_style_needs_threads_in_the_channel(user: SandboxClient) -> None:
    assert "<#" in (await user.command("digest-admin channel", {"channel": "chat"})).content
    refused = await user.command("digest-admin style", {"style": "compact"})
    assert "Create Public Threads" in refused.content and "Nothing was changed" in refused.content
    assert "Full" in fields(await user.command("digest-admin status"))["Language · style"]
    await user.command("digest-admin channel", {"channel": "papers"})
    await user.command("digest-admin style", {"style": "compact"})
    moved = await user.command("digest-admin channel", {"channel": "chat"})
    assert "Create Public Threads" in moved.content


# ---- time, time zone and start -----------------------------------------------------------


async def test_schedule_time_autocomplete_and_typed_times(user: SandboxClient) -> None:
    typed = await user.autocomplete("digest-admin schedule", "time", {"time": "9"})
    assert [c["value"] for c in typed.choices or []] == ["09:00", "09:15", "09:30", "09:45"]
    empty = await user.autocomplete("digest-admin schedule", "time", {"time": ""})
    assert [c["value"] for c in empty.choices or []][:3] == ["00:00", "01:00", "02:00"]
    wide = await user.command(
        "digest-admin schedule", {"time": "２１:３０", "timezone": "asia/seoul"}
    )
    assert "21:30 (Asia/Seoul)" in wide.content


async def test_timezone_autocomplete_puts_common_zones_first(user: SandboxClient) -> None:
    options = {"time": "09:00", "timezone": ""}
    alice = await user.autocomplete("digest-admin schedule", "timezone", options)
    korean = await user.autocomplete("digest-admin schedule", "timezone", options, member="minji")
    english = [c["value"] for c in alice.choices or []]
    assert english[:4] == ["UTC", "Asia/Shanghai", "Asia/Kolkata", "America/New_York"]
    assert [c["value"] for c in korean.choices or []][:2] == ["Asia/Seoul", "UTC"]
    typed = await user.autocomplete(
        "digest-admin schedule", "timezone", {**options, "timezone": "g"}
    )
    for offered in (english, [c["value"] for c in typed.choices or []]):
        assert not {"GB", "PRC", "NZ", "GB-Eire"} & set(offered)
        assert all("/" in zone or zone == "UTC" for zone in offered)


async def test_start_takes_what_digest_date_takes(sandbox: Sandbox, tmp_path: Path) -> None:
    bot = await connected(sandbox, tmp_path, DIGEST_CHANNEL_ID=papers_channel(sandbox))
    async with SandboxClient(sandbox.url, channel="papers") as user:
        korean_date = await user.command("digest-admin start", {"at": "2024년 6월 12일"})
        assert korean_date.content == "The next digest will be 2024-06-12."
        offered = await user.autocomplete("digest-admin start", "at", {"at": "2024"})
        assert offered.choices and offered.choices[0]["value"] == "2024-06-12"
        words = await user.autocomplete("digest-admin start", "at", {"at": ""}, member="minji")
        assert [c["name"] for c in words.choices or []][:2] == [
            "처음: 노트의 가장 오래된 날",
            "최신: 노트의 가장 최근 날",
        ]
        bad = await user.command("digest-admin start", {"at": "2024-13-01"})
        assert (
            bad.ephemeral and "2024-13-01" in bad.content and "Nothing was changed" in bad.content
        )
    await stopped(bot)
