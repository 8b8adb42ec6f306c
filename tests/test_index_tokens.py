"""The full-text index sees the words the query side looks for.

`index_form` leaves word splitting, case and diacritics to FTS5's unicode61
tokenizer; these tests check, on a real FTS5 table, that the tokens it indexes are
exactly the query side's `words` (Hangul runs as syllable bigrams), for any text.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.text import hangul_bigrams, index_form, is_hangul_word, words


@pytest.fixture(scope="module")
def fts() -> Iterator[sqlite3.Connection]:
    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE t USING fts5(x, tokenize = 'unicode61 remove_diacritics 2')")
    db.execute("CREATE VIRTUAL TABLE temp.v USING fts5vocab(main, t, 'instance')")
    yield db
    db.close()


def tokens(db: sqlite3.Connection, text: str) -> list[str]:
    db.execute("DELETE FROM t")
    db.execute("INSERT INTO t (rowid, x) VALUES (1, ?)", (text,))
    return [row[0] for row in db.execute("SELECT term FROM temp.v ORDER BY offset")]


def expected(db: sqlite3.Connection, text: str) -> list[str]:
    """The query side's words (Hangul as bigrams), as the tokenizer folds each one."""
    grams = [g for w in words(text) for g in (hangul_bigrams(w) if is_hangul_word(w) else [w])]
    return tokens(db, " ".join(grams))


@pytest.mark.parametrize(
    ("text", "indexed"),
    [
        ("ViT에 코드북을", ["vit", "에", "코드", "드북", "북을"]),
        ("Ｃｏｄｅ ＶＱ", ["code", "vq"]),  # full-width folds to ASCII
        ("C# 코드, #1 위치의 모델", ["c", "코드", "1", "위치", "치의", "모델"]),
        ("Café naïve", ["cafe", "naive"]),
        ("zero\u200bwidth", ["zerowidth"]),
        ("snake_case-and dash", ["snake", "case", "and", "dash"]),
    ],
)
def test_index_tokens(fts: sqlite3.Connection, text: str, indexed: list[str]) -> None:
    assert tokens(fts, index_form(text)) == indexed


@settings(max_examples=1000, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",))))
def test_index_tokens_are_the_query_words(fts: sqlite3.Connection, text: str) -> None:
    assert tokens(fts, index_form(text)) == expected(fts, text)


@settings(max_examples=1000, deadline=None)
@given(st.text(alphabet="가나다라ㄱㄴᄀ\u1161\u11a8 aZé9_-#.,\u200bＡ１"))
def test_index_tokens_korean_mix(fts: sqlite3.Connection, text: str) -> None:
    assert tokens(fts, index_form(text)) == expected(fts, text)
