"""Lookup quality on the seed library, and hostile input that must never error."""

from __future__ import annotations

import pytest

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
