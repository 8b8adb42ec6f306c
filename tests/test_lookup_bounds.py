"""Every lookup bounds its own work, whatever was typed or pasted.

Work is counted, not timed: characters Unicode-normalised (every fold of user text and
of titles), cells compared by string similarity (`len(a) * len(b)` per comparison), and the
candidates and query characters that reach ranking. A lookup given 6,000 characters must
do exactly the work it does for the first 200 of them, the most it reads (`bounded`).
Also: ids no paper can have are "not found", and Discord itself refuses option values
longer than each option's purpose.
"""

from __future__ import annotations

import contextlib
import random
import unicodedata
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field

import discord
import pytest
from discord import app_commands
from rapidfuzz.distance import Indel

import bot.core.ranking as ranking_module
from bot.adapters.discord.cogs.lookup._cog import Lookup
from bot.adapters.discord.cogs.lookup._screens import Screens, search_words
from bot.adapters.discord.errors import UserFacingError
from bot.core.pages import Viewer
from bot.core.query import MAX_QUERY_CHARS, MAX_TAG_CHARS
from bot.core.ranking import rank_titles, title_score
from bot.core.screens import BadCustomId, Kind, Screen, Verb, decode, encode, is_paper_id
from bot.services.digest import DigestComposer
from bot.services.lookup import CANDIDATES, LookupService
from bot.store import Store

OWNER = 1_200_000_000_000_000_401
EN = Viewer(OWNER, "en-US")
LONG = 6_000
# Pasted text of every kind: one endless word, many real title words, Hangul, a character
# NFKC turns into 18 (`ﷺ`), full-width letters, markup, a tag and a date pasted many times.
# (None has a space at its 200th character, which `/paper` would strip from the 200.)
PASTES = [
    "x" * LONG,
    "samba hybrid state space models " * (LONG // 32),
    "코드북을, " * (LONG // 6),
    "\ufdfa" * LONG,
    "ＳＡＭＢＡ" * (LONG // 5),
    "*_[](<@1>)`|~ " * (LONG // 14),
    "#vq" * (LONG // 3),
    "2024-06-12 " * (LONG // 11),
    "id:" + "9" * LONG,
]


@dataclass
class Work:
    """What the lookups did, counted by patched primitives."""

    normalised: int = 0  # characters through unicodedata.normalize (fold, nfc)
    compared: int = 0  # similarity cells: len(a) * len(b) per comparison
    widest: int = 0  # the longest string compared
    candidates: list[int] = field(default_factory=list)  # titles per rank_titles call
    ranked: int = 0  # the longest query rank_titles or title_score was given

    def taken(self) -> Work:
        """What was counted so far; the counters start again from zero."""
        done = Work(self.normalised, self.compared, self.widest, self.candidates, self.ranked)
        self.normalised = self.compared = self.widest = self.ranked = 0
        self.candidates = []
        return done


@pytest.fixture
def work(monkeypatch: pytest.MonkeyPatch) -> Iterator[Work]:
    counted = Work()
    normalize = unicodedata.normalize

    def counting_normalize(form: str, text: str) -> str:
        counted.normalised += len(text)
        return normalize(form, text)  # type: ignore[arg-type]

    class CountingIndel:
        @staticmethod
        def normalized_similarity(a: str, b: str) -> float:
            counted.compared += len(a) * len(b)
            counted.widest = max(counted.widest, len(a), len(b))
            return Indel.normalized_similarity(a, b)

    def counting_rank(query: str, titles: list[str], limit: int | None = None) -> list[int]:
        counted.candidates.append(len(titles))
        counted.ranked = max(counted.ranked, len(query))
        return rank_titles(query, titles, limit)

    def counting_score(query: str, title: str) -> float:
        counted.ranked = max(counted.ranked, len(query))
        return title_score(query, title)

    monkeypatch.setattr(unicodedata, "normalize", counting_normalize)
    monkeypatch.setattr(ranking_module, "Indel", CountingIndel)
    monkeypatch.setattr("bot.services.lookup.rank_titles", counting_rank)
    monkeypatch.setattr("bot.services.lookup.title_score", counting_score)
    yield counted


Lookup_ = Callable[[LookupService, Screens, str], Awaitable[object]]


async def _quietly(step: Awaitable[object]) -> None:
    """Run a screen step; a polite `UserFacingError` is an answer like any other."""
    with contextlib.suppress(UserFacingError):
        await step


LOOKUPS: dict[str, Lookup_] = {
    "paper suggestions": lambda s, _, q: s.suggest_titles(q),
    "paper typed": lambda s, _, q: s.find_paper(q),
    "/paper": lambda _, screens, q: _quietly(screens.paper_screen(q, "both", EN)),
    "/related": lambda _, screens, q: _quietly(screens.related_screen(q, "both", EN)),
    "search": lambda s, _, q: s.search(q),
    "search page": lambda s, _, q: s.search_page(q, 0, 10, 170),
    "tag": lambda s, _, q: s.by_tag(q),
    "tag page": lambda s, _, q: s.tag_page(q, 0, 10),
    "tag choices": lambda s, _, q: s.tag_choices(q),
    "tag did you mean": lambda s, _, q: s.near_tags(q),
    "/tag": lambda _, screens, q: _quietly(screens.tag_screen(q, "both", EN.locale)),
    "random": lambda s, _, q: s.random_paper(q, random.Random(1)),
    "digest days": lambda s, _, q: s.days(q),
    "/digest": lambda _, screens, q: _quietly(screens.digest_screen(q, "both", EN.locale)),
}


async def measure(store: Store, work: Work, lookup: Lookup_, text: str) -> Work:
    """The work one lookup does for `text`."""
    service = LookupService(store)
    screens = Screens(service, DigestComposer(store), random.Random(1))
    work.taken()
    await lookup(service, screens, text)
    return work.taken()


@pytest.mark.parametrize("name", list(LOOKUPS))
async def test_a_pasted_query_costs_what_its_first_200_characters_do(
    seeded_store: Store, work: Work, name: str
) -> None:
    lookup = LOOKUPS[name]
    for paste in PASTES:
        pasted = await measure(seeded_store, work, lookup, paste)
        read = await measure(seeded_store, work, lookup, paste[:MAX_QUERY_CHARS])
        assert pasted == read, paste[:20]
        assert pasted.widest <= MAX_QUERY_CHARS + 2  # a title's start as long as the query
        assert pasted.ranked <= MAX_QUERY_CHARS
        assert all(count <= 2 * CANDIDATES for count in pasted.candidates)


async def test_the_counters_see_the_work(seeded_store: Store, work: Work) -> None:
    """Without the counters moving, the test above would prove nothing."""
    typo = await measure(seeded_store, work, LOOKUPS["paper suggestions"], "paligema")
    assert typo.compared > 0 and typo.candidates and typo.normalised > 0
    near = await measure(seeded_store, work, LOOKUPS["tag did you mean"], "diffusio")
    assert near.compared > 0
    assert (await measure(seeded_store, work, LOOKUPS["digest days"], "2024-06")).normalised > 0


def test_long_searches_say_what_was_searched() -> None:
    words, dropped = search_words("samba " + "x" * LONG, EN)
    assert dropped and words == "samba"  # the 6,000-character word was never read


# ---- ids ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "valid"),
    [
        ("1", True),
        ("9223372036854775807", True),  # SQLite's largest INTEGER
        ("9223372036854775808", False),
        ("9" * 40, False),
        ("9" * LONG, False),
        ("²", False),  # str.isdigit says yes, int() says no
        ("٣", False),
        ("-1", False),
        ("", False),
    ],
)
def test_paper_ids_are_numbers_sqlite_can_hold(text: str, valid: bool) -> None:
    assert is_paper_id(text) is valid


async def test_an_id_no_paper_can_have_is_not_found(seeded_store: Store) -> None:
    screens = Screens(LookupService(seeded_store), DigestComposer(seeded_store))
    for typed in ("id:" + "9" * 40, "id:9223372036854775808", "id:" + "9" * LONG):
        for resolve in (screens.paper_screen, screens.related_screen):
            with pytest.raises(UserFacingError, match="no longer exists"):
                await resolve(typed, "both", EN)
    with pytest.raises(BadCustomId):
        decode("pd1:v:p:0:b:1:9999999999999999999")
    with pytest.raises(ValueError, match="not an encodable screen"):
        encode(Verb.VIEW, Screen(Kind.PAPER, "9" * 19), OWNER)


# ---- what Discord lets members type --------------------------------------------------------

MAX_LENGTHS = {
    ("paper", "title"): MAX_QUERY_CHARS,
    ("related", "title"): MAX_QUERY_CHARS,
    ("search", "query"): MAX_QUERY_CHARS,
    ("tag", "name"): MAX_TAG_CHARS,
    ("random", "tag"): MAX_TAG_CHARS,
    ("digest", "date"): 40,
}


def test_every_string_option_has_a_max_length_that_fits_its_purpose() -> None:
    tree: app_commands.CommandTree[discord.Client] = app_commands.CommandTree(
        discord.Client(intents=discord.Intents.none())
    )
    found = {}
    for command in Lookup.__cog_app_commands__:
        for option in command.to_dict(tree).get("options", []):
            if option["type"] == discord.AppCommandOptionType.string.value:
                found[command.name, option["name"]] = option.get("max_length")
    assert found == MAX_LENGTHS
