"""``/help``: every command this member can run here, one clickable line each, in their language.

Built from the command tree itself, so a new command shows up without editing this file;
its line is the command's own description (Korean from `bot.core.i18n`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.adapters.discord.app import PaperBot
from bot.core.i18n import described, t

COLOUR = discord.Colour.blurple()
Command = app_commands.Command[Any, ..., Any]


def runnable(
    root: Command | app_commands.Group, interaction: discord.Interaction[PaperBot]
) -> bool:
    """Whether the member may run `root` where they asked: its default permissions (Manage
    Server for /digest-admin) and, in a DM, whether it works outside servers at all."""
    if interaction.guild_id is None:
        contexts = root.allowed_contexts
        if root.guild_only or (contexts is not None and not contexts.dm_channel):
            return False
    needed = root.default_permissions
    return needed is None or needed.value & ~interaction.permissions.value == 0


def leaves(item: Command | app_commands.Group) -> Iterator[Command]:
    """The commands a member types: a group's subcommands, not the group."""
    if isinstance(item, app_commands.Group):
        for child in item.commands:
            yield from leaves(child)
    else:
        yield item


class Help(commands.Cog):
    def __init__(self, bot: PaperBot) -> None:
        self.bot = bot

    @app_commands.command(name="help", description="What each command does")
    async def help(self, interaction: discord.Interaction[PaperBot]) -> None:
        locale = interaction.locale
        lines = [
            f"{self.bot.mention(command.qualified_name)} — {described(command.description, locale)}"
            for root in self.bot.tree.get_commands(
                guild=self.bot.command_scope(), type=discord.AppCommandType.chat_input
            )
            if runnable(root, interaction)
            for command in leaves(root)
        ]
        embed = discord.Embed(
            title=t("help.title", locale), description="\n".join(lines), colour=COLOUR
        )
        embed.set_footer(text=t("help.footer", locale))
        await interaction.response.send_message(embed=embed, ephemeral=True)


async def setup(bot: PaperBot) -> None:
    await bot.add_cog(Help(bot))
