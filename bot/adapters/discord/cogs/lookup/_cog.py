"""The lookup commands: what members typed → a screen → a page, and clicks on its components.

Every answer is private (ephemeral) and carries Share and, where commentary shows,
한/EN; clicks on the member's own answer edit it in place, clicks by anyone else
(on a shared copy) give them their own private copy. Autocomplete never raises
and never offers more than Discord accepts: 25 choices, names and values of 1–100
characters.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace

import discord
from discord import app_commands
from discord.ext import commands

from bot.adapters.discord.app import PaperBot
from bot.adapters.discord.cogs.lookup._components import COG_NAME, ScreenButton, ScreenSelect
from bot.adapters.discord.cogs.lookup._reply import How, respond, say
from bot.adapters.discord.cogs.lookup._screens import PAPER_ID_PREFIX, Screens, search_words
from bot.core.i18n import t
from bot.core.pages import OPTION_MAX, Page, Viewer, choice_label, plain_label
from bot.core.query import MAX_QUERY_CHARS, MAX_TAG_CHARS
from bot.core.render import Language
from bot.core.screens import BadCustomId, Kind, Screen, Verb, decode, is_paper_id
from bot.services.digest import DigestComposer
from bot.services.lookup import MAX_SUGGESTIONS, LookupService

log = logging.getLogger(__name__)

Choices = list[app_commands.Choice[str]]
Interaction = discord.Interaction[PaperBot]
# What a command resolves to, given the member and the server's commentary language.
First = Callable[[Viewer, Language], Awaitable[Screen | Page]]

# Lookups make sense anywhere the bot is: servers, DMs with it, group DMs.
everywhere = app_commands.allowed_contexts(guilds=True, dms=True, private_channels=True)

# What each option can hold (Discord refuses longer input itself): titles and searches
# as much as a lookup reads (`bounded`), tags as long as autocomplete can offer them,
# days as long as any way of writing one (`2024년 12월 17일`).
Query = app_commands.Range[str, None, MAX_QUERY_CHARS]
Tag = app_commands.Range[str, None, MAX_TAG_CHARS]
Day = app_commands.Range[str, None, 40]


async def _choices(what: str, make: Callable[[], Awaitable[Choices]]) -> Choices:
    """Autocomplete choices; a failure is logged and offers nothing rather than an error."""
    try:
        return (await make())[:MAX_SUGGESTIONS]
    except Exception:
        log.exception("autocomplete for %s failed", what)
        return []


class Lookup(commands.Cog, name=COG_NAME):
    """/paper, /tag, /tags, /search, /digest, /random, /related and their components."""

    def __init__(self, bot: PaperBot) -> None:
        self.bot = bot
        self.lookup = LookupService(bot.store)
        self.screens = Screens(self.lookup, DigestComposer(bot.store))

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(ScreenButton, ScreenSelect)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(ScreenButton, ScreenSelect)

    # ---- shared steps ----------------------------------------------------------------

    @staticmethod
    def _viewer(interaction: Interaction) -> Viewer:
        return Viewer(interaction.user.id, interaction.locale)

    async def _show(self, interaction: Interaction, first: First) -> None:
        """Answer a command privately with the screen (or page) `first` resolves to.

        `first` gets the member and the server's commentary language; everything runs
        inside `respond`, so it is deferred when slow and its errors are answered.
        """
        viewer = self._viewer(interaction)

        async def make() -> Page:
            language = await self.lookup.commentary_language(interaction.guild_id)
            resolved = await first(viewer, language)
            if isinstance(resolved, Page):
                return resolved
            return await self.screens.render(resolved, viewer)

        await respond(interaction, make, How.NEW)

    async def _paper_choices(self, current: str) -> Choices:
        papers = await self.lookup.suggest_titles(current)
        return [
            app_commands.Choice(
                name=plain_label(p.title, str(p.id)), value=f"{PAPER_ID_PREFIX}{p.id}"
            )
            for p in papers
        ]

    async def _tag_choices(self, interaction: Interaction, current: str) -> Choices:
        tags = await self.lookup.tag_choices(current)
        return [
            app_commands.Choice(name=choice_label(c.tag, c.papers, interaction.locale), value=c.tag)
            for c in tags
            if len(c.tag) <= OPTION_MAX
        ]

    # ---- commands ----------------------------------------------------------------------

    @app_commands.command(name="paper", description="Show a paper from the notes")
    @app_commands.describe(title="Start typing a title and pick it from the list")
    @everywhere
    async def paper(self, interaction: Interaction, title: Query) -> None:
        await self._show(
            interaction, lambda viewer, lang: self.screens.paper_screen(title, lang, viewer)
        )

    @paper.autocomplete("title")
    async def paper_autocomplete(self, interaction: Interaction, current: str) -> Choices:
        return await _choices("/paper", lambda: self._paper_choices(current))

    @app_commands.command(name="tag", description="Papers with a tag, newest first")
    @app_commands.describe(name="A tag, e.g. vq or #vision-language")
    @everywhere
    async def tag(self, interaction: Interaction, name: Tag) -> None:
        await self._show(
            interaction, lambda viewer, lang: self.screens.tag_screen(name, lang, viewer.locale)
        )

    @tag.autocomplete("name")
    async def tag_autocomplete(self, interaction: Interaction, current: str) -> Choices:
        return await _choices("/tag", lambda: self._tag_choices(interaction, current))

    @app_commands.command(name="tags", description="Every tag with its number of papers")
    @everywhere
    async def tags(self, interaction: Interaction) -> None:
        async def first(viewer: Viewer, language: Language) -> Screen:
            return Screen(Kind.TAGS, "", 0, language)

        await self._show(interaction, first)

    @app_commands.command(name="search", description="Search titles, authors, abstracts and notes")
    @app_commands.describe(query="Words to look for, in English or Korean")
    @everywhere
    async def search(self, interaction: Interaction, query: Query) -> None:
        async def first(viewer: Viewer, language: Language) -> Page:
            words, cut = search_words(query, viewer)
            page = await self.screens.render(Screen(Kind.SEARCH, words, 0, language), viewer)
            if cut:
                note = t("lookup.search_cut", viewer.locale, query=words)
                return replace(page, content=note)
            return page

        await self._show(interaction, first)

    @app_commands.command(name="digest", description="A day's digest, just for you")
    @app_commands.describe(date="A day of notes, e.g. 2024-06-12")
    @everywhere
    async def digest(self, interaction: Interaction, date: Day) -> None:
        await self._show(
            interaction, lambda viewer, lang: self.screens.digest_screen(date, lang, viewer.locale)
        )

    @digest.autocomplete("date")
    async def digest_autocomplete(self, interaction: Interaction, current: str) -> Choices:
        async def make() -> Choices:
            days = await self.lookup.days(current)
            return [
                app_commands.Choice(
                    name=choice_label(day.isoformat(), count, interaction.locale),
                    value=day.isoformat(),
                )
                for day, count in days
            ]

        return await _choices("/digest", make)

    @app_commands.command(name="random", description="A paper picked at random")
    @app_commands.describe(tag="Only papers with this tag")
    @everywhere
    async def random(self, interaction: Interaction, tag: Tag | None = None) -> None:
        async def first(viewer: Viewer, language: Language) -> Screen:
            if tag is None:
                return Screen(Kind.RANDOM, "", 0, language)
            screen = await self.screens.tag_screen(tag, language, viewer.locale)
            return Screen(Kind.RANDOM, screen.arg, 0, language)

        await self._show(interaction, first)

    @random.autocomplete("tag")
    async def random_autocomplete(self, interaction: Interaction, current: str) -> Choices:
        return await _choices("/random", lambda: self._tag_choices(interaction, current))

    @app_commands.command(name="related", description="Papers sharing tags or links with one")
    @app_commands.describe(title="Start typing a title and pick it from the list")
    @everywhere
    async def related(self, interaction: Interaction, title: Query) -> None:
        await self._show(
            interaction, lambda viewer, lang: self.screens.related_screen(title, lang, viewer)
        )

    @related.autocomplete("title")
    async def related_autocomplete(self, interaction: Interaction, current: str) -> Choices:
        return await _choices("/related", lambda: self._paper_choices(current))

    # ---- components ----------------------------------------------------------------------

    async def clicked(self, interaction: Interaction, custom_id: str, values: list[str]) -> None:
        """A button or select menu of a lookup answer (see `bot.core.screens` for the ids)."""
        try:
            verb, screen, owner = decode(custom_id)
        except BadCustomId:
            log.info("stale component id %r", custom_id)
            await say(interaction, t("lookup.stale", interaction.locale))
            return
        viewer = self._viewer(interaction)
        how = How.NEW
        if verb is Verb.VIEW:
            message = interaction.message
            own = interaction.user.id == owner
            if own and message is not None and message.flags.ephemeral:
                how = How.EDIT
        elif verb is Verb.SHARE:
            how = How.PUBLIC
            locale = interaction.guild_locale or interaction.locale
            viewer = Viewer(interaction.user.id, locale, shared_by=interaction.user.mention)
        elif verb is Verb.OPEN:
            if not values or not is_paper_id(values[0]):
                await say(interaction, t("lookup.gone", interaction.locale))
                return
            screen = Screen(Kind.PAPER, values[0], 0, screen.language)
        await respond(interaction, lambda: self.screens.render(screen, viewer), how)
