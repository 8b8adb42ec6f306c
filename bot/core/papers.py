"""From appearances (one entry on one day) to papers (one per title), pure.

The same paper can be written up on several days; the library shows one paper
with the latest wording, every tag and link it was ever given, and its dates.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from bot.core.notes import Entry
from bot.core.text import index_form, squash, words


def paper_key(title: str) -> str:
    """A paper's identity: its title folded to letters and digits."""
    return squash(title)


@dataclass(frozen=True, slots=True)
class Appearance:
    """An entry as it appears in one file on one day, at a 1-based position."""

    source: str
    date: date
    position: int
    entry: Entry

    @property
    def key(self) -> str:
        """The paper this entry is about."""
        return paper_key(self.entry.title)


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
    commentary: str

    def index_columns(self) -> tuple[str, str, str, str]:
        """The full-text index's columns: title, authors, abstract, commentary."""
        authors = ", ".join(((self.org,) if self.org else ()) + self.authors)
        return (
            index_form(self.title),
            index_form(authors),
            index_form(self.abstract or ""),
            index_form(self.commentary),
        )

    def title_words(self) -> list[str]:
        """The title's words, for typo correction."""
        return words(self.title)


def merge(appearances: Sequence[Appearance]) -> PaperRecord:
    """One paper from its appearances: latest wording wins, tags and links are unioned."""
    ordered = sorted(appearances, key=lambda a: (a.date, a.source, a.position))
    latest = ordered[-1].entry
    abstract = next((a.entry.abstract for a in reversed(ordered) if a.entry.abstract), None)
    tags = dict.fromkeys(tag for a in ordered for tag in a.entry.tags)
    links = dict.fromkeys(link for a in ordered for link in a.entry.links)
    commentary = "\n".join(
        text for a in ordered for text in (a.entry.commentary_ko, a.entry.commentary_en) if text
    )
    return PaperRecord(
        key=ordered[0].key,
        title=latest.title,
        authors=latest.authors,
        org=latest.org,
        abstract=abstract,
        tags=tuple(tags),
        links=tuple(links),
        first_date=ordered[0].date,
        last_date=ordered[-1].date,
        commentary=commentary,
    )
