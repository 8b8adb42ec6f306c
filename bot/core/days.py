"""Days as members type them: `2024-06-12`, `2024.6.12`, `2024년 6월 12일`, or a start. Pure."""

from __future__ import annotations

import re
from datetime import date

from bot.core.text import fold

_PARTS_RE = re.compile(r"\d+")
_DATEISH_RE = re.compile(r"^[\d\s./\-년월일]*$")


def _numbers(text: str) -> list[str] | None:
    folded = fold(text).strip()
    if not folded or not _DATEISH_RE.match(folded):
        return None
    return _PARTS_RE.findall(folded)


def parse_day(text: str) -> date | None:
    """A whole date, or None when the text is not one."""
    parts = _numbers(text)
    if parts is None or len(parts) != 3 or len(parts[0]) != 4:
        return None
    try:
        return date(int(parts[0]), int(parts[1]), int(parts[2]))
    except ValueError:
        return None


def day_range(text: str) -> tuple[str, str]:
    """The ISO-day range [low, high) matching what was typed so far, for autocomplete.

    `2024` → all of 2024, `2024-6` → June, `2024-1` → all of 2024 (it may become
    October), `2024년 6월 2` → 2024-06 (it may become the 20th); anything that is not
    the start of a date → every day.
    """
    parts = _numbers(text)
    if not parts or len(parts) > 3 or len(parts[0]) > 4 or any(len(p) > 2 for p in parts[1:]):
        return "", "\uffff"
    year, *rest = parts
    prefix = year
    if len(year) == 4:
        for index, part in enumerate(rest):
            highest_first_digit = 1 if index == 0 else 3  # months 10-12, days 10-31
            if len(part) == 1 and index == len(rest) - 1 and int(part) <= highest_first_digit:
                break
            prefix += "-" + part.zfill(2)
    return prefix, prefix + "\uffff"
