"""``PaperBot``: the discord.py bot, its command tree and its error handling."""

from __future__ import annotations

import logging
import pkgutil
import secrets
from typing import Any

import discord
import discord.gateway
import discord.http
import yarl
from discord import app_commands
from discord.ext import commands

from bot.adapters.discord import cogs
from bot.adapters.discord.errors import UserFacingError
from bot.adapters.discord.translator import PaperTranslator
from bot.config import Settings

log = logging.getLogger(__name__)


def point_discord_py_at(settings: Settings) -> None:
    """Send REST and gateway traffic where the settings say (Discord, or the local stand-in).

    discord.py reads both endpoints from class attributes, and a plain ``commands.Bot``
    never asks ``GET /gateway/bot``, so both must be set (DISCORD.md, "Gateway").
    """
    discord.http.Route.BASE = settings.discord_api_base_url
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.discord_gateway_url)


def cog_modules() -> list[str]:
    """Every feature module in ``cogs/`` (private ``_helpers`` excluded)."""
    return sorted(
        f"{cogs.__name__}.{module.name}"
        for module in pkgutil.iter_modules(cogs.__path__)
        if not module.name.startswith("_")
    )


class PaperTree(app_commands.CommandTree["PaperBot"]):
    """The command tree with the bot's one error handler.

    Order: ``UserFacingError`` and discord.py's own check/transform errors are shown to the
    member as they are; anything else is a bug — logged with a short error id that the member
    also sees, so a report can be matched to the log. Every interaction is answered exactly
    once: through the followup webhook when a response was already sent.
    """

    async def on_error(
        self, interaction: discord.Interaction[PaperBot], error: app_commands.AppCommandError
    ) -> None:
        command = interaction.command.qualified_name if interaction.command else "?"
        if isinstance(
            error,
            UserFacingError
            | app_commands.CheckFailure
            | app_commands.TransformerError
            | app_commands.CommandOnCooldown,
        ):
            log.info("/%s: %s", command, error)
            text = str(error)
        else:
            error_id = secrets.token_hex(3)
            cause = error.original if isinstance(error, app_commands.CommandInvokeError) else error
            log.error("/%s failed (error id %s)", command, error_id, exc_info=cause)
            text = (
                f"Something went wrong (error id `{error_id}`). "
                "The bot's operator can find the details in its log."
            )
        try:
            if interaction.type is discord.InteractionType.autocomplete:
                # An autocomplete can only answer with choices: offer none.
                if not interaction.response.is_done():
                    await interaction.response.autocomplete([])
            elif interaction.response.is_done():
                await interaction.followup.send(text, ephemeral=True)
            else:
                await interaction.response.send_message(text, ephemeral=True)
        except discord.HTTPException as exc:
            log.warning("/%s: could not tell the member about the error: %s", command, exc)


class PaperBot(commands.Bot):
    """Slash commands only: minimal intents (no privileged ones), mentions off by default.

    ``store`` is the opened library store; cogs reach it as ``bot.store``.
    """

    def __init__(self, settings: Settings, store: Any) -> None:
        point_discord_py_at(settings)
        # The bot has no voice features; skip discord.py's "voice will NOT be supported" warnings.
        discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False
        super().__init__(
            command_prefix=commands.when_mentioned,
            help_command=None,
            intents=discord.Intents(guilds=True),
            allowed_mentions=discord.AllowedMentions.none(),
            tree_cls=PaperTree,
            # No max_ratelimit_timeout: with it, discord.py refuses *every* request on a bucket
            # whose window is longer (the 2nd crosspost of the hour, while 9 remain), not just
            # the ones that would wait. Callers that must not wait long use asyncio.timeout.
        )
        self.settings = settings
        self.store = store

    async def setup_hook(self) -> None:
        await self.tree.set_translator(PaperTranslator())
        for module in cog_modules():
            await self.load_extension(module)
        await self.sync_commands()

    async def sync_commands(self) -> None:
        """Register the slash commands in one place only, never both.

        With ``DISCORD_GUILD_ID`` the commands go to that guild (instant, for development) and
        the global list is emptied, so members never see a command twice; otherwise globally.
        """
        guild_id = self.settings.discord_guild_id
        if guild_id is None:
            synced = await self.tree.sync()
            log.info("synced %d global command(s)", len(synced))
            return
        guild = discord.Object(guild_id)
        self.tree.copy_global_to(guild=guild)
        self.tree.clear_commands(guild=None)
        synced = await self.tree.sync(guild=guild)
        await self.tree.sync()
        log.info("synced %d command(s) to guild %s; global commands cleared", len(synced), guild_id)

    async def on_ready(self) -> None:
        log.info("connected as %s to %d guild(s)", self.user, len(self.guilds))
