"""Pure text helpers and FTS query building."""

from __future__ import annotations

import sqlite3

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.query import (
    ENDINGS,
    MAX_EXPANSIONS,
    match_expression,
    phrase_key,
    prefixed_words,
    query_words,
    quote,
    substring_expression,
    with_endings,
    without_stop_words,
)
from bot.core.ranking import title_score
from bot.core.text import extract_urls, normalise_tag, normalise_url, squash, words


def test_words_and_squash() -> None:
    assert words("DeepSeek-Coder-V2: 코드북") == ["deepseek", "coder", "v2", "코드북"]
    assert squash("Deep Seek-Coder") == "deepseekcoder"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://arxiv.org/abs/2406.07550", "https://arxiv.org/abs/2406.07550"),
        ("https://arxiv.org/abs/2406.07550v3", "https://arxiv.org/abs/2406.07550"),
        ("http://arxiv.org/pdf/2406.07550", "https://arxiv.org/abs/2406.07550"),
        ("https://arxiv.org/pdf/2406.07550v1.pdf", "https://arxiv.org/abs/2406.07550"),
        ("https://www.arxiv.org/abs/hep-th/9901001", "https://arxiv.org/abs/hep-th/9901001"),
        ("https://github.com/a/b.", "https://github.com/a/b"),
    ],
)
def test_normalise_url(url: str, expected: str) -> None:
    assert normalise_url(url) == expected


def test_extract_urls_dedupes_in_order() -> None:
    text = (
        "(https://arxiv.org/abs/1234.5678) x https://a.io/p, then https://arxiv.org/pdf/1234.5678"
    )
    assert extract_urls(text) == ["https://arxiv.org/abs/1234.5678", "https://a.io/p"]


def test_normalise_tag() -> None:
    assert normalise_tag("#VQ") == normalise_tag("vq") == normalise_tag(" Vq ") == "vq"


def test_match_expression_quotes_every_word() -> None:
    assert match_expression('samba" OR *') == '"samba"* AND "or"*'
    assert match_expression("코드북을") == '"코드 드북 북을"'
    assert match_expression("게") == '"게"*'
    assert match_expression("samba", column="title") == 'title : ("samba"*)'
    assert match_expression("🦙 ... ") is None
    assert quote('a"b') == '"a""b"'


def test_long_prefixes_can_be_spelt_out_as_whole_words() -> None:
    expansions = {"contex": ["context", "contexts"], "visio": ["vision"]}
    assert match_expression("long contex", prefix="last", expansions=expansions) == (
        '"long" AND ("context" OR "contexts")'
    )
    assert match_expression("visio contex", prefix="all", expansions={"visio": ["vision"]}) == (
        '"vision" AND "contex"*'
    )
    assert match_expression("contex", "title", "last", expansions) == (
        'title : (("context" OR "contexts"))'
    )
    assert match_expression("contex", prefix="none", expansions=expansions) == '"contex"'
    # Nothing begins with it: it stays a prefix.
    assert match_expression("contex", expansions={"contex": []}) == '"contex"*'
    assert match_expression("코드북", expansions={"코드북": ["x"]}) == '"코드 드북"'
    assert match_expression("ab", expansions={"ab": ['a"b', "c"]}) == '("a""b" OR "c")'


def test_prefixed_words_are_those_longer_than_the_prefix_index() -> None:
    assert prefixed_words("contextual learning", "last", 6) == ["learning"]
    assert prefixed_words("contextual learning", "all", 6) == ["contextual", "learning"]
    assert prefixed_words("contextual learn", "last", 6) == []
    assert prefixed_words("contextual learning", "none", 6) == []
    assert prefixed_words("합성데이터를", "last", 3) == []  # Hangul words are never prefixes


def test_stop_words_leave_longer_queries_only() -> None:
    pasted = "Generative Music Generation via Mixture-of-Experts"
    assert without_stop_words(pasted) == "generative music generation mixture experts"
    assert without_stop_words("physics of language") == "physics language"
    assert without_stop_words("the matrix") == "the matrix"  # fewer than 3 words
    assert without_stop_words("of the transformer") == "of the transformer"  # 1 would remain
    assert without_stop_words("코드북 of the") == "코드북 of the"
    assert without_stop_words("Kimi-Coder-1.5") == "kimi coder"  # version digits
    assert without_stop_words("Qwen 2 VL") == "qwen vl"
    assert without_stop_words("GPT-4 V") == "gpt 4 v"  # 1 would remain
    assert without_stop_words("가 나 다") == "가 나 다"  # Hangul syllables are words


def test_phrase_key_is_the_squashed_phrase() -> None:
    assert phrase_key("DeepSeek-Coder V2") == "deepseekcoderv2"
    assert phrase_key("Samba: Simple Hybrid") == "sambasimplehybrid"
    assert phrase_key("samba hybrid") is None
    assert phrase_key("!!! ...") is None


def test_with_endings_is_bounded_and_begins_with_the_word() -> None:
    expansion = with_endings("model", ["models", "modelscope"])
    assert expansion[:3] == ["model", "models", "modeles"]
    assert expansion[-1] == "modelscope" and expansion.count("models") == 1
    assert len(expansion) == 1 + len(ENDINGS) + 1
    many = with_endings("lo", [f"lo{i}" for i in range(100)])
    assert len(many) == MAX_EXPANSIONS and all(w.startswith("lo") for w in many)


def test_substring_expression() -> None:
    assert substring_expression("deep seek-coder") == '"deepseekcoder"'
    assert substring_expression("ab") is None


def test_title_score_prefers_exact_then_prefix() -> None:
    exact = title_score("samba", "Samba")
    prefix = title_score("samba", "Samba: Simple Hybrid")
    inner = title_score("samba", "The Samba Paper")
    assert exact > prefix > inner > title_score("samba", "Mamba Models")


@given(st.text(max_size=300))
def test_any_text_builds_a_valid_match_expression(text: str) -> None:
    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE t USING fts5(title, body)")
    db.execute("CREATE VIRTUAL TABLE g USING fts5(key, tokenize='trigram')")
    for expression in (match_expression(text), match_expression(text, "title")):
        if expression is not None:
            db.execute("SELECT * FROM t WHERE t MATCH ?", (expression,)).fetchall()
    if (sub := substring_expression(text)) is not None:
        db.execute("SELECT * FROM g WHERE g MATCH ?", (sub,)).fetchall()


@given(st.text(max_size=100), st.text(max_size=100).map(words))
def test_any_expansion_builds_a_valid_match_expression(text: str, spelt: list[str]) -> None:
    """Expansions are title words, which are `words` of titles."""
    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE t USING fts5(title, body)")
    expansions = dict.fromkeys(query_words(text), spelt)
    for prefix in ("all", "last", "none"):
        expression = match_expression(text, "title", prefix, expansions)
        if expression is not None:
            db.execute("SELECT * FROM t WHERE t MATCH ?", (expression,)).fetchall()


def test_regroup_joins_and_splits_against_known_words() -> None:
    from bot.core.query import regroup, regroupings

    known = {"deepseek", "coder", "v2", "softvq", "vae", "tokenflow", "deep", "seek"}
    assert "deepseek" in regroupings(["deep", "seek", "coder"])
    assert {"deepseek", "coder"} <= set(regroupings(["deepseekcoder"]))
    assert regroup(["deep", "seek", "coder"], known) == ["deepseek", "coder"]
    assert regroup(["deepseekcoder"], known) == ["deepseek", "coder"]
    assert regroup(["soft", "vq", "vae"], known | {"soft", "vq"}) == ["softvq", "vae"]
    assert regroup(["coder"], known) is None  # nothing to change
    assert regroup(["zzz"], known) is None
