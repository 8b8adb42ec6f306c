"""The aiosqlite store: all SQL lives here, behind typed async methods.

Ingest is one transaction per batch (a crash leaves the previous state), papers
are re-derived only for the titles a batch touched, and every query takes its
user-derived parts as parameters: MATCH expressions come from `bot.core.query`,
which quotes every word.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import aiosqlite

from bot.core.notes import Day, Entry, Problem
from bot.core.papers import Appearance, PaperRecord, merge
from bot.store.base import Database
from bot.store.digests import DigestStore
from bot.store.schema import MIGRATIONS, SCHEMA_VERSION

# How many of the newest full-text matches are ranked; bounds a query's cost on
# a million papers (common words match half the archive) at a small recency bias.
RANK_WINDOW = 2000


class StoreError(RuntimeError):
    """The database cannot be used as is (e.g. written by a newer version)."""


@dataclass(frozen=True, slots=True)
class FileState:
    """What the store knows of a notes file, to skip unchanged ones."""

    sha256: str
    size: int
    mtime_ns: int


@dataclass(frozen=True, slots=True)
class SourceFile:
    """A notes file read and parsed, ready to replace its previous contents."""

    source: str
    sha256: str
    size: int
    mtime_ns: int
    days: Sequence[Day]
    problems: Sequence[Problem]


@dataclass(frozen=True, slots=True)
class IngestChanges:
    """What one ingest batch changed, in papers, and which days of notes it touched."""

    added: int
    updated: int
    removed: int
    days: tuple[date, ...] = ()


@dataclass(frozen=True, slots=True)
class PaperSummary:
    """A paper as a result row: enough to list it and open it."""

    id: int
    title: str
    date: date
    tags: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class DayEntry:
    """An entry of a day's notes with the paper it belongs to."""

    paper_id: int
    appearance: Appearance


@dataclass(frozen=True, slots=True)
class TagCount:
    """A tag and how many papers carry it."""

    tag: str
    papers: int


@dataclass(frozen=True, slots=True)
class StoreStats:
    """Size of the library."""

    papers: int
    days: int
    tags: int
    latest_day: date | None


def _summary(row: Sequence[Any]) -> PaperSummary:
    return PaperSummary(row[0], row[1], date.fromisoformat(row[2]), tuple(json.loads(row[3])))


def _entry_row(item: Appearance, source: str) -> tuple[Any, ...]:
    e = item.entry
    return (
        source,
        item.date.isoformat(),
        item.position,
        e.line,
        item.key,
        e.title,
        json.dumps(e.authors, ensure_ascii=False),
        e.org,
        e.abstract,
        e.commentary_ko,
        e.commentary_en,
        json.dumps(e.tags, ensure_ascii=False),
        json.dumps(e.links, ensure_ascii=False),
    )


class Store(Database):
    """The library's SQLite database. Open with `Store.open` (an async context manager)."""

    def __init__(self, db: aiosqlite.Connection) -> None:
        super().__init__(db)
        self.digests = DigestStore(db, self._lock)

    @classmethod
    @asynccontextmanager
    async def open(cls, path: Path | str) -> AsyncIterator[Store]:
        """Open (creating and migrating as needed) the database at `path`."""
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        db = await aiosqlite.connect(path, isolation_level=None)
        try:
            await db.execute("PRAGMA journal_mode = WAL")
            await db.execute("PRAGMA synchronous = NORMAL")
            await db.execute("PRAGMA foreign_keys = ON")
            await db.execute("PRAGMA busy_timeout = 5000")
            store = cls(db)
            await store._migrate()
            # Per-connection scratch space for ingest batches.
            await db.executescript(
                """
                CREATE TEMP TABLE batch_keys(key TEXT PRIMARY KEY);
                CREATE TEMP TABLE batch_tags(tag TEXT PRIMARY KEY);
                CREATE TEMP VIEW batch_ids AS
                    SELECT id FROM papers WHERE key IN (SELECT key FROM batch_keys);
                """
            )
            yield store
        finally:
            await db.close()

    async def _migrate(self) -> None:
        """Apply pending migrations, each with its version bump in one transaction."""
        version: int = await self._scalar("PRAGMA user_version")
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"the database is at schema version {version} but this bot knows only "
                f"{SCHEMA_VERSION}: upgrade the bot or point DATABASE_PATH elsewhere"
            )
        for number in range(version + 1, SCHEMA_VERSION + 1):
            try:
                await self._db.executescript(
                    f"BEGIN;\n{MIGRATIONS[number - 1]}\nPRAGMA user_version = {number};\nCOMMIT;"
                )
            except BaseException:
                if self._db.in_transaction:
                    await self._db.execute("ROLLBACK")
                raise

    async def schema_version(self) -> int:
        """The applied schema version."""
        version: int = await self._scalar("PRAGMA user_version")
        return version

    # ---- ingest -------------------------------------------------------------

    async def file_states(self) -> dict[str, FileState]:
        """Every ingested file's fingerprint."""
        rows = await self._rows("SELECT source, sha256, size, mtime_ns FROM files")
        return {source: FileState(sha, size, mtime) for source, sha, size, mtime in rows}

    async def file_problems(self) -> list[Problem]:
        """Problems found in the ingested files, by file and line."""
        rows = await self._rows("SELECT source, problems FROM files ORDER BY source")
        return [
            Problem(source, line, message)
            for source, problems in rows
            for line, message in json.loads(problems)
        ]

    async def touch_files(self, states: dict[str, FileState]) -> None:
        """Record new size/mtime for files whose content did not change."""
        async with self._transaction():
            await self._db.executemany(
                "UPDATE files SET size = ?, mtime_ns = ? WHERE source = ?",
                [(s.size, s.mtime_ns, source) for source, s in states.items()],
            )

    async def replace_files(
        self, files: Sequence[SourceFile], removed: Sequence[str] = ()
    ) -> IngestChanges:
        """Replace what `files` held and drop `removed` files, in one transaction."""
        sources = [f.source for f in files] + list(removed)
        async with self._transaction():
            await self._db.execute("DELETE FROM batch_keys")
            await self._db.executemany(
                "INSERT OR IGNORE INTO batch_keys"
                " SELECT paper_key FROM appearances WHERE source = ?",
                [(s,) for s in sources],
            )
            new = [
                Appearance(f.source, day.date, position, entry)
                for f in files
                for day in f.days
                for position, entry in enumerate(day.entries, start=1)
            ]
            await self._db.executemany(
                "INSERT OR IGNORE INTO batch_keys VALUES (?)", [(a.key,) for a in new]
            )
            old_days = await self._rows(
                "SELECT DISTINCT a.date FROM appearances a JOIN batch_keys k ON k.key = a.paper_key"
            )
            before = await self._fingerprints()
            await self._db.executemany(
                "DELETE FROM files WHERE source = ?", [(s,) for s in sources]
            )
            now = datetime.now(UTC).isoformat(timespec="seconds")
            await self._db.executemany(
                "INSERT INTO files (source, sha256, size, mtime_ns, ingested_at, problems)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                [
                    (
                        f.source,
                        f.sha256,
                        f.size,
                        f.mtime_ns,
                        now,
                        json.dumps([[p.line, p.message] for p in f.problems], ensure_ascii=False),
                    )
                    for f in files
                ],
            )
            await self._db.executemany(
                "INSERT INTO appearances (source, date, position, line, paper_key, title,"
                " authors, org, abstract, commentary_ko, commentary_en, tags, links)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [_entry_row(a, a.source) for a in new],
            )
            await self._rebuild_papers()
            after = await self._fingerprints(only=before.keys())
            surviving = await self._scalar(
                "SELECT count(*) FROM papers WHERE key IN (SELECT key FROM batch_keys)"
            )
        kept = [key for key in before if key in after]
        days = {date.fromisoformat(row[0]) for row in old_days} | {a.date for a in new}
        return IngestChanges(
            added=surviving - len(kept),
            updated=sum(before[key] != after[key] for key in kept),
            removed=len(before) - len(kept),
            days=tuple(sorted(days)),
        )

    async def _fingerprints(self, only: Iterable[str] | None = None) -> dict[str, str]:
        """Per batch paper that exists, a digest of all its appearances (to tell updates)."""
        rows = await self._rows(
            "SELECT paper_key, json_group_array(json_array(source, date, position, title,"
            " authors, org, abstract, commentary_ko, commentary_en, tags, links))"
            " FROM (SELECT * FROM appearances WHERE paper_key IN (SELECT key FROM batch_keys)"
            " ORDER BY paper_key, date, source, position) GROUP BY paper_key"
        )
        wanted = None if only is None else set(only)
        return {key: digest for key, digest in rows if wanted is None or key in wanted}

    async def _rebuild_papers(self) -> None:
        """Re-derive papers, tags, links and indexes for the keys in `batch_keys`."""
        # Statement by statement: executescript() would COMMIT the open transaction.
        for statement in (
            "DELETE FROM batch_tags",
            "INSERT OR IGNORE INTO batch_tags SELECT tag FROM paper_tags"
            " WHERE paper_id IN batch_ids",
            "DELETE FROM paper_fts WHERE rowid IN batch_ids",
            "DELETE FROM title_trigram WHERE rowid IN batch_ids",
            "DELETE FROM paper_tags WHERE paper_id IN batch_ids",
            "DELETE FROM paper_links WHERE paper_id IN batch_ids",
        ):
            await self._db.execute(statement)
        await self._db.execute(
            "DELETE FROM papers WHERE key IN (SELECT key FROM batch_keys) AND NOT EXISTS"
            " (SELECT 1 FROM appearances a WHERE a.paper_key = papers.key)"
        )
        rows = await self._rows(
            "SELECT a.source, a.date, a.position, a.line, a.title, a.authors, a.org, a.abstract,"
            " a.commentary_ko, a.commentary_en, a.tags, a.links FROM appearances a"
            " WHERE a.paper_key IN (SELECT key FROM batch_keys)"
        )
        grouped: dict[str, list[Appearance]] = {}
        for row in rows:
            appearance = _appearance(row)
            grouped.setdefault(appearance.key, []).append(appearance)
        records = [merge(items) for items in grouped.values()]
        await self._db.executemany(
            "INSERT INTO papers (key, title, authors, org, abstract, tags, links, first_date,"
            " last_date) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET"
            " title = excluded.title, authors = excluded.authors, org = excluded.org,"
            " abstract = excluded.abstract, tags = excluded.tags, links = excluded.links,"
            " first_date = excluded.first_date, last_date = excluded.last_date",
            [_paper_row(r) for r in records],
        )
        ids = dict(
            await self._rows("SELECT key, id FROM papers WHERE key IN (SELECT key FROM batch_keys)")
        )
        await self._insert_derived([(ids[r.key], r) for r in records])
        await self._db.execute(
            "INSERT OR IGNORE INTO batch_tags"
            " SELECT tag FROM paper_tags WHERE paper_id IN batch_ids"
        )
        await self._db.execute("DELETE FROM tags WHERE tag IN (SELECT tag FROM batch_tags)")
        await self._db.execute(
            "INSERT INTO tags SELECT tag, count(*) FROM paper_tags"
            " WHERE tag IN (SELECT tag FROM batch_tags) GROUP BY tag"
        )

    async def _insert_derived(self, records: Sequence[tuple[int, PaperRecord]]) -> None:
        await self._db.executemany(
            "INSERT INTO paper_tags (tag, last_date, paper_id) VALUES (?, ?, ?)",
            [(tag, r.last_date.isoformat(), pid) for pid, r in records for tag in r.tags],
        )
        await self._db.executemany(
            "INSERT INTO paper_links (url, paper_id) VALUES (?, ?)",
            [(url, pid) for pid, r in records for url in r.links],
        )
        await self._db.executemany(
            "INSERT INTO paper_fts (rowid, title, authors, abstract, commentary)"
            " VALUES (?, ?, ?, ?, ?)",
            [(pid, *r.index_columns()) for pid, r in records],
        )
        await self._db.executemany(
            "INSERT INTO title_trigram (rowid, key) VALUES (?, ?)",
            [(pid, r.key) for pid, r in records],
        )
        await self._db.executemany(
            "INSERT OR IGNORE INTO title_words (word) VALUES (?)",
            [(w,) for w in {w for _, r in records for w in r.title_words() if len(w) >= 4}],
        )

    # ---- queries ------------------------------------------------------------

    async def stats(self) -> StoreStats:
        """How big the library is."""
        papers = await self._scalar("SELECT count(*) FROM papers")
        days = await self._scalar("SELECT count(DISTINCT date) FROM appearances")
        tags = await self._scalar("SELECT count(*) FROM tags")
        latest = await self._scalar("SELECT max(date) FROM appearances")
        return StoreStats(papers, days, tags, date.fromisoformat(latest) if latest else None)

    async def recent_papers(self, limit: int) -> list[PaperSummary]:
        """The most recently noted papers."""
        rows = await self._rows(
            "SELECT p.id, p.title, p.last_date, p.tags FROM papers p"
            " ORDER BY p.last_date DESC, p.id DESC LIMIT ?",
            (limit,),
        )
        return [_summary(r) for r in rows]

    async def match_titles(self, match: str, limit: int) -> list[PaperSummary]:
        """Papers whose full-text row matches `match` (newest first, bounded)."""
        rows = await self._rows(
            "SELECT p.id, p.title, p.last_date, p.tags"
            " FROM paper_fts f JOIN papers p ON p.id = f.rowid"
            " WHERE paper_fts MATCH ? ORDER BY f.rowid DESC LIMIT ?",
            (match, limit),
        )
        return [_summary(r) for r in rows]

    async def substring_titles(self, match: str, limit: int) -> list[PaperSummary]:
        """Papers whose squashed title contains the trigram phrase `match`."""
        rows = await self._rows(
            "SELECT p.id, p.title, p.last_date, p.tags"
            " FROM title_trigram t JOIN papers p ON p.id = t.rowid"
            " WHERE title_trigram MATCH ? ORDER BY t.rowid DESC LIMIT ?",
            (match, limit),
        )
        return [_summary(r) for r in rows]

    async def similar_words(self, match: str, limit: int) -> list[str]:
        """Title words sharing trigrams with a (misspelt) word, most shared first."""
        rows = await self._rows(
            "SELECT word FROM title_words_trigram WHERE title_words_trigram MATCH ?"
            " ORDER BY rank LIMIT ?",
            (match, limit),
        )
        return [r[0] for r in rows]

    async def search(self, match: str, limit: int, offset: int = 0) -> list[PaperSummary]:
        """Full-text hits ranked by BM25 (title weighs most) among the newest matches."""
        rows = await self._rows(
            "SELECT p.id, p.title, p.last_date, p.tags"
            " FROM (SELECT rowid, bm25(paper_fts, 10.0, 4.0, 1.0, 2.0) AS score"
            " FROM paper_fts WHERE paper_fts MATCH ? ORDER BY rowid DESC LIMIT ?) s"
            " JOIN papers p ON p.id = s.rowid ORDER BY s.score, p.id DESC LIMIT ? OFFSET ?",
            (match, RANK_WINDOW, limit, offset),
        )
        return [_summary(r) for r in rows]

    async def papers_by_tag(self, tag: str, limit: int, offset: int = 0) -> list[PaperSummary]:
        """Papers carrying `tag` (normalised), newest first."""
        rows = await self._rows(
            "SELECT p.id, p.title, p.last_date, p.tags"
            " FROM paper_tags t JOIN papers p ON p.id = t.paper_id"
            " WHERE t.tag = ? ORDER BY t.last_date DESC, t.paper_id DESC LIMIT ? OFFSET ?",
            (tag, limit, offset),
        )
        return [_summary(r) for r in rows]

    async def day_after(self, day: date | None) -> date | None:
        """The first day of notes strictly after `day` (the archive's first for None)."""
        found = await self._scalar(
            "SELECT min(date) FROM appearances WHERE date > ?", (day.isoformat() if day else "",)
        )
        return date.fromisoformat(found) if found else None

    async def days_after(self, day: date | None) -> int:
        """How many days of notes lie after `day` (all of them for None)."""
        count: int = await self._scalar(
            "SELECT count(DISTINCT date) FROM appearances WHERE date > ?",
            (day.isoformat() if day else "",),
        )
        return count

    async def day_entries(self, day: date) -> list[DayEntry]:
        """A day's entries in the order they were written, with their paper ids."""
        rows = await self._rows(
            "SELECT p.id, a.source, a.date, a.position, a.line, a.title, a.authors, a.org,"
            " a.abstract, a.commentary_ko, a.commentary_en, a.tags, a.links"
            " FROM appearances a JOIN papers p ON p.key = a.paper_key"
            " WHERE a.date = ? ORDER BY a.source, a.position",
            (day.isoformat(),),
        )
        return [DayEntry(row[0], _appearance(row[1:])) for row in rows]

    async def earlier_papers(
        self, paper_id: int, before: date, limit: int = 3
    ) -> list[tuple[date, str]]:
        """Papers noted before `before` that share a cited link (weighs most) or tags."""
        rows = await self._rows(
            "SELECT q.first_date, q.title FROM ("
            "  SELECT l.paper_id, 3 AS weight FROM paper_links l"
            "  WHERE l.url IN (SELECT url FROM paper_links WHERE paper_id = ?)"
            "  UNION ALL"
            "  SELECT t.paper_id, 1 FROM paper_tags t"
            "  WHERE t.tag IN (SELECT tag FROM paper_tags WHERE paper_id = ?) AND t.last_date < ?"
            ") s JOIN papers q ON q.id = s.paper_id"
            " WHERE q.id != ? AND q.first_date < ?"
            " GROUP BY q.id ORDER BY sum(s.weight) DESC, q.first_date DESC, q.id DESC LIMIT ?",
            (paper_id, paper_id, before.isoformat(), paper_id, before.isoformat(), limit),
        )
        return [(date.fromisoformat(d), title) for d, title in rows]

    async def tag_counts(self) -> list[TagCount]:
        """Every tag with its number of papers, most used first."""
        rows = await self._rows("SELECT tag, papers FROM tags ORDER BY papers DESC, tag")
        return [TagCount(tag, count) for tag, count in rows]


def _appearance(row: Sequence[Any]) -> Appearance:
    source, day, position, line, title, authors, org, abstract, ko, en, tags, links = row
    entry = Entry(
        title=title,
        authors=tuple(json.loads(authors)),
        org=org,
        abstract=abstract,
        commentary_ko=ko,
        commentary_en=en,
        tags=tuple(json.loads(tags)),
        links=tuple(json.loads(links)),
        line=line,
    )
    return Appearance(source, date.fromisoformat(day), position, entry)


def _paper_row(r: PaperRecord) -> tuple[Any, ...]:
    return (
        r.key,
        r.title,
        json.dumps(r.authors, ensure_ascii=False),
        r.org,
        r.abstract,
        json.dumps(r.tags, ensure_ascii=False),
        json.dumps(r.links, ensure_ascii=False),
        r.first_date.isoformat(),
        r.last_date.isoformat(),
    )
