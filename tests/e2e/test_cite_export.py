"""/cite and /export end to end: the real bot process answering through the stand-in.

One bot serves the module, on the five seed files plus a day whose notes link papers' own
arXiv pages. What the bot attaches is compared with the export the same notes give when
built here, through the same service.
"""

from __future__ import annotations

import asyncio
import dataclasses
import re
import shutil
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from bot.core.export import Filters, Format
from bot.sandbox import Answer, Sandbox, SandboxClient
from bot.sandbox.attachments import check_upload, uploaded_sizes
from bot.sandbox.errors import ApiError
from bot.sandbox.messages import new_message
from bot.sandbox.world import SandboxConfig
from bot.services.export import ExportService
from bot.services.ingest import ingest
from bot.store import Store
from tests.conftest import SEEDS
from tests.e2e.conftest import BotProcess, start_ready_bot
from tests.test_cite import OWN_LINK_NOTES, parse_bibtex

pytestmark = pytest.mark.asyncio(loop_scope="module")

ALICE = "1200000000000000401"
CODE_BLOCK_RE = re.compile(r"```(?:bibtex)?\n(.*?)\n```", re.DOTALL)


def notes_folder(workdir: Path) -> Path:
    notes = workdir / "notes"
    notes.mkdir(parents=True, exist_ok=True)
    for seed in SEEDS.glob("*.txt"):
        shutil.copy(seed, notes / seed.name)
    (notes / "extra.txt").write_text(OWN_LINK_NOTES, encoding="utf-8")
    return notes


@dataclasses.dataclass
class Env:
    sandbox: Sandbox
    user: SandboxClient
    bot: BotProcess
    notes: Path


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def env(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Env]:
    workdir = tmp_path_factory.mktemp("cite")
    notes = notes_folder(workdir)
    async with Sandbox() as sandbox:
        bot = await start_ready_bot(sandbox, workdir)
        async with SandboxClient(sandbox.url, member="alice", channel="papers") as user:
            yield Env(sandbox, user, bot, notes)
        assert await bot.stop() == 0, bot.log()
        assert "Traceback" not in bot.log(), bot.log()
    assert sandbox.journal.problems == [], sandbox.journal.problems


def private(answer: Answer) -> Answer:
    assert answer.answered and answer.ephemeral, answer
    assert "Something went wrong" not in answer.content, answer.content
    assert answer.message is not None and answer.message["mentions"] == []
    return answer


def buttons(answer: Answer) -> dict[str, str]:
    return {
        item["label"]: item["custom_id"]
        for row in (answer.message or {}).get("components", [])
        for item in row["components"]
        if item["type"] == 2
    }


async def cite_value(user: SandboxClient, typed: str) -> str:
    answer = await user.autocomplete("cite", "title", {"title": typed})
    assert answer.choices, answer
    value: str = answer.choices[0]["value"]
    return value


async def expected_files(
    notes: Path, tmp_path: Path, filters: Filters, fmt: Format, limit: int
) -> list[tuple[str, int]]:
    """(filename, size) of each file the same notes export to, built here."""
    async with Store.open(tmp_path / "expected.sqlite3") as store:
        await ingest(store, notes)
        export = await ExportService(store).files(filters, fmt, limit)
    return [(part.filename, len(part.data)) for part in export.parts]


async def with_followups(user: SandboxClient, answer: Answer, count: int) -> Answer:
    """The interaction once `count` followups came after its answer (or as it is after 10 s)."""
    for _ in range(200):
        if len(answer.followups) >= count:
            break
        await asyncio.sleep(0.05)
        answer = await user.interaction(answer.interaction_id)
    return answer


def attachments(message: dict[str, Any]) -> list[tuple[str, int]]:
    return [(a["filename"], a["size"]) for a in message["attachments"]]


async def test_the_commands_are_registered_with_their_options(env: Env) -> None:
    commands = {c["name"]: c for c in (await env.user.state())["guild_commands"]}
    assert [o["name"] for o in commands["cite"]["options"]] == ["title"]
    export = {o["name"]: o for o in commands["export"]["options"]}
    assert list(export) == ["tag", "since", "until", "format"]
    assert [c["value"] for c in export["format"]["choices"]] == [
        "markdown",
        "csv",
        "bibtex",
        "json",
    ]
    assert all(export[name].get("autocomplete") for name in ("tag", "since", "until"))
    assert 1 in commands["export"]["contexts"]  # the bot's DMs too


async def test_cite_is_private_bibtex_and_apa_saying_what_is_missing(env: Env) -> None:
    user = env.user
    answer = private(await user.command("cite", {"title": await cite_value(user, "samba")}))
    entry, apa = CODE_BLOCK_RE.findall(answer.content)
    [parsed] = parse_bibtex(entry)
    assert parsed["title"].startswith("{Samba: Simple Hybrid")
    assert parsed["author"].startswith("Liliang Ren and Yang Liu")
    assert "year" not in parsed and "eprint" not in parsed  # Griffin's link is not Samba's
    assert apa.startswith("Ren, L., Liu, Y., Lu, Y., Shen, Y., Liang, C., & Chen, W. (n.d.).")
    assert "Incomplete: the notes hold no year, month, eprint, url" in answer.content
    assert set(buttons(answer)) == {"Share"}
    assert await user.messages("papers") == []


async def test_cite_takes_the_year_from_the_papers_own_arxiv_link(env: Env) -> None:
    user = env.user
    answer = private(await user.command("cite", {"title": await cite_value(user, "griffin lite")}))
    [parsed] = parse_bibtex(CODE_BLOCK_RE.findall(answer.content)[0])
    assert (parsed["eprint"], parsed["year"], parsed["month"]) == ("2402.19427", "2024", "February")
    assert parsed["organization"] == "Google DeepMind" and parsed["ID"] == "de2024griffinlite"
    assert "Incomplete" not in answer.content
    qwen = private(await user.command("cite", {"title": "qwen2.5 technical report"}))
    assert "@misc{qwenteam2024qwen25,\n  author = {{Qwen Team}}," in qwen.content
    assert "Qwen Team. (2024). Qwen2.5 Technical Report (arXiv:2412.15115)." in qwen.content


async def test_share_posts_the_citation_for_everyone_without_a_ping(env: Env) -> None:
    user = env.user
    mine = private(await user.command("cite", {"title": await cite_value(user, "griffin lite")}))
    shared = await user.click(mine.message["id"], buttons(mine)["Share"])
    assert shared.answered and not shared.ephemeral
    posted = (await user.messages("papers"))[-1]
    assert posted["id"] == shared.message["id"]
    assert posted["content"] == f"Shared by <@{ALICE}>\n" + mine.content
    assert posted["mentions"] == [] and not posted["mention_everyone"]
    assert buttons(shared) == {}


async def test_cite_buttons_from_other_answers_and_older_versions(env: Env) -> None:
    """The Cite button a paper's answer carries, a Share whose paper left the notes, and an
    id from an older version: each answered privately, nothing left in the channel."""
    world, user = env.sandbox.world, env.user
    samba = (await cite_value(user, "samba")).removeprefix("id:")
    ids = {"Cite": f"ct1:c:{samba}", "Share": "ct1:s:999999", "Old": "ct0:s:1"}
    components = [{"type": 2, "style": 2, "label": k, "custom_id": v} for k, v in ids.items()]
    channel = world.channels[env.sandbox.config.text_channel_id]
    body = {"content": "a paper's answer", "components": [{"type": 1, "components": components}]}
    message = new_message(world, channel, body, author=world.bot_user())
    channel.messages[int(message["id"])] = message
    before = await user.messages("papers")
    cited = private(await user.click(message["id"], ids["Cite"], member="bob"))
    assert cited.content.startswith("```bibtex\n@misc{rensamba,") and set(buttons(cited)) == {
        "Share"
    }
    gone = await user.click(message["id"], ids["Share"])
    assert gone.message is None  # the public "thinking…" was withdrawn
    [told] = gone.followups
    assert told["flags"] & 64 and told["content"].startswith("That page no longer exists")
    old = private(await user.click(message["id"], ids["Old"]))
    assert old.content.startswith("This button comes from an older version")
    assert await user.messages("papers") == before  # the failed Share left nothing behind


async def test_cite_answers_what_it_cannot_find_privately(env: Env) -> None:
    user = env.user
    missing = private(await user.command("cite", {"title": "xqzzv wplk"}))
    assert missing.content.startswith("No paper like “xqzzv wplk”")
    guess = private(await user.command("cite", {"title": "tokenizr"}))
    assert guess.embeds[0]["title"].startswith("No paper like “tokenizr”. Did you mean")
    [row] = guess.message["components"]
    [menu] = row["components"]
    first = menu["options"][0]["value"]
    opened = private(await user.click(guess.message["id"], menu["custom_id"], values=[first]))
    assert opened.embeds[0]["title"].startswith("WavTokenizer")  # the paper, as /paper shows it
    gone = private(await user.command("cite", {"title": "id:999999"}))
    assert gone.content and "error id" not in gone.content
    korean = await user.command("cite", {"title": "samba"}, member="minji")
    assert "불완전한 참고문헌이에요" in private(korean).content


@pytest.mark.parametrize("fmt", ["markdown", "csv", "bibtex", "json"])
async def test_export_attaches_the_file_privately(env: Env, fmt: Format, tmp_path: Path) -> None:
    answer = private(await env.user.command("export", {"format": fmt}))
    expected = await expected_files(
        env.notes, tmp_path, Filters(), fmt, SandboxConfig().attachment_size_limit
    )
    assert attachments(answer.message) == expected
    assert answer.content.startswith("39 papers · all papers")
    if fmt == "bibtex":
        assert "37 of these references are incomplete" in answer.content
    assert not [m for m in await env.user.messages("papers") if m["attachments"]]


async def test_export_filters_by_tag_and_period(env: Env, tmp_path: Path) -> None:
    options = {"tag": "#VQ", "since": "2024-06", "until": "2024-12", "format": "csv"}
    answer = private(await env.user.command("export", options))
    filters = Filters("vq", date(2024, 6, 1), date(2024, 12, 31))
    expected = await expected_files(
        env.notes, tmp_path, filters, "csv", SandboxConfig().attachment_size_limit
    )
    assert attachments(answer.message) == expected
    assert answer.content.startswith("5 papers · #vq · 2024-06-01 – 2024-12-31")


@pytest.mark.parametrize(
    ("options", "start"),
    [
        ({"since": "yesterday"}, "yesterday is not a date"),
        ({"since": "2024-07", "until": "2024-06"}, "since: 2024-07 comes after until: 2024-06"),
        ({"tag": "no-such-tag"}, "No papers match #no-such-tag."),
        ({"tag": "#"}, "No tag #"),
    ],
)
async def test_export_explains_what_it_cannot_do(
    env: Env, options: dict[str, str], start: str
) -> None:
    answer = private(await env.user.command("export", options))
    assert answer.content.startswith(start) and not answer.message["attachments"]


async def test_export_autocompletes_tags_and_days(env: Env) -> None:
    tags = await env.user.autocomplete("export", "tag", {"tag": "vq"})
    assert tags.choices and tags.choices[0]["value"] == "vq"
    days = await env.user.autocomplete("export", "since", {"since": "2024-06"})
    assert [c["value"] for c in days.choices or []] == ["2024-06-18", "2024-06-12"]


async def test_uploads_over_the_limit_are_refused_as_discord_refuses_them() -> None:
    callback = {
        "type": 4,
        "data": {"attachments": [{"id": 0, "size": 600}, {"id": 1, "size": 500}]},
    }
    followup = {"content": "x", "attachments": [{"id": 0, "filename": "a.csv", "size": 1000}]}
    assert uploaded_sizes(callback) == [600, 500] and uploaded_sizes(followup) == [1000]
    check_upload(followup, 1000)
    check_upload({"content": "no files"}, 0)
    for body in (callback, followup):
        with pytest.raises(ApiError) as raised:
            check_upload(body, 999)
        assert (raised.value.status, raised.value.code) == (413, 40005)


async def test_a_large_export_is_split_within_the_interactions_limit(tmp_path: Path) -> None:
    limit = 15_000
    workdir = tmp_path / "small"
    notes = notes_folder(workdir)
    config = SandboxConfig(attachment_size_limit=limit)
    december = Filters(since=date(2024, 12, 1), until=date(2024, 12, 31))
    async with Sandbox(config) as sandbox:
        bot = await start_ready_bot(sandbox, workdir)
        async with SandboxClient(sandbox.url, member="alice", channel="papers") as user:
            expected = await expected_files(notes, tmp_path, december, "markdown", limit)
            options = {"since": "2024-12", "until": "2024-12", "format": "markdown"}
            first = private(await user.command("export", options))
            answer = await with_followups(user, first, len(expected) - 1)
            refused = private(await user.command("export", {"format": "json"}))
        assert await bot.stop() == 0, bot.log()
    assert all(m["flags"] & 64 for m in answer.followups)  # every part is private
    files = [attachments(answer.message)] + [attachments(m) for m in answer.followups]
    assert [f for message in files for f in message] == expected and len(expected) > 1
    assert all(size <= limit for message in files for _, size in message)
    assert answer.content.endswith(f"File 1 of {len(expected)}.")
    assert refused.content.startswith("39 papers take ")
    assert (
        "an export here sends at most 5. Narrow it with tag:, since: or until:, e.g. since: 20"
        in (refused.content)
    )


async def test_a_papers_answer_carries_a_cite_button(env: Env) -> None:
    user = env.user
    paper = private(await user.command("paper", {"title": await cite_value(user, "samba")}))
    assert paper.embeds[0]["title"].startswith("Samba")
    cite = buttons(paper)["Cite"]
    assert cite.startswith("ct1:c:")
    cited = private(await user.click(paper.message["id"], cite))
    assert cited.content.startswith("```bibtex\n@misc{rensamba,")
    korean = private(await user.command("paper", {"title": "samba"}, member="minji"))
    assert "인용" in buttons(korean)
