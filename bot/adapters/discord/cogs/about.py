"""``/about``: what the library holds, so a member can see the bot is alive and current."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.adapters.discord.app import PaperBot
from bot.core.i18n import t

COLOUR = discord.Colour.blurple()


class About(commands.Cog):
    def __init__(self, bot: PaperBot) -> None:
        self.bot = bot

    @app_commands.command(name="about", description="How many papers, days and tags the bot knows")
    async def about(self, interaction: discord.Interaction[PaperBot]) -> None:
        locale = interaction.locale
        stats = await self.bot.store.stats()
        latest = stats.latest_day.isoformat() if stats.latest_day else t("about.none", locale)
        embed = discord.Embed(
            title=t("about.title", locale),
            description=self.bot.linked(t("about.description", locale)),
            colour=COLOUR,
        )
        embed.add_field(name=t("about.papers", locale), value=f"{stats.papers:,}")
        embed.add_field(name=t("about.days", locale), value=f"{stats.days:,}")
        embed.add_field(name=t("about.tags", locale), value=f"{stats.tags:,}")
        embed.add_field(name=t("about.latest", locale), value=latest)
        await interaction.response.send_message(embed=embed, ephemeral=True)


async def setup(bot: PaperBot) -> None:
    await bot.add_cog(About(bot))
