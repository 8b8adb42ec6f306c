"""The lookup workload: realistic queries drawn from the library itself, and their timing.

Queries are what people type: title prefixes as autocomplete sees them, whole and
two-word queries, split or joined product names (`deep seek coder`, `visionlanguage`),
one-typo words, Korean words with or without a particle, author names, and tags
weighted by popularity. Each query runs once untimed (warm-up), then once timed
through `LookupService` and once as the raw baseline on the same database file.
"""

from __future__ import annotations

import json
import random
import re
import sqlite3
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from bench import synth
from bench.baseline import MATCH_SQL, TAG_SQL, TITLE_MATCH_SQL, connect
from bot.core.query import match_expression
from bot.core.text import normalise_tag
from bot.services.lookup import LookupService
from bot.store import PaperSummary, Store

OPS = ("paper", "search", "tag")
_WORD_RE = re.compile(r"[A-Za-z][A-Za-z0-9]*")
_CAMEL_RE = re.compile(r"(?<=[a-z])(?=[A-Z])|-")


@dataclass(frozen=True, slots=True)
class Query:
    """One lookup as a user would issue it."""

    op: str
    kind: str
    text: str


def _typo(word: str, rng: random.Random) -> str:
    """One substitution, deletion or transposition, never on the first letter."""
    if len(word) < 3:
        return word + rng.choice("aeiou")
    i = rng.randrange(1, len(word) - 1)
    edit = rng.randrange(3)
    if edit == 0:
        return word[:i] + rng.choice("aeioustrnl") + word[i + 1 :]
    if edit == 1:
        return word[:i] + word[i + 1 :]
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :]


def _paper_query(title: str, rng: random.Random) -> Query:
    words = _WORD_RE.findall(title)
    long_words = [w for w in words if len(w) >= 5] or words
    kind = rng.choice(("prefix", "word", "two_words", "split_joined", "typo"))
    if kind == "prefix":
        text = title[: rng.randint(3, 20)]
    elif kind == "word":
        text = rng.choice(long_words).lower()
    elif kind == "two_words" and len(words) >= 2:
        i = rng.randrange(len(words) - 1)
        text = f"{words[i]} {words[i + 1]}"
    elif kind == "split_joined":
        head = title.split(":")[0].split()[0]
        parts = [p for p in _CAMEL_RE.split(head) if p]
        if len(parts) >= 2:
            text = " ".join(parts).lower()
        else:
            i = rng.randrange(max(1, len(words) - 1))
            text = "".join(words[i : i + 2]).lower()
    else:
        kind, text = "typo", _typo(rng.choice(long_words).lower(), rng)
    return Query("paper", kind, text)


def _search_query(title: str, authors: list[str], rng: random.Random) -> Query:
    words = _WORD_RE.findall(title)
    kind = rng.choice(("word", "two_words", "korean", "author", "mixed", "product"))
    if kind == "word":
        text = rng.choice(words).lower()
    elif kind == "two_words" and len(words) >= 2:
        i = rng.randrange(len(words) - 1)
        text = f"{words[i]} {words[i + 1]}".lower()
    elif kind == "korean":
        noun = rng.choice(synth.KO_NOUNS)
        text = noun + rng.choice(("", "을", "를", "이", "가", "은", "는", "의"))
    elif kind == "author":
        text = rng.choice(authors) if authors else rng.choice(synth.LAST_NAMES)
    elif kind == "mixed":
        text = f"{rng.choice(synth.KO_TERMS)} {rng.choice(synth.KO_NOUNS)}"
    else:
        kind, text = "product", title.split(":")[0] if ":" in title else words[0]
    return Query("search", kind, text)


def _tag_queries(db: sqlite3.Connection, count: int, rng: random.Random) -> list[Query]:
    """Tags by popularity (as people ask), some rare ones, some typed as `#VQ`."""
    counts = db.execute("SELECT tag, papers FROM tags").fetchall()
    tags = [tag for tag, _ in counts]
    popular = rng.choices(tags, weights=[n for _, n in counts], k=count)
    queries = []
    for tag in popular:
        roll = rng.random()
        if roll < 0.15:
            queries.append(Query("tag", "rare", rng.choice(tags)))
        elif roll < 0.3:
            queries.append(Query("tag", "typed", f"#{tag.upper()}"))
        else:
            queries.append(Query("tag", "popular", tag))
    return queries


def build(db_path: Path, per_op: int, seed: int) -> list[Query]:
    """`per_op` queries for each of paper, search and tag, drawn from the library."""
    rng = random.Random(seed)
    db = connect(db_path, read_only=True)
    try:
        top = db.execute("SELECT max(id) FROM papers").fetchone()[0]
        if top is None:
            raise ValueError(f"{db_path} holds no papers to draw queries from")
        queries: list[Query] = []
        while len(queries) < 2 * per_op:
            row = db.execute(
                "SELECT title, authors FROM papers WHERE id = ?", (rng.randint(1, top),)
            ).fetchone()
            if row is None:
                continue
            title, authors = row[0], json.loads(row[1])
            queries.append(_paper_query(title, rng))
            queries.append(_search_query(title, authors, rng))
        return queries + _tag_queries(db, per_op, rng)
    finally:
        db.close()


def _key(query: Query) -> str:
    return f"{query.op}/{query.kind}"


async def time_ours(store: Store, queries: list[Query]) -> tuple[dict[str, list[int]], int]:
    """Per op/kind latencies through `LookupService`, and how many queries found nothing."""
    service = LookupService(store)
    calls: dict[str, Callable[[str], Awaitable[list[PaperSummary]]]] = {
        "paper": service.suggest_titles,
        "search": service.search,
        "tag": service.by_tag,
    }
    for query in queries:  # warm-up: page cache, statement cache
        await calls[query.op](query.text)
    out: dict[str, list[int]] = {}
    empty = 0
    for query in queries:
        started = time.perf_counter_ns()
        found = await calls[query.op](query.text)
        out.setdefault(_key(query), []).append(time.perf_counter_ns() - started)
        empty += not found
    return out, empty


def time_raw(db_path: Path, queries: list[Query]) -> dict[str, list[int]]:
    """Per op/kind latencies of the bare SQL baseline on the same database file."""
    db = connect(db_path, read_only=True)
    try:

        def run(query: Query) -> None:
            if query.op == "tag":
                db.execute(TAG_SQL, (normalise_tag(query.text), 10)).fetchall()
                return
            if query.op == "paper":
                sql = TITLE_MATCH_SQL
                expression = match_expression(query.text, prefix="last")
            else:
                sql = MATCH_SQL
                expression = match_expression(query.text, prefix="none")
            if expression is not None:
                db.execute(sql, (expression,)).fetchall()

        for query in queries:
            run(query)
        out: dict[str, list[int]] = {}
        for query in queries:
            started = time.perf_counter_ns()
            run(query)
            out.setdefault(_key(query), []).append(time.perf_counter_ns() - started)
        return out
    finally:
        db.close()
