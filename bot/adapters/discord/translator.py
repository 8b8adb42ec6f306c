"""Korean names and descriptions for the slash commands, through discord.py's translator.

Discord shows a command in the member's client language when the command carries
localisations; discord.py asks the tree's translator for every name and description
while syncing. The texts live in `bot.core.i18n`; only top-level command names are
translated (``/digest-admin`` and its subcommands keep theirs, as the README writes
them). A choice made with ``keyed_choices`` carries its message key, so its Korean comes
from ``MESSAGES`` like every other word the bot says.
"""

from __future__ import annotations

from collections.abc import Iterable

import discord
from discord import app_commands

from bot.core.i18n import COMMAND_NAMES_KO, DESCRIPTIONS_KO, OPTION_NAMES_KO, t

Location = app_commands.TranslationContextLocation


def keyed_choices(prefix: str, values: Iterable[str]) -> list[app_commands.Choice[str]]:
    """Fixed choices named by the messages ``prefix.value``: English here, and Korean from
    the same messages when the commands are registered."""
    keys = {value: f"{prefix}.{value}" for value in values}
    return [
        app_commands.Choice(name=app_commands.locale_str(t(key), key=key), value=value)
        for value, key in keys.items()
    ]


class PaperTranslator(app_commands.Translator):
    """English (as written in the code) → Korean; everything else stays as written."""

    async def translate(
        self,
        string: app_commands.locale_str,
        locale: discord.Locale,
        context: app_commands.TranslationContextTypes,
    ) -> str | None:
        if locale is not discord.Locale.korean:
            return None
        text = string.message
        key = string.extras.get("key")
        if key is not None:
            return t(key, locale)
        if context.location is Location.command_name:
            command = context.data
            top_level = isinstance(command, app_commands.Command) and command.parent is None
            return COMMAND_NAMES_KO.get(text) if top_level else None
        if context.location is Location.parameter_name:
            return OPTION_NAMES_KO.get(text)
        if context.location in (
            Location.command_description,
            Location.group_description,
            Location.parameter_description,
        ):
            return DESCRIPTIONS_KO.get(text)
        return None
