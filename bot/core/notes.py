"""The notes parser: one plain-text file per day → days of paper entries.

Pure: takes bytes or text, returns dataclasses, never raises on content. Anything
it cannot make sense of becomes a `Problem` with the file and line, and every other
entry is still returned — losing a day of notes silently is the worst outcome.

Format (see `seeds/`): a date header (`2024년 6월 12일` or `2024-06-12`), then
entries: title; authors in parentheses (`(A, B)`, `(Org: A, B)` or `(Group)`);
optionally the English abstract (lines without Hangul); commentary — Korean lines
and their English translation; a tag line made only of `#tag` tokens.

Files come from editors, sync tools and crashes, so hostile input costs time and
memory in proportion to its size: every pattern is linear (unbounded runs are
possessive, so a failed match never re-splits a run of spaces between quantifiers),
each line is looked at a bounded number of times, the text is held once as lines,
and a file reports at most `MAX_PROBLEMS` problems.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple

from bot.core.text import extract_urls, has_hangul, nfc, normalise_tag

# Problems listed per file; the rest are counted in one last problem. Garbage (random
# bytes) would otherwise hold a Problem per line and a report nobody reads.
MAX_PROBLEMS = 50
REPLACEMENT = "\ufffd"  # what an unreadable byte becomes
# Encodings notes files come in, as messages name them, and the codec reading each.
_CODECS = {"UTF-8": "utf-8-sig", "cp949": "cp949"}
_PIECE = 1 << 16  # bytes decoded at a time to count a damaged file's unreadable spots

_KO_DATE_RE = re.compile(
    r"^(?P<y>\d{4})\s*+년\s*+(?P<m>\d{1,2})\s*+월\s*+(?P<d>\d{1,2})\s*+일"
    r"\s*+(?:\(?[월화수목금토일](?:요일)?\)?)?$"
)
_ISO_DATE_RE = re.compile(r"^(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})$")
# Looks like an attempt at a date header (so a typo is reported, not read as a title).
_DATEISH_RE = re.compile(r"^\d{4}\s*+[년\-./]\s*+\d{1,2}\s*+[월\-./]?\s*+\d{0,2}\s*+일?$")
_LINE_BREAK_RE = re.compile(r"\r\n?|\n")
_TAG_TOKEN_RE = re.compile(r"#[\w\-+./]++")
# Lower-case words that may stand in a name (`Ludwig van Beethoven`, `Smith et al.`).
_NAME_PARTICLES = frozenset(
    {
        "al",
        "al.",
        "bin",
        "da",
        "de",
        "del",
        "della",
        "der",
        "di",
        "du",
        "et",
        "la",
        "le",
        "van",
        "von",
    }
)


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


class Decoded(NamedTuple):
    """A notes file's text, the encoding it was read in, and whether bytes were lost."""

    text: str
    encoding: str
    damaged: bool


def decode_notes(data: bytes) -> Decoded:
    """Decode a notes file: UTF-8 (with or without BOM) when it decodes, else cp949/EUC-KR.

    A damaged file is read in whichever of the two leaves fewer unreadable spots, and
    only those become �: one stray byte or a double-byte character cut in two costs
    the characters around it, not every entry of the file. NUL bytes, which editors
    leave after a crash and nobody types, count as damage too (`parse_bytes` shows
    them as �).
    """
    try:
        text, encoding, damaged = data.decode(_CODECS["UTF-8"]), "UTF-8", False
    except UnicodeDecodeError:
        unreadable = {name: _unreadable(data, codec) for name, codec in _CODECS.items()}
        encoding = min(unreadable, key=unreadable.__getitem__)
        text, damaged = data.decode(_CODECS[encoding], "replace"), unreadable[encoding] > 0
    return Decoded(text, encoding, damaged or "\0" in text)


def _unreadable(data: bytes, codec: str) -> int:
    """How many spots of the data the codec cannot read.

    Counted a piece at a time: random bytes decoded whole as UTF-8 hold 4 bytes a
    character (some decode to characters beyond the BMP), 6 times the file's size.
    """
    decoder = codecs.getincrementaldecoder(codec)("replace")
    view = memoryview(data)
    return sum(
        decoder.decode(view[at : at + _PIECE], final=at + _PIECE >= len(data)).count(REPLACEMENT)
        for at in range(0, len(data), _PIECE)
    )


def parse_bytes(data: bytes, source: str) -> ParseResult:
    """Parse the raw bytes of one notes file; each line with unreadable bytes is reported."""
    report = _Report(source)
    return parse_lines(decoded_lines(data, report), report)


def decoded_lines(data: bytes, report: _Report) -> list[str]:
    """A file's lines as the parsers read them (every shape); each line with unreadable
    bytes is reported."""
    text, encoding, damaged = decode_notes(data)
    lines = split_lines(text)
    del text  # from here the lines hold the text: one copy of a large file, not two
    if damaged:
        for index, line in enumerate(lines):
            if REPLACEMENT in line or "\0" in line:
                lines[index] = line.replace("\0", REPLACEMENT)
                report.add(
                    index + 1,
                    f"bytes that are not valid {encoding} text, shown as �: retype them",
                )
    return lines


def parse_text(text: str, source: str) -> ParseResult:
    """Parse the text of one notes file (any line endings, NFC or NFD)."""
    return parse_lines(split_lines(text), _Report(source))


def parse_date(line: str) -> date | str | None:
    """A date header's date; `None` when the line is no date header; a message when invalid."""
    stripped = line.strip()
    if not stripped[:1].isdigit():  # every date pattern starts with the year: most lines
        return None
    match = _KO_DATE_RE.match(stripped) or _ISO_DATE_RE.match(stripped)
    if match is None:
        return f"unreadable date header {_quote(stripped)}" if _DATEISH_RE.match(stripped) else None
    try:
        return date(int(match["y"]), int(match["m"]), int(match["d"]))
    except ValueError:
        return f"invalid date {_quote(stripped)}"


@dataclass(slots=True)
class _Report:
    """One file's problems: the first `MAX_PROBLEMS`, then how many more there were."""

    source: str
    problems: list[Problem] = field(default_factory=list)
    more: int = 0
    first_more: int = 0

    def add(self, line: int, message: str) -> None:
        """Note a problem at a line (1-based)."""
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(Problem(self.source, line, message))
            return
        self.first_more = min(line, self.first_more or line)
        self.more += 1

    def close(self) -> list[Problem]:
        """The problems in line order, the count of unlisted ones last."""
        problems = sorted(self.problems, key=lambda problem: problem.line)
        if self.more:
            message = f"and {self.more} more problems, not listed: fix these, then parse it again"
            problems.append(Problem(self.source, self.first_more, message))
        return problems


def _quote(text: str) -> str:
    """A line quoted in a message in about 60 characters: a garbage line can be megabytes."""
    shown = repr(text[:60])
    if len(text) <= 60 and len(shown) <= 62:
        return shown
    return repr(text[: 60 * 60 // len(shown)] + "…")  # escapes (`\xa0`) count as they show


def split_lines(text: str) -> list[str]:
    """A notes text's lines as the parser reads them (line N is `split_lines(text)[N - 1]`).

    Split at any line ending, trailing spaces cut, NFC without invisibles: normalised a
    line at a time, in place, and only lines that are not ASCII. That is as fast as the
    whole text at once, which would hold 8 bytes a character while it works and leave
    a second copy of the text.
    """
    if "\r" in text and text.count("\r") != text.count("\r\n"):  # lone CRs: old Mac, damage
        lines = _LINE_BREAK_RE.split(text)
    else:  # a CRLF's CR goes with the trailing spaces
        lines = text.split("\n")
    for index, line in enumerate(lines):
        lines[index] = (line if line.isascii() else nfc(line)).rstrip()
    return lines


def parse_lines(lines: list[str], report: _Report) -> ParseResult:
    """Days and entries from a file's lines; every problem goes to the report."""
    result = ParseResult()
    for header, day, start, stop in _days(lines, report):
        entries = [
            entry
            for block in _blocks(lines, start, stop, report)
            if (entry := _parse_entry(lines, block, report)) is not None
        ]
        if not entries:
            report.add(header, f"no entries under {day}")
        result.days.append(Day(day, report.source, header, tuple(entries)))
    result.problems = report.close()
    return result


def _days(lines: list[str], report: _Report) -> Iterator[tuple[int, date, int, int]]:
    """Yield (header line, date, first body index, end index) per dated part of the file.

    Lines before the first date header, or under an unusable one, are reported once
    where they start and not parsed: without a date their entries cannot be stored.
    """
    first = next((index for index, line in enumerate(lines) if line), None)
    if first is not None and parse_date(lines[first]) is None:
        report.add(
            first + 1,
            "missing date header (expected e.g. '2024년 6월 12일' or '2024-06-12');"
            " entries up to the next date header are skipped",
        )
    header, start, current = 0, 0, None
    for index, line in enumerate(lines):
        parsed = parse_date(line) if line else None
        if parsed is None:
            continue
        if current is not None:
            yield header, current, start, index
        header, start = index + 1, index + 1
        if isinstance(parsed, str):
            report.add(header, f"{parsed}; entries up to the next date header are skipped")
            current = None
        else:
            current = parsed
    if current is not None:
        yield header, current, start, len(lines)


def _tag_line(line: str) -> tuple[list[str], str | None] | None:
    """A tag line's tags and its stray last word (or None); None when it is no tag line.

    A line of `#tag` tokens is a tag line, and so is one of two or more tags with a
    single stray word after them (`#vq #llm F`: a typo, reported), while one `#` token
    followed by prose (`#1 위치의 모델은…`) is commentary.
    """
    if not line.lstrip().startswith("#"):  # most lines, without splitting them
        return None
    tokens = line.split()
    if all(_TAG_TOKEN_RE.fullmatch(token) for token in tokens):
        return tokens, None
    *tags, stray = tokens
    if len(tags) >= 2 and all(_TAG_TOKEN_RE.fullmatch(token) for token in tags):
        return tags, stray
    return None


def _is_authors_line(line: str) -> bool:
    return line.startswith("(") and line.endswith(")") and not has_hangul(line)


def _reads_as_names(line: str) -> bool:
    """An authors line that reads as names (`(Dong H. Anh, Qwen Team)`), no aside.

    Commentary can hold an English remark in parentheses (`(though I doubt it.)`): its
    words are not all capitalised, or one ends a sentence. One odd name in ten (a
    character the file's encoding lacks) still leaves a list of names.
    """
    if not _is_authors_line(line):
        return False
    names = _parse_authors(line)[0]
    return sum(map(_is_name, names)) * 10 >= len(names) * 9 > 0


def _is_name(name: str) -> bool:
    """A person or a group: a few capitalised words, initials, particles (`van`)."""
    words = name.split()
    return len(words) <= 6 and all(
        word in _NAME_PARTICLES
        or (
            word[0].isupper()
            and word.rstrip(".").replace("-", "").replace("'", "").isalpha()
            and (len(word) <= 3 or not word.endswith("."))
        )
        for word in words
    )


def _blocks(lines: list[str], start: int, stop: int, report: _Report) -> Iterator[list[int]]:
    """Group a day's non-blank lines (by index) into entries.

    An entry ends at its tag line. One whose tag line is missing ends where the next
    entry starts (see `_starts_entry`), or at the end of the day.
    """
    block: list[int] = []
    for index in range(start, stop):
        line = lines[index]
        if not line:
            continue
        if block and _starts_entry(lines, index, stop):
            if lines[index - 1]:  # no blank line either: say so, in case it is no title
                report.add(index + 1, "the entry above has no tag line: this line starts a new one")
            yield block
            block = []
        block.append(index)
        if _tag_line(line) is not None:
            yield block
            block = []
    if block:
        yield block


def _starts_entry(lines: list[str], index: int, stop: int) -> bool:
    """Whether the line at `index`, inside an entry, is the title of the next one.

    A title followed by its authors starts an entry wherever it stands. After a blank
    line any parenthesised line will do; straight after other text (an entry without
    tags running into the next title) only an English title line and a line of names
    right below it, so a remark in parentheses does not split a commentary.
    """
    line, following = lines[index], index + 1
    if lines[index - 1]:
        if not (following < stop and _reads_as_names(lines[following])):  # most lines
            return False
        if line.endswith(".") or has_hangul(line):
            return False
    else:
        while following < stop and not lines[following]:  # each blank run is walked once
            following += 1
        if not (following < stop and _is_authors_line(lines[following])):
            return False
    return not _is_authors_line(line) and _tag_line(line) is None


def _parse_authors(line: str) -> tuple[tuple[str, ...], str | None]:
    inner = line[1:-1].strip()
    org = None
    head, colon, rest = inner.partition(":")
    if colon and 0 < len(head) <= 80 and "," not in head and rest.strip():
        org, inner = head.strip(), rest
    names = tuple(name.strip() for name in inner.split(",") if name.strip())
    return names, org


def _parse_entry(lines: list[str], block: list[int], report: _Report) -> Entry | None:
    """Read one entry; report what is off but keep everything that can be kept."""
    first, rest = block[0], block[1:]
    title = lines[first]
    if _tag_line(title) is not None:
        report.add(first + 1, "tag line without an entry above it")
        return None
    if _is_authors_line(title):
        report.add(
            first + 1, "authors line without a title above it; its entry's lines are skipped"
        )
        return None
    authors: tuple[str, ...] = ()
    org = None
    if rest and _is_authors_line(lines[rest[0]]):
        authors, org = _parse_authors(lines[rest[0]])
        rest = rest[1:]
    else:
        report.add(
            rest[0] + 1 if rest else first + 1,
            f"expected the authors in parentheses after the title {_quote(title)}",
        )
    tags: tuple[str, ...] = ()
    if rest and (tag_line := _tag_line(lines[rest[-1]])) is not None:
        found, stray = tag_line
        if stray is not None:
            report.add(rest[-1] + 1, f"stray {_quote(stray)} after the tags: delete it")
        tags = tuple(dict.fromkeys(t for t in map(normalise_tag, found) if t))
        rest = rest[:-1]
    abstract: list[str] = []
    korean: list[str] = []
    english: list[str] = []
    for line in (lines[index] for index in rest):
        if has_hangul(line):
            korean.append(line)
        elif korean or english:
            english.append(line)
        else:
            abstract.append(line)
    commentary_ko, commentary_en = "\n".join(korean), "\n".join(english)
    abstract_text = "\n".join(abstract) or None
    return Entry(
        title=title.strip(),
        authors=authors,
        org=org,
        abstract=abstract_text,
        commentary_ko=commentary_ko,
        commentary_en=commentary_en,
        tags=tags,
        links=tuple(extract_urls(abstract_text or "", commentary_ko, commentary_en)),
        line=first + 1,
    )
