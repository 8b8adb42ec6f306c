"""Citations and exports: the papers for a filter, through the store, in files that fit.

Discord takes an attachment of at most the interaction's `attachment_size_limit`;
one message carries one file here, so each part stays within the limit whatever
Discord counts it against. An export larger than `MAX_PARTS` such files, or of more
than `MAX_PAPERS` papers (counted before any is loaded), is refused with the count and
a start date from which it would fit, rather than sent in a flood of messages.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from bot.core.export import ExportPaper, Filters, Format, Part, document, split, without_arxiv
from bot.store import Store
from bot.store.export import ExportStore

MAX_PARTS = 5
MAX_PAPERS = 10_000


class TooMany(Exception):
    """More papers match than an export may hold; `since`, when not None, is a start date
    from which fewer would."""

    def __init__(self, papers: int, most: int, since: date | None) -> None:
        super().__init__(f"{papers} papers match; an export holds at most {most}")
        self.papers = papers
        self.most = most
        self.since = since


@dataclass(frozen=True, slots=True)
class Export:
    """An export's files, with what its summary says."""

    parts: tuple[Part, ...]
    papers: int
    without_arxiv: int  # references without year and URL: no own arXiv link in the notes


class ExportService:
    """Read-only: one paper to cite, or the papers for a filter as files."""

    def __init__(self, store: Store) -> None:
        self._store = ExportStore(store)

    async def paper(self, paper_id: int) -> ExportPaper | None:
        """A paper with all its notes (what /cite cites)."""
        return await self._store.paper(paper_id)

    async def papers(self, filters: Filters) -> list[ExportPaper]:
        """Every paper for the filter (the command-line export has no size limit)."""
        return await self._store.papers(filters)

    async def document(self, filters: Filters, fmt: Format) -> tuple[bytes, list[ExportPaper]]:
        """The whole export as one file, and the papers in it."""
        papers = await self.papers(filters)
        return document(papers, fmt, filters), papers

    async def files(
        self,
        filters: Filters,
        fmt: Format,
        limit: int,
        max_parts: int = MAX_PARTS,
        max_papers: int = MAX_PAPERS,
    ) -> Export:
        """The export in files of at most `limit` bytes; `TooMany` or `TooLarge` when it
        does not fit."""
        count = await self._store.count(filters)
        if not count:
            return Export((), 0, 0)
        if count > max_papers:
            raise TooMany(count, max_papers, await self._since_for(filters, max_papers))
        papers = await self.papers(filters)
        parts = split(papers, fmt, filters, limit, max_parts)
        return Export(tuple(parts), len(papers), without_arxiv(papers))

    async def _since_for(self, filters: Filters, most: int) -> date | None:
        """A start date after which fewer than `most` notes match, if one is within the period."""
        cut = await self._store.nth_newest_day(filters, most - 1)
        newest = await self._store.nth_newest_day(filters, 0)
        if cut is None or newest is None or cut >= newest:
            return None
        return cut + timedelta(days=1)
