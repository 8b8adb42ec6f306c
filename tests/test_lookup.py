"""Lookup quality on the seed library, and hostile input that must never error."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from bot.core.query import (
    MAX_EXPANSIONS,
    TEXT_INDEX_PREFIX,
    TITLE_INDEX_PREFIX,
    match_expression,
    quote,
)
from bot.core.text import words
from bot.services.lookup import LookupService
from bot.store import Store

# What a member types → the title that must come first.
TITLE_QUERIES = [
    (
        "Samba: Simple Hybrid State Space Models for Efficient Unlimited Context Language Modeling",
        "Samba: Simple Hybrid",
    ),  # exact
    ("samba", "Samba: Simple Hybrid"),  # lower-case, one word
    ("SAMBA", "Samba: Simple Hybrid"),  # upper-case
    ("hybrid state space", "Samba: Simple Hybrid"),  # partial
    ("state space hybrid", "Samba: Simple Hybrid"),  # word order
    ("qwen", "Qwen2-VL"),  # prefix of a word
    ("qwen2 vl", "Qwen2-VL"),
    ("deep seek coder", "DeepSeek-Coder-V2"),  # split words
    ("deepseekcoder", "DeepSeek-Coder-V2"),  # joined words
    ("wavtokenizer", "WavTokenizer"),
    ("wav tokenizer", "WavTokenizer"),
    ("paligema", "PaliGemma 2"),  # typo
    ("paligemma", "PaliGemma 2"),
    ("nemotrn 340b", "Nemotron-4 340B"),  # typo plus a second word
    ("mathematical reasoning", "Improve Mathematical Reasoning"),
    ("reasoning mathematical", "Improve Mathematical Reasoning"),
    ("image is worth 32", "An Image is Worth 32 Tokens"),
    ("no more adam", "No More Adam"),
    ("matrix", "The Matrix"),
    ("tokenflow", "TokenFlow"),
    ("token flow", "TokenFlow"),
    ("softvq", "SoftVQ-VAE"),
    ("soft vq vae", "SoftVQ-VAE"),
    ("mint 1t", "MINT-1T"),
    ("datacomp", "DataComp-LM"),
    ("causal diffusion", "Causal Diffusion Transformers"),
    ("videollm", "VideoLLM-MoD"),
    ("physics of language models", "Physics of Language Models"),
    ("entropy regularized", "Entropy-Regularized Process Reward Model"),
    ("ＳＡＭＢＡ", "Samba: Simple Hybrid"),  # full-width
]


@pytest.mark.parametrize(("query", "expected"), TITLE_QUERIES)
async def test_intended_paper_comes_first(seeded_store: Store, query: str, expected: str) -> None:
    results = await LookupService(seeded_store).suggest_titles(query)
    assert results, f"nothing for {query!r}"
    assert results[0].title.startswith(expected), [r.title for r in results[:3]]


async def test_suggestions_are_bounded_and_empty_query_lists_newest(seeded_store: Store) -> None:
    lookup = LookupService(seeded_store)
    newest = await lookup.suggest_titles("")
    assert len(newest) == 25
    assert newest[0].date.isoformat() == "2024-12-17"
    assert len(await lookup.suggest_titles("a", limit=100)) <= 25


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("코드북", "Scaling the Codebook Size"),  # particle attached in the notes: 코드북을
        ("게임", "The Matrix"),  # two syllables
        ("합의", "Nemotron-4 340B"),  # two syllables, particle attached: 합의를
        ("레지스터 토큰", "An Image is Worth 32 Tokens"),
        ("mcts", "Accessing GPT-4 level"),
        ("Resiliparse", "DataComp-LM"),  # Korean commentary, English word
        ("Bo Adler", "Nemotron-4 340B"),  # authors
        ("Trafilatura", "Nemotron-CC"),  # English translation of commentary
        ("vit", "An Image is Worth 32 Tokens"),  # `ViT에` split by script
        ("tokeniz", "WavTokenizer"),  # a beginning: spelt out as title words
        ("mathemat", "Improve Mathematical Reasoning"),
        ("codebook", "SoftVQ-VAE"),  # `codebooks` only: an ending
        ("samba via hybrid state", "Samba: Simple Hybrid"),  # its notes never say `via`
    ],
)
async def test_full_text_search(seeded_store: Store, query: str, expected: str) -> None:
    results = await LookupService(seeded_store).search(query, limit=5)
    assert any(r.title.startswith(expected) for r in results), [r.title for r in results]


HOSTILE = [
    "",
    "   ",
    '"',
    '""',
    "'",
    "*",
    "samba*",
    "-samba",
    "NEAR(samba hybrid)",
    "samba NOT hybrid",
    "samba OR",
    "AND",
    "(",
    ")",
    "title:samba",
    "{title}: samba",
    "^samba",
    "x" * 10_000,
    "samba " * 2_000,
    "🦙🔥",
    "\u200bsamba\u200b",
    "\x00samba",
    "Привет мир",
    "العربية",
    "漢字テスト",
    "\\",
    "%_%",
    "'; DROP TABLE papers; --",
]


@pytest.mark.parametrize("query", HOSTILE)
async def test_hostile_queries_never_error(seeded_store: Store, query: str) -> None:
    lookup = LookupService(seeded_store)
    await lookup.suggest_titles(query)
    await lookup.search(query)
    await lookup.by_tag(query)
    assert (await seeded_store.stats()).papers == 37


async def test_zero_width_characters_are_ignored(seeded_store: Store) -> None:
    results = await LookupService(seeded_store).suggest_titles("\u200bsam\u200bba")
    assert results[0].title.startswith("Samba")


async def test_tag_lookup_forms_and_order(seeded_store: Store) -> None:
    lookup = LookupService(seeded_store)
    forms = [await lookup.by_tag(t) for t in ("VQ", "#vq", "vq", " #Vq ")]
    assert all(f == forms[0] for f in forms)
    dates = [p.date for p in forms[0]]
    assert len(dates) == 5 and dates == sorted(dates, reverse=True)
    assert await lookup.by_tag("#") == []


async def test_search_pagination(seeded_store: Store) -> None:
    lookup = LookupService(seeded_store)
    first, second = await lookup.search("model", 3, 0), await lookup.search("model", 3, 3)
    assert first and second
    assert not {p.id for p in first} & {p.id for p in second}


async def test_a_short_search_keeps_its_function_words(seeded_store: Store) -> None:
    assert await LookupService(seeded_store).search("via samba") == []


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # Without `how`/`do`, newer titles with `large language` came first.
        ("How Do Large Language Models", "How Do Large Language Models Acquire"),
        ("autoregressive image generation", "Autoregressive Image Generation without"),
        ("Samba: Simple Hybrid State Space Models", "Samba: Simple Hybrid"),
    ],
)
async def test_a_searched_phrase_puts_the_titles_it_begins_first(
    seeded_store: Store, query: str, expected: str
) -> None:
    results = await LookupService(seeded_store).search(query, limit=3)
    assert results[0].title.startswith(expected), [r.title for r in results]


async def test_a_short_search_ranks_title_hits_newest_first(seeded_store: Store) -> None:
    results = await LookupService(seeded_store).search("autoregressive image", limit=3)
    assert results[0].title.startswith("Taming Scalable Visual Tokenizer")


# ---- prefixes longer than the index keeps ---------------------------------------------

PREFIX_TERM_RE = re.compile(r'"((?:[^"]|"")*)"\*')


def spy(store: Store, name: str, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The MATCH expressions (first arguments) of every call to one store method."""
    seen: list[str] = []
    method: Callable[..., Awaitable[Any]] = getattr(store, name)

    async def record(match: str, *args: Any) -> Any:
        seen.append(match)
        return await method(match, *args)

    monkeypatch.setattr(store, name, record)
    return seen


def longest_prefix(expressions: list[str]) -> int:
    return max((len(t) for e in expressions for t in PREFIX_TERM_RE.findall(e)), default=0)


async def test_long_prefixes_reach_the_indexes_as_whole_words(
    seeded_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    titles = spy(seeded_store, "match_titles", monkeypatch)
    texts = spy(seeded_store, "search_ids", monkeypatch)
    probed: list[tuple[str, str]] = []  # the coverage fallback's (index, expression)
    probe = seeded_store.newest_matches

    async def record(probes: list[tuple[Any, str]], limit: int) -> list[list[int]]:
        probed.extend(probes)
        return await probe(probes, limit)

    monkeypatch.setattr(seeded_store, "newest_matches", record)
    lookup = LookupService(seeded_store)
    for query, expected in [
        ("mathemat", "Improve Mathematical"),
        ("improve mathemat", "Improve Mathematical"),
        ("mathemati reasonin", "Improve Mathematical"),  # every word a prefix
        ("autoregres", "Autoregressive Image"),
    ]:
        results = await lookup.suggest_titles(query)
        assert results and results[0].title.startswith(expected), query
    for query in ("tokeniz", "samba hybri", "mathemat"):
        assert await lookup.search(query), query
    assert await lookup.suggest_titles("mathemati zzzz reasonin")  # the fallback's probes
    assert await lookup.search("tokeniz zzzz wavtokenizer")
    titles += [e for index, e in probed if index == "title_fts"]
    texts += [e for index, e in probed if index == "paper_fts"]
    assert {index for index, _ in probed} == {"title_fts", "paper_fts"}
    assert titles and longest_prefix(titles) <= TITLE_INDEX_PREFIX, titles
    assert texts and longest_prefix(texts) <= TEXT_INDEX_PREFIX, texts


async def test_spelt_out_prefixes_find_what_the_prefix_found(seeded_store: Store) -> None:
    titles = [p.title for p in await seeded_store.recent_papers(100)]
    long_words = {w for t in titles for w in words(t) if len(w) > TITLE_INDEX_PREFIX + 1}
    assert len(long_words) > 50
    for word in long_words:
        typed = word[: TITLE_INDEX_PREFIX + 1]
        spelt = await seeded_store.words_beginning(typed, MAX_EXPANSIONS)
        expression = match_expression(typed, prefix="last", expansions={typed: spelt})
        assert expression is not None and "*" not in expression
        found = await seeded_store.match_titles(expression, 100)
        expected = await seeded_store.match_titles(quote(typed) + "*", 100)
        assert found == expected, typed


async def test_title_words_beginning_shortest_first(seeded_store: Store) -> None:
    assert await seeded_store.words_beginning("token", 64) == ["tokens", "tokenflow", "tokenizer"]
    assert await seeded_store.words_beginning("re", 3) == ["real", "refine", "report"]
    assert await seeded_store.words_beginning("zzz", 64) == []


async def test_each_title_probe_runs_once(
    seeded_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    titles = spy(seeded_store, "match_titles", monkeypatch)
    for query in ("zzzzqqq", "samba", "reasoning"):
        titles.clear()
        await LookupService(seeded_store).suggest_titles(query)
        assert len(titles) == len(set(titles)), titles
