"""What the bot registers with Discord, how it knows nothing changed, and the words around
it: the real command tree (every cog, the translator), the hash of one scope's payload,
command mentions, and the tree's error texts. Registration itself is tested end to end
in tests/e2e/test_manners.py."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import discord
import discord.gateway
import discord.http
import pytest
from discord import app_commands

from bot.adapters.discord.app import (
    PaperBot,
    command_mentions,
    payload_hash,
    said_to_member,
    sync_key,
)
from bot.adapters.discord.errors import UserFacingError
from bot.adapters.discord.transformers import TimeOfDay
from bot.config import parse_settings
from bot.core.i18n import link_commands
from bot.store import Store

APPLICATION = 1_200_000_000_000_000_001


@pytest.fixture
async def bot(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[PaperBot]:
    """The bot with its command tree loaded as for registration; it never connects."""
    # PaperBot points discord.py's class attributes at the settings' URLs: undo after.
    monkeypatch.setattr(discord.http.Route, "BASE", discord.http.Route.BASE)
    gateway = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    monkeypatch.setattr(discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY", gateway)
    settings = parse_settings({"DATABASE_PATH": str(tmp_path / "db" / "bot.sqlite3")})
    async with PaperBot(settings, store) as loaded:
        await loaded.load_commands()
        yield loaded


def walk(items: list[dict[str, Any]], depth: int = 0) -> list[tuple[int, dict[str, Any]]]:
    """Every command, subcommand and option of a payload, with how deep it sits."""
    found = []
    for item in items:
        found.append((depth, item))
        found += walk(item.get("options", []), depth + 1)
    return found


async def test_every_name_and_description_a_member_reads_has_korean(bot: PaperBot) -> None:
    payload = await bot.command_payload(None)
    for depth, item in walk(payload):
        assert "ko" in (item.get("description_localizations") or {}), item["description"]
        if depth == 0 and item["name"] != "digest-admin":  # it keeps the README's name
            assert "ko" in (item.get("name_localizations") or {}), item["name"]
        for choice in item.get("choices", []):
            if choice["name"] != choice["value"]:  # a worded choice, not a format name
                assert "ko" in (choice.get("name_localizations") or {}), choice["name"]


async def test_the_hash_is_stable_and_sees_every_localisation(bot: PaperBot) -> None:
    payload = await bot.command_payload(None)
    again = await bot.command_payload(None)
    assert payload_hash(payload) == payload_hash(again)
    reordered = [dict(reversed(list(command.items()))) for command in payload]
    assert payload_hash(reordered) == payload_hash(payload)  # key order is not a change
    retranslated = copy.deepcopy(payload)
    about = next(c for c in retranslated if c["name"] == "about")
    about["description_localizations"]["ko"] += "!"
    assert payload_hash(retranslated) != payload_hash(payload)
    assert payload_hash([]) != payload_hash(payload)


def test_each_scope_and_application_has_its_own_record() -> None:
    keys = {
        sync_key(APPLICATION, None),
        sync_key(APPLICATION, discord.Object(42)),
        sync_key(APPLICATION + 1, None),
    }
    assert len(keys) == 3


async def test_mentions_name_what_a_member_types(bot: PaperBot) -> None:
    # Discord's answer to the bulk overwrite: the payload with ids (as the stand-in gives).
    registered = [
        app_commands.AppCommand(
            data={
                **command,
                "id": str(900 + n),
                "application_id": str(APPLICATION),
                "version": "1",
            },
            state=bot._connection,
        )
        for n, command in enumerate(await bot.command_payload(None))
    ]
    ids = {command.name: command.id for command in registered}
    mentions = command_mentions(registered)
    assert mentions["search"] == f"</search:{ids['search']}>"
    assert mentions["digest-admin resume"] == f"</digest-admin resume:{ids['digest-admin']}>"
    assert "digest-admin" not in mentions  # a group cannot be run, so it is not mentioned
    assert set(mentions) >= {"about", "help", "paper", "digest-admin channel"}


@pytest.mark.parametrize(
    ("text", "linked"),
    [
        ("Try /search to look.", "Try </search:1> to look."),
        ("/digest-admin resume 으로 다시", "</digest-admin resume:2> 으로 다시"),
        ("/tags lists every tag", "/tags lists every tag"),  # not registered: stays text
        ("/searching", "/searching"),
        ("`/search foo` and /search", "`/search foo` and </search:1>"),
        ("`run /search` then /search", "`run /search` then </search:1>"),
        ("https://example.com/search, 2024/06/12", "https://example.com/search, 2024/06/12"),
        ("</search:1> already", "</search:1> already"),
        ("/digest-admin why not", "/digest-admin why not"),
    ],
)
def test_commands_in_the_bots_words_become_mentions(text: str, linked: str) -> None:
    mentions = {"search": "</search:1>", "digest-admin resume": "</digest-admin resume:2>"}
    assert link_commands(text, mentions) == linked


def test_the_trees_errors_are_told_in_the_members_language() -> None:
    bad = app_commands.TransformerError(
        "**25:99**", discord.AppCommandOptionType.string, TimeOfDay()
    )
    assert said_to_member(bad, "en-US") == (
        "“\\*\\*25:99\\*\\*” does not fit that option: pick one from the list as you type."
    )
    assert said_to_member(bad, discord.Locale.korean) == (
        "“\\*\\*25:99\\*\\*”는 그 옵션에 맞지 않아요. 입력하면서 목록에서 골라 주세요."
    )
    assert said_to_member(app_commands.CheckFailure(), "ko") == "여기서는 이 명령을 쓸 수 없어요."
    assert said_to_member(UserFacingError("as written"), "ko") == "as written"
    assert said_to_member(app_commands.AppCommandError("a bug"), "ko") is None
