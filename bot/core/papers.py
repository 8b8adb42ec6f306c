"""From appearances (one entry on one day) to papers (one per title), pure.

The same paper can be written up on several days; the library shows one paper
with the latest wording, every tag and link it was ever given, and its dates.

A folder may hold both the vault (one note per paper) and the daily export of the same
notes, whose dates can differ by a day or a few: a vault note within `FOLD_DAYS` of a
daily file's entry of the same paper is folded into it, one appearance dated by the
daily file, its links still the paper's.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date

from bot.core.notes import Entry
from bot.core.text import extract_urls, index_form, squash, words
from bot.core.vault import own_note_link

# How far apart (in days) a vault note and a daily file's entry of one paper are still
# one appearance: the vault's dates run a day or a few off the daily export's.
FOLD_DAYS = 7


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
    folded: bool = False  # a vault note folded into a daily file's entry (see `fold`)

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


def _near(a: Appearance, b: Appearance) -> bool:
    return abs((a.date - b.date).days) <= FOLD_DAYS


def fold(appearances: Sequence[Appearance]) -> list[Appearance]:
    """A paper's appearances, each vault note's `folded` when a daily file noted the paper
    within `FOLD_DAYS` of it (both are the same notes), cleared otherwise."""
    if len(appearances) == 1 and not appearances[0].folded:  # most papers: nothing to fold
        return list(appearances)
    notes = [own_note_link(a.source) is not None for a in appearances]
    daily = [a for a, note in zip(appearances, notes, strict=True) if not note]
    folds = [
        note and any(_near(a, d) for d in daily) for a, note in zip(appearances, notes, strict=True)
    ]
    return [
        a if folded == a.folded else replace(a, folded=folded)
        for a, folded in zip(appearances, folds, strict=True)
    ]


def with_folded(shown: Appearance, folded: Iterable[Appearance]) -> Appearance:
    """A daily file's appearance as shown, with the links of the notes folded into it
    first: a note's first link is the paper's own page, which the daily entry lacks."""
    notes = [a for a in folded if _near(a, shown)]
    if not notes:
        return shown
    links = dict.fromkeys(link for a in (*notes, shown) for link in a.entry.links)
    return replace(shown, entry=replace(shown.entry, links=tuple(links)))


def merge(appearances: Sequence[Appearance]) -> PaperRecord:
    """One paper from its appearances: the latest wording shown wins and its dates are
    those shown (not folded); tags, links, abstract and commentary come from all."""
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
    shown = [a for a in ordered if not a.folded]
    latest = shown[-1].entry
    with_abstract = next(
        (a for a in (*reversed(shown), *reversed(ordered)) if a.entry.abstract), None
    )
    tags = dict.fromkeys(tag for a in ordered for tag in a.entry.tags)
    links = dict.fromkeys(link for a in ordered for link in a.entry.links)
    indexes = [a.indexed() for a in ordered]
    # The index tokenizes word by word, so the forms of the parts join to that of the whole.
    index = replace(
        shown[-1].indexed(),
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
        first_date=shown[0].date,
        last_date=shown[-1].date,
        index=index,
    )


def own_link(links: Sequence[str], commentary: Sequence[str]) -> str | None:
    """An entry's own link: its first (links are stored normalised, in the order the
    parsers found them), unless its commentary cites it (then it is another paper's)."""
    if not links or links[0] in extract_urls(*commentary):
        return None
    return links[0]
