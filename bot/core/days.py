"""Days, times of day and time zones as members type them. Pure.

Days: `2024-06-12`, `2024.6.12`, `2024년 6월 12일`, or a start of one (autocomplete).
Times: what `HH:MM` a start like `9` or `21` can become. Time zones: IANA names, the
common ones first. The slash-command transformers and the CLI parse through these, so
every command accepts the same things.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from datetime import date, time

from bot.core.text import fold, parse_hhmm

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


# Times offered while typing: every quarter hour, whole hours first.
_QUARTERS = tuple(time(hour, minute) for hour in range(24) for minute in (0, 15, 30, 45))


def _time_forms(moment: time) -> tuple[str, ...]:
    """Ways a member may begin typing `moment` (as `parse_hhmm` reads it): `09:30`, `9:30`."""
    return (f"{moment:%H:%M}", f"{moment.hour}:{moment:%M}")


def time_choices(typed: str, limit: int) -> list[str]:
    """`HH:MM` times that what was typed can become: a complete time first, then whole
    hours, then quarter hours (`9` → 09:00, 09:15…; `2` → 02:00, 20:00…, 23:00, 02:15…);
    nothing typed: the whole hours."""
    needle = fold(typed).strip()
    exact = parse_hhmm(needle)
    offered = _QUARTERS if needle else [t for t in _QUARTERS if t.minute == 0]
    found = [t for t in offered if any(f.startswith(needle) for f in _time_forms(t))]
    found.sort(key=lambda t: (t.minute != 0, t))
    ordered = ([exact] if exact else []) + [t for t in found if t != exact]
    return [f"{t:%H:%M}" for t in ordered[:limit]]


# Offered first when nothing is typed, after the server's and the member's own zone: UTC,
# then the zones of the most populous places.
COMMON_ZONES = (
    "UTC",
    "Asia/Shanghai",
    "Asia/Kolkata",
    "America/New_York",
    "Asia/Jakarta",
    "America/Sao_Paulo",
    "Asia/Karachi",
    "Africa/Lagos",
    "Asia/Dhaka",
    "Europe/Moscow",
    "America/Mexico_City",
    "Asia/Tokyo",
    "Asia/Manila",
    "Africa/Cairo",
    "Europe/Istanbul",
    "Asia/Tehran",
    "Asia/Ho_Chi_Minh",
    "Europe/Berlin",
    "Asia/Bangkok",
    "Europe/London",
    "Europe/Paris",
    "America/Chicago",
    "America/Los_Angeles",
    "Asia/Seoul",
)
# Discord locales spoken mostly in one time zone. en-US and es-419 span many, so they
# suggest none (en-US is also every client's default).
LOCALE_ZONES = {
    "bg": "Europe/Sofia",
    "cs": "Europe/Prague",
    "da": "Europe/Copenhagen",
    "de": "Europe/Berlin",
    "el": "Europe/Athens",
    "en-GB": "Europe/London",
    "es-ES": "Europe/Madrid",
    "fi": "Europe/Helsinki",
    "fr": "Europe/Paris",
    "hi": "Asia/Kolkata",
    "hr": "Europe/Zagreb",
    "hu": "Europe/Budapest",
    "id": "Asia/Jakarta",
    "it": "Europe/Rome",
    "ja": "Asia/Tokyo",
    "ko": "Asia/Seoul",
    "lt": "Europe/Vilnius",
    "nl": "Europe/Amsterdam",
    "no": "Europe/Oslo",
    "pl": "Europe/Warsaw",
    "pt-BR": "America/Sao_Paulo",
    "ro": "Europe/Bucharest",
    "ru": "Europe/Moscow",
    "sv-SE": "Europe/Stockholm",
    "th": "Asia/Bangkok",
    "tr": "Europe/Istanbul",
    "uk": "Europe/Kyiv",
    "vi": "Asia/Ho_Chi_Minh",
    "zh-CN": "Asia/Shanghai",
    "zh-TW": "Asia/Taipei",
}
# Zones named after a place; the rest (`GB`, `NZ`, `PRC`, `US/Eastern`, `Etc/GMT+5`) are
# old aliases: accepted when typed, never offered.
ZONE_REGIONS = frozenset(
    [
        "Africa",
        "America",
        "Antarctica",
        "Arctic",
        "Asia",
        "Atlantic",
        "Australia",
        "Europe",
        "Indian",
        "Pacific",
    ]
)


def zone_for_locale(locale: object) -> str | None:
    """The time zone a Discord locale (`ko`, `en-GB`) suggests, if it suggests one."""
    return LOCALE_ZONES.get(str(locale)) if locale is not None else None


def parse_zone(text: str, zones: Collection[str]) -> str | None:
    """The IANA zone `text` names (any case, spaces for underscores), or None."""
    wanted = text.strip().replace(" ", "_")
    if wanted in zones:
        return wanted
    folded = wanted.casefold()
    return next((zone for zone in zones if zone.casefold() == folded), None)


def zone_choices(
    typed: str, zones: Collection[str], preferred: Sequence[str | None], limit: int
) -> list[str]:
    """Zones for what was typed: names or cities beginning with it first; among equals the
    `preferred` ones (the server's and the member's locale zones), then `COMMON_ZONES`."""
    ranked = [z for z in dict.fromkeys([*(p for p in preferred if p), *COMMON_ZONES]) if z in zones]
    needle = typed.strip().casefold().replace(" ", "_")
    if not needle:
        return ranked[:limit]
    rank = {zone: index for index, zone in enumerate(ranked)}

    def order(zone: str) -> tuple[bool, int, int, str]:
        folded = zone.casefold()
        begins = folded.startswith(needle) or folded.rpartition("/")[2].startswith(needle)
        return (not begins, rank.get(zone, len(rank)), len(zone), zone)

    offered = [
        zone
        for zone in zones
        if (zone == "UTC" or zone.partition("/")[0] in ZONE_REGIONS) and needle in zone.casefold()
    ]
    return sorted(offered, key=order)[:limit]
