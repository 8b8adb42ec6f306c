"""Which parser reads a notes file: a vault note or a file of daily notes.

A notes folder may hold both shapes, and each file is recognised by its own name and
shape, never by the folder: a Markdown file named `YYMMDD Short title.md` (or one
that opens with YAML front matter) is a vault note; any other file is daily notes,
and a Markdown file that is neither (no dated name, no date header) is a problem
rather than a guess at its date.
"""

from __future__ import annotations

from bot.core.notes import (
    ParseResult,
    _Report,
    decoded_lines,
    parse_bytes,
    parse_date,
    parse_lines,
)
from bot.core.vault import note_name, parse_note


def parse_notes(data: bytes, source: str) -> ParseResult:
    """Parse one notes file's bytes in the shape its name and content give it."""
    name = note_name(source)
    if name is None:
        return parse_bytes(data, source)
    report = _Report(source)
    lines = decoded_lines(data, report)
    if name.dated or (lines and lines[0] == "---"):
        return parse_note(lines, name, report)
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None:  # an empty file holds no notes: nothing to lose, nothing to say
        return ParseResult()
    if parse_date(lines[first]) is not None:  # a date header: a file of daily notes
        return parse_lines(lines, report)
    report.add(
        first + 1,
        "a Markdown note without a date: name it 'YYMMDD Short title.md' (the date of"
        " the note), or start a file of daily notes with a date header ('2024-06-12')",
    )
    return ParseResult(problems=report.close())
