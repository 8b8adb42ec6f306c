"""Embed layout: every seed entry and synthetic extremes stay inside Discord's limits.

Payloads are checked by the local Discord stand-in's validator (bot.sandbox.limits),
written from Discord's documentation independently of the renderer's constants.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path
from urllib.parse import quote_plus, unquote_plus

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
    escape,
    escape_within,
    paper_embeds,
    safe_url,
    shorten_authors,
    split_escaped,
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
        title="T*" * 1000,
        authors=tuple(f"*Author* <@{i}>" for i in range(300)),
        org="@everyone " * 30,
        abstract="[x](https://evil.example) " * 500,
        commentary_ko="> 가 @here " * 3000,
        commentary_en="https://example.com/" + "_" * 3000 + " e" * 10_000,
        tags=tuple(f"tag_{i}" for i in range(300)),
        links=tuple(f"https://example.com/{i}/{'x' * 50 * (i % 50)}" for i in range(100)),
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
    mentions = "@everyone 보세요 <@123> <@&1> @here"
    entry = replace(seed_entries(seeds)[0], authors=(mentions,), tags=("x",))
    (message,) = digest_messages(DAY, [view_of(entry, commentary_ko=mentions, abstract=mentions)])
    payload = message.to_dict()
    assert payload["allowed_mentions"] == {"parse": []}
    inert = "@\u200beveryone 보세요 \\<@123> \\<@&1> @\u200bhere"
    embed = payload["embeds"][0]
    assert embed["description"] == inert
    assert [f["value"] for f in embed["fields"][:1]] == [inert]


@pytest.mark.parametrize(
    ("word", "fits"),
    [("Tokenizer", 2000 // 10), ("가나다", 220 // 3), ("🦙🔥", 170 // 2)],
)
def test_a_long_title_searches_arxiv_for_the_words_that_fit(
    seeds: Path, word: str, fits: int
) -> None:
    """Past about 2,000 Latin, 220 Hangul or 170 emoji characters the whole title, percent-
    encoded, no longer fits an embed's 2,048-character url: whole words are left out."""
    title = " ".join(f"{word}{n}" for n in range(fits * 2))
    view = view_of(seed_entries(seeds)[0], title=title, abstract=None)
    url = paper_embeds(view)[0].url
    assert url is not None and len(url) <= 2048
    query = url.removeprefix("https://arxiv.org/search/?query=").removesuffix("&searchtype=title")
    words = unquote_plus(query).split(" ")
    assert 0 < len(words) < fits * 2 and words == title.split()[: len(words)]  # whole words
    longer = url.replace("&", "+" + quote_plus(title.split()[len(words)]) + "&")
    assert len(longer) > 2048  # as many as fit
    (message,) = compact_messages(DAY, [view])
    assert f"]({url})" in (message.embeds[0].description or "")
    short = view_of(seed_entries(seeds)[0], title=f"{word} paper", abstract=None)
    assert paper_embeds(short)[0].url == (
        f"https://arxiv.org/search/?query={quote_plus(word)}+paper&searchtype=title"
    )


def test_urls_too_long_for_a_url_field_are_shown_as_text(seeds: Path) -> None:
    own = "https://arxiv.org/abs/2406.07550?" + "q" * 2100  # not one Discord takes as a url
    other = "https://example.com/" + "x" * 1200  # too long for a line of the Links field
    view = view_of(seed_entries(seeds)[0], abstract=f"See {own}.", links=(own, other))
    embed = paper_embeds(view)[0]
    assert embed.url and embed.url.startswith("https://arxiv.org/search/?query=")
    links = {f.name: f.value for f in embed.fields}["Links"].split("\n")
    assert links[0].endswith(ELLIPSIS) and links[1:] == [f"{ELLIPSIS} +1"]  # fills the field
    assert links[0].startswith("https\\://arxiv.org/abs/2406.07550?qqq")  # text, not a link
    assert_valid(digest_messages(DAY, [view]))
    one_word = view_of(seed_entries(seeds)[0], title="가" * 300, abstract=None)
    assert paper_embeds(one_word)[0].url is None  # not even its one word fits
    (message,) = compact_messages(DAY, [one_word])
    assert (message.embeds[0].description or "").startswith("1. " + "가" * 149 + ELLIPSIS + " — #")


def test_safe_urls_cannot_end_a_masked_link_or_break_a_url_field() -> None:
    assert safe_url("https://a.io/x y(1)<2>\\\"'`\n") == (
        "https://a.io/x%20y%281%29%3C2%3E%5C%22%27%60%0A"
    )
    assert safe_url("HTTP://a.io/ü") == "HTTP://a.io/ü"
    assert safe_url("javascript:alert(1)") is None
    assert safe_url("https://") is None
    assert safe_url("https://a.io/" + "x" * 2035) is not None
    assert safe_url("https://a.io/" + "x" * 2036) is None  # 2,049 characters
    assert safe_url("https://a.io/" + ")" * 700) is None  # 2,113 once encoded


def test_a_title_cannot_make_a_masked_link(seeds: Path) -> None:
    entry = seed_entries(seeds)[0]
    hostile = [
        "Evil](https://evil.example) [Title",
        "[Click](javascript:alert(1))",
        "**Bold** <@123> `code`",
    ]
    views = [
        view_of(entry, n + 1, 3, title=title, abstract=None) for n, title in enumerate(hostile)
    ]
    (message,) = compact_messages(DAY, views)
    lines = (message.embeds[0].description or "").split("\n")
    assert lines[0].startswith("1. [Evil\\](https\\://evil.example) \\[Title](https://arxiv.org/")
    assert lines[1].startswith("2. [\\[Click\\](javascript:alert(1))](https://arxiv.org/search/")
    assert "%28" in lines[1] and "%29" in lines[1] and "(1))" not in lines[1].split("](")[-1]
    assert lines[2].startswith("3. [\\*\\*Bold\\*\\* \\<@123> \\`code\\`](https://")
    titles = [paper_embeds(v)[0].title for v in views]
    assert titles[0] == "Evil\\](https\\://evil.example) \\[Title"


def test_language_choice_and_fallback(seeds: Path) -> None:
    bilingual = next(e for e in seed_entries(seeds) if e.commentary_en)
    ko_only = next(e for e in seed_entries(seeds) if not e.commentary_en)
    # Shown as written: escaped, URLs as `<url>` links.
    en, ko = escape(bilingual.commentary_en), escape(bilingual.commentary_ko)
    assert "(<https://arxiv.org/abs/2404.12358>)" in en
    assert paper_embeds(view_of(bilingual), "en")[0].description == en
    assert paper_embeds(view_of(bilingual), "ko")[0].description == ko
    both = paper_embeds(view_of(bilingual), "both")[0].description or ""
    assert ko in both and en in both
    assert paper_embeds(view_of(ko_only), "en")[0].description == escape(ko_only.commentary_ko)
    assert paper_embeds(view_of(ko_only), "ko")[0].fields[0].name == "저자"


def test_title_links_to_arxiv_search_without_direct_link(seeds: Path) -> None:
    entry = seed_entries(seeds)[0]
    embed = paper_embeds(view_of(entry))[0]
    assert embed.url and embed.url.startswith("https://arxiv.org/search/?query=An+Image")
    direct = view_of(entry, abstract="See https://arxiv.org/pdf/2406.07550v1 for details.")
    assert paper_embeds(direct)[0].url == "https://arxiv.org/abs/2406.07550"


def test_colour_is_stable_per_primary_tag() -> None:
    # Pinned, because one process cannot see instability: Python salts hash() per process,
    # and a tag must keep its colour across restarts and machines.
    assert {t: tag_colour(t) for t in ("vq", "llm", "diffusion", "corpus", "상태공간")} == {
        "vq": 0x1ABC9C,
        "llm": 0x5865F2,
        "diffusion": 0x00B0F4,
        "corpus": 0x57F287,
        "상태공간": 0x3BA55C,
    }


def test_helpers() -> None:
    assert truncate("short", 10) == "short"
    assert truncate("a" * 20, 10) == "a" * 9 + ELLIPSIS
    assert split_escaped("", 10) == []
    assert escape_within("a b c", 0) == escape_within("a b c", 1) == ELLIPSIS  # no room: all cut
    assert "".join(split_escaped("x" * 25, 10)) == "x" * 25
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


def test_the_title_links_to_the_papers_own_arxiv_page(seeds: Path) -> None:
    """A vault note's header link is the paper's page; a link its commentary cites is
    another paper's, and a link that is not an arXiv page stays in the Links field."""
    entry = seed_entries(seeds)[0]
    own = "https://arxiv.org/abs/2406.07522"
    cited = "https://arxiv.org/abs/2402.19427"
    vault = view_of(entry, abstract=None, links=(own, cited), commentary_ko=f"Griffin ({cited})")
    assert paper_embeds(vault)[0].url == own
    only_cited = view_of(entry, abstract=None, links=(cited,), commentary_ko=f"G ({cited})")
    assert paper_embeds(only_cited)[0].url.startswith("https://arxiv.org/search/")
    blog = view_of(entry, abstract=None, links=("https://example.com/post",), commentary_ko="")
    assert paper_embeds(blog)[0].url.startswith("https://arxiv.org/search/")
