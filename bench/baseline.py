"""Same-run baselines with plain `sqlite3`: what SQLite alone costs for the same work.

Ingest baseline: the end state our ingest wrote (every row of every table, the
full-text columns already in index form) is read back untimed, then inserted with
`executemany` into a fresh database with the same schema and pragmas, one table
at a time in one transaction. Timed: the inserts (FTS5 and trigram indexing and
the title-words trigger included) and the COMMIT. Not timed, because it is exactly
the work SQLite cannot do for us: reading and parsing files, hashing, merging
appearances into papers, index-form text, JSON, and the aiosqlite thread hop.

Lookup baseline: the first MATCH expression the service builds for the same query,
run bare (no join, no ordering, no ranking, no fallback probes): for `paper`, on the
title index (`title_fts`); for `search`, on `paper_fts`; for tags, the bare index
walk over `paper_tags`.
"""

from __future__ import annotations

import sqlite3
import time
from contextlib import closing
from pathlib import Path

from bot.store.schema import migrate

# (table, columns, order): the order our ingest inserts in (papers by key = by id).
TABLES: tuple[tuple[str, str, str], ...] = (
    ("files", "source, sha256, size, mtime_ns, ingested_at, problems", "rowid"),
    (
        "appearances",
        "id, source, date, position, line, paper_key, title, authors, org, abstract,"
        " commentary_ko, commentary_en, tags, links",
        "id",
    ),
    (
        "papers",
        "id, key, title, authors, org, abstract, tags, links, first_date, last_date",
        "id",
    ),
    ("paper_tags", "tag, last_date, paper_id", "paper_id, tag"),
    ("tags", "tag, papers", "tag"),
    ("paper_links", "url, paper_id", "paper_id, url"),
    ("paper_fts", "rowid, title, authors, abstract, commentary", "rowid"),
    ("title_fts", "rowid, title", "rowid"),
    ("title_trigram", "rowid, key", "rowid"),
    ("meta", "key, value", "key"),
    ("title_words", "id, word", "id"),  # its trigger fills title_words_trigram
)

TAG_SQL = "SELECT paper_id FROM paper_tags WHERE tag = ? ORDER BY last_date DESC LIMIT ?"
MATCH_SQL = "SELECT rowid FROM paper_fts WHERE paper_fts MATCH ? LIMIT 25"
TITLE_MATCH_SQL = "SELECT rowid FROM title_fts WHERE title_fts MATCH ? LIMIT 25"


def connect(path: Path, read_only: bool = False) -> sqlite3.Connection:
    """A connection with the store's pragmas; autocommit so transactions are explicit."""
    uri = f"file:{path}?mode=ro" if read_only else f"file:{path}"
    db = sqlite3.connect(uri, uri=True, isolation_level=None)
    if not read_only:
        db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = NORMAL")
    db.execute("PRAGMA foreign_keys = ON")
    return db


def _uncovered(db: sqlite3.Connection) -> list[str]:
    """Non-empty tables the copy would miss (a new ingest table must join `TABLES`)."""
    rows = db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table'").fetchall()
    virtual = [name for name, sql in rows if sql.upper().startswith("CREATE VIRTUAL")]
    skip = {table for table, _, _ in TABLES} | set(virtual)
    return [
        name
        for name, _ in rows
        if name not in skip
        and not name.startswith(tuple(f"{v}_" for v in virtual))
        and db.execute(f'SELECT 1 FROM "{name}" LIMIT 1').fetchone()
    ]


def insert_copy(source: Path, target: Path) -> float:
    """Seconds to insert `source`'s rows into a fresh `target` with plain executemany."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    elapsed = 0.0
    with closing(connect(source, read_only=True)) as src, closing(connect(target)) as dst:
        if missing := _uncovered(src):
            raise RuntimeError(f"baseline does not copy tables {missing}: add them to TABLES")
        migrate(dst, 0)
        dst.execute("BEGIN IMMEDIATE")
        for table, columns, order in TABLES:
            rows = src.execute(f"SELECT {columns} FROM {table} ORDER BY {order}").fetchall()
            marks = ", ".join("?" * len(columns.split(",")))
            started = time.perf_counter()
            dst.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)
            elapsed += time.perf_counter() - started
            del rows
        started = time.perf_counter()
        dst.execute("COMMIT")
        elapsed += time.perf_counter() - started
    return elapsed
