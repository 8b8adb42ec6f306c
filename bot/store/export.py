"""The queries behind citations and exports: papers with the notes of the days asked for.

A paper's own fields (title, authors, abstract, every tag and link) come from `papers`,
where ingest merged them over all its appearances; its notes — the commentaries of
each day — from `appearances`. One query serves both a single paper (/cite) and a
filtered export, so a citation and an export of the same paper always agree.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from typing import Any

from bot.core.export import ExportPaper, Filters, Note
from bot.store.base import Database

_COLUMNS = (
    "SELECT p.id, p.title, p.authors, p.org, p.abstract, p.tags, p.links,"
    " a.date, a.commentary_ko, a.commentary_en"
)
_FROM = " FROM appearances a JOIN papers p ON p.key = a.paper_key"
# Notes from `since` to `until`, of papers with the tag (every paper when it is NULL).
_MATCHING = (
    _FROM  # noqa: S608 (constants only)
    + " WHERE a.date >= ? AND a.date <= ?"
    " AND (? IS NULL OR p.id IN (SELECT paper_id FROM paper_tags WHERE tag = ?))"
)
_ORDER = " ORDER BY a.date, a.source, a.position"
FIRST_DAY, LAST_DAY = "0000-01-01", "9999-12-31"


def _params(filters: Filters) -> tuple[str, str, str | None, str | None]:
    since = filters.since.isoformat() if filters.since else FIRST_DAY
    until = filters.until.isoformat() if filters.until else LAST_DAY
    return since, until, filters.tag, filters.tag


def _papers(rows: Sequence[Sequence[Any]]) -> list[ExportPaper]:
    """Rows of (paper, one day's note), oldest note first → papers in the order of their
    first note, each with its notes."""
    papers: dict[int, ExportPaper] = {}
    notes: dict[int, list[Note]] = {}
    for pid, title, authors, org, abstract, tags, links, day, ko, en in rows:
        if pid not in papers:
            papers[pid] = ExportPaper(
                title,
                tuple(json.loads(authors)),
                org,
                abstract,
                tuple(json.loads(tags)),
                tuple(json.loads(links)),
            )
        notes.setdefault(pid, []).append(Note(date.fromisoformat(day), ko, en))
    return [replace(paper, notes=tuple(notes[pid])) for pid, paper in papers.items()]


class ExportStore(Database):
    """Read-only queries over an open store's connection (and its lock)."""

    def __init__(self, store: Database) -> None:
        super().__init__(store._db, store._lock)

    async def paper(self, paper_id: int) -> ExportPaper | None:
        """One paper with all its notes, or None when there is no such paper."""
        rows = await self._rows(_COLUMNS + _FROM + " WHERE p.id = ?" + _ORDER, (paper_id,))
        found = _papers(list(rows))
        return found[0] if found else None

    async def count(self, filters: Filters) -> int:
        """How many papers match."""
        found = await self._scalar("SELECT count(DISTINCT p.id)" + _MATCHING, _params(filters))
        return int(found or 0)

    async def papers(self, filters: Filters) -> list[ExportPaper]:
        """The papers that match, in the order of their first note in the period."""
        return _papers(list(await self._rows(_COLUMNS + _MATCHING + _ORDER, _params(filters))))

    async def nth_newest_day(self, filters: Filters, offset: int) -> date | None:
        """The day of the `offset`-th newest matching note (0 = the newest), if any."""
        found = await self._scalar(
            "SELECT a.date" + _MATCHING + " ORDER BY a.date DESC LIMIT 1 OFFSET ?",
            (*_params(filters), offset),
        )
        return date.fromisoformat(found) if found else None
