"""Writing ingest batches: notes files in, appearances, papers and their indexes out.

A batch is one transaction (a crash leaves the previous state) fed files in chunks.
Each chunk replaces its files and re-derives the papers they touch, reading those
papers' other appearances back from the database, so any split into chunks leaves
the same store as one batch. That lets a first ingest write the files parsed so far
while worker processes parse the rest.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Any

from bot.core.notes import Entry, ParseResult, Problem
from bot.core.papers import Appearance, PaperRecord, fold, index_entry, merge
from bot.core.vault import own_note_link
from bot.store.base import Database


@dataclass(frozen=True, slots=True)
class FileState:
    """What the store knows of a notes file, to skip unchanged ones."""

    sha256: str
    size: int
    mtime_ns: int


@dataclass(frozen=True, slots=True)
class SourceFile:
    """A notes file read, parsed and encoded, ready to replace its previous contents.

    Build it with `SourceFile.of` where the file was parsed: the encoding (index text,
    JSON columns) is the costliest Python of an ingest, and runs there in parallel.
    """

    source: str
    sha256: str
    size: int
    mtime_ns: int
    problems: Sequence[Problem]
    entries: Sequence[Appearance]  # in order, each with its index form
    rows: Sequence[tuple[Any, ...]]  # their `appearances` rows

    @classmethod
    def of(
        cls, source: str, sha256: str, size: int, mtime_ns: int, parsed: ParseResult
    ) -> SourceFile:
        """The parsed file with every entry encoded for the store."""
        entries = [
            Appearance(source, day.date, position, entry, index_entry(entry))
            for day in parsed.days
            for position, entry in enumerate(day.entries, start=1)
        ]
        rows = [_entry_row(a) for a in entries]
        return cls(source, sha256, size, mtime_ns, parsed.problems, entries, rows)


@dataclass(frozen=True, slots=True)
class IngestChanges:
    """What one ingest batch changed, in papers, and which days of notes it touched."""

    added: int
    updated: int
    removed: int
    days: tuple[date, ...] = ()


# JSON columns keep non-ASCII text readable; one encoder, not one per call as json.dumps.
_json = json.JSONEncoder(ensure_ascii=False).encode

# Per-connection scratch space for a batch, created when the store opens.
SCRATCH = """
CREATE TEMP TABLE batch_keys(key TEXT PRIMARY KEY);      -- papers the current chunk touches
CREATE TEMP TABLE touched_keys(key TEXT PRIMARY KEY);    -- papers the whole batch touched
CREATE TEMP TABLE batch_sources(source TEXT PRIMARY KEY);
CREATE TEMP VIEW batch_ids AS SELECT id FROM papers WHERE key IN (SELECT key FROM batch_keys);
"""

# Papers of the current chunk that exist and were not touched by an earlier chunk.
_FIRST_TOUCH = (
    "SELECT k.key FROM batch_keys k JOIN papers p ON p.key = k.key"
    " WHERE k.key NOT IN (SELECT key FROM touched_keys)"
)


# Full-text indexes compacted after a batch of several chunks (see `finish`).
FULL_TEXT_TABLES = ("paper_fts", "title_fts", "title_trigram")

# The version of the search indexes' rows: the index text `bot.core.papers.index_entry`
# makes (with `bot.core.text`) and `_insert_index` writes. Bump it when either changes:
# a database whose indexes an older version built is reindexed at its next read-write
# open (`Store.open`, `Store.reindex`). 2: a vault note folded into a daily file's entry
# (migration 5) no longer gives the paper its title or dates.
INDEX_VERSION = 2
# Papers re-derived per step of a reindex: bounds its memory on a million papers.
REINDEX_BATCH = 2000
# The papers a reindex re-derives whole, folds and dates too (`Replacement.reindex`): those
# noted beside another file in a Markdown file named by six digits, as dated vault notes
# are (`bot.core.vault.note_name` tells them exactly; this only narrows them down).
_FOLDABLE = (
    "INSERT INTO batch_keys SELECT paper_key FROM appearances GROUP BY paper_key"
    " HAVING count(*) > 1 AND max(source LIKE '%.md' AND (source GLOB '[0-9][0-9][0-9][0-9]"
    "[0-9][0-9]*' OR source GLOB '*/[0-9][0-9][0-9][0-9][0-9][0-9]*'))"
)

# Drop what is derived from the papers in `batch_keys`. A paper left without entries
# stays until `finish`: a later chunk of the batch may bring it back (a note renamed,
# an entry moved to another file), and it must keep its id, which Discord buttons hold.
_CLEAR_PAPERS = (
    # Tag counts are kept per batch paper, not recounted: `#llm` alone has 200k papers at 1M.
    "UPDATE tags SET papers = papers - c.n FROM (SELECT tag, count(*) AS n FROM paper_tags"
    " WHERE paper_id IN batch_ids GROUP BY tag) AS c WHERE tags.tag = c.tag",
    "DELETE FROM paper_fts WHERE rowid IN batch_ids",
    "DELETE FROM title_trigram WHERE rowid IN batch_ids",
    "DELETE FROM title_fts WHERE rowid IN batch_ids",
    "DELETE FROM paper_tags WHERE paper_id IN batch_ids",
    "DELETE FROM paper_links WHERE paper_id IN batch_ids",
)


class Replacement(Database):
    """One ingest transaction in progress; open it with `Store.replacing`."""

    def __init__(self, database: Database) -> None:
        super().__init__(database._db, database._lock)
        # Digest of every paper the batch touched that existed before it (to tell updates).
        self._before: dict[str, str] = {}
        self._days: set[date] = set()
        self.changes = IngestChanges(0, 0, 0)
        self._chunks = 0  # adds that wrote entries

    async def start(self) -> None:
        """Empty the scratch tables of a previous batch."""
        for table in ("batch_keys", "touched_keys", "batch_sources"):
            await self._db.execute(f"DELETE FROM {table}")  # noqa: S608 (constant names)

    async def touch(self, states: Mapping[str, FileState]) -> None:
        """Record new size/mtime for files whose content did not change."""
        await self._db.executemany(
            "UPDATE files SET size = ?, mtime_ns = ? WHERE source = ?",
            [(s.size, s.mtime_ns, source) for source, s in states.items()],
        )

    async def add(self, files: Sequence[SourceFile], removed: Sequence[str] = ()) -> None:
        """Replace what `files` held and drop `removed` files."""
        sources = [f.source for f in files] + list(removed)
        new = [a for f in files for a in f.entries]
        self._chunks += bool(new)
        new_rows = [row for f in files for row in f.rows]
        await self._db.execute("DELETE FROM batch_keys")
        await self._db.executemany(
            "INSERT OR IGNORE INTO batch_keys SELECT paper_key FROM appearances WHERE source = ?",
            [(s,) for s in sources],
        )
        await self._db.executemany(
            "INSERT OR IGNORE INTO batch_keys VALUES (?)", [(a.key,) for a in new]
        )
        await self._db.execute("DELETE FROM batch_sources")
        await self._db.executemany(
            "INSERT OR IGNORE INTO batch_sources VALUES (?)", [(s,) for s in sources]
        )
        old_days = await self._rows(
            "SELECT DISTINCT date FROM appearances WHERE paper_key IN (SELECT key FROM batch_keys)"
        )
        self._days.update(date.fromisoformat(row[0]) for row in old_days)
        self._days.update(a.date for a in new)
        first_touch = [row[0] for row in await self._rows(_FIRST_TOUCH)]
        self._before.update(await self._fingerprints(first_touch))
        await self._db.execute("INSERT OR IGNORE INTO touched_keys SELECT key FROM batch_keys")
        await self._db.executemany("DELETE FROM files WHERE source = ?", [(s,) for s in sources])
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
                    _json([[p.line, p.message] for p in f.problems]),
                )
                for f in files
            ],
        )
        await self._db.executemany(
            "INSERT INTO appearances (source, date, position, line, paper_key, title,"
            " authors, org, abstract, commentary_ko, commentary_en, tags, links)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            new_rows,
        )
        await self._rebuild_papers(new, new_rows)

    async def finish(self) -> None:
        """Drop the papers and tags the batch left without entries, compact the full-text
        indexes after a batch of several chunks, and tell what the batch changed (`changes`).

        FTS5 starts a new segment for every statement that writes to it, so each chunk
        leaves one, and a query looks every term up in each: 20 chunks (1M entries)
        left 19-20 segments, and merging them into one (~60 s at 1M, 8% of that ingest)
        halved the lookups' median time. One chunk leaves few, and is not compacted.
        """
        await self._db.execute(
            "DELETE FROM papers WHERE key IN (SELECT key FROM touched_keys) AND NOT EXISTS"
            " (SELECT 1 FROM appearances a WHERE a.paper_key = papers.key)"
        )
        await self._db.execute("DELETE FROM tags WHERE papers <= 0")
        if self._chunks > 1:
            await self._optimize()
        after = await self._fingerprints(list(self._before))
        surviving = await self._scalar(
            "SELECT count(*) FROM papers WHERE key IN (SELECT key FROM touched_keys)"
        )
        kept = [key for key in self._before if key in after]
        self.changes = IngestChanges(
            added=surviving - len(kept),
            updated=sum(self._before[key] != after[key] for key in kept),
            removed=len(self._before) - len(kept),
            days=tuple(sorted(self._days)),
        )

    async def _optimize(self) -> None:
        """Merge each full-text index into one segment."""
        for table in FULL_TEXT_TABLES:
            await self._db.execute(
                f"INSERT INTO {table} ({table}) VALUES ('optimize')"  # noqa: S608 (constants)
            )

    async def reindex(self) -> int:
        """Rebuild every search index from the stored papers' appearances, row for row as
        an ingest builds them; returns how many papers were indexed.

        Papers keep their ids and keys (what identifies them to the digest ledger and to
        Discord buttons); only the derived index rows are written again, but for the
        papers a vault note may fold into: they are re-derived whole first, as an ingest
        would, so a database whose folds an older version decided gets them. The full-text
        tables are dropped and created again from their own stored definitions: deleting
        every row of an FTS5 table leaves a tombstone per row, and made this five times
        slower than an ingest.
        """
        await self.start()
        await self._db.execute(_FOLDABLE)
        await self._rebuild_papers([], [])
        for table in FULL_TEXT_TABLES:
            definition = await self._scalar(
                "SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = ?", (table,)
            )
            await self._db.execute(f"DROP TABLE {table}")  # a constant name
            await self._db.execute(definition)
        await self._db.execute(
            "INSERT INTO title_words_trigram (title_words_trigram) VALUES ('delete-all')"
        )
        await self._db.execute("DELETE FROM title_words")
        indexed, last = 0, ""
        while ids := dict(
            await self._rows(
                "SELECT key, id FROM papers WHERE key > ? ORDER BY key LIMIT ?",
                (last, REINDEX_BATCH),
            )
        ):
            grouped: dict[str, list[Appearance]] = {}
            for row in await self._rows(
                f"SELECT a.paper_key, {APPEARANCE_COLUMNS} FROM appearances a"  # noqa: S608
                " WHERE a.paper_key IN (SELECT value FROM json_each(?))",
                (json.dumps(list(ids)),),
            ):
                grouped.setdefault(row[0], []).append(appearance_from_row(row[1:]))
            await self._insert_index(
                [(ids[key], replace(merge(items), key=key)) for key, items in grouped.items()]
            )
            indexed += len(ids)
            last = list(ids)[-1]
        await self._optimize()
        return indexed

    async def _fingerprints(self, keys: Sequence[str]) -> dict[str, str]:
        """A digest of all appearances of each of these papers (to tell updates).

        Only existing papers are asked for: on a first ingest that is none, not a million.
        """
        if not keys:
            return {}
        rows = await self._rows(
            "SELECT paper_key, json_group_array(json_array(source, date, position, title,"
            " authors, org, abstract, commentary_ko, commentary_en, tags, links))"
            " FROM (SELECT * FROM appearances WHERE paper_key IN (SELECT value FROM json_each(?))"
            " ORDER BY paper_key, date, source, position) GROUP BY paper_key",
            (json.dumps(list(keys)),),
        )
        return dict(rows)

    async def _rebuild_papers(
        self, new: Sequence[Appearance], new_rows: Sequence[tuple[Any, ...]]
    ) -> None:
        """Re-derive papers, tags, links and indexes for the keys in `batch_keys`.

        `new` are the chunk's appearances (already inserted as `new_rows`); only the
        other appearances of the same papers are read back from the database.
        """
        # Statement by statement: executescript() would COMMIT the open transaction.
        existing = await self._scalar("SELECT count(*) FROM batch_ids")
        for statement in _CLEAR_PAPERS if existing else ():
            await self._db.execute(statement)
        rows = await self._rows(
            f"SELECT {APPEARANCE_COLUMNS} FROM appearances a"  # noqa: S608 (a constant)
            " WHERE a.paper_key IN (SELECT key FROM batch_keys)"
            " AND a.source NOT IN (SELECT source FROM batch_sources)"
        )
        grouped: dict[str, list[Appearance]] = {}
        for appearance in [*new, *map(appearance_from_row, rows)]:
            grouped.setdefault(appearance.key, []).append(appearance)
        await self._refold(grouped)
        records = [merge(items) for items in grouped.values()]
        encoded = {a.key: row for a, row in zip(new, new_rows, strict=True)}
        await self._db.executemany(
            "INSERT INTO papers (key, title, authors, org, abstract, tags, links, first_date,"
            " last_date) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET"
            " title = excluded.title, authors = excluded.authors, org = excluded.org,"
            " abstract = excluded.abstract, tags = excluded.tags, links = excluded.links,"
            " first_date = excluded.first_date, last_date = excluded.last_date",
            [
                _paper_row_of(encoded[r.key])
                if len(grouped[r.key]) == 1 and r.key in encoded
                else _paper_row(r)
                for r in records
            ],
        )
        ids = dict(
            await self._rows("SELECT key, id FROM papers WHERE key IN (SELECT key FROM batch_keys)")
        )
        await self._insert_derived([(ids[r.key], r) for r in records])
        # A paper noted in a vault note is also found under the note's own link, which
        # other notes' `[[links]]` to it carry: "earlier in your notes" relates them. It
        # is indexed only, never shown (the note's readers know where they are).
        await self._db.executemany(
            "INSERT OR IGNORE INTO paper_links (url, paper_id) VALUES (?, ?)",
            [
                (link, ids[key])
                for key, items in grouped.items()
                for a in items
                if (link := own_note_link(a.source))
            ],
        )
        await self._db.execute(
            "INSERT INTO tags (tag, papers) SELECT tag, count(*) FROM paper_tags"
            " WHERE paper_id IN batch_ids GROUP BY tag"
            " ON CONFLICT (tag) DO UPDATE SET papers = papers + excluded.papers"
        )

    async def _refold(self, grouped: dict[str, list[Appearance]]) -> None:
        """Fold each paper's appearances (`bot.core.papers.fold`) in `grouped` and in the
        table, where only the flags that change are written."""
        changed = []
        for key, items in grouped.items():
            grouped[key] = fold(items)
            changed += [
                (a.folded, a.source, a.entry.line, key)
                for before, a in zip(items, grouped[key], strict=True)
                if a.folded != before.folded
            ]
        await self._db.executemany(
            "UPDATE appearances SET folded = ? WHERE source = ? AND line = ? AND paper_key = ?",
            changed,
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
        await self._insert_index(records)

    async def _insert_index(self, records: Sequence[tuple[int, PaperRecord]]) -> None:
        """The search index rows of these papers (rowid = paper id); see `INDEX_VERSION`."""
        columns = [(pid, *r.index_columns()) for pid, r in records]
        await self._db.executemany(
            "INSERT INTO paper_fts (rowid, title, authors, abstract, commentary)"
            " VALUES (?, ?, ?, ?, ?)",
            columns,
        )
        await self._db.executemany(
            "INSERT INTO title_fts (rowid, title) VALUES (?, ?)", [c[:2] for c in columns]
        )
        await self._db.executemany(
            "INSERT INTO title_trigram (rowid, key) VALUES (?, ?)",
            [(pid, r.key) for pid, r in records],
        )
        await self._db.executemany(
            "INSERT OR IGNORE INTO title_words (word) VALUES (?)",
            [(w,) for w in _title_words(r for _, r in records)],
        )


def _title_words(records: Iterable[PaperRecord]) -> set[str]:
    """Title words worth correcting typos towards."""
    return {w for r in records for w in r.index.title_words}


def _entry_row(item: Appearance) -> tuple[Any, ...]:
    e = item.entry
    return (
        item.source,
        item.date.isoformat(),
        item.position,
        e.line,
        item.key,
        e.title,
        _json(e.authors),
        e.org,
        e.abstract,
        e.commentary_ko,
        e.commentary_en,
        _json(e.tags),
        _json(e.links),
    )


# The `appearances` columns `appearance_from_row` reads, in its order (table alias `a`).
APPEARANCE_COLUMNS = (
    "a.source, a.date, a.position, a.line, a.title, a.authors, a.org, a.abstract,"
    " a.commentary_ko, a.commentary_en, a.tags, a.links, a.folded"
)


def appearance_from_row(row: Sequence[Any]) -> Appearance:
    """An appearance from its `APPEARANCE_COLUMNS`."""
    source, day, position, line, title, authors, org, abstract, ko, en, tags, links, folded = row
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
    return Appearance(source, date.fromisoformat(day), position, entry, folded=bool(folded))


def _paper_row_of(row: Sequence[Any]) -> tuple[Any, ...]:
    """The `papers` row of a paper noted once: its entry's row reordered, JSON and all."""
    return (row[4], row[5], row[6], row[7], row[8] or None, row[11], row[12], row[1], row[1])


def _paper_row(r: PaperRecord) -> tuple[Any, ...]:
    return (
        r.key,
        r.title,
        _json(r.authors),
        r.org,
        r.abstract,
        _json(r.tags),
        _json(r.links),
        r.first_date.isoformat(),
        r.last_date.isoformat(),
    )
