"""`/digest-admin …`: per-server digest settings, alerts, `why`, and the scheduler's lifecycle.

Manage Server only and servers only: hidden from others by default permissions, and
checked again here on every interaction because server admins can override command
permissions. Every answer is ephemeral; invalid input changes nothing.
"""

from __future__ import annotations

import logging
import zoneinfo
from datetime import UTC, datetime
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.adapters.discord.alerts import DiscordAlertSender
from bot.adapters.discord.app import PaperBot
from bot.adapters.discord.errors import UserFacingError
from bot.adapters.discord.sender import DiscordSender
from bot.adapters.discord.transformers import AUTOCOMPLETE_MAX, StartArg, TimeArg, ZoneArg
from bot.adapters.discord.translator import keyed_choices
from bot.adapters.scheduler import DigestScheduler
from bot.core.i18n import ordinal, permission_names, t
from bot.core.pages import OPTION_MAX
from bot.core.permissions import NAMES, SEND_MESSAGES, VIEW_CHANNEL, missing_permissions
from bot.core.render import LANGUAGES, truncate
from bot.services.digest import (
    PAPER_PREFIX,
    STYLES,
    DigestDefaults,
    DigestService,
    Effective,
    Fate,
    Why,
    advice,
)
from bot.services.lookup import LookupService

log = logging.getLogger(__name__)

# What an alert channel needs: alerts are plain messages.
ALERT_NEEDS = (VIEW_CHANNEL, SEND_MESSAGES)
# `why` autocomplete: days typed → days first; otherwise mostly titles and a few days.
WHY_DAYS = 5
# Notes problems listed in a `why` answer (ephemeral content holds 2000 characters).
WHY_PROBLEMS = 8
CONTENT_MAX = 2000


def when(moment: datetime | None, timezone: str, locale: object) -> str:
    """A run time in the server's zone plus a Discord timestamp (shown in the reader's zone)."""
    if moment is None:
        return t("status.not_scheduled", locale)
    local = moment.astimezone(zoneinfo.ZoneInfo(timezone))
    return f"{local:%Y-%m-%d %H:%M} {timezone} (<t:{int(moment.timestamp())}:R>)"


def message_link(guild_id: int, target_id: int, message_id: int) -> str:
    """A jump link to a message in a server's channel or thread."""
    return f"https://discord.com/channels/{guild_id}/{target_id}/{message_id}"


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class DigestAdmin(
    commands.GroupCog,
    group_name="digest-admin",
    group_description="Daily digest settings for this server (Manage Server)",
):
    """Settings commands; owns the digest service and scheduler."""

    def __init__(self, bot: PaperBot) -> None:
        self.bot = bot
        s = bot.settings
        defaults = DigestDefaults(
            s.digest_channel_id,
            s.digest_time,
            s.digest_timezone,
            alert_channel_id=s.alert_channel_id,
        )
        self.service = DigestService(
            bot.store, DiscordSender(bot), defaults, alert_sender=DiscordAlertSender(bot)
        )
        self.lookup = LookupService(bot.store)
        self.scheduler = DigestScheduler(
            self.service,
            self._guilds,
            s.notes_dir,
            health=bot.health,
            metrics=bot.metrics,
            watch_seconds=s.notes_watch_seconds,
        )

    def _guilds(self) -> list[tuple[int, int | None]]:
        """Every server the bot is in, with the operator's channel where it belongs."""
        default = self.bot.settings.digest_channel_id
        channel = self.bot.get_channel(default) if default else None
        owner = getattr(channel, "guild", None)
        return [(g.id, default if owner and owner.id == g.id else None) for g in self.bot.guilds]

    async def cog_unload(self) -> None:
        self.scheduler.shutdown()

    @commands.Cog.listener()
    async def on_connect(self) -> None:
        """The scheduler starts with the first gateway session, not when the cog loads:
        loading the commands only to register them (`paper-digest-bot sync`) must not
        watch the notes. (READY comes seconds later: /healthz sees it running by then.)"""
        if not self.scheduler.scheduler.running:
            self.scheduler.start()

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        """After (re)connecting: jobs for every server, then missed digests."""
        await self.scheduler.sync_all()

    @commands.Cog.listener()
    async def on_guild_join(self, guild: discord.Guild) -> None:
        await self.scheduler.sync(guild.id)

    @commands.Cog.listener()
    async def on_notes_reload(self) -> None:
        """SIGHUP (the runner dispatches it): read the notes folder now, not in a minute."""
        log.info("SIGHUP: re-reading the notes folder")
        await self.scheduler.watch_notes()

    async def interaction_check(self, interaction: discord.Interaction[Any]) -> bool:
        """Server-side Manage Server check (default permissions can be overridden)."""
        if interaction.guild_id is None:
            raise UserFacingError(t("admin.guild_only", interaction.locale))
        if not interaction.permissions.manage_guild:
            raise UserFacingError(t("admin.need_manage", interaction.locale))
        return True

    async def _reply(self, interaction: discord.Interaction[PaperBot], text: str) -> None:
        text = self.bot.linked(text)
        if interaction.response.is_done():
            await interaction.followup.send(text, ephemeral=True)
        else:
            await interaction.response.send_message(text, ephemeral=True)

    async def _next(self, interaction: discord.Interaction[PaperBot]) -> str:
        assert interaction.guild_id is not None
        settings = await self.scheduler.sync(interaction.guild_id)
        return when(
            self.scheduler.next_run(interaction.guild_id), settings.timezone, interaction.locale
        )

    @staticmethod
    def _refuse_missing(
        interaction: discord.Interaction[PaperBot], channel: discord.TextChannel, missing: list[str]
    ) -> None:
        """Refuse (changing nothing) a channel where the bot lacks `missing`, naming each,
        rather than fail later with a 403 that stops the channel."""
        if missing:
            locale = interaction.locale
            raise UserFacingError(
                t(
                    "admin.cannot_post",
                    locale,
                    channel=channel.mention,
                    missing=permission_names(missing, locale),
                )
            )

    @staticmethod
    def _granted(channel: discord.TextChannel) -> int:
        """The bot's permissions in `channel` (overwrites and implicit rules applied)."""
        return channel.permissions_for(channel.guild.me).value

    @app_commands.command(name="channel", description="Where the daily digest is posted")
    @app_commands.describe(channel="A text or announcement channel the bot can post in")
    async def channel(
        self, interaction: discord.Interaction[PaperBot], channel: discord.TextChannel
    ) -> None:
        assert interaction.guild_id is not None
        settings = await self.scheduler.effective(interaction.guild_id)
        missing = missing_permissions(self._granted(channel), settings.style)
        self._refuse_missing(interaction, channel, missing)
        await self.bot.store.digests.update_guild(interaction.guild_id, channel_id=channel.id)
        await self.service.resume_channel(channel.id)
        nxt = await self._next(interaction)
        await self._reply(
            interaction,
            t("admin.channel_set", interaction.locale, channel=channel.mention, next=nxt),
        )

    @app_commands.command(
        name="alerts", description="Where operator alerts for this server are posted"
    )
    @app_commands.describe(channel="A channel for alerts; leave empty to turn them off")
    async def alerts(
        self, interaction: discord.Interaction[PaperBot], channel: discord.TextChannel | None = None
    ) -> None:
        assert interaction.guild_id is not None
        if channel is not None:
            granted = self._granted(channel)
            missing = [NAMES[flag] for flag in ALERT_NEEDS if not granted & flag]
            self._refuse_missing(interaction, channel, missing)
        await self.bot.store.digests.update_guild(
            interaction.guild_id, alert_channel_id=channel.id if channel else None
        )
        text = (
            t("admin.alerts_set", interaction.locale, channel=channel.mention)
            if channel
            else t("admin.alerts_off", interaction.locale)
        )
        await self._reply(interaction, text)

    @app_commands.command(name="schedule", description="When the daily digest is posted")
    @app_commands.describe(
        time="24-hour time, e.g. 09:00", timezone="IANA time zone, e.g. Asia/Seoul"
    )
    async def schedule(
        self,
        interaction: discord.Interaction[PaperBot],
        time: TimeArg,
        timezone: ZoneArg | None = None,
    ) -> None:
        assert interaction.guild_id is not None
        values: dict[str, str] = {"digest_time": time.strftime("%H:%M")}
        if timezone:
            values["timezone"] = timezone
        await self.bot.store.digests.update_guild(interaction.guild_id, **values)
        settings = await self.scheduler.effective(interaction.guild_id)
        nxt = await self._next(interaction)
        await self._reply(
            interaction,
            t(
                "admin.schedule_set",
                interaction.locale,
                time=settings.time.strftime("%H:%M"),
                timezone=settings.timezone,
                next=nxt,
            ),
        )

    @app_commands.command(name="language", description="The language of the notes' commentary")
    @app_commands.describe(language="Korean, English, or both")
    @app_commands.choices(language=keyed_choices("language", LANGUAGES))
    async def language(
        self, interaction: discord.Interaction[PaperBot], language: app_commands.Choice[str]
    ) -> None:
        assert interaction.guild_id is not None
        chosen = language.value
        await self.bot.store.digests.update_guild(interaction.guild_id, language=chosen)
        shown = t(f"language.{chosen}", interaction.locale)
        await self._reply(interaction, t("admin.language_set", interaction.locale, value=shown))

    @app_commands.command(name="style", description="Full embeds, or a compact list + a thread")
    @app_commands.describe(style="How each paper is shown")
    @app_commands.choices(style=keyed_choices("style", STYLES))
    async def style(
        self, interaction: discord.Interaction[PaperBot], style: app_commands.Choice[str]
    ) -> None:
        """Also checks the digest channel: compact needs thread permissions there."""
        assert interaction.guild_id is not None
        settings = await self.scheduler.effective(interaction.guild_id)
        channel = self.bot.get_channel(settings.channel_id) if settings.channel_id else None
        if isinstance(channel, discord.TextChannel):
            missing = missing_permissions(self._granted(channel), style.value)
            self._refuse_missing(interaction, channel, missing)
        await self.bot.store.digests.update_guild(interaction.guild_id, style=style.value)
        shown = t(f"style.{style.value}", interaction.locale)
        await self._reply(interaction, t("admin.style_set", interaction.locale, value=shown))

    @app_commands.command(
        name="start", description="Which day of the notes the digest (re)starts at"
    )
    @app_commands.describe(at="first, latest, or a date like 2024-06-12")
    async def start(self, interaction: discord.Interaction[PaperBot], at: StartArg) -> None:
        locale = interaction.locale
        settings = await self._settings(interaction)
        assert settings.channel_id is not None
        state = await self.service.channel_state(settings)
        await self.bot.store.digests.set_start(state.channel_id, at)
        fresh = await self.service.channel_state(settings)
        day = await self.service.next_day(fresh)
        shown = day.isoformat() if day else t("status.none", locale)
        await self._reply(interaction, t("admin.start_set", locale, day=shown))

    async def _settings(self, interaction: discord.Interaction[PaperBot]) -> Effective:
        """The server's settings; a channel is required."""
        assert interaction.guild_id is not None
        settings = await self.scheduler.effective(interaction.guild_id)
        if settings.channel_id is None:
            raise UserFacingError(t("admin.no_channel", interaction.locale))
        return settings

    @app_commands.command(name="pause", description="Stop posting digests until resumed")
    async def pause(self, interaction: discord.Interaction[PaperBot]) -> None:
        assert interaction.guild_id is not None
        await self.bot.store.digests.update_guild(interaction.guild_id, paused=1)
        await self.scheduler.sync(interaction.guild_id)
        await self._reply(interaction, t("admin.paused", interaction.locale))

    @app_commands.command(name="resume", description="Post digests again (also after an error)")
    async def resume(self, interaction: discord.Interaction[PaperBot]) -> None:
        assert interaction.guild_id is not None
        await self.bot.store.digests.update_guild(interaction.guild_id, paused=0)
        settings = await self._settings(interaction)
        assert settings.channel_id is not None
        await self.service.resume_channel(settings.channel_id)
        nxt = await self._next(interaction)
        await self._reply(interaction, t("admin.resumed", interaction.locale, next=nxt))

    @app_commands.command(name="post-now", description="Post the next day's digest right now")
    async def post_now(self, interaction: discord.Interaction[PaperBot]) -> None:
        settings = await self._settings(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        outcome = await self.scheduler.run(settings)
        locale = interaction.locale
        if outcome.day is not None:
            text = t("admin.posted", locale, day=outcome.day.isoformat(), parts=outcome.parts_sent)
        else:
            text = t("admin.nothing", locale, reason=outcome.note)
        await self._reply(interaction, text)

    @app_commands.command(name="status", description="Channel, next run, progress and errors")
    async def status(self, interaction: discord.Interaction[PaperBot]) -> None:
        locale = interaction.locale
        assert interaction.guild_id is not None
        settings = await self.scheduler.effective(interaction.guild_id)
        embed = discord.Embed(title=t("status.title", locale), colour=discord.Colour.blurple())
        none = t("status.none", locale)
        channel = f"<#{settings.channel_id}>" if settings.channel_id else none
        embed.add_field(name=t("status.channel", locale), value=channel)
        paused = " · " + t("status.paused", locale) if settings.paused else ""
        embed.add_field(
            name=t("status.schedule", locale),
            value=f"{settings.time:%H:%M} {settings.timezone}{paused}",
        )
        language = t(f"language.{settings.language}", locale)
        style = t(f"style.{settings.style}", locale)
        embed.add_field(name=t("status.settings", locale), value=f"{language} · {style}")
        row = await self.bot.store.digests.guild(interaction.guild_id)
        alerts = row.alert_channel_id if row else None
        embed.add_field(name=t("status.alerts", locale), value=f"<#{alerts}>" if alerts else none)
        next_run = self.scheduler.next_run(interaction.guild_id)
        embed.add_field(
            name=t("status.next", locale),
            value=when(next_run, settings.timezone, locale),
            inline=False,
        )
        if settings.channel_id is not None:
            state = await self.service.channel_state(settings)
            waiting = await self.bot.store.days_after(state.cursor)
            embed.add_field(
                name=t("status.cursor", locale),
                value=state.cursor.isoformat() if state.cursor else none,
            )
            embed.add_field(name=t("status.waiting", locale), value=str(waiting))
            unpublished = await self.bot.store.digests.unpublished(state.channel_id)
            if unpublished:
                embed.add_field(name=t("status.unpublished", locale), value=str(len(unpublished)))
            if state.error:
                error = state.error[:900]
                value = (
                    self.bot.linked(t("status.stopped", locale, error=error))
                    if state.stopped
                    else error
                )
                if state.error_at:
                    value += f" (<t:{int(state.error_at.timestamp())}:R>)"
                embed.add_field(name=t("status.error", locale), value=value, inline=False)
        embed.timestamp = datetime.now(UTC)
        await interaction.response.send_message(embed=embed, ephemeral=True)

    @app_commands.command(name="why", description="What became of a paper or a day of notes here")
    @app_commands.describe(query="A title or a date, e.g. 2024-06-12")
    async def why(
        self, interaction: discord.Interaction[PaperBot], query: app_commands.Range[str, 1, 200]
    ) -> None:
        settings = await self._settings(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        await self.scheduler.sync(settings.guild_id)  # "next run" even before on_ready synced
        found = await self.service.why(settings, query)
        await self._reply(interaction, self._explain(found, settings, interaction.locale))

    def _explain(self, found: Why, settings: Effective, locale: object) -> str:
        """The answer to `why`: each day's fate, then what stops the channel, then problems."""
        lines = [f"**{found.subject}**"] if found.fates and found.subject else []
        lines += [self._fate_line(fate, settings, locale) for fate in found.fates]
        state = found.state
        failed = any(f.state == "failed" for f in found.fates)
        if state.error and (state.stopped or failed):
            then = t(advice(state.error, state.stopped), locale, channel=state.channel_id)
            lines.append(
                then if failed else t("why.stopped", locale, error=state.error) + " " + then
            )
        elif settings.paused and any(f.state == "waiting" for f in found.fates):
            lines.append(t("why.paused", locale))
        if found.problems:
            heading = "why.problems" if found.fates else "why.not_parsed"
            lines.append(t(heading, locale))
            lines += [f"- `{p}`" for p in found.problems[:WHY_PROBLEMS]]
            if len(found.problems) > WHY_PROBLEMS:
                lines.append(f"- … (+{len(found.problems) - WHY_PROBLEMS})")
        if not lines:
            lines.append(t("why.unknown", locale, query=found.subject))
        return truncate("\n".join(lines), CONTENT_MAX)

    def _fate_line(self, fate: Fate, settings: Effective, locale: object) -> str:
        day = fate.day.isoformat()
        if fate.state == "posted":
            link = (
                message_link(settings.guild_id, fate.target_id, fate.message_id)
                if fate.target_id and fate.message_id
                else "?"
            )
            line = t("why.posted", locale, day=day, link=link)
            if fate.edited_at:
                line += t("why.edited", locale, at=int(fate.edited_at.timestamp()))
            return line
        if fate.state == "waiting":
            nxt = self.scheduler.nth_run(settings.guild_id, 1)
            shown = f"<t:{int(nxt.timestamp())}:R>" if nxt else t("status.not_scheduled", locale)
            return t("why.waiting", locale, day=day, place=ordinal(fate.place, locale), next=shown)
        if fate.state == "failed":
            return t("why.failed", locale, day=day, error=fate.error)
        return t("why.skipped", locale, day=day)

    @why.autocomplete("query")
    async def why_autocomplete(
        self, interaction: discord.Interaction[PaperBot], current: str
    ) -> list[app_commands.Choice[str]]:
        """Matching days and titles (a title's value names its paper: titles run long)."""
        days_first = current.strip()[:1].isdigit()
        days = [
            app_commands.Choice(name=day.isoformat(), value=day.isoformat())
            for day, _ in await self.lookup.days(
                current, AUTOCOMPLETE_MAX if days_first else WHY_DAYS
            )
        ]
        titles = [
            app_commands.Choice(name=truncate(p.title, OPTION_MAX), value=f"{PAPER_PREFIX}{p.id}")
            for p in await self.lookup.suggest_titles(current)
        ]
        choices = days + titles if days_first else titles[: AUTOCOMPLETE_MAX - len(days)] + days
        return choices[:AUTOCOMPLETE_MAX]


async def setup(bot: PaperBot) -> None:
    await bot.add_cog(DigestAdmin(bot))
