"""From appearances (one entry on one day) to papers (one per title), pure.

The same paper can be written up on several days; the library shows one paper
with the latest wording, every tag and link it was ever given, and its dates.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date

from bot.core.notes import Entry
from bot.core.text import extract_urls, index_form, squash, words


def paper_key(title: str) -> str:
    """A paper's identity: its title folded to letters and digits."""
    return squash(title)


@dataclass(frozen=True, slots=True)
class EntryIndex:
    """An entry's paper key and its text in index form, one string per index column.

    The costliest text work of an ingest; computed where parsing happens, in parallel.
    """

    key: str
    title: str
    authors: str
    abstract: str
    commentary: str
    title_words: tuple[str, ...]  # of two letters or more, for typo correction


def index_entry(entry: Entry) -> EntryIndex:
    """The entry's index-form columns."""
    authors = ", ".join(((entry.org,) if entry.org else ()) + entry.authors)
    commentary = "\n".join(t for t in (entry.commentary_ko, entry.commentary_en) if t)
    return EntryIndex(
        paper_key(entry.title),
        index_form(entry.title),
        index_form(authors),
        index_form(entry.abstract or ""),
        index_form(commentary),
        tuple(w for w in words(entry.title) if len(w) >= 2),
    )


@dataclass(frozen=True, slots=True)
class Appearance:
    """An entry as it appears in one file on one day, at a 1-based position."""

    source: str
    date: date
    position: int
    entry: Entry
    index: EntryIndex | None = None

    def indexed(self) -> EntryIndex:
        """The entry's index form, computed now if the parser did not provide it."""
        return self.index or index_entry(self.entry)

    @property
    def key(self) -> str:
        """The paper this entry is about."""
        return self.index.key if self.index is not None else paper_key(self.entry.title)


@dataclass(frozen=True, slots=True)
class PaperRecord:
    """A paper as stored: merged over all its appearances."""

    key: str
    title: str
    authors: tuple[str, ...]
    org: str | None
    abstract: str | None
    tags: tuple[str, ...]
    links: tuple[str, ...]
    first_date: date
    last_date: date
    index: EntryIndex

    def index_columns(self) -> tuple[str, str, str, str]:
        """The full-text index's columns: title, authors, abstract, commentary."""
        ix = self.index
        return ix.title, ix.authors, ix.abstract, ix.commentary


def merge(appearances: Sequence[Appearance]) -> PaperRecord:
    """One paper from its appearances: latest wording wins, tags and links are unioned."""
    if len(appearances) == 1:  # most papers are noted once: nothing to merge
        (only,) = appearances
        e = only.entry
        return PaperRecord(
            only.key,
            e.title,
            e.authors,
            e.org,
            e.abstract or None,
            e.tags,
            e.links,
            only.date,
            only.date,
            only.indexed(),
        )
    ordered = sorted(appearances, key=lambda a: (a.date, a.source, a.position))
    latest = ordered[-1].entry
    with_abstract = next((a for a in reversed(ordered) if a.entry.abstract), None)
    tags = dict.fromkeys(tag for a in ordered for tag in a.entry.tags)
    links = dict.fromkeys(link for a in ordered for link in a.entry.links)
    indexes = [a.indexed() for a in ordered]
    # The index tokenizes word by word, so the forms of the parts join to that of the whole.
    index = replace(
        indexes[-1],
        abstract=with_abstract.indexed().abstract if with_abstract else "",
        commentary=" ".join(ix.commentary for ix in indexes if ix.commentary),
    )
    return PaperRecord(
        key=ordered[0].key,
        title=latest.title,
        authors=latest.authors,
        org=latest.org,
        abstract=with_abstract.entry.abstract if with_abstract else None,
        tags=tuple(tags),
        links=tuple(links),
        first_date=ordered[0].date,
        last_date=ordered[-1].date,
        index=index,
    )


def own_link(links: Sequence[str], commentary: Sequence[str]) -> str | None:
    """An entry's own link: its first (links are stored normalised, in the order the
    parsers found them), unless its commentary cites it (then it is another paper's)."""
    if not links or links[0] in extract_urls(*commentary):
        return None
    return links[0]
