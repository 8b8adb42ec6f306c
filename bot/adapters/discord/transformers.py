"""Slash-command arguments parsed once, the same way for every command that takes them.

RoboDanny's ``TimeTransformer`` idea: a time of day, a time zone, a day of notes and a
digest start are each one ``app_commands.Transformer``, so commands receive a parsed
value, a bad one is answered in the member's language (a ``UserFacingError``, shown
ephemerally by the tree) before the command runs, and every option of that kind
offers the same autocomplete. The parsing itself is pure (`bot.core.days`).
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterable
from datetime import date, time

import discord
from discord import app_commands

from bot.adapters.discord.app import PaperBot
from bot.adapters.discord.errors import UserFacingError
from bot.core.days import parse_day, parse_zone, time_choices, zone_choices, zone_for_locale
from bot.core.i18n import t
from bot.core.pages import choice_label
from bot.core.render import escape_within
from bot.core.text import fold, parse_hhmm
from bot.services.lookup import LookupService

# Discord shows at most 25 autocomplete choices (DISCORD.md, "Interactions").
AUTOCOMPLETE_MAX = 25
# Read once: the list comes from the system's (or the tzdata package's) zone files.
ZONES = frozenset(zoneinfo.available_timezones())
# Where a digest (re)starts, besides a day.
START_WORDS = ("first", "latest")

Choices = list[app_commands.Choice[str]]
Interaction = discord.Interaction[PaperBot]


def _same(values: Iterable[str]) -> Choices:
    """Choices whose shown name is their value."""
    return [app_commands.Choice(name=value, value=value) for value in values]


class TimeOfDay(app_commands.Transformer[PaperBot]):
    """A 24-hour `HH:MM` (`9:05`, full-width digits too) → ``datetime.time``."""

    @property
    def max_value(self) -> int:
        return 10  # the longest string Discord lets a member type here

    async def transform(self, interaction: Interaction, value: str, /) -> time:
        parsed = parse_hhmm(fold(value))
        if parsed is None:
            raise UserFacingError(t("admin.bad_time", interaction.locale, value=value))
        return parsed

    async def autocomplete(self, interaction: Interaction, value: str, /) -> Choices:  # type: ignore[override]
        return _same(time_choices(value, AUTOCOMPLETE_MAX))


class TimeZone(app_commands.Transformer[PaperBot]):
    """An IANA time zone, any case → its canonical name (``Asia/Seoul``).

    Autocomplete offers the zone of the server's locale and of the member's own first,
    then UTC and the most populous zones; old aliases (``GB``, ``PRC``) are accepted
    when typed but never offered.
    """

    @property
    def max_value(self) -> int:
        return 64

    async def transform(self, interaction: Interaction, value: str, /) -> str:
        zone = parse_zone(value, ZONES)
        if zone is None:
            raise UserFacingError(t("admin.bad_timezone", interaction.locale, value=value))
        return zone

    async def autocomplete(self, interaction: Interaction, value: str, /) -> Choices:  # type: ignore[override]
        preferred = [zone_for_locale(interaction.guild_locale), zone_for_locale(interaction.locale)]
        return _same(zone_choices(value, ZONES, preferred, AUTOCOMPLETE_MAX))


async def _day_choices(interaction: Interaction, typed: str, limit: int) -> Choices:
    """Days of notes matching what was typed, newest first, with their number of papers."""
    days = await LookupService(interaction.client.store).days(typed, limit)
    return [
        app_commands.Choice(
            name=choice_label(day.isoformat(), count, interaction.locale), value=day.isoformat()
        )
        for day, count in days
    ]


class Day(app_commands.Transformer[PaperBot]):
    """A day as members write it (`2024-06-12`, `2024.6.12`, `2024년 6월 12일`) → ``date``."""

    @property
    def max_value(self) -> int:
        return 40  # the longest way of writing a day (`2024년 12월 17일`, spaced)

    async def transform(self, interaction: Interaction, value: str, /) -> date:
        day = parse_day(value)
        if day is None:
            shown = escape_within(value, 40, links=False)
            raise UserFacingError(t("lookup.bad_day", interaction.locale, value=shown))
        return day

    async def autocomplete(self, interaction: Interaction, value: str, /) -> Choices:  # type: ignore[override]
        return await _day_choices(interaction, value, AUTOCOMPLETE_MAX)


class Start(app_commands.Transformer[PaperBot]):
    """Where a digest (re)starts: ``first``, ``latest``, or a day as `Day` reads it (ISO)."""

    @property
    def max_value(self) -> int:
        return 40

    async def transform(self, interaction: Interaction, value: str, /) -> str:
        word = value.strip().casefold()
        if word in START_WORDS:
            return word
        day = parse_day(value)
        if day is None:
            raise UserFacingError(t("admin.bad_start", interaction.locale, value=value))
        return day.isoformat()

    async def autocomplete(self, interaction: Interaction, value: str, /) -> Choices:  # type: ignore[override]
        needle = value.strip().casefold()
        words = [
            app_commands.Choice(name=t(f"start.{word}", interaction.locale), value=word)
            for word in START_WORDS
            if needle in word or needle in t(f"start.{word}", interaction.locale).casefold()
        ]
        days = await _day_choices(interaction, value, AUTOCOMPLETE_MAX - len(words))
        return days + words if needle[:1].isdigit() else words + days


TimeArg = app_commands.Transform[time, TimeOfDay]
ZoneArg = app_commands.Transform[str, TimeZone]
DayArg = app_commands.Transform[date, Day]
StartArg = app_commands.Transform[str, Start]
