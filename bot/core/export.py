"""Exports of the notes as Markdown, CSV, BibTeX or JSON, in parts within a byte limit. Pure.

An exported paper is what the library holds about it — title, authors, tags, links,
abstract — and the notes written on each day it was read, with both commentaries.
Every format is a real one: the CSV reads with any CSV reader (UTF-8 with a byte-order
mark, so spreadsheet programs keep Korean intact), the BibTeX with a BibTeX parser, the
JSON as one array, and the Markdown renders its headings and links. A file too large
for Discord is split between papers, and each part is a whole file of its format.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Literal

from bot.core.cite import Reference, bibtex_entry, citation_keys
from bot.core.days import parse_day
from bot.core.text import fold, normalise_tag

Format = Literal["markdown", "csv", "bibtex", "json"]
FORMATS: tuple[Format, ...] = ("markdown", "csv", "bibtex", "json")
EXTENSIONS: dict[Format, str] = {"markdown": "md", "csv": "csv", "bibtex": "bib", "json": "json"}
FILE_STEM = "papers"
CSV_COLUMNS = (
    "title",
    "authors",
    "organization",
    "dates",
    "tags",
    "links",
    "abstract",
    "commentary_ko",
    "commentary_en",
)
LIST_SEPARATOR = "; "  # between the authors, dates and tags of one CSV cell

_MONTH_RE = re.compile(r"(?P<y>\d{4})\s*+(?:[-./]|년)\s*+(?P<m>\d{1,2})\s*+월?")
_YEAR_RE = re.compile(r"(?P<y>\d{4})\s*+년?")
# CommonMark, for notes text shown as written: autolinked URLs (trailing punctuation
# left out), characters that format or open HTML anywhere, and block markers that
# start a line (headings, quotes, lists, thematic breaks, setext underlines).
_URL = r"(?i:https?)://[^\s<>]*[^\s<>.,:;\"')\]]"
_INLINE = r"[\\`*_\[\]<>~|&#$]"
_LINE_START = r"^[ \t]*+(?:[#>+=-]|\d++[.)])"
_MARKDOWN_RE = re.compile(f"(?P<url>{_URL})|(?P<char>{_INLINE})|(?P<start>{_LINE_START})", re.M)


@dataclass(frozen=True, slots=True)
class Note:
    """What was written about a paper on one day."""

    date: date
    commentary_ko: str
    commentary_en: str


@dataclass(frozen=True, slots=True)
class ExportPaper:
    """A paper as exported: the library's fields, the notes of the days exported, and the
    own links of all its entries (`bot.core.papers.own_link`), exported days or not, so
    that its citation is the same in every export."""

    title: str
    authors: tuple[str, ...]
    org: str | None
    abstract: str | None
    tags: tuple[str, ...]
    links: tuple[str, ...]
    notes: tuple[Note, ...] = ()
    own_links: tuple[str, ...] = ()

    @property
    def reference(self) -> Reference:
        """What the notes hold to cite it."""
        return Reference.of(self.title, self.authors, self.org, self.own_links)

    def commentary(self, language: Literal["ko", "en"]) -> str:
        """One language's commentary over the notes; each dated when there are several."""
        texts = [
            (n.date, n.commentary_ko if language == "ko" else n.commentary_en) for n in self.notes
        ]
        texts = [(day, text.strip()) for day, text in texts if text.strip()]
        if len(self.notes) == 1:
            return "".join(text for _, text in texts)
        return "\n\n".join(f"[{day.isoformat()}] {text}" for day, text in texts)


def without_arxiv(papers: Sequence[ExportPaper]) -> int:
    """How many of the papers' references are incomplete for want of a link to the
    paper's own arXiv page (no year, month, eprint or URL)."""
    return sum(1 for paper in papers if paper.reference.arxiv_id is None)


@dataclass(frozen=True, slots=True)
class Filters:
    """Which papers: those with `tag` and a note from `since` to `until` (inclusive)."""

    tag: str | None = None
    since: date | None = None
    until: date | None = None

    def describe(self, everything: str = "all papers") -> str:
        """`#vq · 2024-06-01 – 2024-06-30`, or `everything` when nothing is filtered."""
        days = ""
        if self.since or self.until:
            days = f"{self.since or '…'} – {self.until or '…'}"
        return " · ".join(p for p in (f"#{self.tag}" if self.tag else "", days) if p) or everything


class BadFilter(ValueError):
    """A filter that cannot be used: `what` is "tag", "day" (not a date) or "backwards"
    (since after until); `value` is what was typed."""

    def __init__(self, what: str, value: str) -> None:
        super().__init__(f"{what}: {value!r}")
        self.what = what
        self.value = value


def period(text: str) -> tuple[date, date] | None:
    """The first and last day of what was typed: a day (`2024-06-12`, `2024년 6월 12일`),
    a month (`2024-06`, `2024년 6월`) or a year (`2024`); None for anything else."""
    day = parse_day(text)
    if day is not None:
        return day, day
    folded = fold(text).strip()
    if match := _MONTH_RE.fullmatch(folded):
        year, month = int(match["y"]), int(match["m"])
        if not 1 <= month <= 12:
            return None
        following = date(year + month // 12, month % 12 + 1, 1)
        return date(year, month, 1), following - timedelta(days=1)
    if match := _YEAR_RE.fullmatch(folded):
        year = int(match["y"])
        return date(year, 1, 1), date(year, 12, 31)
    return None


def filters_from(tag: str | None, since: str | None, until: str | None) -> Filters:
    """Filters from what was typed: a tag (`#VQ`, `vq`), and days, months or years for
    `since` (its first day) and `until` (its last); `BadFilter` when unusable."""
    name = None
    if tag is not None:
        name = normalise_tag(tag)
        if not name or not name.isprintable():
            raise BadFilter("tag", tag)
    bounds = []
    for text, end in ((since, 0), (until, 1)):
        found = period(text) if text is not None else None
        if text is not None and found is None:
            raise BadFilter("day", text)
        bounds.append(found[end] if found else None)
    first, last = bounds
    if first and last and first > last:
        raise BadFilter("backwards", f"{since} > {until}")
    return Filters(name, first, last)


def markdown_escape(text: str) -> str:
    """Notes text as CommonMark shows it as written; URLs become links (`<url>`)."""

    def escaped(match: re.Match[str]) -> str:
        if match["url"]:
            return f"<{match['url']}>"
        if match["char"]:
            return "\\" + match["char"]
        start = match["start"]
        return start[:-1] + "\\" + start[-1]

    return _MARKDOWN_RE.sub(escaped, text)


def _paragraphs(text: str) -> str:
    """Each line of notes as its own Markdown paragraph (a single break would join them)."""
    return "\n\n".join(markdown_escape(line) for line in text.splitlines() if line.strip())


def _markdown(paper: ExportPaper) -> str:
    who = ", ".join(paper.authors)
    facts = [
        ("Authors", markdown_escape(f"{paper.org}: {who}" if paper.org else who)),
        ("Noted", ", ".join(n.date.isoformat() for n in paper.notes)),
        ("Tags", markdown_escape(" ".join(f"#{t}" for t in paper.tags))),
    ]
    lines = [f"## {markdown_escape(paper.title)}", ""]
    lines += [f"- **{name}:** {value}" for name, value in facts if value]
    if paper.links:
        lines.append("- **Links:**")
        lines += [f"  - {markdown_escape(link)}" for link in paper.links]
    sections = [("Abstract", paper.abstract or "")]
    for note in paper.notes:
        day = note.date.isoformat()
        sections += [
            (f"{day} · 한국어", note.commentary_ko),
            (f"{day} · English", note.commentary_en),
        ]
    for heading, text in sections:
        if text.strip():
            lines += ["", f"### {heading}", "", _paragraphs(text)]
    return "\n".join(lines) + "\n"


def _csv_row(values: Sequence[str]) -> str:
    out = io.StringIO()
    csv.writer(out).writerow(values)
    return out.getvalue()


def _csv(paper: ExportPaper) -> str:
    return _csv_row(
        [
            paper.title,
            LIST_SEPARATOR.join(paper.authors),
            paper.org or "",
            LIST_SEPARATOR.join(n.date.isoformat() for n in paper.notes),
            LIST_SEPARATOR.join(paper.tags),
            " ".join(paper.links),
            paper.abstract or "",
            paper.commentary("ko"),
            paper.commentary("en"),
        ]
    )


def _json(paper: ExportPaper) -> str:
    data: dict[str, Any] = {
        "title": paper.title,
        "authors": list(paper.authors),
        "organization": paper.org,
        "dates": [n.date.isoformat() for n in paper.notes],
        "tags": list(paper.tags),
        "links": list(paper.links),
        "abstract": paper.abstract,
        "notes": [
            {
                "date": n.date.isoformat(),
                "commentary_ko": n.commentary_ko,
                "commentary_en": n.commentary_en,
            }
            for n in paper.notes
        ],
    }
    text = json.dumps(data, ensure_ascii=False, indent=2)
    return "\n".join("  " + line for line in text.splitlines())


def _bibtex(paper: ExportPaper, key: str) -> str:
    extra = [
        ("keywords", ", ".join(paper.tags)),
        ("abstract", paper.abstract or ""),
        ("annote", "\n\n".join(filter(None, (paper.commentary("ko"), paper.commentary("en"))))),
    ]
    return bibtex_entry(paper.reference, key, extra) + "\n"


@dataclass(frozen=True, slots=True)
class Layout:
    """A document as pieces: `head`, one item per paper joined by `joiner`, `tail`. Any run
    of items between the same head and tail is a whole document of the format."""

    head: bytes
    items: tuple[bytes, ...]
    joiner: bytes = b""
    tail: bytes = b""

    def document(self, start: int = 0, end: int | None = None) -> bytes:
        """The document of items `start` to `end`."""
        return self.head + self.joiner.join(self.items[start:end]) + self.tail


def layout(papers: Sequence[ExportPaper], fmt: Format, filters: Filters) -> Layout:
    """The papers in `fmt`, as pieces that split into whole documents."""
    if fmt == "csv":
        head = "\ufeff" + _csv_row(CSV_COLUMNS)
        return Layout(head.encode(), tuple(_csv(p).encode() for p in papers))
    if fmt == "json":
        items = tuple(_json(p).encode() for p in papers)
        return Layout(b"[\n", items, b",\n", b"\n]\n")
    if fmt == "bibtex":
        keys = citation_keys([p.reference for p in papers])
        items = tuple(_bibtex(p, k).encode() for p, k in zip(papers, keys, strict=True))
        return Layout(b"", items, b"\n")
    head = f"# Paper notes\n\n{markdown_escape(filters.describe())}\n\n"
    return Layout(head.encode(), tuple(_markdown(p).encode() for p in papers), b"\n")


def document(papers: Sequence[ExportPaper], fmt: Format, filters: Filters) -> bytes:
    """The whole export as one file."""
    return layout(papers, fmt, filters).document()


@dataclass(frozen=True, slots=True)
class Part:
    """One file of an export."""

    filename: str
    data: bytes
    papers: int


class TooLarge(Exception):
    """The export does not fit in the files allowed.

    `files` is how many it would take (0 when one paper alone is larger than a file may
    be); `since`, when not None, is a start date from which the export would fit.
    """

    def __init__(self, papers: int, files: int, since: date | None) -> None:
        super().__init__(f"{papers} papers would take {files or 'too large'} files")
        self.papers = papers
        self.files = files
        self.since = since


def _runs(pieces: Layout, limit: int) -> list[tuple[int, int]]:
    """Greedy (start, end) runs of items whose documents fit `limit`; [] when one item
    alone does not."""
    fixed = len(pieces.head) + len(pieces.tail)
    runs: list[tuple[int, int]] = []
    start, size = 0, fixed
    for index, item in enumerate(pieces.items):
        grown = size + len(item) + (len(pieces.joiner) if index > start else 0)
        if index > start and grown > limit:
            runs.append((start, index))
            start, grown = index, fixed + len(item)
        if grown > limit:
            return []
        size = grown
    return [*runs, (start, len(pieces.items))]


def _fitting_since(papers: Sequence[ExportPaper], pieces: Layout, budget: int) -> date | None:
    """A start date from which the newest papers fit in `budget` bytes, if there is one."""
    used = 0
    for index in range(len(papers) - 1, -1, -1):
        used += len(pieces.items[index]) + len(pieces.joiner)
        if used > budget:
            first = papers[index].notes[0].date if papers[index].notes else None
            newest = max((n.date for p in papers for n in p.notes), default=None)
            if first is None or newest is None or first >= newest:
                return None
            return first + timedelta(days=1)
    return None


def split(
    papers: Sequence[ExportPaper], fmt: Format, filters: Filters, limit: int, max_parts: int
) -> list[Part]:
    """The export in at most `max_parts` files of at most `limit` bytes, split between
    papers; `TooLarge` when it does not fit."""
    pieces = layout(papers, fmt, filters)
    runs = _runs(pieces, limit)
    if not runs or len(runs) > max_parts:
        budget = max_parts * (limit - len(pieces.head) - len(pieces.tail))
        raise TooLarge(len(papers), len(runs), _fitting_since(papers, pieces, budget))
    ext = EXTENSIONS[fmt]
    return [
        Part(
            f"{FILE_STEM}.{ext}" if len(runs) == 1 else f"{FILE_STEM}-{n}-of-{len(runs)}.{ext}",
            pieces.document(start, end),
            end - start,
        )
        for n, (start, end) in enumerate(runs, start=1)
    ]
