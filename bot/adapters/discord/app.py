"""``PaperBot``: the discord.py bot, its command tree, its error handling and its metering."""

from __future__ import annotations

import logging
import pkgutil
import re
import secrets
from collections import OrderedDict
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any, cast

import aiohttp
import discord
import discord.gateway
import discord.http
import yarl
from discord import app_commands
from discord.ext import commands

from bot.adapters.discord import cogs
from bot.adapters.discord.errors import UserFacingError
from bot.adapters.discord.translator import PaperTranslator
from bot.adapters.health import HealthState
from bot.adapters.metrics import Kind, Metrics, Outcome
from bot.config import Settings

log = logging.getLogger(__name__)

# The request that carries an interaction's first response (interactions/receiving-and-
# responding#create-interaction-response): its path names the interaction.
CALLBACK_PATH = re.compile(r"/interactions/(\d+)/[^/]+/callback$")
KINDS: dict[discord.InteractionType, Kind] = {
    discord.InteractionType.application_command: "command",
    discord.InteractionType.autocomplete: "autocomplete",
    discord.InteractionType.component: "component",
    discord.InteractionType.modal_submit: "component",
}
# Where an interaction's outcome is kept once counted (discord.py's per-interaction dict).
SETTLED = "paperbot.outcome"
# Interactions awaiting their first response; one never answered drops out past this.
MAX_WAITING = 1000


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


def _command_label(interaction: discord.Interaction[Any], kind: Kind) -> str:
    """A bounded label: the registered command's name, or the component's type."""
    if kind == "component":
        data = cast(dict[str, Any], interaction.data or {})
        return discord.ComponentType(data.get("component_type", 2)).name
    command = interaction.command
    return command.qualified_name if command is not None else "unknown"


class InteractionMeter:
    """Counts every interaction once with how it ended, and times its first response.

    The first response is timed when Discord answers the callback request, seen through
    the HTTP client's trace: whichever code path responded (a command, an autocomplete,
    a button, an error handler), from the interaction's creation (its snowflake).
    ``on_interaction`` registers each interaction before its handler can have sent
    anything (both are tasks started by the same gateway event; a response needs a
    network round trip), so the trace always finds it.
    """

    def __init__(self, metrics: Metrics) -> None:
        self._metrics = metrics
        self._waiting: OrderedDict[int, Kind] = OrderedDict()
        self.trace = aiohttp.TraceConfig()
        self.trace.on_request_end.append(self._request_ended)

    def arrived(self, interaction: discord.Interaction[Any]) -> None:
        """Note an interaction whose first response is to be timed."""
        kind = KINDS.get(interaction.type)
        if kind is None:
            return
        self._waiting[interaction.id] = kind
        if len(self._waiting) > MAX_WAITING:
            self._waiting.popitem(last=False)

    def responded(self, interaction_id: int, at: datetime) -> None:
        """The first response to `interaction_id` was accepted at `at`; later ones are not timed."""
        kind = self._waiting.pop(interaction_id, None)
        if kind is not None:
            created = discord.utils.snowflake_time(interaction_id)
            self._metrics.interaction_latency(kind, (at - created).total_seconds())

    async def _request_ended(
        self,
        session: aiohttp.ClientSession,
        context: SimpleNamespace,
        params: aiohttp.TraceRequestEndParams,
    ) -> None:
        match = CALLBACK_PATH.search(params.url.path)
        if match is not None:
            self.responded(int(match[1]), datetime.now(UTC))

    def settle(self, interaction: discord.Interaction[Any], outcome: Outcome) -> None:
        """Count `interaction` as ended with `outcome`; only the first call counts."""
        kind = KINDS.get(interaction.type)
        if kind is None or SETTLED in interaction.extras:
            return
        interaction.extras[SETTLED] = outcome
        self._metrics.interaction(kind, _command_label(interaction, kind), outcome)


def settle(interaction: discord.Interaction[Any], outcome: Outcome) -> None:
    """Count how an interaction ended, for handlers that answer their own errors.

    ``PaperTree`` counts commands and autocompletes itself (errors through ``on_error``,
    the rest as "ok" when they return); a handler that catches its errors, and every
    component handler, calls this with the outcome before it returns.
    """
    cast(PaperBot, interaction.client).interactions.settle(interaction, outcome)


class PaperTree(app_commands.CommandTree["PaperBot"]):
    """The command tree with the bot's one error handler.

    Order: ``UserFacingError`` and discord.py's own check/transform errors are shown to the
    member as they are; anything else is a bug — logged with a short error id that the member
    also sees, so a report can be matched to the log. Every interaction is answered exactly
    once: through the followup webhook when a response was already sent. Every command and
    autocomplete is counted in the metrics with its outcome.
    """

    async def _call(self, interaction: discord.Interaction[PaperBot]) -> None:
        """discord.py's one way into every command and autocomplete, wrapped to count it.

        Errors are dispatched here rather than by discord.py's caller, so that the count
        below comes after ``on_error`` has settled the outcome.
        """
        try:
            await super()._call(interaction)
        except app_commands.AppCommandError as error:
            await self._dispatch_error(interaction, error)
        finally:
            # discord.py logs an autocomplete callback's exception and sends nothing.
            failed = (
                interaction.type is discord.InteractionType.autocomplete
                and not interaction.response.is_done()
            )
            self.client.interactions.settle(interaction, "error" if failed else "ok")

    async def on_error(
        self, interaction: discord.Interaction[PaperBot], error: app_commands.AppCommandError
    ) -> None:
        command = interaction.command.qualified_name if interaction.command else "?"
        context = {
            "command": command,
            "guild_id": interaction.guild_id,
            "channel_id": interaction.channel_id,
        }
        if isinstance(
            error,
            UserFacingError
            | app_commands.CheckFailure
            | app_commands.TransformerError
            | app_commands.CommandOnCooldown,
        ):
            log.info("/%s: %s", command, error, extra=context)
            self.client.interactions.settle(interaction, "user_error")
            text = str(error)
        else:
            error_id = secrets.token_hex(3)
            cause = error.original if isinstance(error, app_commands.CommandInvokeError) else error
            log.error(
                "/%s failed (error id %s)",
                command,
                error_id,
                exc_info=cause,
                extra={**context, "error_id": error_id},
            )
            self.client.interactions.settle(interaction, "error")
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

    ``store`` is the opened library store; cogs reach it as ``bot.store``. ``health`` is what
    the bot's parts report for /healthz, ``metrics`` what /metrics serves.
    """

    def __init__(self, settings: Settings, store: Any) -> None:
        point_discord_py_at(settings)
        self.health = HealthState()
        self.metrics = Metrics()
        self.interactions = InteractionMeter(self.metrics)
        # The bot has no voice features; skip discord.py's "voice will NOT be supported" warnings.
        discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False
        super().__init__(
            command_prefix=commands.when_mentioned,
            help_command=None,
            intents=discord.Intents(guilds=True),
            allowed_mentions=discord.AllowedMentions.none(),
            tree_cls=PaperTree,
            http_trace=self.interactions.trace,
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

    async def on_interaction(self, interaction: discord.Interaction[PaperBot]) -> None:
        self.interactions.arrived(interaction)
