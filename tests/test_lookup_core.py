"""The pure parts of the lookup answers: custom ids, snippets, days, page layouts, the faster
title ranking, and the Korean command names (the chart: test_chart.py)."""

from __future__ import annotations

import contextlib
import re
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.days import day_range, parse_day
from bot.core.i18n import COMMAND_NAMES_KO, DESCRIPTIONS_KO, MESSAGES, OPTION_NAMES_KO
from bot.core.pages import (
    OPTION_MAX,
    PER_PAGE,
    SNIPPET_MAX,
    Listed,
    Page,
    Viewer,
    choice_label,
    controls,
    credited,
    list_embed,
    open_select,
    tag_index_embed,
)
from bot.core.ranking import best_similarity, rank_titles, similarity, title_score
from bot.core.render import escape, escape_within
from bot.core.screens import (
    CUSTOM_ID_MAX,
    FAMILY_RE,
    BadCustomId,
    Kind,
    Screen,
    Verb,
    decode,
    encode,
    room_for_arg,
    toggled,
)
from bot.core.snippet import matches, snippet
from bot.sandbox.limits import check_message

OWNER = 1_200_000_000_000_000_401
DAY = date(2024, 6, 12)

# ---- custom ids -----------------------------------------------------------------------


SCREENS = [
    Screen(Kind.PAPER, "42"),
    Screen(Kind.TAG, "vision-language", 3, "ko"),
    Screen(Kind.SEARCH, "코드북 tokenizer", 12, "en"),
    Screen(Kind.DIGEST, "2024-06-12", 1),
    Screen(Kind.TAGS),
    Screen(Kind.RELATED, "7", 0, "ko"),
    Screen(Kind.RANDOM, ""),
    Screen(Kind.RANDOM, "vq"),
]


@pytest.mark.parametrize("screen", SCREENS)
@pytest.mark.parametrize("verb", list(Verb))
def test_custom_ids_round_trip_within_100_characters(verb: Verb, screen: Screen) -> None:
    custom_id = encode(verb, screen, OWNER)
    assert custom_id is not None and len(custom_id) <= CUSTOM_ID_MAX
    assert FAMILY_RE.fullmatch(custom_id)
    assert decode(custom_id) == (verb, screen, OWNER)


@given(
    arg=st.text(min_size=1, max_size=120).filter(lambda s: s.strip() and s.isprintable()),
    page=st.integers(0, 9999),
)
def test_any_tag_or_query_encodes_or_is_refused_cleanly(arg: str, page: int) -> None:
    screen = Screen(Kind.SEARCH, arg, page)
    custom_id = encode(Verb.VIEW, screen, OWNER)
    if custom_id is None:
        assert len(arg) > room_for_arg(OWNER)
    else:
        assert len(custom_id) <= CUSTOM_ID_MAX and decode(custom_id)[1] == screen


GARBLED = [
    "",
    "pd1",
    "pd0:v:t:0:b:1:vq",  # an older version
    "pd2:v:t:0:b:1:vq",  # a newer one
    "pd1:z:t:0:b:1:vq",  # unknown verb
    "pd1:v:z:0:b:1:vq",  # unknown screen
    "pd1:v:t:0:z:1:vq",  # unknown language
    "pd1:v:t:x:b:1:vq",  # page not a number
    "pd1:v:t:0:b:1:",  # a tag screen without a tag
    "pd1:v:p:0:b:1:abc",  # a paper id that is not one
    "pd1:v:d:0:b:1:2024-02-30",  # no such day
    "pd1:v:g:0:b:1:extra",
    "pd1:v:t:0:b:1:" + "x" * 200,
]


@pytest.mark.parametrize("custom_id", GARBLED)
def test_garbled_or_stale_ids_are_refused(custom_id: str) -> None:
    with pytest.raises(BadCustomId):
        decode(custom_id)


@given(st.text(max_size=150))
def test_decode_never_fails_otherwise(custom_id: str) -> None:
    with contextlib.suppress(BadCustomId):
        decode(custom_id)


def test_language_toggle_follows_the_reader() -> None:
    assert toggled("both", "ko") == "ko" and toggled("both", "en-US") == "en"
    assert toggled("ko", "en-US") == "en" and toggled("en", "en-US") == "ko"


# ---- snippets ---------------------------------------------------------------------------


def test_markdown_in_notes_is_escaped() -> None:
    assert escape("*bold* _it_ `code` ||s|| [a](b) <@1>") == (
        r"\*bold\* \_it\_ \`code\` \|\|s\|\| \[a\](b) \<@1>"
    )
    assert escape("> quote\n# head\n- item") == "\\> quote\n\\# head\n\\- item"
    assert escape("vision-language a>b #tag") == "vision-language a>b #tag"
    assert escape("#tag\n-1.5\n>b") == "#tag\n-1.5\n>b"  # not a heading, list or quote


@given(st.text(max_size=300), st.integers(1, 200))
def test_escape_within_fits(text: str, limit: int) -> None:
    assert len(escape_within(text, limit)) <= limit


def test_matches_follow_the_index() -> None:
    text = "Tokens 코드북을 tokenizer codebook 코드"
    spans = [text[s:e] for s, e in matches(text, "token 코드북")]
    assert spans == ["Tokens", "코드북", "tokenizer"]
    assert [text[s:e] for s, e in matches(text, "코드")] == ["코드", "코드"]
    assert matches("ｔｏｋｅｎ", "token") == [(0, 5)]  # full-width folds


def test_snippet_cuts_around_the_first_hit_and_bolds_it() -> None:
    filler = "lorem ipsum dolor sit amet " * 20
    text = filler + "the *codebook* grows to 100,000 entries " + filler
    shown = snippet([None, "", text], "codebook", 120)
    assert shown is not None and len(shown) <= 120
    assert shown.startswith("…") and shown.endswith("…")
    assert r"\***codebook**\*" in shown


def test_snippet_is_none_without_a_hit() -> None:
    assert snippet(["nothing here"], "codebook") is None
    assert snippet(["anything"], "\u200b!!!") is None


@settings(max_examples=200)
@given(st.lists(st.text(max_size=400), max_size=3), st.text(max_size=40), st.integers(20, 400))
def test_snippets_fit_their_limit(texts: list[str], query: str, limit: int) -> None:
    shown = snippet(texts, query, limit)
    assert shown is None or len(shown) <= limit


# ---- days ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-06-12", date(2024, 6, 12)),
        (" 2024.6.12 ", date(2024, 6, 12)),
        ("2024/06/12", date(2024, 6, 12)),
        ("2024년 6월 12일", date(2024, 6, 12)),
        ("２０２４-０６-１２", date(2024, 6, 12)),
        ("2024-02-30", None),
        ("2024-06", None),
        ("yesterday", None),
        ("", None),
        ("1" * 5000, None),
    ],
)
def test_parse_day(text: str, expected: date | None) -> None:
    assert parse_day(text) == expected


@pytest.mark.parametrize(
    ("text", "low"),
    [
        ("", ""),
        ("2024", "2024"),
        ("2024-6", "2024-06"),
        ("2024-1", "2024"),  # may become 2024-10
        ("2024-06-1", "2024-06"),  # may become the 10th…19th
        ("2024-06-12", "2024-06-12"),
        ("2024년 6월", "2024-06"),
        ("hello", ""),
        ("2024-123", ""),
    ],
)
def test_day_range_for_autocomplete(text: str, low: str) -> None:
    assert day_range(text) == (low, low + "\uffff")


# ---- page layouts -------------------------------------------------------------------------


def listed(n: int, title: str = "Title", snippet_text: str | None = None) -> Listed:
    return Listed(n, f"{title} {n}", DAY, ("vq", "llm"), snippet_text)


def test_list_rows_stay_within_limits_even_when_everything_is_long() -> None:
    items = [
        listed(n, "*_`|" * 200, snippet("**hit** " * 100, "hit", SNIPPET_MAX))
        for n in range(PER_PAGE + 5)
    ]  # more rows than a page: the extra ones are not shown
    embed = list_embed("x" * 300, items, 1, "Page 1/9", 0)
    payload = {"embeds": [embed.to_dict()]}
    assert not check_message(payload), check_message(payload).to_dict()
    assert embed.description is not None and embed.description.count("\n**") == PER_PAGE - 1
    # Fits by construction: the last row arrives whole, not cut by a final truncation.
    assert embed.description.endswith(items[PER_PAGE - 1].snippet or "")


def test_select_options_and_labels_fit() -> None:
    items = [listed(n, "t" * 300) for n in range(PER_PAGE)]
    select = open_select(items, Screen(Kind.TAG, "vq"), Viewer(OWNER, "en-US"))
    assert select is not None and len(select.options) == PER_PAGE
    for option in select.options:
        assert 1 <= len(option.label) <= OPTION_MAX and len(option.value) <= OPTION_MAX
        assert option.description is not None and len(option.description) <= OPTION_MAX
    assert len(choice_label("t" * 300, 12_345, "ko")) <= OPTION_MAX
    assert choice_label("vq", 5, "en-US") == "vq · 5 papers"
    assert choice_label("vq", 1, "ko") == "vq · 논문 1편"


def test_controls_page_toggle_and_share() -> None:
    viewer = Viewer(OWNER, "en-US")
    screen = Screen(Kind.TAG, "vq", 0)
    labels = [b.label for b in controls(screen, viewer, pages=3, toggle=True)]
    assert labels == ["◀ Previous", "Next ▶", "한/EN", "Share"]
    first = controls(screen, viewer, pages=3)
    assert first[0].disabled and not first[1].disabled
    assert decode(first[1].custom_id)[1].page == 1
    last = controls(screen.at(2), viewer, pages=3)
    assert not last[0].disabled and last[1].disabled
    assert [b.label for b in controls(screen, viewer)] == ["Share"]  # one page: no paging
    shared = Viewer(OWNER, "ko", shared_by="<@1>")
    assert [b.label for b in controls(screen, shared, pages=3)] == ["◀ 이전", "다음 ▶"]
    ids = [b.custom_id for b in controls(screen.at(1), viewer, pages=3, toggle=True)]
    assert len(set(ids)) == len(ids)


def test_an_arg_too_long_for_an_id_drops_the_buttons_not_the_answer() -> None:
    screen = Screen(Kind.TAG, "t" * 90)
    assert controls(screen, Viewer(OWNER, "en"), pages=3) == ()
    assert open_select([listed(1)], screen, Viewer(OWNER, "en")) is None


def test_shared_pages_are_credited() -> None:
    page = Page(content="Also in your notes on 2024-06-12.")
    viewer = Viewer(OWNER, "en-US", shared_by=f"<@{OWNER}>")
    assert credited(page, viewer).content == (
        f"Shared by <@{OWNER}>\nAlso in your notes on 2024-06-12."
    )
    assert credited(page, Viewer(OWNER, "en-US")) == page


def test_tag_index_two_columns_within_limits() -> None:
    counts = [(f"tag-{n}" + "_" * 30, 9_999_999 - n) for n in range(95)]
    embed = tag_index_embed(counts, 2, 3, 95, "en-US")
    assert len(embed.fields) == 2 and embed.footer == "Page 3/3"
    assert not check_message({"embeds": [embed.to_dict()]})
    assert "tag-80" in embed.fields[0].value


# ---- ranking --------------------------------------------------------------------------------

WORDS = ["deep", "seek", "coder", "samba", "hybrid", "state", "space", "model", "vq", "vae", "x"]


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.lists(st.sampled_from(WORDS), min_size=1, max_size=6).map(" ".join), max_size=60),
    st.lists(st.sampled_from([*WORDS, "sambaa", "deepseek"]), max_size=3).map(" ".join),
    st.integers(1, 30),
)
def test_ranking_with_a_limit_is_the_top_of_the_full_ranking(
    titles: list[str], query: str, limit: int
) -> None:
    full = rank_titles(query, titles)
    assert rank_titles(query, titles, limit) == full[:limit]


def lcs_ratio(a: str, b: str) -> float:
    """Twice the longest common subsequence over the total length, by the textbook table."""
    row = [0] * (len(b) + 1)
    for x in a:
        diagonal, row[0] = 0, 0
        for j, y in enumerate(b, 1):
            diagonal, row[j] = row[j], diagonal + 1 if x == y else max(row[j], row[j - 1])
    return 2 * row[-1] / (len(a) + len(b)) if a or b else 1.0


SHORT = st.text(alphabet="abcd", max_size=10)


@settings(max_examples=300)
@given(SHORT, SHORT, st.integers(0, 10), st.integers(0, 10))
def test_similarity_is_the_common_subsequence_ratio(a: str, b: str, start: int, end: int) -> None:
    inner = a[start : start + end]  # contained in `a`
    for x, y in ((a, b), (a, inner), (inner, a), (a, a)):
        assert similarity(x, y) == pytest.approx(lcs_ratio(x, y))


@settings(max_examples=300)
@given(SHORT, st.lists(SHORT, max_size=8))
def test_best_similarity_is_the_maximum(word: str, candidates: list[str]) -> None:
    expected = max((lcs_ratio(word, c) for c in candidates), default=0.0)
    assert best_similarity(word, candidates) == pytest.approx(expected)


def test_title_score_keeps_its_order() -> None:
    assert title_score("samba", "Samba") == 100.0
    assert title_score("samba", "Samba: Simple") > title_score("samba", "The Samba Paper")


# ---- Korean command names -----------------------------------------------------------------

NAME_RE = re.compile(r"^[-_'\w]{1,32}$")


def test_korean_command_texts_follow_discords_rules() -> None:
    for name in [*COMMAND_NAMES_KO.values(), *OPTION_NAMES_KO.values()]:
        assert NAME_RE.match(name) and name == name.lower() and "_" not in name, name
    for english, korean in DESCRIPTIONS_KO.items():
        assert 1 <= len(english) <= 100 and 1 <= len(korean) <= 100


def test_every_lookup_message_has_korean() -> None:
    missing = [
        key for key, forms in MESSAGES.items() if key.startswith("lookup.") and "ko" not in forms
    ]
    assert missing == []
