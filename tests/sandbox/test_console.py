"""The console's parsing and rendering (the interactive loop runs end to end in tests/e2e)."""

from __future__ import annotations

import io

import pytest

from bot.sandbox import Sandbox
from bot.sandbox.console import Console, Prompt, parse_command
from bot.sandbox.interactions import UserError
from bot.sandbox.render import colour_name, render_answer, render_message


@pytest.mark.parametrize(
    ("line", "path", "options"),
    [
        ("/about", "about", {}),
        ("/paper title:samba", "paper", {"title": "samba"}),
        ("/digest-admin post-now", "digest-admin post-now", {}),
        (
            "/search query:state space models limit:5",
            "search",
            {"query": "state space models", "limit": "5"},
        ),
        ('/search query:"a: b" limit:5', "search", {"query": "a: b", "limit": "5"}),
        ("/digest-admin schedule time:09:30", "digest-admin schedule", {"time": "09:30"}),
    ],
)
def test_parse_command(line: str, path: str, options: dict[str, str]) -> None:
    parsed = parse_command(line)
    assert (parsed.path, parsed.options) == (path, options)


def test_parse_command_needs_a_name() -> None:
    with pytest.raises(UserError):
        parse_command("/")


def test_colour_names() -> None:
    assert colour_name(0x5865F2) == "blurple"
    assert colour_name(0x00B0F4) == "#00b0f4 (≈ blue)"


def message(**fields: object) -> dict[str, object]:
    return {
        "id": "1",
        "author": {"username": "Paper Digest"},
        "content": "",
        "embeds": [],
        "flags": 0,
        **fields,
    }


def test_render_marks_limits_truncation_and_pings() -> None:
    embed = {
        "title": "T" * 256,
        "color": 0x1ABC9C,
        "fields": [{"name": "Abstract", "value": "x" * 1000 + "…", "inline": False}],
    }
    text = render_message(
        message(embeds=[embed], content="@everyone", mention_everyone=True, flags=64), "#papers"
    )
    assert "#papers · Paper Digest · 1 · ephemeral, PINGS @everyone" in text
    assert "[teal]" in text and "[256/256]" in text  # colour by name, title at its limit
    assert "…" in text and "[1001/1024]" in text  # the truncation the bot chose is visible


def test_render_answer_when_the_bot_never_answered() -> None:
    report = {"answered": False, "response_type": None}
    assert "did not respond" in render_answer("/about", "alice", report, "#papers")


async def test_console_commands_without_a_bot(sandbox: Sandbox) -> None:
    out = io.StringIO()
    console = Console(sandbox, out, Prompt("alice", "papers"))
    for line in ("as carol", "in #announcements", "messages", "/about", "help", "frobnicate"):
        assert await console.handle(line)
    assert not await console.handle("quit")
    text = out.getvalue()
    assert "no member 'carol'" in text
    assert "you are now in #announcements" in text and "#announcements is empty" in text
    assert "/about is not a registered command" in text
    assert "as <member>" in text and "unknown input 'frobnicate'" in text
