"""Korean names and descriptions for the slash commands, through discord.py's translator.

Discord shows a command in the member's client language when the command carries
localisations; discord.py asks the tree's translator for every name and description
while syncing. The texts live in `bot.core.i18n`; only top-level command names are
translated (subcommands such as ``/digest-admin channel`` keep theirs).
"""

from __future__ import annotations

import discord
from discord import app_commands

from bot.core.i18n import COMMAND_NAMES_KO, DESCRIPTIONS_KO, OPTION_NAMES_KO

Location = app_commands.TranslationContextLocation


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
