"""`/digest-admin …`: per-server digest settings, and the scheduler's lifecycle.

Manage Server only: hidden from others by default permissions, and checked again
here on every interaction because server admins can override command permissions.
Every answer is ephemeral; invalid input changes nothing.
"""

from __future__ import annotations

import logging
import zoneinfo
from datetime import UTC, date, datetime
from typing import Any, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.adapters.discord.app import PaperBot
from bot.adapters.discord.errors import UserFacingError
from bot.adapters.discord.sender import DiscordSender
from bot.adapters.scheduler import DigestScheduler
from bot.core.i18n import t
from bot.core.text import parse_hhmm
from bot.services.digest import DigestDefaults, DigestService, Effective

log = logging.getLogger(__name__)

TIMEZONES = sorted(zoneinfo.available_timezones())
KNOWN_TIMEZONES = frozenset(TIMEZONES)
AUTOCOMPLETE_MAX = 25


def when(moment: datetime | None, timezone: str, locale: object) -> str:
    """A run time in the server's zone plus a Discord timestamp (shown in the reader's zone)."""
    if moment is None:
        return t("status.not_scheduled", locale)
    local = moment.astimezone(zoneinfo.ZoneInfo(timezone))
    return f"{local:%Y-%m-%d %H:%M} {timezone} (<t:{int(moment.timestamp())}:R>)"


class DigestAdmin(
    commands.GroupCog,
    group_name="digest-admin",
    group_description="Daily digest settings for this server (Manage Server)",
):
    """Settings commands; owns the digest service and scheduler."""

    def __init__(self, bot: PaperBot) -> None:
        self.bot = bot
        s = bot.settings
        defaults = DigestDefaults(s.digest_channel_id, s.digest_time, s.digest_timezone)
        self.service = DigestService(bot.store, DiscordSender(bot), defaults)
        self.scheduler = DigestScheduler(
            self.service, self._guilds, s.notes_dir, watch_seconds=s.notes_watch_seconds
        )

    def _guilds(self) -> list[tuple[int, int | None]]:
        """Every server the bot is in, with the operator's channel where it belongs."""
        default = self.bot.settings.digest_channel_id
        channel = self.bot.get_channel(default) if default else None
        owner = getattr(channel, "guild", None)
        return [(g.id, default if owner and owner.id == g.id else None) for g in self.bot.guilds]

    async def cog_load(self) -> None:
        self.scheduler.start()

    async def cog_unload(self) -> None:
        self.scheduler.shutdown()

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        """After (re)connecting: jobs for every server, then missed digests."""
        await self.scheduler.sync_all()

    @commands.Cog.listener()
    async def on_guild_join(self, guild: discord.Guild) -> None:
        await self.scheduler.sync(guild.id)

    async def interaction_check(self, interaction: discord.Interaction[Any]) -> bool:
        """Server-side Manage Server check (default permissions can be overridden)."""
        if interaction.guild_id is None:
            raise UserFacingError(t("admin.guild_only", interaction.locale))
        if not interaction.permissions.manage_guild:
            raise UserFacingError(t("admin.need_manage", interaction.locale))
        return True

    async def _reply(self, interaction: discord.Interaction[PaperBot], text: str) -> None:
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

    @app_commands.command(name="channel", description="Where the daily digest is posted")
    @app_commands.describe(channel="A text or announcement channel the bot can post in")
    async def channel(
        self, interaction: discord.Interaction[PaperBot], channel: discord.TextChannel
    ) -> None:
        me = channel.guild.me
        perms = channel.permissions_for(me)
        needed = {
            "View Channel": perms.view_channel,
            "Send Messages": perms.send_messages,
            "Embed Links": perms.embed_links,
        }
        missing = [name for name, ok in needed.items() if not ok]
        if missing:
            raise UserFacingError(
                t(
                    "admin.cannot_post",
                    interaction.locale,
                    channel=channel.mention,
                    missing=", ".join(missing),
                )
            )
        assert interaction.guild_id is not None
        await self.bot.store.digests.update_guild(interaction.guild_id, channel_id=channel.id)
        await self.service.resume_channel(channel.id)
        nxt = await self._next(interaction)
        await self._reply(
            interaction,
            t("admin.channel_set", interaction.locale, channel=channel.mention, next=nxt),
        )

    @app_commands.command(name="schedule", description="When the daily digest is posted")
    @app_commands.describe(
        time="24-hour time, e.g. 09:00", timezone="IANA time zone, e.g. Asia/Seoul"
    )
    async def schedule(
        self,
        interaction: discord.Interaction[PaperBot],
        time: app_commands.Range[str, 1, 10],
        timezone: app_commands.Range[str, 1, 64] | None = None,
    ) -> None:
        locale = interaction.locale
        parsed = parse_hhmm(time)
        if parsed is None:
            raise UserFacingError(t("admin.bad_time", locale, value=time))
        if timezone is not None and timezone not in KNOWN_TIMEZONES:
            raise UserFacingError(t("admin.bad_timezone", locale, value=timezone))
        assert interaction.guild_id is not None
        values: dict[str, str] = {"digest_time": parsed.strftime("%H:%M")}
        if timezone:
            values["timezone"] = timezone
        await self.bot.store.digests.update_guild(interaction.guild_id, **values)
        settings = await self.scheduler.effective(interaction.guild_id)
        nxt = await self._next(interaction)
        await self._reply(
            interaction,
            t(
                "admin.schedule_set",
                locale,
                time=settings.time.strftime("%H:%M"),
                timezone=settings.timezone,
                next=nxt,
            ),
        )

    @schedule.autocomplete("timezone")
    async def timezone_autocomplete(
        self, interaction: discord.Interaction[PaperBot], current: str
    ) -> list[app_commands.Choice[str]]:
        needle = current.strip().casefold().replace(" ", "_")
        found = [z for z in TIMEZONES if needle in z.casefold()]
        found.sort(key=lambda z: (not z.casefold().startswith(needle), len(z)))
        return [app_commands.Choice(name=z, value=z) for z in found[:AUTOCOMPLETE_MAX]]

    @app_commands.command(name="language", description="The language of the notes' commentary")
    async def language(
        self, interaction: discord.Interaction[PaperBot], language: Literal["ko", "en", "both"]
    ) -> None:
        assert interaction.guild_id is not None
        await self.bot.store.digests.update_guild(interaction.guild_id, language=language)
        await self._reply(interaction, t("admin.language_set", interaction.locale, value=language))

    @app_commands.command(name="style", description="Full embeds, or a compact list + a thread")
    async def style(
        self, interaction: discord.Interaction[PaperBot], style: Literal["full", "compact"]
    ) -> None:
        assert interaction.guild_id is not None
        await self.bot.store.digests.update_guild(interaction.guild_id, style=style)
        await self._reply(interaction, t("admin.style_set", interaction.locale, value=style))

    @app_commands.command(
        name="start", description="Which day of the notes the digest (re)starts at"
    )
    @app_commands.describe(at="first, latest, or a date like 2024-06-12")
    async def start(
        self, interaction: discord.Interaction[PaperBot], at: app_commands.Range[str, 1, 20]
    ) -> None:
        locale = interaction.locale
        value = at.strip().lower()
        if value not in ("first", "latest"):
            try:
                value = date.fromisoformat(value).isoformat()
            except ValueError:
                raise UserFacingError(t("admin.bad_start", locale, value=at)) from None
        settings = await self._settings(interaction)
        assert settings.channel_id is not None
        state = await self.service.channel_state(settings)
        await self.bot.store.digests.set_start(state.channel_id, value)
        fresh = await self.service.channel_state(settings)
        day = await self.service.next_day(fresh)
        shown = day.isoformat() if day else t("status.none", locale)
        await self._reply(interaction, t("admin.start_set", locale, day=shown))

    @start.autocomplete("at")
    async def start_autocomplete(
        self, interaction: discord.Interaction[PaperBot], current: str
    ) -> list[app_commands.Choice[str]]:
        options = ["first", "latest"]
        return [app_commands.Choice(name=o, value=o) for o in options if current.lower() in o]

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
        outcome = await self.service.run(settings)
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
        embed.add_field(
            name=t("status.schedule", locale),
            value=f"{settings.time:%H:%M} {settings.timezone}"
            + (" · paused" if settings.paused else ""),
        )
        embed.add_field(
            name=t("status.settings", locale), value=f"{settings.language} · {settings.style}"
        )
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
                value = t("status.stopped", locale, error=error) if state.stopped else error
                if state.error_at:
                    value += f" (<t:{int(state.error_at.timestamp())}:R>)"
                embed.add_field(name=t("status.error", locale), value=value, inline=False)
        embed.timestamp = datetime.now(UTC)
        await interaction.response.send_message(embed=embed, ephemeral=True)


async def setup(bot: PaperBot) -> None:
    await bot.add_cog(DigestAdmin(bot))
