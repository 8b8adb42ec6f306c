"""The notes parser: one plain-text file per day → days of paper entries.

Pure: takes bytes or text, returns dataclasses, never raises on content. Anything
it cannot make sense of becomes a `Problem` with the file and line, and every other
entry is still returned — losing a day of notes silently is the worst outcome.

Format (see `seeds/`): a date header (`2024년 6월 12일` or `2024-06-12`), then
entries: title; authors in parentheses (`(A, B)`, `(Org: A, B)` or `(Group)`);
optionally the English abstract (lines without Hangul); commentary — Korean lines
and their English translation; a tag line made only of `#tag` tokens.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date

from bot.core.text import extract_urls, has_hangul, nfc, normalise_tag

_KO_DATE_RE = re.compile(
    r"^(?P<y>\d{4})\s*년\s*(?P<m>\d{1,2})\s*월\s*(?P<d>\d{1,2})\s*일"
    r"\s*(?:\(?[월화수목금토일](?:요일)?\)?)?$"
)
_ISO_DATE_RE = re.compile(r"^(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})$")
# Looks like an attempt at a date header (so a typo is reported, not read as a title).
_DATEISH_RE = re.compile(r"^\d{4}\s*(?:년|-|\.|/)\s*\d{1,2}\s*(?:월|-|\.|/)?\s*\d{0,2}\s*일?$")
_TAG_TOKEN_RE = re.compile(r"^#[^\W_]?[\w\-+./]*$")
_AUTHORS_RE = re.compile(r"^\((?P<inner>.*)\)$")
_ORG_RE = re.compile(r"^(?P<org>[^,:]{1,80}):\s*(?P<rest>.+)$")


@dataclass(frozen=True, slots=True)
class Entry:
    """One paper as written on one day."""

    title: str
    authors: tuple[str, ...]
    org: str | None
    abstract: str | None
    commentary_ko: str
    commentary_en: str
    tags: tuple[str, ...]
    links: tuple[str, ...]
    line: int


@dataclass(frozen=True, slots=True)
class Day:
    """A date header and the entries under it."""

    date: date
    source: str
    line: int
    entries: tuple[Entry, ...]


@dataclass(frozen=True, slots=True)
class Problem:
    """Something in a notes file that needs the author's attention."""

    source: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.source}:{self.line}: {self.message}"


@dataclass(slots=True)
class ParseResult:
    """Everything parsed from one or more files."""

    days: list[Day] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def extend(self, other: ParseResult) -> None:
        """Append another result (e.g. the next file's)."""
        self.days.extend(other.days)
        self.problems.extend(other.problems)

    @property
    def entry_count(self) -> int:
        """Entries over all days."""
        return sum(len(day.entries) for day in self.days)


def decode_notes(data: bytes, source: str) -> tuple[str, list[Problem]]:
    """Decode a notes file: UTF-8 (with or without BOM), else cp949/EUC-KR.

    Bytes that fit neither are replaced and reported with their line, never fatal.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8"), []
    except UnicodeDecodeError as utf8_error:
        try:
            return data.decode("cp949"), []
        except UnicodeDecodeError:
            line = data.count(b"\n", 0, utf8_error.start) + 1
            text = data.decode("utf-8", errors="replace")
            return text, [
                Problem(source, line, "not valid UTF-8 or cp949; unreadable bytes shown as �")
            ]


def parse_bytes(data: bytes, source: str) -> ParseResult:
    """Parse the raw bytes of one notes file."""
    text, problems = decode_notes(data, source)
    result = parse_text(text, source)
    result.problems[:0] = problems
    return result


def parse_text(text: str, source: str) -> ParseResult:
    """Parse the text of one notes file (any line endings, NFC or NFD)."""
    unified = nfc(text).replace("\r\n", "\n").replace("\r", "\n")
    lines = [line.rstrip() for line in unified.split("\n")]
    result = ParseResult()
    for header_line, day, body in _split_days(lines, source, result.problems):
        entries = [
            entry
            for start, block in _split_entries(body)
            if (entry := _parse_entry(block, start, source, result.problems)) is not None
        ]
        if day is None:
            continue
        if not entries:
            result.problems.append(Problem(source, header_line, f"no entries under {day}"))
        result.days.append(Day(day, source, header_line, tuple(entries)))
    return result


def parse_date(line: str) -> date | str | None:
    """A date header's date; `None` when the line is no date header; a message when invalid."""
    stripped = line.strip()
    if not stripped[:1].isdigit():  # every date pattern starts with the year: most lines
        return None
    match = _KO_DATE_RE.match(stripped) or _ISO_DATE_RE.match(stripped)
    if match is None:
        return f"unreadable date header {stripped!r}" if _DATEISH_RE.match(stripped) else None
    try:
        return date(int(match["y"]), int(match["m"]), int(match["d"]))
    except ValueError:
        return f"invalid date {stripped!r}"


Numbered = list[tuple[int, str]]


def _split_days(
    lines: list[str], source: str, problems: list[Problem]
) -> Iterator[tuple[int, date | None, Numbered]]:
    """Yield (header line, date or None when unusable, numbered body lines) per day."""
    header_line, seen_header = 0, False
    current: date | None = None
    body: Numbered = []
    for number, line in enumerate(lines, start=1):
        parsed = parse_date(line) if line else None
        if parsed is None:
            if line and not seen_header and not body:
                problems.append(
                    Problem(
                        source,
                        number,
                        "missing date header (expected e.g. '2024년 6월 12일' or '2024-06-12');"
                        " entries up to the next date header are skipped",
                    )
                )
                seen_header = True
            body.append((number, line))
            continue
        if seen_header:
            yield header_line, current, body
        seen_header = True
        header_line, body = number, []
        if isinstance(parsed, str):
            problems.append(
                Problem(source, number, f"{parsed}; entries up to the next date header are skipped")
            )
            current = None
        else:
            current = parsed
    if seen_header:
        yield header_line, current, body


def _is_tag_line(line: str) -> bool:
    if not line.lstrip().startswith("#"):  # most lines, without splitting them
        return False
    tokens = line.split()
    return bool(tokens) and all(_TAG_TOKEN_RE.match(t) and len(t) > 1 for t in tokens)


def _is_authors_line(line: str) -> bool:
    return _AUTHORS_RE.match(line) is not None and not has_hangul(line)


def _split_entries(body: Numbered) -> Iterator[tuple[int, Numbered]]:
    """Group a day's lines into entries.

    An entry ends at its tag line. An entry whose tag line is missing ends where a
    blank line is followed by a title and an authors line, or at the end of the day.
    """
    block: Numbered = []
    for index, (number, line) in enumerate(body):
        if not line:
            continue
        if block and _starts_entry(body, index):
            yield block[0][0], block
            block = []
        block.append((number, line))
        if _is_tag_line(line):
            yield block[0][0], block
            block = []
    if block:
        yield block[0][0], block


def _starts_entry(content: Numbered, index: int) -> bool:
    """A title after a blank line, followed by an authors line, starts a new entry."""
    if index == 0 or content[index - 1][1]:
        return False
    if _is_authors_line(content[index][1]) or _is_tag_line(content[index][1]):
        return False
    following = next((line for _, line in content[index + 1 :] if line), "")
    return _is_authors_line(following)


def _parse_authors(line: str) -> tuple[tuple[str, ...], str | None]:
    inner = line[1:-1].strip()
    org = None
    if match := _ORG_RE.match(inner):
        org, inner = match["org"].strip(), match["rest"]
    names = tuple(name.strip() for name in inner.split(",") if name.strip())
    return names, org


def _parse_entry(block: Numbered, start: int, source: str, problems: list[Problem]) -> Entry | None:
    """Read one entry; report what is off but keep everything that can be kept."""
    (title_line, title), rest = block[0], block[1:]
    if _is_tag_line(title):
        problems.append(Problem(source, title_line, "tag line without an entry above it"))
        return None
    if _is_authors_line(title):
        problems.append(Problem(source, title_line, "authors line without a title above it"))
        return None
    authors: tuple[str, ...] = ()
    org = None
    if rest and _is_authors_line(rest[0][1]):
        authors, org = _parse_authors(rest[0][1])
        rest = rest[1:]
    else:
        problems.append(
            Problem(
                source,
                title_line + 1 if not rest else rest[0][0],
                f"expected the authors in parentheses after the title {title!r}",
            )
        )
    tags: tuple[str, ...] = ()
    if rest and _is_tag_line(rest[-1][1]):
        tags = tuple(dict.fromkeys(t for t in map(normalise_tag, rest[-1][1].split()) if t))
        rest = rest[:-1]
    abstract: list[str] = []
    korean: list[str] = []
    english: list[str] = []
    for _, line in rest:
        if has_hangul(line):
            korean.append(line)
        elif korean or english:
            english.append(line)
        else:
            abstract.append(line)
    commentary_ko, commentary_en = "\n".join(korean), "\n".join(english)
    abstract_text = "\n".join(abstract) or None
    links = extract_urls("\n".join(filter(None, (abstract_text, commentary_ko, commentary_en))))
    return Entry(
        title=title.strip(),
        authors=authors,
        org=org,
        abstract=abstract_text,
        commentary_ko=commentary_ko,
        commentary_en=commentary_en,
        tags=tags,
        links=tuple(links),
        line=start,
    )
