"""The queries behind citations and exports: papers with the notes of the days asked for.

A paper's own fields (title, authors, abstract, every tag and link) come from `papers`,
where ingest merged them over all its appearances; its notes — the commentaries of
each day — from `appearances`. Every appearance of a matching paper is read, those
outside the period and vault notes folded into a daily file's entry too, for its own
link (`bot.core.papers.own_link`): a paper's citation must not depend on the days
exported; a folded note is no note of its own (the daily file's is the same). One
query serves a single paper (/cite) and a filtered export, so a citation and an export
always agree.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from typing import Any

from bot.core.export import ExportPaper, Filters, Note
from bot.core.papers import own_link
from bot.store.base import Database

_COLUMNS = (
    "SELECT p.id, p.title, p.authors, p.org, p.abstract, p.tags, p.links,"
    " a.date, a.commentary_ko, a.commentary_en, a.links, a.folded"
    " FROM appearances a JOIN papers p ON p.key = a.paper_key"
)
# Papers with a note from `since` to `until` and the tag (any tag when it is NULL).
_MATCHING = (
    " p.key IN (SELECT paper_key FROM appearances WHERE date >= ? AND date <= ? AND NOT folded)"
    " AND (? IS NULL OR p.id IN (SELECT paper_id FROM paper_tags WHERE tag = ?))"
)
# Notes from `since` to `until` of papers with the tag.
_NOTES = (
    " FROM appearances a JOIN papers p ON p.key = a.paper_key WHERE a.date >= ? AND a.date <= ?"
    " AND NOT a.folded AND (? IS NULL OR p.id IN (SELECT paper_id FROM paper_tags WHERE tag = ?))"
)
_ORDER = " ORDER BY a.date, a.source, a.position"
FIRST_DAY, LAST_DAY = date.min, date.max


def _params(filters: Filters) -> tuple[str, str, str | None, str | None]:
    since, until = filters.since or FIRST_DAY, filters.until or LAST_DAY
    return since.isoformat(), until.isoformat(), filters.tag, filters.tag


def _papers(rows: Sequence[Sequence[Any]], filters: Filters) -> list[ExportPaper]:
    """Rows of (paper, one of its entries), oldest entry first → the papers in the order
    of their first note in the period, each with the notes of the period and the own
    links of all its entries."""
    since, until = filters.since or FIRST_DAY, filters.until or LAST_DAY
    papers: dict[int, ExportPaper] = {}
    notes: dict[int, list[Note]] = {}
    own: dict[int, dict[str, None]] = {}
    for pid, title, authors, org, abstract, tags, links, day, ko, en, entry_links, folded in rows:
        if pid not in papers:
            papers[pid] = ExportPaper(
                title,
                tuple(json.loads(authors)),
                org,
                abstract,
                tuple(json.loads(tags)),
                tuple(json.loads(links)),
            )
        if (link := own_link(json.loads(entry_links), (ko, en))) is not None:
            own.setdefault(pid, {})[link] = None
        noted = date.fromisoformat(day)
        if not folded and since <= noted <= until:
            notes.setdefault(pid, []).append(Note(noted, ko, en))
    return [
        replace(papers[pid], notes=tuple(found), own_links=tuple(own.get(pid, ())))
        for pid, found in notes.items()
    ]


class ExportStore(Database):
    """Read-only queries over an open store's connection (and its lock)."""

    def __init__(self, store: Database) -> None:
        super().__init__(store._db, store._lock)

    async def paper(self, paper_id: int) -> ExportPaper | None:
        """One paper with all its notes, or None when there is no such paper."""
        rows = await self._rows(_COLUMNS + " WHERE p.id = ?" + _ORDER, (paper_id,))
        found = _papers(list(rows), Filters())
        return found[0] if found else None

    async def count(self, filters: Filters) -> int:
        """How many papers match."""
        found = await self._scalar(
            "SELECT count(*) FROM papers p WHERE" + _MATCHING,  # noqa: S608 (constants only)
            _params(filters),
        )
        return int(found or 0)

    async def papers(self, filters: Filters) -> list[ExportPaper]:
        """The papers that match, in the order of their first note in the period."""
        rows = await self._rows(_COLUMNS + " WHERE" + _MATCHING + _ORDER, _params(filters))
        return _papers(list(rows), filters)

    async def nth_newest_day(self, filters: Filters, offset: int) -> date | None:
        """The day of the `offset`-th newest matching note (0 = the newest), if any."""
        found = await self._scalar(
            "SELECT a.date" + _NOTES + " ORDER BY a.date DESC LIMIT 1 OFFSET ?",
            (*_params(filters), offset),
        )
        return date.fromisoformat(found) if found else None
