"""The aiosqlite store: all SQL lives here, behind typed async methods.

Ingest batches are written by `bot.store.replace`; every query here takes its
user-derived parts as parameters: MATCH expressions come from `bot.core.query`,
which quotes every word.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Literal

import aiosqlite

from bot.core.notes import Problem
from bot.core.papers import FOLD_DAYS, Appearance, with_folded
from bot.store.base import Database, StoreError
from bot.store.digests import DigestStore
from bot.store.replace import (
    APPEARANCE_COLUMNS,
    INDEX_VERSION,
    SCRATCH,
    FileState,
    IngestChanges,
    Replacement,
    appearance_from_row,
)
from bot.store.schema import BUSY_TIMEOUT_MS, Prepared, back_up, prepare, sqlite_message

log = logging.getLogger(__name__)

# How many of the newest full-text matches a search ranks and pages through; bounds
# a query's cost on a million papers, where common words match half the archive.
SEARCH_WINDOW = 200
# `recent_papers` looks at this many newest appearances per paper wanted.
RECENT_WINDOW = 4
# `earlier_papers`: a shared link counts this many shared tags; rows per tag in its first
# date window (each next window doubles).
EARLIER_LINK_WEIGHT = 3
EARLIER_BATCH = 256
EARLIER_BATCH_MAX = 2048  # then only the rarest tags are looked at (`_earlier_tail`)
# The full-text indexes a MATCH can name (`newest_matches`).
Index = Literal["title_fts", "paper_fts"]
# How far from a day the vault notes folded into its entries may lie.
FOLD_SPAN = timedelta(days=FOLD_DAYS)


@dataclass(frozen=True, slots=True)
class PaperSummary:
    """A paper as a result row: enough to list it and open it."""

    id: int
    title: str
    date: date
    tags: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PaperText:
    """A paper's searchable text beyond its title, for search snippets."""

    authors: str
    abstract: str | None
    commentary_ko: str
    commentary_en: str


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


def _shown(rows: Iterable[Sequence[Any]]) -> list[tuple[int, Appearance]]:
    """(paper id, appearance) of rows of (paper id, `APPEARANCE_COLUMNS`) that are shown,
    in order; the folded ones give their links to those of their paper near them."""
    read = [(row[0], appearance_from_row(row[1:])) for row in rows]
    folded: dict[int, list[Appearance]] = {}
    for pid, a in read:
        if a.folded:
            folded.setdefault(pid, []).append(a)
    return [(pid, with_folded(a, folded.get(pid, ()))) for pid, a in read if not a.folded]


class Store(Database):
    """The library's SQLite database. Open with `Store.open` (an async context manager)."""

    def __init__(self, db: aiosqlite.Connection, prepared: Prepared) -> None:
        super().__init__(db, read_only=prepared.read_only)
        self.digests = DigestStore(db, self._lock, prepared.read_only)
        self._prepared = prepared

    @classmethod
    @asynccontextmanager
    async def open(cls, path: Path | str, *, readonly: bool = False) -> AsyncIterator[Store]:
        """Open the database file at `path`: created and upgraded as needed, or read-only
        (`readonly`, or when the file or its folder is not writable: then lookups answer
        and writes raise `StoreError`). Any problem is a one-line `StoreError`, raised
        before the file is changed."""
        prepared = await asyncio.to_thread(prepare, Path(path), readonly=readonly)
        try:
            db = await aiosqlite.connect(prepared.uri, uri=True, isolation_level=None)
        except sqlite3.Error as error:
            raise StoreError(sqlite_message(prepared.path, error)) from None
        try:
            store = cls(db, prepared)
            await store._start()
            yield store
        finally:
            await db.close()

    async def _start(self) -> None:
        """Connection settings, the ingest scratch tables, and a reindex when the search
        indexes were built by another `INDEX_VERSION` (a read-only store says so)."""
        path = self._prepared.path
        try:
            await self._db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            await self._db.execute("PRAGMA foreign_keys = ON")
            if not self.readonly:
                await self._db.execute("PRAGMA synchronous = NORMAL")
                await self._db.executescript(SCRATCH)  # per-connection scratch for ingest
            built = await self._scalar("SELECT value FROM meta WHERE key = 'index_version'")
        except sqlite3.Error as error:
            raise StoreError(sqlite_message(path, error)) from None
        if built == str(INDEX_VERSION):
            return
        if self.readonly:
            log.warning(
                "the search indexes of %s were built by index version %s, not %d: lookups"
                " may miss papers until the bot opens it with write access",
                path,
                built,
                INDEX_VERSION,
            )
            return
        log.info(
            "rebuilding the search indexes of %s (index version %s -> %d)",
            path,
            built,
            INDEX_VERSION,
        )
        papers = await self.reindex()
        log.info("rebuilt the search indexes of %d papers", papers)

    @property
    def readonly(self) -> bool:
        """Whether writes are refused (opened read-only, or the file is not writable)."""
        return self._read_only is not None

    @property
    def path(self) -> Path:
        """The database file."""
        return self._prepared.path

    async def schema_version(self) -> int:
        """The applied schema version."""
        version: int = await self._scalar("PRAGMA user_version")
        return version

    # ---- operations -----------------------------------------------------------

    async def quick_check(self) -> list[str]:
        """What SQLite's `PRAGMA quick_check` finds wrong with the file; empty when fine.

        It reads every page (seconds on a large library), so it is a command to run,
        not part of opening.
        """
        try:
            found = [row[0] for row in await self._rows("PRAGMA quick_check")]
        except sqlite3.DatabaseError as error:
            return [str(error)]
        return [] if found == ["ok"] else found

    async def health(self) -> str | None:
        """None when the file opened is still in place and writable, else one line saying
        what is wrong. A write already under way proves writability, so it is not waited
        for."""
        path = self._prepared.path
        try:
            stat = os.stat(path)
        except FileNotFoundError:
            return (
                f"the database file {path} was deleted while the bot ran: writes go to a file"
                " no one will see; restore it from a backup and restart the bot"
            )
        except OSError as error:
            return f"the database file {path} cannot be checked ({error.strerror}): check it"
        if (stat.st_dev, stat.st_ino) != self._prepared.identity:
            return (
                f"the database file {path} was replaced by another file while the bot ran:"
                " restart the bot to use the new one (it writes to the old one until then)"
            )
        if self._read_only is not None:
            return self._read_only
        if not os.access(path, os.W_OK):
            return (
                f"the database file {path} is not writable any more: fix its permissions"
                " (or attributes) and restart the bot"
            )
        if self._lock.locked():
            return None
        try:
            async with self._lock:
                await self._db.execute("BEGIN IMMEDIATE")
                await self._db.execute("ROLLBACK")
        except sqlite3.Error as error:
            return f"the database file {path} is not writable: {sqlite_message(path, error)}"
        return None

    async def backup(self, dest: Path) -> None:
        """A consistent copy of the database at `dest`, taken while the bot runs, with
        SQLite's online backup API on a connection of its own (lookups and writes carry
        on); `dest` is written beside and renamed, and is never the live database."""
        await asyncio.to_thread(back_up, self._prepared, dest)

    async def reindex(self) -> int:
        """Rebuild the search indexes from the stored papers exactly as an ingest builds
        them, record `INDEX_VERSION`, and return how many papers were indexed."""
        async with self._transaction():
            papers = await Replacement(self).reindex()
            await self._put_meta("index_version", str(INDEX_VERSION))
        return papers

    async def meta(self, key: str) -> str | None:
        """A value the bot keeps about itself (e.g. the hash of the last command sync)."""
        value: str | None = await self._scalar("SELECT value FROM meta WHERE key = ?", (key,))
        return value

    async def set_meta(self, key: str, value: str) -> None:
        """Keep `value` under `key` (replacing what was there)."""
        async with self._transaction():
            await self._put_meta(key, value)

    async def _put_meta(self, key: str, value: str) -> None:
        await self._db.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?)"
            " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

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

    @asynccontextmanager
    async def replacing(
        self, guard: Callable[[IngestChanges, int], None] | None = None
    ) -> AsyncIterator[Replacement]:
        """One ingest transaction: feed it files (in chunks as they are parsed); its
        `changes` are set when the block ends, and a failure rolls everything back.

        `guard(changes, papers_before)` sees what the batch would change before it is
        committed; raising there rolls it back (ingest refuses to empty the library).
        """
        async with self._transaction():
            before: int = await self._scalar("SELECT count(*) FROM papers") if guard else 0
            batch = Replacement(self)
            await batch.start()
            yield batch
            await batch.finish()
            if guard is not None:
                guard(batch.changes, before)

    # ---- queries ------------------------------------------------------------

    async def stats(self) -> StoreStats:
        """How big the library is."""
        papers = await self._scalar("SELECT count(*) FROM papers")
        days = await self._scalar("SELECT count(DISTINCT date) FROM appearances WHERE NOT folded")
        tags = await self._scalar("SELECT count(*) FROM tags")
        latest = await self._scalar("SELECT max(date) FROM appearances WHERE NOT folded")
        return StoreStats(papers, days, tags, date.fromisoformat(latest) if latest else None)

    async def recent_papers(self, limit: int) -> list[PaperSummary]:
        """The most recently noted papers (what an empty /paper autocomplete shows).

        `papers` has no index on `last_date`, so sorting it all costs ~0.5 s at a
        million papers. A paper's last date is its newest appearance not folded, so the
        answer lies among the papers of the newest such appearances (walked on their date
        index): every one on or after the date of the `RECENT_WINDOW`-th newest appearance
        (folded or not: a later date only narrows the window to papers dated later). If
        those hold fewer than `limit` papers (a paper noted on many of the latest days),
        the whole table is sorted after all.
        """
        rows = list(
            await self._rows(
                "SELECT p.id, p.title, p.last_date, p.tags FROM papers p"
                " WHERE p.key IN (SELECT paper_key FROM appearances WHERE NOT folded AND date >="
                " coalesce((SELECT date FROM appearances ORDER BY date DESC LIMIT 1 OFFSET ?),"
                " '')) ORDER BY p.last_date DESC, p.id DESC LIMIT ?",
                (RECENT_WINDOW * limit - 1, limit),
            )
        )
        if len(rows) < limit:
            rows = list(
                await self._rows(
                    "SELECT p.id, p.title, p.last_date, p.tags FROM papers p"
                    " ORDER BY p.last_date DESC, p.id DESC LIMIT ?",
                    (limit,),
                )
            )
        return [_summary(r) for r in rows]

    async def match_titles(self, match: str, limit: int) -> list[PaperSummary]:
        """Papers whose title matches `match` in the title index (newest first, bounded)."""
        rows = await self._rows(
            "SELECT p.id, p.title, p.last_date, p.tags"
            " FROM title_fts f JOIN papers p ON p.id = f.rowid"
            " WHERE title_fts MATCH ? ORDER BY f.rowid DESC LIMIT ?",
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

    async def known_words(self, candidates: Sequence[str]) -> set[str]:
        """Which of `candidates` occur as words in some title."""
        if not candidates:
            return set()
        marks = ", ".join("?" * len(candidates))
        rows = await self._rows(
            f"SELECT word FROM title_words WHERE word IN ({marks})",  # noqa: S608 (only ?s)
            list(candidates),
        )
        return {r[0] for r in rows}

    async def words_beginning(self, prefix: str, limit: int) -> list[str]:
        """Title words beginning with `prefix`, shortest first, then alphabetical; at most
        `limit`.

        A range walk of `title_words`' unique index; shortest first keeps the words
        closest to what was typed when more than `limit` begin with it.
        """
        rows = await self._rows(
            "SELECT word FROM title_words WHERE word >= ? AND word < ?"
            " ORDER BY length(word), word LIMIT ?",
            (prefix, prefix + "\U0010ffff", limit),
        )
        return [r[0] for r in rows]

    async def titles_beginning(self, key: str, limit: int) -> list[int]:
        """Ids of papers whose squashed title (their key) begins with `key`, newest first.

        A range walk of the key's unique index: no full-text index involved.
        """
        rows = await self._rows(
            "SELECT id FROM papers WHERE key >= ? AND key < ? ORDER BY id DESC LIMIT ?",
            (key, key + "\U0010ffff", limit),
        )
        return [r[0] for r in rows]

    async def similar_words(self, match: str, limit: int) -> list[str]:
        """Title words sharing trigrams with a (misspelt) word, most shared first."""
        rows = await self._rows(
            "SELECT word FROM title_words_trigram WHERE title_words_trigram MATCH ?"
            " ORDER BY rank LIMIT ?",
            (match, limit),
        )
        return [r[0] for r in rows]

    async def search_ids(self, match: str, limit: int = SEARCH_WINDOW) -> list[int]:
        """Ids of the newest `limit` papers whose full text matches `match`, newest first.

        No BM25: on a million papers it reads each word's whole posting list on every
        query; a newest-first walk stops after `limit` rows.
        """
        rows = await self._rows(
            "SELECT rowid FROM paper_fts WHERE paper_fts MATCH ? ORDER BY rowid DESC LIMIT ?",
            (match, limit),
        )
        return [r[0] for r in rows]

    async def newest_matches(
        self, probes: Sequence[tuple[Index, str]], limit: int
    ) -> list[list[int]]:
        """For each (index, MATCH expression), the ids of the newest `limit` papers it
        matches in that index (`title_fts`: titles; `paper_fts`: the full text), newest
        first.

        One statement for all of them: a lookup that probes a dozen word sets pays one
        round trip to the database thread, not a dozen.
        """
        one = (
            "SELECT * FROM (SELECT ? AS probe, rowid FROM {0} WHERE {0} MATCH ?"
            " ORDER BY rowid DESC LIMIT ?)"
        )
        found: list[list[int]] = [[] for _ in probes]
        if not probes:
            return found
        rows = await self._rows(
            " UNION ALL ".join(one.format(index) for index, _ in probes),
            [value for i, (_, match) in enumerate(probes) for value in (i, match, limit)],
        )
        for probe, paper in rows:
            found[probe].append(paper)
        return found

    async def title_ids(self, match: str, oldest: int, limit: int) -> list[int]:
        """Ids, newest first, of papers from `oldest` on whose title matches `match` (the
        same syntax as `search_ids`: the title index has one column)."""
        rows = await self._rows(
            "SELECT rowid FROM title_fts WHERE title_fts MATCH ? AND rowid >= ?"
            " ORDER BY rowid DESC LIMIT ?",
            (match, oldest, limit),
        )
        return [r[0] for r in rows]

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
            "SELECT min(date) FROM appearances WHERE date > ? AND NOT folded",
            (day.isoformat() if day else "",),
        )
        return date.fromisoformat(found) if found else None

    async def days_after(self, day: date | None) -> int:
        """How many days of notes lie after `day` (all of them for None)."""
        count: int = await self._scalar(
            "SELECT count(DISTINCT date) FROM appearances WHERE date > ? AND NOT folded",
            (day.isoformat() if day else "",),
        )
        return count

    async def day_entries(self, day: date) -> list[DayEntry]:
        """A day's entries in the order they were written, with their paper ids (and the
        links of the vault notes folded into them, see `_shown`)."""
        iso = day.isoformat()
        rows = await self._rows(
            f"SELECT p.id, {APPEARANCE_COLUMNS}"  # noqa: S608 (a constant)
            " FROM appearances a JOIN papers p ON p.key = a.paper_key"
            " WHERE a.date = ? AND NOT a.folded ORDER BY a.source, a.position",
            (iso,),
        )
        folded = await self._rows(
            f"SELECT p.id, {APPEARANCE_COLUMNS}"  # noqa: S608 (a constant)
            " FROM appearances a JOIN papers p ON p.key = a.paper_key"
            " WHERE a.folded AND a.date >= ? AND a.date <= ?"
            " AND a.paper_key IN (SELECT paper_key FROM appearances WHERE date = ? AND NOT folded)",
            ((day - FOLD_SPAN).isoformat(), (day + FOLD_SPAN).isoformat(), iso),
        )
        return [DayEntry(pid, a) for pid, a in _shown([*rows, *folded])]

    async def earlier_papers(
        self, paper_id: int, before: date, limit: int = 3
    ) -> list[tuple[date, str]]:
        """Papers noted before `before` that share a cited link (weighs most) or tags.

        Score: 3 per shared link, plus 1 per shared tag when the paper was last noted
        before `before`; best score first, then the newest. A popular tag is carried by
        a fifth of a million-paper archive, so rather than scoring all of its papers
        this walks the papers of this one's tags newest first (the `(tag, last_date)` index) in
        growing date windows. A paper's rows in every tag share its last date, so a
        window counts its shared tags exactly; and a paper first noted no later than
        it was last noted, so once the `limit` best beat what any older paper could
        score, the walk stops: usually after one or two windows of a few hundred rows.
        Results are exactly those of scoring every candidate (tested against that query).
        """
        iso = before.isoformat()
        tags = [
            row[0]
            for row in await self._rows(
                "SELECT tag FROM paper_tags WHERE paper_id = ?", (paper_id,)
            )
        ]
        best: dict[int, tuple[int, str]] = {}  # paper id -> (score, first date)

        def keep(pid: int, score: int, first: str) -> None:
            best[pid] = (score, first)
            if len(best) > limit:
                del best[min(best, key=lambda q: (*best[q], q))]

        linked = dict(
            await self._rows(
                "SELECT l.paper_id, count(*) FROM paper_links l"
                " WHERE l.url IN (SELECT url FROM paper_links WHERE paper_id = ?)"
                " AND l.paper_id != ? GROUP BY l.paper_id",
                (paper_id, paper_id),
            )
        )
        for pid, first, last, paper_tags in await self._rows(
            "SELECT id, first_date, last_date, tags FROM papers"
            " WHERE id IN (SELECT value FROM json_each(?)) AND first_date < ?",
            (json.dumps(list(linked)), iso),
        ):
            shared = len(set(tags) & set(json.loads(paper_tags))) if last < iso else 0
            keep(pid, EARLIER_LINK_WEIGHT * linked[pid] + shared, first)
        high, batch = iso, EARLIER_BATCH
        while tags and high and batch <= EARLIER_BATCH_MAX:
            lows = [
                await self._scalar(
                    "SELECT last_date FROM paper_tags WHERE tag = ? AND last_date < ?"
                    " ORDER BY last_date DESC LIMIT 1 OFFSET ?",
                    (tag, high, batch - 1),
                )
                for tag in tags
            ]
            low = max((d for d in lows if d is not None), default="")
            for pid, shared, first in await self._rows(
                "SELECT t.paper_id, count(*), p.first_date FROM paper_tags t"
                " JOIN papers p ON p.id = t.paper_id"
                " WHERE t.tag IN (SELECT value FROM json_each(?))"
                " AND t.last_date >= ? AND t.last_date < ? AND t.paper_id != ?"
                " AND p.first_date < ? GROUP BY t.paper_id",
                (json.dumps(tags), low, high, paper_id, iso),
            ):
                if pid not in linked:
                    keep(pid, shared, first)
            high, batch = low, batch * 2
            # Papers not walked yet score at most len(tags) and were first noted before `high`.
            if len(best) == limit and min(best.values()) >= (len(tags), high):
                break
        else:  # the window budget is spent and older papers may still matter
            if tags and high:
                await self._earlier_tail(paper_id, iso, tags, high, linked, best, keep, limit)
        order = sorted(best, key=lambda q: (*best[q], q), reverse=True)
        titles = dict(
            await self._rows(
                "SELECT id, title FROM papers WHERE id IN (SELECT value FROM json_each(?))",
                (json.dumps(order),),
            )
        )
        return [(date.fromisoformat(best[q][1]), titles[q]) for q in order]

    async def _earlier_tail(
        self,
        paper_id: int,
        iso: str,
        tags: list[str],
        high: str,
        linked: dict[int, int],
        best: dict[int, tuple[int, str]],
        keep: Callable[[int, int, str], None],
        limit: int,
    ) -> None:
        """Finish `earlier_papers` below `high` without walking every popular tag to its end.

        A paper can still enter the best only by sharing `need` of the tags; such a paper
        carries at least one of any `len(tags) - need + 1` of them, so only the papers
        of the rarest few are counted.
        """
        need = 1
        if len(best) == limit:
            score, first = min(best.values())
            need = max(1, score + 1 if first >= high else score)
        if need > len(tags):
            return
        counts = dict(
            await self._rows(
                "SELECT tag, papers FROM tags WHERE tag IN (SELECT value FROM json_each(?))",
                (json.dumps(tags),),
            )
        )
        rarest = sorted(tags, key=lambda tag: counts.get(tag, 0))[: len(tags) - need + 1]
        for pid, shared, first in await self._rows(
            "SELECT t.paper_id, count(*), p.first_date FROM paper_tags t"
            " JOIN papers p ON p.id = t.paper_id"
            " WHERE t.tag IN (SELECT value FROM json_each(?)) AND t.last_date < ?"
            " AND t.paper_id IN (SELECT paper_id FROM paper_tags"
            "  WHERE tag IN (SELECT value FROM json_each(?)) AND last_date < ?)"
            " AND t.paper_id != ? AND p.first_date < ? GROUP BY t.paper_id HAVING count(*) >= ?",
            (json.dumps(tags), high, json.dumps(rarest), high, paper_id, iso, need),
        ):
            if pid not in linked:
                keep(pid, shared, first)

    async def tag_counts(self) -> list[TagCount]:
        """Every tag with its number of papers, most used first."""
        rows = await self._rows("SELECT tag, papers FROM tags ORDER BY papers DESC, tag")
        return [TagCount(tag, count) for tag, count in rows]

    # ---- lookups by id, for the Discord answers ----------------------------------

    async def tag_count(self, tag: str) -> int:
        """How many papers carry `tag` (normalised); 0 for an unknown tag."""
        count = await self._scalar("SELECT papers FROM tags WHERE tag = ?", (tag,))
        return int(count or 0)

    async def paper_appearances(self, paper_id: int) -> list[Appearance]:
        """Every entry written about a paper, oldest first (vault notes folded into a daily
        file's entry are not, their links are: see `_shown`)."""
        rows = await self._rows(
            f"SELECT p.id, {APPEARANCE_COLUMNS}"  # noqa: S608 (a constant)
            " FROM papers p JOIN appearances a ON a.paper_key = p.key"
            " WHERE p.id = ? ORDER BY a.date, a.source, a.position",
            (paper_id,),
        )
        return [a for _, a in _shown(rows)]

    async def day_position(self, appearance: Appearance) -> tuple[int, int]:
        """(its number, the day's number of entries), numbered as the digest numbers them."""
        day = appearance.date.isoformat()
        rows = list(
            await self._rows(
                "SELECT count(*) FILTER (WHERE source < ? OR (source = ? AND position <= ?)),"
                " count(*) FROM appearances WHERE date = ? AND NOT folded",
                (appearance.source, appearance.source, appearance.position, day),
            )
        )
        position, total = rows[0]
        return int(position), int(total)

    async def paper_texts(self, paper_ids: Sequence[int]) -> dict[int, PaperText]:
        """The searchable text of papers, from their latest entry (for snippets)."""
        rows = await self._rows(
            "SELECT p.id, a.authors, a.org, p.abstract, a.commentary_ko, a.commentary_en"
            " FROM papers p JOIN appearances a"
            " ON a.paper_key = p.key AND a.date = p.last_date AND NOT a.folded"
            " WHERE p.id IN (SELECT value FROM json_each(?)) ORDER BY a.position DESC",
            (json.dumps(list(paper_ids)),),
        )
        texts: dict[int, PaperText] = {}
        for pid, authors, org, abstract, ko, en in rows:
            names = ", ".join(((org,) if org else ()) + tuple(json.loads(authors)))
            texts[pid] = PaperText(names, abstract, ko, en)
        return texts

    async def days(self, low: str, high: str, limit: int) -> list[tuple[date, int]]:
        """Days of notes with `low` <= ISO day < `high`, newest first, with their entry counts."""
        rows = await self._rows(
            "SELECT d.date,"
            " (SELECT count(*) FROM appearances c WHERE c.date = d.date AND NOT c.folded)"
            " FROM (SELECT DISTINCT date FROM appearances WHERE date >= ? AND date < ?"
            " AND NOT folded ORDER BY date DESC LIMIT ?) d ORDER BY d.date DESC",
            (low, high, limit),
        )
        return [(date.fromisoformat(day), count) for day, count in rows]

    async def nearest_days(self, day: date, limit: int) -> list[date]:
        """The days of notes closest to `day`, before and after, nearest first."""
        iso = day.isoformat()
        rows = await self._rows(
            "SELECT date FROM (SELECT DISTINCT date FROM appearances WHERE date < ?"
            " AND NOT folded ORDER BY date DESC LIMIT ?) UNION"
            " SELECT date FROM (SELECT DISTINCT date FROM appearances WHERE date > ?"
            " AND NOT folded ORDER BY date LIMIT ?)",
            (iso, limit, iso, limit),
        )
        found = [date.fromisoformat(row[0]) for row in rows]
        return sorted(found, key=lambda d: (abs((d - day).days), d))[:limit]

    async def paper_id_range(self) -> tuple[int, int] | None:
        """The smallest and largest paper id, or None for an empty library."""
        # Two queries: SQLite reads min() or max() alone off the rowid, both together by a scan.
        low = await self._scalar("SELECT min(id) FROM papers")
        high = await self._scalar("SELECT max(id) FROM papers")
        return None if low is None else (int(low), int(high))

    async def paper_id_from(self, start: int) -> int | None:
        """The first paper id at or after `start` (ids have gaps after removals)."""
        found = await self._scalar("SELECT min(id) FROM papers WHERE id >= ?", (start,))
        return None if found is None else int(found)

    async def tag_paper_at(self, tag: str, offset: int) -> int | None:
        """The `offset`-th newest paper with `tag`."""
        found = await self._scalar(
            "SELECT paper_id FROM paper_tags WHERE tag = ?"
            " ORDER BY last_date DESC, paper_id DESC LIMIT 1 OFFSET ?",
            (tag, offset),
        )
        return None if found is None else int(found)

    async def papers_sharing_links(self, paper_id: int, limit: int) -> list[tuple[int, int]]:
        """(paper id, links in common) for papers citing a link this one cites, most first."""
        rows = await self._rows(
            "SELECT l.paper_id, count(*) AS shared FROM paper_links l"
            " WHERE l.url IN (SELECT url FROM paper_links WHERE paper_id = ?) AND l.paper_id != ?"
            " GROUP BY l.paper_id ORDER BY shared DESC, l.paper_id DESC LIMIT ?",
            (paper_id, paper_id, limit),
        )
        return [(int(pid), int(shared)) for pid, shared in rows]

    async def summaries(self, paper_ids: Sequence[int]) -> dict[int, PaperSummary]:
        """Result rows for the given paper ids (missing ids are left out)."""
        rows = await self._rows(
            "SELECT p.id, p.title, p.last_date, p.tags FROM papers p"
            " WHERE p.id IN (SELECT value FROM json_each(?))",
            (json.dumps(list(paper_ids)),),
        )
        return {row[0]: _summary(row) for row in rows}
