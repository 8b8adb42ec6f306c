"""``PaperBot``: the discord.py bot, its command tree, its error handling and its metering."""

from __future__ import annotations

import hashlib
import json
import logging
import pkgutil
import re
import secrets
from collections import OrderedDict
from collections.abc import Iterable
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
from bot.core.i18n import link_commands, t
from bot.core.render import escape_within

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
# The store's record of the commands last registered, per application and scope.
SYNC_KEY = "commands:{application_id}:{scope}"


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


def said_to_member(error: app_commands.AppCommandError, locale: object) -> str | None:
    """What to tell the member about an error that is not a bug, in their language.

    None for a bug. ``UserFacingError`` was written in the member's language already;
    discord.py's own errors are reworded (its English would reach Korean members).
    """
    if isinstance(error, UserFacingError):
        return str(error)
    if isinstance(error, app_commands.TransformerError):
        value = escape_within(str(error.value), 40, links=False)
        return t("error.bad_value", locale, value=value)
    if isinstance(error, app_commands.CheckFailure):
        return t("error.not_allowed", locale)
    return None


def sync_key(application_id: int, guild: discord.abc.Snowflake | None) -> str:
    """The store's key for what was last registered in a scope (a guild, or global)."""
    scope = "global" if guild is None else str(guild.id)
    return SYNC_KEY.format(application_id=application_id, scope=scope)


def payload_hash(payload: list[dict[str, Any]]) -> str:
    """A stable digest of the command payloads of one scope."""
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def command_mentions(registered: Iterable[app_commands.AppCommand]) -> dict[str, str]:
    """Qualified name → clickable mention (``</digest-admin resume:ID>``) of every slash
    command a member can run; a group is not one, its subcommands are."""
    found: dict[str, str] = {}
    pending: list[app_commands.AppCommand | app_commands.AppCommandGroup] = [
        command for command in registered if command.type is discord.AppCommandType.chat_input
    ]
    while pending:
        item = pending.pop()
        subs = [o for o in item.options if isinstance(o, app_commands.AppCommandGroup)]
        if subs:
            pending += subs
        else:
            name = (
                item.qualified_name if isinstance(item, app_commands.AppCommandGroup) else item.name
            )
            found[name] = item.mention
    return found


def _same_commands(
    registered: list[app_commands.AppCommand], payload: list[dict[str, Any]]
) -> bool:
    """Whether Discord holds commands of the names and types of `payload`."""
    held = {(command.name, command.type.value) for command in registered}
    return held == {(command["name"], command.get("type", 1)) for command in payload}


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

    Order: ``UserFacingError`` and discord.py's own check/transform errors are told to the
    member in their language (``said_to_member``); anything else is a bug — logged with a short
    error id that the member also sees, so a report can be matched to the log. Commands named
    in the answer are clickable. Every interaction is answered exactly once: through the
    followup webhook when a response was already sent. Every command and autocomplete is
    counted in the metrics with its outcome.
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
        said = said_to_member(error, interaction.locale)
        if said is not None:
            log.info("/%s: %s", command, error, extra=context)
            self.client.interactions.settle(interaction, "user_error")
            text = self.client.linked(said)
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
            text = t("error.unexpected", interaction.locale, error_id=error_id)
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
    the bot's parts report for /healthz, ``metrics`` what /metrics serves. ``command_mentions``
    holds the registered commands' mentions once they are known (``linked``, ``mention``).
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
        self.command_mentions: dict[str, str] = {}

    async def setup_hook(self) -> None:
        await self.load_commands()
        await self.sync_commands(self.command_scope())
        await self.warn_of_global_commands()

    async def load_commands(self) -> None:
        """The translator and every cog: the command tree as it is registered."""
        await self.tree.set_translator(PaperTranslator())
        for module in cog_modules():
            await self.load_extension(module)

    def command_scope(self) -> discord.Object | None:
        """Where this run's commands live: ``DISCORD_GUILD_ID``'s server (development, shown
        at once), else global (None)."""
        guild_id = self.settings.discord_guild_id
        return None if guild_id is None else discord.Object(guild_id)

    async def command_payload(self, guild: discord.Object | None) -> list[dict[str, Any]]:
        """A scope's commands exactly as ``tree.sync`` sends them, localisations included."""
        translator = self.tree.translator
        assert translator is not None, "load_commands sets it"
        return [
            await command.get_translated_payload(self.tree, translator)
            for command in self.tree.get_commands(guild=guild)
        ]

    async def sync_commands(
        self, guild: discord.Object | None, *, force: bool = False, clear: bool = False
    ) -> bool:
        """Register one scope's commands (a guild's, or the global ones) and learn their ids.

        Only that scope is touched: a development run (``DISCORD_GUILD_ID``) pointed at the
        production application leaves production's global commands alone. The bulk
        overwrite is sent only when the payload differs from the one last sent for this
        application and scope (its hash is kept in the store), or Discord no longer holds
        those commands; ``force`` sends it anyway, ``clear`` sends an empty list (the
        ``paper-digest-bot sync`` command). Returns whether it was sent.
        """
        if clear:
            self.tree.clear_commands(guild=guild)
        elif guild is not None:
            self.tree.copy_global_to(guild=guild)
            self.tree.clear_commands(guild=None)  # this run serves what that guild was given
        assert self.application_id is not None, "set by login"
        key = sync_key(self.application_id, guild)
        payload = await self.command_payload(guild)
        digest = payload_hash(payload)
        where = "globally" if guild is None else f"in guild {guild.id}"
        if not force and await self.store.meta(key) == digest:
            registered = await self.tree.fetch_commands(guild=guild)
            if _same_commands(registered, payload):
                self.command_mentions = command_mentions(registered)
                log.info("%d command(s) %s, unchanged since registered", len(registered), where)
                return False
        registered = await self.tree.sync(guild=guild)
        await self.store.set_meta(key, digest)
        self.command_mentions = command_mentions(registered)
        log.info("registered %d command(s) %s", len(registered), where)
        return True

    async def warn_of_global_commands(self) -> None:
        """In development (a guild scope), say so when global commands exist too: members
        of that server see each command twice. They are never removed implicitly."""
        if self.command_scope() is None:
            return
        held = await self.tree.fetch_commands()
        if held:
            log.warning(
                "%d global command(s) are registered too, so the development server shows each"
                " command twice; `paper-digest-bot sync --global --clear` removes them (for"
                " every server of this application)",
                len(held),
            )

    def mention(self, qualified_name: str) -> str:
        """A command as a clickable mention, or as ``/name`` text before it is registered."""
        return self.command_mentions.get(qualified_name, f"/{qualified_name}")

    def linked(self, text: str) -> str:
        """The bot's words with the commands they name made clickable."""
        return link_commands(text, self.command_mentions)

    async def on_ready(self) -> None:
        log.info("connected as %s to %d guild(s)", self.user, len(self.guilds))

    async def on_interaction(self, interaction: discord.Interaction[PaperBot]) -> None:
        self.interactions.arrived(interaction)
