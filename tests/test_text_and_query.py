"""Pure text helpers and FTS query building."""

from __future__ import annotations

import sqlite3

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.query import match_expression, quote, substring_expression, title_score
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
