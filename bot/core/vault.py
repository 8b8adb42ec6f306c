"""Vault notes: one Markdown file per paper, as an Obsidian vault keeps them.

A note is named `YYMMDD Short title.md` (the date it was written; folders by year are
usual) and, in its modern shape (2024–2025), reads:

    https://arxiv.org/abs/2406.07522        the paper's own link
    *Full title* (Author, Author)            title and authors
    > Abstract …                             the abstract, quoted
    Commentary paragraphs …                  Korean, sometimes English
    <english> … </english>                   its English translation
    #tag #tag
    # Links                                  further links and [[notes]]

Older notes vary: a plain title line, a title wrapped over lines as arXiv's listing
wraps it, `Title https://…` on one line, a link and tags only (the title is then the
file name's), a link with commentary on the same line, commentary alone, several
papers in one note (each a link line and a title line). The parser takes the parts a
note has, in that order, and every dated note becomes at least one paper: the same
`Day`/`Entry` the daily parser returns, so the store and everything downstream take
vault papers unchanged. A paper's own link comes first in its links.

Obsidian's conventions are read, not shown raw: `[[wiki links]]` and `[[target|alias]]`
become their text (a link to another note also relates the two papers, through the
note's `note_link`), `![[embeds]]` are left out with a problem, and YAML front matter
(`tags:`, `date:`) is honoured. What cannot be read is a `Problem` with file and line.

Linear like the daily parser: lines are visited a bounded number of times (a title
block is at most `TITLE_LINES` lines), and every pattern's unbounded run is possessive.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple
from urllib.parse import quote

from bot.core.notes import (
    Day,
    Entry,
    ParseResult,
    _parse_authors,
    _quote,
    _reads_as_names,
    _Report,
    _tag_line,
)
from bot.core.text import extract_urls, has_hangul, nfc, normalise_tag, normalise_url

TITLE_LINES = 4  # a title wrapped as arXiv wraps it, with its authors: 2-3 lines
TITLE_CHARS = 400  # longer is a paragraph, not a title
# Two-digit years from here on are 19xx (arXiv began in 1991; the vault in 2017).
CENTURY_PIVOT = 70
NOTE_LINK = "obsidian://open?file="  # what Obsidian opens a note by; relates linking notes
_SCHEMES = ("http://", "https://")
_ENGLISH_OPEN, _ENGLISH_CLOSE = "<english>", "</english>"
_LINKS_HEADING = "# links"
# `[[target]]`, `[[target|alias]]`, `![[embed]]`; `[text](url)`, `![alt](url)`.
_INLINE_RE = re.compile(
    r"(?P<embed>!?)\[\[(?P<target>[^\[\]|\n]*+)(?:\|(?P<alias>[^\[\]\n]*+))?\]\]"
    r"|!?\[(?P<text>[^\[\]\n]*+)\]\((?P<url>https?://[^\s()]++)\)",
    re.IGNORECASE,
)
_MARKER_RE = re.compile(r"</?[A-Za-z]++>")  # a line that is an HTML-like tag alone
_HEADING_RE = re.compile(r"#{1,6}+\s")
_TAG_SPLIT_RE = re.compile(r"[,\s]++")  # front matter `tags: a, b` or `tags: a b`


class NoteName(NamedTuple):
    """What a Markdown file's name says: its date (or why it has none) and its title."""

    date: date | str
    title: str
    dated: bool  # named `YYMMDD …`, the vault's way (even with an impossible date)


def note_name(source: str) -> NoteName | None:
    """The date and title of `YYMMDD Short title.md` (any folder); None for a file that
    is not Markdown. Other Markdown names give no date, their name as the title.

    `YYMMDD.md` is a note too: its title comes from inside it.
    """
    stem, dot, suffix = nfc(source.rpartition("/")[2]).rpartition(".")
    if not dot or suffix.lower() != "md":
        return None
    digits = stem[:6]
    if not (digits.isascii() and digits.isdigit() and stem[6:7] in ("", " ")):
        return NoteName("no date in its file name", stem.strip(), dated=False)
    yy, mm, dd = int(digits[:2]), int(digits[2:4]), int(digits[4:6])
    title = stem[7:].strip()
    try:
        day = date((1900 if yy >= CENTURY_PIVOT else 2000) + yy, mm, dd)
    except ValueError:
        return NoteName(f"the file name's date {digits!r} is no date (YYMMDD)", title, True)
    return NoteName(day, title, True)


def note_link(name: str) -> str:
    """The link that stands for a note (its file name without `.md`) among a paper's links.

    A note that links `[[another note]]` carries the other note's link, and the store
    gives each note its own, so "earlier in your notes" relates the two papers.
    """
    return NOTE_LINK + quote(nfc(name), safe="")


def own_note_link(source: str) -> str | None:
    """The `note_link` of the vault note at `source` (a dated name); None for other files."""
    name = note_name(source)
    return (
        note_link(nfc(source.rpartition("/")[2]).rpartition(".")[0])
        if name and name.dated
        else None
    )


def parse_note(lines: list[str], name: NoteName, report: _Report) -> ParseResult:
    """The papers of one vault note, from its lines (as `notes.split_lines` gives them)
    and what its file name says (a date, or a `date:` in its front matter)."""
    front = _front_matter(lines, report)
    day = front.date or name.date
    if isinstance(day, str):
        report.add(
            1,
            f"{day}: name the note 'YYMMDD Short title.md' (the date of the note)"
            " or give it a 'date:' in its front matter",
        )
        return ParseResult(problems=report.close())
    body = _Note(lines, report, front.start, name.title, front.tags)
    entries = [paper.entry() for paper in body.papers()]
    if not entries:
        report.add(front.start + 1, "an empty note: no paper to store")
        return ParseResult(problems=report.close())
    return ParseResult([Day(day, report.source, 1, tuple(entries))], report.close())


# ---- front matter ------------------------------------------------------------------


class _Front(NamedTuple):
    start: int  # index of the first body line
    date: date | None
    tags: tuple[str, ...]


def _front_matter(lines: list[str], report: _Report) -> _Front:
    """YAML front matter's `date:` and `tags:` (inline, `[a, b]` or a `- item` list).

    Other keys are the vault's own business and are passed over; a line that is no
    `key: value` nor a list item is reported.
    """
    if not lines or lines[0] != "---":
        return _Front(0, None, ())
    end = next((i for i in range(1, len(lines)) if lines[i] in ("---", "...")), None)
    if end is None:
        report.add(1, "front matter opened with '---' is never closed: add a '---' line")
        return _Front(1, None, ())
    day: date | None = None
    tags: list[str] = []
    key = ""
    for index in range(1, end):
        line = lines[index].strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("- "):
            if key in ("tags", "tag"):
                tags.append(_unquote(line[2:]))
            continue
        key, colon, value = (part.strip() for part in line.partition(":"))
        key = key.lower()
        if not colon:
            report.add(index + 1, f"front matter line {_quote(line)} is no 'key: value'")
        elif key == "date" and value:
            try:
                day = date.fromisoformat(_unquote(value)[:10])
            except ValueError:
                report.add(index + 1, f"front matter date {_quote(value)} is no YYYY-MM-DD")
        elif key in ("tags", "tag"):
            tags += _TAG_SPLIT_RE.split(value.strip("[]"))
    found = (normalise_tag(_unquote(tag)) for tag in tags)
    return _Front(end + 1, day, tuple(dict.fromkeys(tag for tag in found if tag)))


def _unquote(value: str) -> str:
    return value.strip().strip("'\"").strip()


# ---- lines ---------------------------------------------------------------------------


def _bare_link(line: str) -> str | None:
    """The URL of a line that is a link alone: `url`, `<url>` or `[text](url)`."""
    text = line.strip()
    if text.startswith("<") and text.endswith(">"):
        text = text[1:-1]
    elif text.startswith("[") and text.endswith(")") and (match := _INLINE_RE.fullmatch(text)):
        return match["url"]
    if text[:8].lower().startswith(_SCHEMES) and not any(c.isspace() for c in text):
        return text
    return None


def _titled_link(line: str) -> tuple[str, str] | None:
    """(title, URL) of `Title https://…` or `Title (https://…)`; None for other lines.

    The title is what stands before the URL, even stuck to it (`zhttps://…`, a typo the
    caller reports).
    """
    text = line.strip()
    if text.endswith(")") and (at := text.rfind("(")) > 0:
        prefix, url = text[:at], text[at + 1 : -1]
    else:
        prefix, _, url = text.rpartition(" ")
        stuck = url.lower().find("http")
        if stuck > 0:
            prefix, url = text[: len(text) - len(url) + stuck], url[stuck:]
    if not url.lower().startswith(_SCHEMES) or any(c.isspace() for c in url):
        return None
    prefix = prefix.strip()
    return (prefix, url) if prefix and "://" not in prefix and not has_hangul(prefix) else None


def _is_titleish(text: str) -> bool:
    """Whether a line could be a title: short, no Hangul, no sentence or markup."""
    return (
        0 < len(text) <= TITLE_CHARS
        and not text.endswith(".")
        and "://" not in text
        and not text.startswith((">", "<", "#", "|", "!", "[[", "`"))
        and not _is_list_item(text)
        and not has_hangul(text)
    )


def _is_list_item(text: str) -> bool:
    """Whether a line starts a list: `1. `, `2) `, `- `, `* ` or `+ `."""
    marker = text.lstrip("0123456789")
    if len(marker) < len(text):
        return marker[:1] in (".", ")") and marker[1:2].isspace()
    return text[:1] in ("-", "+", "*") and text[1:2].isspace()


def _links_and_text(text: str, links: list[str], notes: list[str], *, urls: bool = True) -> str:
    """The line as it is shown: wiki links as their text, `[text](url)` as `text (url)`
    (as `text` when not `urls`), embeds left out (see `_embeds`).

    URLs of Markdown links go to `links`, the links of other notes it names to `notes`.
    """
    if "[" not in text:
        return text

    def shown(match: re.Match[str]) -> str:
        if match["url"] is not None:
            links.append(match["url"])
            words = match["text"].strip()
            if not words or words == match["url"]:
                return str(match["url"])
            return f"{words} ({match['url']})" if urls else words
        if match["embed"]:
            return ""
        page, _, heading = match["target"].strip().partition("#")
        page = page.strip()
        name = page.rpartition("/")[2]
        if name[-3:].lower() == ".md":
            page, name = page[:-3], name[:-3]
        if (named := note_name(name + ".md")) is not None and named.dated:
            notes.append(note_link(name))
        alias = (match["alias"] or "").strip()
        return alias or (f"{page} > {heading.strip()}" if heading.strip() else page)

    return _INLINE_RE.sub(shown, text)


def _embeds(text: str) -> Iterator[str]:
    """The `![[embeds]]` of a line."""
    if "![[" in text:
        for match in _INLINE_RE.finditer(text):
            if match["embed"]:
                yield match[0]


# ---- a note's papers -----------------------------------------------------------------


@dataclass(slots=True)
class _Header:
    """Where a paper starts: its links, title and authors, and the line after them."""

    line: int  # index of its first line
    end: int  # index after its last line
    links: list[str] = field(default_factory=list)
    title: str = ""
    authors: tuple[str, ...] = ()
    org: str | None = None
    lead: str = ""  # commentary on the header's own line (`https://… 새로운 모델.`)


@dataclass(slots=True)
class _Paper:
    """One paper being read: its header, then its body a line at a time."""

    header: _Header
    title: str
    report: _Report
    abstract: list[str] = field(default_factory=list)
    paragraphs: list[list[str]] = field(default_factory=lambda: [[]])
    english: list[str] = field(default_factory=list)
    english_at: int = -1  # index of an open `<english>`, -1 when none is open
    has_english: bool = False
    links: list[str] = field(default_factory=list)  # under `# Links` and of Markdown links
    notes: list[str] = field(default_factory=list)  # links of the notes it links
    tags: list[str] = field(default_factory=list)
    in_links: bool = False
    quoting: bool = True  # the body's first lines may quote the abstract

    def feed(self, lines: list[str], start: int, stop: int) -> None:
        """Read body lines `start`..`stop` (indices) into the paper."""
        for index in range(start, stop):
            self._line(lines[index], index)

    def _line(self, raw: str, index: int) -> None:
        line = raw.strip()
        if not line:
            self.paragraph_break()
            return
        if (tags := _tag_line(line)) is not None:
            found, stray = tags
            if stray is not None:
                self.report.add(index + 1, f"stray {_quote(stray)} after the tags: delete it")
            self.tags += found
            self.quoting = False
            return
        if self.quoting and line.startswith(">"):
            self.abstract.append(line[1:].strip())
            return
        self.quoting = False
        if line.lower() == _LINKS_HEADING:
            self.in_links = True
            self.paragraph_break()
            return
        if self._marker(line, index):
            return
        for embed in _embeds(line):
            self.report.add(
                index + 1, f"{_quote(embed)} embeds a file the bot cannot show: left out"
            )
        text = _links_and_text(raw, self.links, self.notes)
        if self.in_links and _HEADING_RE.match(line):
            self.in_links = False  # another section: commentary again
        elif self.in_links:
            self.links += extract_urls(line)
            if not _is_prose(_INLINE_RE.sub(" ", line)):  # links alone: nothing to show
                return
        if text.strip():
            self.text(text)

    def _marker(self, line: str, index: int) -> bool:
        """Handle `<english>` and `</english>` (and report other tags alone on a line)."""
        lowered = line.lower()
        if lowered == _ENGLISH_OPEN:
            if self.english_at >= 0:
                self.report.add(index + 1, "<english> inside an English part: close it first")
            else:
                self.english_at, self.has_english = index, True
            return True
        if lowered.startswith(_ENGLISH_CLOSE):
            if self.english_at < 0:
                self.report.add(index + 1, "</english> without an <english> above it")
            self.english_at = -1
            rest = line[len(_ENGLISH_CLOSE) :].strip()
            if rest:  # `</english>(https://…)`: the English part's last words
                self.english.append(_links_and_text(rest, self.links, self.notes))
            return True
        if _MARKER_RE.fullmatch(line):
            self.report.add(index + 1, f"unknown tag {_quote(line)}: did you mean <english>?")
        return False

    def text(self, text: str) -> None:
        """Add a line of commentary (to the English part while one is open)."""
        if self.english_at >= 0:
            self.english.append(text.rstrip())
        else:
            self.paragraphs[-1].append(text.rstrip())

    def paragraph_break(self) -> None:
        """End the current paragraph."""
        if self.paragraphs[-1]:
            self.paragraphs.append([])

    def close(self) -> None:
        """The paper ends: an English part still open is reported."""
        if self.english_at >= 0:
            self.report.add(
                self.english_at + 1,
                "<english> is never closed: add </english> after its last line",
            )
            self.english_at = -1

    def commentary(self) -> tuple[str, str]:
        """(Korean, English) commentary.

        `<english>` parts are the translation. Without them, the translation is the
        run of paragraphs without Hangul after the last one with it (as later notes
        write it), provided it holds prose; a note without any Hangul is English.
        """
        paragraphs = [p for p in self.paragraphs if p]
        if self.has_english:
            return _join(paragraphs), "\n".join(self.english)
        korean = [i for i, p in enumerate(paragraphs) if any(map(has_hangul, p))]
        if not korean:
            return "", _join(paragraphs)
        tail = paragraphs[korean[-1] + 1 :]
        if not any(_is_prose(line) for p in tail for line in p):
            return _join(paragraphs), ""
        return _join(paragraphs[: korean[-1] + 1]), _join(tail)

    def entry(self) -> Entry:
        """The paper as the store takes it."""
        ko, en = self.commentary()
        abstract = "\n".join(line for line in self.abstract if line) or None
        head = self.header
        links = [normalise_url(url) for url in head.links]
        links += extract_urls(abstract or "", ko, en)
        links += (normalise_url(url) for url in self.links)
        tags = (t for t in map(normalise_tag, self.tags) if t)
        return Entry(
            title=self.title,
            authors=head.authors,
            org=head.org,
            abstract=abstract,
            commentary_ko=ko,
            commentary_en=en,
            tags=tuple(dict.fromkeys(tags)),
            links=tuple(dict.fromkeys([*links, *self.notes])),
            line=head.line + 1,
        )


def _join(paragraphs: list[list[str]]) -> str:
    """Paragraphs as the daily notes hold them: a line each, no blank lines."""
    return "\n".join(line for paragraph in paragraphs for line in paragraph)


def _is_prose(line: str) -> bool:
    """Whether a line has words beside its links."""
    return any(c.isalpha() for word in line.split() if "://" not in word for c in word)


@dataclass(frozen=True, slots=True)
class _Note:
    """A note's body split into papers: each starts at a header (see `_headers`)."""

    lines: list[str]
    report: _Report
    start: int  # index of the first body line (after any front matter)
    file_title: str
    front_tags: tuple[str, ...]

    def papers(self) -> list[_Paper]:
        """Every paper of the note; one without tags of its own takes the note's last."""
        lines, stop = self.lines, len(self.lines)
        first = next((i for i in range(self.start, stop) if lines[i].strip()), stop)
        if first == stop:
            return []
        headers = list(self._headers(first)) or [_Header(first, first)]  # commentary alone
        papers: list[_Paper] = []
        for number, header in enumerate(headers):
            paper = _Paper(header, header.title or self.file_title, self.report)
            if number == 0 and header.line > first:  # a preface goes with the first paper
                paper.quoting = False
                paper.feed(lines, first, header.line)
                paper.paragraph_break()
            paper.quoting = header.end > header.line and not header.lead
            if header.lead:
                paper.text(_links_and_text(header.lead, paper.links, paper.notes))
            paper.feed(
                lines, header.end, headers[number + 1].line if number + 1 < len(headers) else stop
            )
            paper.close()
            papers.append(paper)
        shared = next((p.tags for p in reversed(papers) if p.tags), [])
        for paper in papers:
            paper.tags = [*(paper.tags or shared), *self.front_tags]
        if not papers[0].title:  # `YYMMDD.md` and no title inside: the name it has
            papers[0].title = self.report.source.rpartition("/")[2].removesuffix(".md")
            self.report.add(first + 1, "no title: name the note 'YYMMDD Short title.md'")
        return papers

    def _headers(self, first: int) -> Iterator[_Header]:
        """The papers' headers, in order.

        The first content line may be a header in any of the note's shapes; later ones
        only in the shapes that mark a new paper unmistakably: a link block after a
        blank line and a title below it, or `Title https://…` lines right after
        another header.
        """
        lines, stop = self.lines, len(self.lines)
        header = self._first_header(first)
        index = first + 1
        if header is not None:
            yield header
            index = header.end
            while header.end == header.line + 1 and header.title and index < stop:
                titled = _titled_link(lines[index])
                if titled is None or not _is_titleish(titled[0]):
                    break
                header = _Header(index, index + 1, [titled[1]], titled[0])
                yield header
                index += 1
        while index < stop:
            if lines[index - 1].strip() or _bare_link(lines[index]) is None:
                index += 1
                continue
            links, title_at = self._link_block(index)
            found = self._title(title_at)
            if found is not None and (found.parts[1] or _title_case(found.parts[0])):
                yield _Header(index, found.end, links, *found.parts)
                index = found.end
            else:
                index = max(title_at, index + 1)

    def _link_block(self, index: int) -> tuple[list[str], int]:
        """The links of consecutive link lines (blank lines between allowed) from `index`,
        and the index of the first other line."""
        links: list[str] = []
        lines, stop = self.lines, len(self.lines)
        while index < stop:
            if not lines[index].strip():
                index += 1
            elif (url := _bare_link(lines[index])) is not None:
                links.append(url)
                index += 1
            else:
                break
        return links, index

    def _first_header(self, first: int) -> _Header | None:
        """The header on the note's first content line, in whichever shape it takes."""
        line = self.lines[first].strip()
        if _HEADING_RE.match(line) and _tag_line(line) is None:
            urls: list[str] = []
            found = self._title(first, _links_and_text(line.lstrip("#"), urls, [], urls=False))
            return _Header(first, found.end, urls, *found.parts) if found else None
        word, _, rest = line.partition(" ")
        if word.lower().startswith(_SCHEMES) and rest:  # `https://… commentary`
            return _Header(first, first + 1, [word], lead=rest)
        own = _bare_link(line)
        titled = _titled_link(line) if own is None else None
        if titled is not None:
            title, own = titled
            if line.startswith((title + " ", title + "(")):
                return _Header(first, first + 1, [own], title) if _is_titleish(title) else None
            self.report.add(
                first + 1, f"{_quote(title)} stuck to the link: delete it or add a space"
            )
        if own is not None:  # a link block, then the title when there is one
            links, title_at = self._link_block(first + 1)
            found = self._title(title_at)
            end, parts = (found.end, found.parts) if found else (title_at, ("", (), None))
            return _Header(first, end, [own, *links], *parts)
        found = self._title(first)
        if found is not None and found.parts[1]:  # a title without a link needs its authors
            return _Header(first, found.end, [], *found.parts)
        return None

    def _title(self, at: int, text: str | None = None) -> _Title | None:
        """The title block at line index `at` (`text`: its first line, already read).

        `*Title* (Authors)`, `Title (Authors)`, or a title alone; wrapped over up to
        `TITLE_LINES` lines when an italic or a parenthesis is still open, or the next
        line is indented (arXiv's wrapping) or starts with `(`.
        """
        lines, stop = self.lines, len(self.lines)
        if at >= stop:
            return None
        joined = (text if text is not None else lines[at]).strip()
        end = at + 1
        italic = "**" if joined.startswith("**") else "*" if joined.startswith("*") else ""
        while end < stop and end - at < TITLE_LINES and lines[end].strip():
            following = lines[end]
            open_italic = italic and joined.count(italic) < 2
            if not (
                open_italic
                or joined.count("(") > joined.count(")")
                or following[:1].isspace()
                or following.startswith("(")
            ) or has_hangul(following):
                break
            joined += " " + following.strip()
            end += 1
        opening = _authors_at(joined)
        authors = joined[opening:] if opening > 0 else ""
        if italic:  # the title ends at the last `*` before the authors (`$Q^*$` is inside)
            closing = joined.rfind(italic, len(italic), opening if authors else len(joined))
            title = joined[len(italic) : max(closing, 0)].strip()
            rest = joined[closing + len(italic) : opening if authors else len(joined)].strip()
            if closing < 0 or not title or rest or has_hangul(title):
                return None
            return self._with_authors(at, end, title, authors)
        title = joined[:opening].strip()
        if authors and _is_titleish(title) and _names_like(authors):
            return self._with_authors(at, end, title, authors)
        return _Title(end, (joined, (), None)) if _is_titleish(joined) else None

    def _with_authors(self, at: int, end: int, title: str, authors: str) -> _Title:
        """A title block read, with its `(authors)` (a list cut short is reported)."""
        if not authors:
            return _Title(end, (title, (), None))
        if not authors.endswith(")"):
            self.report.add(at + 1, "the list of authors is never closed: add ')'")
            authors += ")"
        return _Title(end, (title, *_parse_authors(authors)))


class _Title(NamedTuple):
    end: int  # index after the title block
    parts: tuple[str, tuple[str, ...], str | None]  # title, authors, org


def _names_like(authors: str) -> bool:
    """Whether `(…)` after a title lists people: names, or most parts capitalised (a
    long list has its `yelong shen` and `C.H. Hoi`, which `notes` reads as no names)."""
    names = _parse_authors(authors if authors.endswith(")") else authors + ")")[0]
    return _reads_as_names(authors) or sum(name[:1].isupper() for name in names) * 2 > len(names)


def _title_case(text: str) -> bool:
    """Whether a line is written as titles are: most of its longer words capitalised."""
    words = [word for word in text.split() if len(word) > 3 and word[0].isalpha()]
    return sum(word[0].isupper() for word in words) * 5 >= len(words) * 3 > 0


def _authors_at(text: str) -> int:
    """Where the authors' `(` stands at the end of a title line: the one the final `)`
    closes, or one never closed (a list cut short); -1 when there is none."""
    unclosed: list[int] = []
    last = -1
    for index, char in enumerate(text):
        if char == "(":
            unclosed.append(index)
        elif char == ")" and unclosed:
            last = unclosed.pop()
    if unclosed:
        return unclosed[0]
    return last if text.endswith(")") else -1
