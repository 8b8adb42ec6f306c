"""`paper-digest-bot check` as an operator runs it: a real process against the local Discord
stand-in (real discord.py HTTP client), real notes folders and real SQLite files.

The stand-in's channels are set up the way server admins do it (bot/sandbox/world.py):
#papers and #announcements let the bot post; #rules denies it Send Messages; #quotes denies
everyone Embed Links; #chat denies everyone Create Public Threads; #staff is hidden from it.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import socket
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.adapters.check import _permissions_fix
from bot.sandbox import Sandbox, SandboxConfig
from bot.sandbox.world import Channel
from bot.services.ingest import ingest
from bot.store import Store
from tests.conftest import ROOT, SEEDS

SEED = SEEDS / "000_16f820bf8340cb5c.txt"
IDS = SandboxConfig()
PAPERS, NEWS, RULES = IDS.text_channel_id, IDS.announcement_channel_id, IDS.readonly_channel_id
QUOTES, CHAT, STAFF = IDS.no_embeds_channel_id, IDS.no_threads_channel_id, IDS.hidden_channel_id
GUILD = IDS.guild_id
GUILD_CATEGORY = 4  # resources/channel#channel-object-channel-types


@dataclass
class Checked:
    code: int
    findings: list[dict[str, Any]]
    output: str  # stdout and stderr together

    def where(self, area: str, status: str | None = None) -> list[str]:
        """The messages (with their fix) of one area, optionally of one status."""
        return [
            f"{f['message']} → {f['fix']}"
            for f in self.findings
            if f["area"] == area and status in (None, f["status"])
        ]


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    async with Sandbox() as running:
        yield running
    assert running.journal.problems == [], running.journal.problems


@pytest.fixture
def notes(tmp_path: Path) -> Path:
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / SEED.name).write_bytes(SEED.read_bytes())
    return folder


async def check(
    sandbox: Sandbox, tmp_path: Path, notes: Path, *, text: bool = False, **env: str
) -> Checked:
    """Run `python -m bot check --json` (or, with `text`, without --json) with the
    stand-in's settings plus `env`."""
    inherited = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "DIGEST_"))}
    full_env = {
        **inherited,
        "PYTHONPATH": str(ROOT),
        **sandbox.bot_env(),
        "NOTES_DIR": str(notes),
        "DATABASE_PATH": str(tmp_path / "db" / "bot.sqlite3"),
        **env,
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "check",
        *(() if text else ("--json",)),
        cwd=tmp_path,
        env=full_env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 60)
    stdout, stderr = out.decode(), err.decode()
    assert "Traceback" not in stderr, stderr
    findings = [] if text else json.loads(stdout)
    assert process.returncode is not None
    return Checked(process.returncode, findings, stdout + stderr)


async def test_a_good_channel_and_everything_else_in_order(
    sandbox: Sandbox, tmp_path: Path, notes: Path
) -> None:
    result = await check(sandbox, tmp_path, notes, DIGEST_CHANNEL_ID=str(PAPERS))
    assert result.code == 0, result.output
    assert [f["area"] for f in result.findings] == [
        "config",
        "notes",
        "database",
        "database",
        "disk",
        "discord",
        "discord",
        "channel",
    ]
    assert all(set(f) == {"area", "status", "message", "fix"} for f in result.findings)
    [config] = result.where("config")
    assert str(notes) in config and f"default channel {PAPERS}" in config
    assert "digest at 09:00 UTC" in config and "health off" in config
    assert result.where("notes", "ok") == [
        f"1 notes file(s) in {notes}: 6 entries over 1 day(s) → "
    ]
    assert "will be created on first run" in result.where("database", "warn")[0]
    assert "logged in as Paper Digest" in result.where("discord", "ok")[0]
    assert "in 1 server(s): Paper Lab" in result.where("discord", "ok")[1]
    [channel] = result.where("channel", "ok")
    assert channel.startswith(f"#papers ({PAPERS}, DIGEST_CHANNEL_ID) in Paper Lab")
    assert "can post full digests" in channel


async def test_a_channel_denying_send_messages_needs_fixing(
    sandbox: Sandbox, tmp_path: Path, notes: Path
) -> None:
    result = await check(sandbox, tmp_path, notes, DIGEST_CHANNEL_ID=str(RULES))
    assert result.code == 1
    [channel] = result.where("channel", "fail")
    # Without Send Messages, Embed Links and Attach Files do not count either.
    assert "the bot lacks Send Messages, Embed Links, Attach Files" in channel
    assert channel.endswith(
        "→ in the settings of #rules → Permissions, allow Send Messages for the bot's role"
        " 'Paper Digest'; Embed Links, Attach Files then count too"
    )


async def test_compact_style_and_embed_links_from_the_servers_settings(
    sandbox: Sandbox, tmp_path: Path, notes: Path
) -> None:
    """A server's channel comes from the store; its style decides what the bot needs."""
    async with Store.open(tmp_path / "db" / "bot.sqlite3") as store:
        await store.digests.update_guild(GUILD, channel_id=CHAT, style="compact")
    result = await check(sandbox, tmp_path, notes, DIGEST_CHANNEL_ID=str(QUOTES))
    assert result.code == 1
    chat, quotes = result.where("channel", "fail")
    assert f"#chat ({CHAT}, server {GUILD} (/digest-admin channel))" in chat
    assert "lacks Create Public Threads (compact digests need them)" in chat
    assert chat.endswith("allow Create Public Threads for the bot's role 'Paper Digest'")
    assert "lacks Embed Links (compact digests need them)" in quotes
    assert result.where("database", "ok")[0].endswith("integrity ok → ")


async def test_announcements_full_style_can_post_and_publish(
    sandbox: Sandbox, tmp_path: Path, notes: Path
) -> None:
    result = await check(sandbox, tmp_path, notes, DIGEST_CHANNEL_ID=str(NEWS))
    assert result.code == 0
    assert "can post full digests and publish them" in result.where("channel", "ok")[0]


@pytest.mark.parametrize(
    ("channel", "expected"),
    [
        (42, "channel 42 (DIGEST_CHANNEL_ID) does not exist → set DIGEST_CHANNEL_ID"),
        (STAFF, f"the bot cannot see channel {STAFF} (DIGEST_CHANNEL_ID): 403 Missing Access"),
    ],
)
async def test_a_missing_or_hidden_channel(
    sandbox: Sandbox, tmp_path: Path, notes: Path, channel: int, expected: str
) -> None:
    result = await check(sandbox, tmp_path, notes, DIGEST_CHANNEL_ID=str(channel))
    assert result.code == 1
    [finding] = result.where("channel", "fail")
    assert finding.startswith(expected)


async def test_a_category_is_not_a_digest_channel(
    sandbox: Sandbox, tmp_path: Path, notes: Path
) -> None:
    category = Channel(sandbox.world.snowflakes.next(), GUILD_CATEGORY, "reading", GUILD)
    sandbox.world.channels[category.id] = category
    result = await check(sandbox, tmp_path, notes, DIGEST_CHANNEL_ID=str(category.id))
    assert result.code == 1
    [finding] = result.where("channel", "fail")
    assert finding.startswith(f"#reading ({category.id}, DIGEST_CHANNEL_ID) is not a text or")


async def test_a_rejected_token_is_named_but_never_shown(
    sandbox: Sandbox, tmp_path: Path, notes: Path
) -> None:
    token = "not-the-sandbox-token-4f9c2a"
    for text in (False, True):
        result = await check(sandbox, tmp_path, notes, text=text, DISCORD_TOKEN=token)
        assert result.code == 1
        assert "Discord rejected DISCORD_TOKEN (401 Unauthorized)" in result.output
        assert token not in result.output


async def test_a_corrupt_database_file(sandbox: Sandbox, tmp_path: Path, notes: Path) -> None:
    database = tmp_path / "db" / "bot.sqlite3"
    database.parent.mkdir()
    database.write_bytes(b"these are not the pages of an SQLite database" * 200)
    before = hashlib.sha256(database.read_bytes()).hexdigest()
    result = await check(sandbox, tmp_path, notes, DIGEST_CHANNEL_ID=str(PAPERS))
    assert result.code == 1
    [finding] = result.where("database", "fail")
    assert str(database) in finding
    assert hashlib.sha256(database.read_bytes()).hexdigest() == before


async def test_damaged_pages_found_by_quick_check(
    sandbox: Sandbox, tmp_path: Path, notes: Path
) -> None:
    """A database that opens but whose pages are damaged (a disk fault)."""
    database = tmp_path / "db" / "bot.sqlite3"
    async with Store.open(database) as store:
        await ingest(store, SEEDS)
    data = bytearray(database.read_bytes())
    pages = len(data) // 4096
    for page in (pages // 3, pages // 2):
        data[page * 4096 + 8 : page * 4096 + 4000] = b"Z" * 3992
    database.write_bytes(bytes(data))
    result = await check(sandbox, tmp_path, notes, DIGEST_CHANNEL_ID=str(PAPERS))
    assert result.code == 1
    [finding] = result.where("database", "fail")
    assert finding.startswith(f"{database} is damaged: On tree page ")
    assert "\n" not in finding and "→ restore the latest backup" in finding


async def test_a_notes_problem_is_a_warning_with_file_and_line(
    sandbox: Sandbox, tmp_path: Path, notes: Path
) -> None:
    (notes / "2024-06-13.txt").write_text("2024-06-13\nA title without authors\n", "utf-8")
    (notes / "2024-06-14.txt").symlink_to(tmp_path / "gone.txt")
    result = await check(sandbox, tmp_path, notes, DIGEST_CHANNEL_ID=str(PAPERS))
    assert result.code == 0, result.output
    problem, dangling = result.where("notes", "warn")
    assert problem.startswith(f"{notes / '2024-06-13.txt'}:2: ")
    assert dangling.startswith(f"{notes / '2024-06-14.txt'}: a link to no readable file")
    lines = await check(sandbox, tmp_path, notes, text=True, DIGEST_CHANNEL_ID=str(PAPERS))
    assert lines.code == 0
    [line] = [x for x in lines.output.splitlines() if "2024-06-13.txt:2:" in x]
    assert line.startswith("warn  notes") and " → fix that line" in line
    assert "check: 7 ok, 3 warning(s), 0 to fix" in lines.output


async def test_a_missing_notes_folder_needs_fixing(sandbox: Sandbox, tmp_path: Path) -> None:
    result = await check(sandbox, tmp_path, tmp_path / "nowhere", DIGEST_CHANNEL_ID=str(PAPERS))
    assert result.code == 1
    assert "is not a folder" in result.where("notes", "fail")[0]


async def test_discord_unreachable_is_a_warning(
    sandbox: Sandbox, tmp_path: Path, notes: Path
) -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    url = f"http://127.0.0.1:{port}/api/v10"
    result = await check(sandbox, tmp_path, notes, DISCORD_API_BASE_URL=url)
    assert result.code == 0, result.output
    [finding] = result.where("discord")
    assert finding.startswith(f"Discord not reachable at {url}")
    assert not result.where("channel")


async def test_without_a_token_discord_is_not_asked(
    sandbox: Sandbox, tmp_path: Path, notes: Path
) -> None:
    result = await check(sandbox, tmp_path, notes, DISCORD_TOKEN="")
    assert result.code == 0
    assert result.where("discord", "warn")[0].startswith("DISCORD_TOKEN is not set")
    assert sandbox.journal.requests == []


def test_a_timed_out_bot_is_told_apart_from_missing_permissions() -> None:
    fix = _permissions_fix("papers", ["Send Messages"], [], "the bot", timed_out=True)
    assert fix.startswith("the bot is timed out in that server")


async def test_an_older_schema_is_a_warning_the_bot_upgrades_it(
    sandbox: Sandbox, tmp_path: Path, notes: Path
) -> None:
    from tests.test_migrations import load

    (tmp_path / "db").mkdir()
    database = load("v3", tmp_path / "db")
    before = hashlib.sha256(database.read_bytes()).hexdigest()
    result = await check(sandbox, tmp_path, notes, DIGEST_CHANNEL_ID=str(PAPERS))
    assert result.code == 0, result.output
    [finding] = result.where("database", "warn")
    assert "schema version 3" in finding and "upgrades it" in finding
    assert hashlib.sha256(database.read_bytes()).hexdigest() == before
