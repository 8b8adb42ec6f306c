"""Looking papers up end to end: the real bot process answering members through the stand-in.

One bot serves the module (starting one costs about a second): the five seed files plus a
day of 23 papers tagged #bulk, so lists have three pages. The restart test runs its own.
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from bot.sandbox import Answer, Sandbox, SandboxClient, SandboxUserError
from bot.sandbox.messages import new_message
from bot.sandbox.world import DM, Channel
from tests.e2e.conftest import BotProcess, start_ready_bot

pytestmark = pytest.mark.asyncio(loop_scope="module")

ROOT = Path(__file__).resolve().parents[2]
ALICE = "1200000000000000401"
BOB = "1200000000000000402"
LONG_TITLE = "An Extremely Long Title " + "About Tokenizers " * 20
LONG_TAG = "t" + "x" * 79


def bulk_notes(papers: int = 23) -> str:
    """A day of similar papers whose notes hold markdown and mentions that must stay inert."""
    lines = ["2024-07-01"]
    for n in range(1, papers + 1):
        lines += [
            f"Bulk Paper {n:02d}: Tokenizers at Scale",
            "(Ada Lovelace, Alan Turing)",
            f"코드북을 {n}번째로 실험했네요. *별표* _밑줄_ @everyone <@{BOB}>",
            f"Codebook experiment number {n}.",
            "#bulk",
        ]
    lines += [LONG_TITLE, "(Ada Lovelace)", "긴 제목 테스트.", f"#{LONG_TAG}"]
    return "\n".join(lines) + "\n"


def notes_folder(workdir: Path, bulk: int = 23) -> None:
    notes = workdir / "notes"
    notes.mkdir(parents=True, exist_ok=True)
    for seed in (ROOT / "seeds").glob("*.txt"):
        shutil.copy(seed, notes / seed.name)
    (notes / "bulk.txt").write_text(bulk_notes(bulk), encoding="utf-8")


@dataclass
class Env:
    sandbox: Sandbox
    user: SandboxClient
    bot: BotProcess


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def env(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Env]:
    workdir = tmp_path_factory.mktemp("lookup")
    notes_folder(workdir)
    async with Sandbox() as sandbox:
        bot = await start_ready_bot(sandbox, workdir)
        async with SandboxClient(sandbox.url, member="alice", channel="papers") as user:
            yield Env(sandbox, user, bot)
        assert await bot.stop() == 0, bot.log()
        assert "Traceback" not in bot.log(), bot.log()
    assert sandbox.journal.problems == [], sandbox.journal.problems


def ids(answer: Answer) -> dict[str, str]:
    """Component label (or placeholder) → custom id."""
    found = {}
    for row in (answer.message or {}).get("components", []):
        for item in row["components"]:
            found[item.get("label") or item.get("placeholder")] = item["custom_id"]
    return found


def select_values(answer: Answer) -> list[str]:
    for row in (answer.message or {}).get("components", []):
        for item in row["components"]:
            if item["type"] == 3:
                return [option["value"] for option in item["options"]]
    return []


def check_choices(answer: Answer) -> list[dict[str, Any]]:
    assert answer.answered and answer.response_type == 8
    choices = answer.choices or []
    assert len(choices) <= 25
    for choice in choices:
        assert 1 <= len(choice["name"]) <= 100 and len(str(choice["value"])) <= 100
    return choices


def private(answer: Answer) -> Answer:
    assert answer.answered and answer.ephemeral, answer
    assert "Something went wrong" not in answer.content, answer.content
    return answer


async def test_commands_are_registered_in_korean_too_and_usable_in_dms(env: Env) -> None:
    commands = {c["name"]: c for c in (await env.user.state())["guild_commands"]}
    assert {"paper", "tag", "tags", "search", "digest", "random", "related"} <= set(commands)
    paper = commands["paper"]
    assert paper["name_localizations"]["ko"] == "논문"
    assert paper["description_localizations"]["ko"] == "노트에 있는 논문 보기"
    assert paper["options"][0]["name_localizations"]["ko"] == "제목"
    assert commands["search"]["options"][0]["name_localizations"]["ko"] == "검색어"
    assert 1 in commands["paper"]["contexts"]  # the bot's DMs
    admin = commands["digest-admin"]
    assert "ko" not in (admin.get("name_localizations") or {})  # the admin group keeps its name
    assert admin["description_localizations"]["ko"].startswith("이 서버의 일일 다이제스트")


async def test_paper_autocomplete_then_the_full_embed(env: Env) -> None:
    user = env.user
    choices = check_choices(await user.autocomplete("paper", "title", {"title": "sam"}))
    assert choices[0]["name"].startswith("Samba")
    assert len(check_choices(await user.autocomplete("paper", "title", {"title": ""}))) == 25
    [long] = check_choices(await user.autocomplete("paper", "title", {"title": "extremely long"}))
    assert 90 <= len(long["name"]) <= 100 and long["name"].endswith("…")
    answer = private(await user.command("paper", {"title": choices[0]["value"]}))
    [embed] = answer.embeds
    assert embed["title"].startswith("Samba") and embed["footer"]["text"] == "2024-06-12 · 5/6"
    assert set(ids(answer)) == {"한/EN", "Related", "Share", "Cite"}
    assert await user.messages("papers") == []  # private


async def test_free_text_finds_the_best_match_or_asks(env: Env) -> None:
    user = env.user
    found = private(await user.command("paper", {"title": "deep seek coder"}))
    assert found.embeds[0]["title"].startswith("DeepSeek-Coder-V2")
    missing = private(await user.command("paper", {"title": "xqzzv wplk"}))
    assert missing.content.startswith("No paper like “xqzzv wplk”") and "/search" in missing.content
    guess = private(await user.command("paper", {"title": "tokenizr"}))
    assert guess.embeds[0]["title"].startswith("No paper like “tokenizr”. Did you mean")
    values = select_values(guess)
    opened = private(
        await user.click(guess.message["id"], ids(guess)["Open a paper…"], values=values[:1])
    )
    assert opened.message["id"] != guess.message["id"]  # a new message; the list stays
    assert opened.embeds[0]["title"].startswith("WavTokenizer")


async def test_tag_autocomplete_pages_and_select(env: Env) -> None:
    user = env.user
    choices = check_choices(await user.autocomplete("tag", "name", {"name": "bu"}))
    assert choices[0] == {"name": "bulk · 23 papers", "value": "bulk"}
    first = private(await user.command("tag", {"name": "#Bulk"}))
    [embed] = first.embeds
    assert embed["title"] == "#bulk · 23 papers" and embed["footer"]["text"] == "Page 1/3"
    assert embed["description"].startswith("**1.** Bulk Paper")
    buttons = ids(first)
    second = private(await user.click(first.message["id"], buttons["Next ▶"]))
    assert second.response_type == 7 and second.message["id"] == first.message["id"]  # in place
    assert second.embeds[0]["footer"]["text"] == "Page 2/3"
    assert "**11.**" in second.embeds[0]["description"]
    back = private(await user.click(first.message["id"], ids(second)["◀ Previous"]))
    assert back.embeds[0]["footer"]["text"] == "Page 1/3"
    values = select_values(back)
    assert len(values) == 10
    opened = private(
        await user.click(first.message["id"], ids(back)["Open a paper…"], values=values[2:3])
    )
    assert opened.embeds[0]["title"].startswith("Bulk Paper")
    assert opened.message["id"] != first.message["id"]


async def test_a_tag_too_long_for_a_custom_id_still_answers(env: Env) -> None:
    answer = private(await env.user.command("tag", {"name": LONG_TAG}))
    assert answer.embeds[0]["title"].startswith(f"#{LONG_TAG}")
    assert ids(answer) == {}  # no button could carry it; the answer itself is complete


async def test_tags_lists_every_tag_with_a_chart(env: Env) -> None:
    answer = private(await env.user.command("tags"))
    [embed] = answer.embeds
    assert embed["title"] == "Tags · 26" and embed["footer"]["text"] == "Page 1/1"
    text = "\n".join(field["value"] for field in embed["fields"])
    assert text.index("#bulk · 23") < text.index("#vq · 5")
    [chart] = answer.message["attachments"]
    assert chart["filename"] == "tags.png" and chart["size"] > 1000


async def test_search_english_and_korean_with_snippets(env: Env) -> None:
    user = env.user
    korean = private(await user.command("search", {"query": "코드북"}))
    [embed] = korean.embeds
    assert "**코드북**" in embed["description"] and embed["title"] == "Search: 코드북"
    assert (
        "> **코드북**을 23번째로 실험했네요. \\*별표\\* \\_밑줄\\_ @\u200beveryone"
        in embed["description"]
    )
    english = private(await user.command("search", {"query": "codebook experiment"}))
    assert english.embeds[0]["footer"]["text"] == "Page 1"
    following = private(await user.click(english.message["id"], ids(english)["Next ▶"]))
    assert following.embeds[0]["footer"]["text"] == "Page 2"
    long = private(await user.command("search", {"query": "codebook " + "experiment " * 9}))
    assert long.content == "" and long.embeds  # repeated words are one word: it fits
    many = "codebook experiment number bulk paper tokenizers scale ada lovelace alan turing"
    cut = private(await user.command("search", {"query": many}))  # too long for a button's id
    assert cut.content.startswith("That was long: searched for “codebook experiment number")
    assert cut.embeds[0]["description"].startswith("**1.** Bulk Paper")


async def test_digest_is_private_with_days_newest_first(env: Env) -> None:
    user = env.user
    choices = check_choices(await user.autocomplete("digest", "date", {"date": "2024"}))
    assert [c["value"] for c in choices[:2]] == ["2024-12-17", "2024-12-05"]
    assert choices[0]["name"] == "2024-12-17 · 6 papers"
    june = check_choices(await user.autocomplete("digest", "date", {"date": "2024-06"}))
    assert [c["value"] for c in june] == ["2024-06-18", "2024-06-12"]
    answer = private(await user.command("digest", {"date": "2024-06-18"}))
    assert answer.content.startswith("📚 **2024-06-18** · 9 papers")
    assert "Next ▶" in ids(answer)
    nearest = private(await user.command("digest", {"date": "2024-06-15"}))
    assert "Nearest days: 2024-06-12, 2024-06-18" in nearest.content
    assert not [m for m in await user.messages("papers") if "📚" in m["content"]]


async def test_random_and_related(env: Env) -> None:
    user = env.user
    answer = private(await user.command("random", {"tag": "vq"}))
    assert "#vq" in str(answer.embeds[0]["fields"])
    again = private(await user.click(answer.message["id"], ids(answer)["Another"]))
    assert again.message["id"] == answer.message["id"] and "#vq" in str(again.embeds[0]["fields"])
    nemotron = check_choices(await user.autocomplete("related", "title", {"title": "nemotron 4"}))
    related = private(await user.command("related", {"title": nemotron[0]["value"]}))
    assert related.embeds[0]["title"].startswith("Related to Nemotron-4 340B")
    assert "Smaller" in related.embeds[0]["description"].split("**2.**")[0]
    from_paper = private(await user.click(answer.message["id"], ids(again)["Related"]))
    assert from_paper.message["id"] != answer.message["id"]


async def test_share_posts_for_everyone_without_a_ping(env: Env) -> None:
    user = env.user
    mine = private(await user.command("tag", {"name": "bulk"}))
    shared = await user.click(mine.message["id"], ids(mine)["Share"])
    assert shared.answered and not shared.ephemeral
    posted = (await user.messages("papers"))[-1]
    assert posted["id"] == shared.message["id"]
    assert posted["content"] == f"Shared by <@{ALICE}>"
    assert posted["mentions"] == [] and not posted["mention_everyone"]
    assert posted["embeds"][0]["footer"]["text"] == "Page 1/3"
    assert "Share" not in ids(shared) and "Next ▶" in ids(shared)
    # Bob pages through his own private copy; the shared message stays as it was.
    bobs = await user.click(posted["id"], ids(shared)["Next ▶"], member="bob")
    assert private(bobs).message["id"] != posted["id"]
    assert bobs.embeds[0]["footer"]["text"] == "Page 2/3"
    assert "Share" in ids(bobs)  # it is his now
    assert (await user.messages("papers"))[-1]["embeds"] == posted["embeds"]


async def test_language_button_switches_the_commentary_for_the_reader(env: Env) -> None:
    user = env.user
    both = private(await user.command("paper", {"title": "navigation world models"}))
    text = both.embeds[0]["description"]
    assert "In addition to Google" in text and any("\uac00" <= ch <= "\ud7a3" for ch in text)
    english = private(await user.click(both.message["id"], ids(both)["한/EN"]))
    assert english.message["id"] == both.message["id"]
    assert not any("\uac00" <= ch <= "\ud7a3" for ch in english.embeds[0]["description"])
    korean = private(await user.click(both.message["id"], ids(english)["한/EN"]))
    assert any("\uac00" <= ch <= "\ud7a3" for ch in korean.embeds[0]["description"])


async def test_korean_members_get_korean_words(env: Env) -> None:
    user = env.user
    answer = private(await user.command("tag", {"name": "bulk"}, member="minji"))
    assert answer.embeds[0]["title"] == "#bulk · 논문 23편"
    assert answer.embeds[0]["footer"]["text"] == "1/3쪽"
    assert {"다음 ▶", "공유", "논문 열기…"} <= set(ids(answer))
    missing = private(await user.command("tag", {"name": "nope"}, member="minji"))
    assert missing.content.startswith("#nope 태그가 없어요")
    choices = check_choices(await user.autocomplete("tag", "name", {"name": "v"}, member="minji"))
    assert choices[0]["name"].endswith("논문 5편")


HOSTILE = [
    "",
    " ",
    "x" * 40,  # the longest every one of these options takes (/digest date:)
    'NEAR(samba, "x") OR title:* -" AND ^',
    '"""',
    "'; DROP TABLE papers; --",
    "🦙🔥📚",
    "\u200b\u200c\u200d",
    "\u200bsam\u200bba",
    "Привет мир",
    "العربية",
    "漢字テスト",
    "\\",
    "%_%",
    "@everyone",
]


@pytest.mark.parametrize("text", HOSTILE)
async def test_hostile_input_gets_a_clear_private_answer(env: Env, text: str) -> None:
    user = env.user
    for command, option in (
        ("paper", "title"),
        ("tag", "name"),
        ("search", "query"),
        ("digest", "date"),
        ("related", "title"),
        ("random", "tag"),
    ):
        answer = private(await user.command(command, {option: text}))
        assert answer.content or answer.embeds
        assert answer.message["mentions"] == [] and not answer.message["mention_everyone"]
        if command != "search":
            check_choices(await user.autocomplete(command, option, {option: text}))


async def test_input_longer_than_an_option_takes_is_refused_by_discord(env: Env) -> None:
    with pytest.raises(SandboxUserError, match="0–200"):
        await env.user.command("paper", {"title": "x" * 5000})


async def test_a_button_from_an_older_version_is_answered_politely(env: Env) -> None:
    world = env.sandbox.world
    channel = world.channels[env.sandbox.config.text_channel_id]
    body = {
        "content": "an answer from an older bot",
        "components": [
            {
                "type": 1,
                "components": [{"type": 2, "style": 1, "label": "Next", "custom_id": "pd0:v:7"}],
            }
        ],
    }
    message = new_message(world, channel, body, author=world.bot_user())
    channel.messages[int(message["id"])] = message
    answer = private(await env.user.click(message["id"], "pd0:v:7", member="bob"))
    assert answer.content.startswith("This button comes from an older version")


async def dm(env: Env, member: str, command: str, options: dict[str, Any]) -> Answer:
    """Run a command in the member's DM with the bot (the stand-in models guild channels; the
    interaction is rewritten the way Discord sends one from a DM)."""
    world, sandbox = env.sandbox.world, env.sandbox
    person = world.member_by_name(member)
    assert person is not None
    channel = next(
        (c for c in world.channels.values() if c.type == DM and c.recipient_id == person.id),
        None,
    )
    if channel is None:
        channel = Channel(world.snowflakes.next(), DM, f"dm-{member}", None, recipient_id=person.id)
        world.channels[channel.id] = channel
    interaction = sandbox.interactions.command(command, options, person, channel)
    payload = interaction.payload
    for key in ("guild_id", "guild", "member", "guild_locale"):
        payload.pop(key)
    payload.update(user=world.user(person.id), context=1, channel=world.channel_payload(channel))
    return Answer.from_report(await sandbox.run(interaction, within=10))


async def test_lookups_work_in_dms(env: Env) -> None:
    answer = private(await dm(env, "bob", "paper", {"title": "samba"}))
    assert answer.embeds[0]["title"].startswith("Samba")
    shared = await env.user.click(answer.message["id"], ids(answer)["Share"], member="bob")
    assert shared.answered and not shared.ephemeral
    [posted] = await env.user.messages("dm-bob")
    assert posted["content"] == f"Shared by <@{BOB}>"
    search = private(await dm(env, "bob", "search", {"query": "코드북"}))
    assert "**코드북**" in search.embeds[0]["description"]
