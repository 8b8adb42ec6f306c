"""Embed layout: every seed entry and synthetic extremes stay inside Discord's limits.

Payloads are checked by the local Discord stand-in's validator (bot.sandbox.limits),
written from Discord's documentation independently of the renderer's constants.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.notes import Entry, parse_bytes
from bot.core.render import (
    ELLIPSIS,
    Earlier,
    Message,
    PaperView,
    compact_messages,
    digest_messages,
    paper_embeds,
    shorten_authors,
    split_text,
    tag_colour,
    truncate,
)
from bot.sandbox.limits import check_message, require_something_to_send

DAY = date(2024, 6, 18)


def view_of(entry: Entry, position: int = 1, total: int = 1, **changes: object) -> PaperView:
    return PaperView.of(replace(entry, **changes), DAY, position, total)


def assert_valid(messages: list[Message]) -> None:
    for message in messages:
        payload = message.to_dict()
        errors = check_message(payload)
        assert not errors, errors.to_dict()
        require_something_to_send(payload)
        assert payload["allowed_mentions"] == {"parse": []}


def seed_entries(seeds: Path) -> list[Entry]:
    return [
        e
        for path in sorted(seeds.iterdir())
        for d in parse_bytes(path.read_bytes(), path.name).days
        for e in d.entries
    ]


@pytest.mark.parametrize("language", ["ko", "en", "both"])
def test_every_seed_day_renders_within_limits(seeds: Path, language: str) -> None:
    for path in sorted(seeds.iterdir()):
        day = parse_bytes(path.read_bytes(), path.name).days[0]
        views = [view_of(e, i, len(day.entries)) for i, e in enumerate(day.entries, 1)]
        messages = digest_messages(day.date, views, language)  # type: ignore[arg-type]
        assert_valid(messages)
        assert sum(len(m.embeds) for m in messages) >= len(views)
        assert_valid(compact_messages(day.date, views, language))  # type: ignore[arg-type]


def test_nemotron_authors_are_shortened(seeds: Path) -> None:
    nemotron = next(e for e in seed_entries(seeds) if e.title.startswith("Nemotron-4"))
    (embed,) = paper_embeds(view_of(nemotron))
    authors = embed.fields[0]
    assert authors.value.startswith("Nvidia: Bo Adler, Niket Agarwal")
    assert len(authors.value) <= 1024
    shown = authors.value.split(" … ")[0].count(",") + 1
    assert authors.value.endswith(f"and {81 - shown} more")
    assert_valid([Message(None, (embed,))])


def test_long_commentary_continues_in_next_embed_and_loses_nothing(seeds: Path) -> None:
    entry = seed_entries(seeds)[0]
    words = [f"단어{i}" for i in range(1200)]
    long_text = " ".join(words)
    assert len(long_text) > 5000
    embeds = paper_embeds(view_of(entry, commentary_ko=long_text, commentary_en=""), "ko")
    assert len(embeds) >= 2
    joined = " ".join(e.description or "" for e in embeds)
    assert joined.split() == words
    assert "계속" in (embeds[1].footer or "")
    assert_valid(digest_messages(DAY, [view_of(entry, commentary_ko=long_text)], "ko"))


def test_extremes_render_within_limits() -> None:
    entry = Entry(
        title="T" * 1000,
        authors=tuple(f"Author Number{i}" for i in range(300)),
        org="O" * 300,
        abstract="A " * 9000,
        commentary_ko="가" * 20_000,
        commentary_en="e " * 10_000,
        tags=tuple(f"tag{i}" for i in range(300)),
        links=tuple(f"https://example.com/{i}/{'x' * 50}" for i in range(100)),
        line=1,
    )
    extreme = PaperView(entry, DAY, 1, 1, tuple(Earlier(DAY, "E" * 300) for _ in range(20)))
    for language in ("ko", "en", "both"):
        embeds = paper_embeds(extreme, language)  # type: ignore[arg-type]
        assert embeds[0].title and embeds[0].title.endswith(ELLIPSIS)
        assert_valid(digest_messages(DAY, [extreme] * 12, language))  # type: ignore[arg-type]
    fields = {f.name: f.value for f in paper_embeds(extreme)[0].fields}
    assert fields["Links"].endswith("more") or ELLIPSIS in fields["Links"]


def test_fifty_papers_pack_into_few_messages(seeds: Path) -> None:
    entries = seed_entries(seeds)
    views = [view_of(entries[i % len(entries)], i + 1, 50) for i in range(50)]
    messages = digest_messages(DAY, views)
    assert_valid(messages)
    assert sum(len(m.embeds) for m in messages) == 50
    assert len(messages) <= 25  # seeds' embeds are ~1.5-3k characters: 2-3 per message
    assert messages[0].content and "50 papers" in messages[0].content


def test_mentions_in_notes_are_inert(seeds: Path) -> None:
    entry = seed_entries(seeds)[0]
    (message,) = digest_messages(DAY, [view_of(entry, commentary_ko="@everyone 보세요 <@123>")])
    assert message.to_dict()["allowed_mentions"] == {"parse": []}


def test_language_choice_and_fallback(seeds: Path) -> None:
    bilingual = next(e for e in seed_entries(seeds) if e.commentary_en)
    ko_only = next(e for e in seed_entries(seeds) if not e.commentary_en)
    assert paper_embeds(view_of(bilingual), "en")[0].description == bilingual.commentary_en
    assert paper_embeds(view_of(bilingual), "ko")[0].description == bilingual.commentary_ko
    both = paper_embeds(view_of(bilingual), "both")[0].description or ""
    assert bilingual.commentary_ko in both and bilingual.commentary_en in both
    assert paper_embeds(view_of(ko_only), "en")[0].description == ko_only.commentary_ko
    assert paper_embeds(view_of(ko_only), "ko")[0].fields[0].name == "저자"


def test_title_links_to_arxiv_search_without_direct_link(seeds: Path) -> None:
    entry = seed_entries(seeds)[0]
    embed = paper_embeds(view_of(entry))[0]
    assert embed.url and embed.url.startswith("https://arxiv.org/search/?query=An+Image")
    direct = view_of(entry, abstract="See https://arxiv.org/pdf/2406.07550v1 for details.")
    assert paper_embeds(direct)[0].url == "https://arxiv.org/abs/2406.07550"


def test_colour_is_stable_per_primary_tag() -> None:
    assert tag_colour("vq") == tag_colour("vq")
    assert len({tag_colour(t) for t in ("vq", "llm", "diffusion", "corpus", "audio")}) > 1


def test_helpers() -> None:
    assert truncate("short", 10) == "short"
    assert truncate("a" * 20, 10) == "a" * 9 + ELLIPSIS
    assert split_text("", 10) == []
    assert "".join(split_text("x" * 25, 10)) == "x" * 25
    assert shorten_authors(["A", "B"], None, "en", 100) == "A, B"
    assert shorten_authors([f"N{i}" for i in range(100)], None, "en", 40).endswith("more")


@settings(max_examples=60, deadline=None)
@given(
    title=st.text(min_size=1, max_size=400),
    authors=st.lists(st.text(min_size=1, max_size=80), max_size=120),
    abstract=st.none() | st.text(max_size=3000),
    ko=st.text(max_size=9000),
    en=st.text(max_size=3000),
    tags=st.lists(st.text(min_size=1, max_size=40), max_size=30),
    count=st.integers(1, 15),
)
def test_any_paper_renders_within_limits(
    title: str,
    authors: list[str],
    abstract: str | None,
    ko: str,
    en: str,
    tags: list[str],
    count: int,
) -> None:
    entry = Entry(title, tuple(authors), None, abstract, ko, en, tuple(tags), (), 1)
    view = PaperView(entry, DAY, 1, count)
    for language in ("ko", "en", "both"):
        assert_valid(digest_messages(DAY, [view] * count, language))  # type: ignore[arg-type]
