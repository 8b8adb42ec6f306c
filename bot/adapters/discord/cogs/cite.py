"""``/cite`` and ``/export``: the notes as a citation or as files to take away.

- ``/cite title:`` (autocomplete as ``/paper``): the paper as BibTeX and an APA reference,
  privately, with Share. A button with a ``ct1:c:<paper>`` custom id (the Cite button of a
  paper's answer) gives the same to whoever clicks it.
- ``/export tag: since: until: format:``: the matching papers as files within the
  interaction's attachment size limit, privately; too much is refused with the count and
  a narrower start date.

Both acknowledge at once and answer through the followup webhook: reading the store can
wait behind an ingest, and Discord's 3-second deadline is hard. Buttons are stopped views
whose custom ids reach `CiteButton` by template, so they keep working after a restart.
"""

from __future__ import annotations

import io
import logging
import secrets
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Protocol, cast

import discord
from discord import app_commands
from discord.ext import commands

from bot.adapters.discord.app import PaperBot
from bot.adapters.discord.cogs.lookup._cog import Day, Query, Tag
from bot.adapters.discord.cogs.lookup._components import COG_NAME as LOOKUP_COG
from bot.adapters.discord.cogs.lookup._screens import Screens
from bot.adapters.discord.errors import UserFacingError
from bot.core.cite import CITE_ID_FAMILY, SHARE, citation_page, decode_cite_id
from bot.core.export import BadFilter, Filters, Format, TooLarge, filters_from
from bot.core.i18n import t
from bot.core.pages import Button, File, Page, Select, Viewer, count_label
from bot.core.render import escape, escape_within
from bot.core.screens import Screen
from bot.services.digest import DigestComposer
from bot.services.export import MAX_PARTS, ExportService, TooMany
from bot.services.lookup import LookupService

log = logging.getLogger(__name__)

COG_NAME = "Cite"
NO_MENTIONS = discord.AllowedMentions.none()
Interaction = discord.Interaction[PaperBot]
Choices = list[app_commands.Choice[str]]
everywhere = app_commands.allowed_contexts(guilds=True, dms=True, private_channels=True)


class _Completions(Protocol):
    """The lookup cog's autocomplete callbacks, which /cite and /export offer as well.
    (discord.py's `autocomplete` decorator hides their signatures from type checkers.)"""

    async def paper_autocomplete(self, interaction: Interaction, current: str) -> Choices: ...

    async def tag_autocomplete(self, interaction: Interaction, current: str) -> Choices: ...

    async def digest_autocomplete(self, interaction: Interaction, current: str) -> Choices: ...


def _item(row: int, element: Button | Select) -> discord.ui.Item[Any]:
    if isinstance(element, Select):
        options = [
            discord.SelectOption(label=o.label, value=o.value, description=o.description)
            for o in element.options
        ]
        return discord.ui.Select(
            custom_id=element.custom_id, placeholder=element.placeholder, options=options, row=row
        )
    style = discord.ButtonStyle[element.style]
    return discord.ui.Button(label=element.label, custom_id=element.custom_id, style=style, row=row)


def _view(page: Page) -> discord.ui.View | None:
    """The page's rows as a stopped view, or None without rows. Stopped views are never
    kept in memory: a click reaches whichever DynamicItem its custom id matches (ours, or
    the lookup cog's for a "did you mean" menu)."""
    view = discord.ui.View(timeout=None)
    for index, row in enumerate(page.rows):
        for element in [row] if isinstance(row, Select) else row:
            view.add_item(_item(index, element))
    view.stop()
    return view if view.children else None


def _files(page: Page) -> list[discord.File]:
    return [
        discord.File(io.BytesIO(f.data), filename=f.filename, description=f.description)
        for f in page.files
    ]


async def deliver(
    interaction: Interaction, make: Callable[[], Awaitable[Sequence[Page]]], *, public: bool
) -> None:
    """Acknowledge at once, then send the pages `make` builds, each as a message: the first
    fills the "thinking…" answer. What goes wrong is told privately: a `UserFacingError`
    as it is, anything else with an error id that is also logged. Never raises."""
    what = interaction.command.qualified_name if interaction.command else "cite button"
    try:
        await interaction.response.defer(ephemeral=not public, thinking=True)
        try:
            pages = await make()
        except UserFacingError as error:
            log.info("%s: %s", what, error)
            text = str(error)
        except Exception as error:
            error_id = secrets.token_hex(3)
            log.error("%s failed (error id %s)", what, error_id, exc_info=error)
            text = t("error.unexpected", interaction.locale, error_id=error_id)
        else:
            for page in pages:
                await interaction.followup.send(
                    content=page.content or discord.utils.MISSING,
                    embeds=[discord.Embed.from_dict(e.to_dict()) for e in page.embeds],
                    view=_view(page) or discord.utils.MISSING,
                    files=_files(page),
                    ephemeral=not public,
                    allowed_mentions=NO_MENTIONS,
                )
            return
        if public:  # the error is for the member alone, not the channel
            await interaction.delete_original_response()
        await interaction.followup.send(text, ephemeral=True, allowed_mentions=NO_MENTIONS)
    except discord.HTTPException as error:
        log.warning("%s: could not answer: %s", what, error)


class CiteButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=CITE_ID_FAMILY):
    """Cite (privately, to whoever clicks) or Share (in the channel) a paper's citation."""

    def __init__(self, button: discord.ui.Button[Any]) -> None:
        super().__init__(button)

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: Any
    ) -> CiteButton:
        return cls(cast(discord.ui.Button[Any], item))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        cog = cast(commands.Bot, interaction.client).get_cog(COG_NAME)
        if isinstance(cog, Cite):
            await cog.clicked(interaction, self.custom_id)


def _filters_or_tell(
    tag: str | None, since: str | None, until: str | None, locale: object
) -> Filters:
    """The export's filters, or a `UserFacingError` saying what to type instead."""
    try:
        return filters_from(tag, since, until)
    except BadFilter as bad:

        def shown(text: str | None) -> str:
            return escape_within(text or "", 40, links=False)

        if bad.what == "tag":
            raise UserFacingError(t("lookup.no_tag", locale, tag=shown(bad.value))) from None
        if bad.what == "day":
            raise UserFacingError(t("export.bad_day", locale, value=shown(bad.value))) from None
        message = t("export.backwards", locale, since=shown(since), until=shown(until))
        raise UserFacingError(message) from None


def _size_label(size: int) -> str:
    """`10 MB`, `512 KB`: a file size as Discord's client shows limits."""
    return f"{size / 1_000_000:.3g} MB" if size >= 1_000_000 else f"{size / 1000:.3g} KB"


def _refusal(error: TooLarge | TooMany, limit: int, locale: object) -> str:
    """Why an export is refused, and how to narrow it."""
    papers = count_label(error.papers, locale)
    if isinstance(error, TooMany):
        why = t("export.too_many", locale, papers=papers, most=error.most)
    elif error.files:
        why = t(
            "export.too_large",
            locale,
            papers=papers,
            files=error.files,
            size=_size_label(limit),
            most=MAX_PARTS,
        )
    else:
        why = t("export.paper_too_large", locale, size=_size_label(limit))
    if error.since is None:
        return f"{why} {t('export.narrow_any', locale)}"
    return f"{why} {t('export.narrow', locale, since=error.since.isoformat())}"


class Cite(commands.Cog, name=COG_NAME):
    """/cite, /export and the Cite and Share buttons of citations."""

    def __init__(self, bot: PaperBot) -> None:
        self.bot = bot
        self.screens = Screens(LookupService(bot.store), DigestComposer(bot.store))
        self.exports = ExportService(bot.store)

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(CiteButton)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(CiteButton)

    def _completions(self) -> _Completions | None:
        cog = self.bot.get_cog(LOOKUP_COG)
        return cast(_Completions, cog) if cog is not None else None

    # ---- /cite ------------------------------------------------------------------------

    async def _citation(self, paper_id: int, locale: object, shared_by: str | None = None) -> Page:
        paper = await self.exports.paper(paper_id)
        if paper is None:
            raise UserFacingError(t("lookup.gone", locale))
        return citation_page(paper.reference, paper_id, locale, shared_by)

    @app_commands.command(name="cite", description="A paper as BibTeX and an APA reference")
    @app_commands.describe(title="Start typing a title and pick it from the list")
    @everywhere
    async def cite(self, interaction: Interaction, title: Query) -> None:
        locale = interaction.locale

        async def make() -> list[Page]:
            # As /paper reads it: the chosen title, the best match, or "did you mean…"
            # (whose menu opens the paper, and its Cite button).
            viewer = Viewer(interaction.user.id, locale)
            resolved = await self.screens.paper_screen(title, "both", viewer)
            if isinstance(resolved, Screen):
                return [await self._citation(resolved.paper_id, locale)]
            return [resolved]

        await deliver(interaction, make, public=False)

    @cite.autocomplete("title")
    async def cite_autocomplete(self, interaction: Interaction, current: str) -> Choices:
        lookup = self._completions()
        return await lookup.paper_autocomplete(interaction, current) if lookup else []

    async def clicked(self, interaction: discord.Interaction[Any], custom_id: str) -> None:
        """A Cite or Share button (see `bot.core.cite.cite_custom_id` for the ids)."""
        locale = interaction.locale
        decoded = decode_cite_id(custom_id)

        async def make() -> list[Page]:
            if decoded is None:
                log.info("stale citation button %r", custom_id)
                raise UserFacingError(t("lookup.stale", locale))
            verb, paper_id = decoded
            if verb == SHARE:
                where = interaction.guild_locale or locale
                return [await self._citation(paper_id, where, interaction.user.mention)]
            return [await self._citation(paper_id, locale)]

        share = decoded is not None and decoded[0] == SHARE
        await deliver(interaction, make, public=share)

    # ---- /export ----------------------------------------------------------------------

    @app_commands.command(name="export", description="Papers from the notes as a file to download")
    @app_commands.describe(
        tag="Only papers with this tag",
        since="From this day, month or year, e.g. 2024-06",
        until="Up to this day, month or year, e.g. 2024-12-31",
        file_format="Markdown, CSV, BibTeX or JSON",
    )
    @app_commands.rename(file_format="format")
    @everywhere
    async def export(
        self,
        interaction: Interaction,
        tag: Tag | None = None,
        since: Day | None = None,
        until: Day | None = None,
        file_format: Format = "markdown",
    ) -> None:
        locale = interaction.locale
        limit = interaction.filesize_limit

        async def make() -> list[Page]:
            filters = _filters_or_tell(tag, since, until, locale)
            described = escape(filters.describe(t("export.all", locale)), links=False)
            try:
                export = await self.exports.files(filters, file_format, limit)
            except (TooLarge, TooMany) as error:
                raise UserFacingError(_refusal(error, limit, locale)) from None
            if not export.papers:
                raise UserFacingError(t("export.none", locale, filters=described))
            papers = count_label(export.papers, locale)
            lines = [t("export.summary", locale, papers=papers, filters=described)]
            if file_format == "bibtex" and export.without_arxiv:
                lines.append(t("export.incomplete", locale, count=export.without_arxiv))
            parts = len(export.parts)
            return [
                Page(
                    content="\n".join(
                        [*lines, t("export.part", locale, part=number, parts=parts)]
                        if parts > 1
                        else lines
                    ),
                    files=(File(part.filename, part.data, count_label(part.papers, locale)),),
                )
                for number, part in enumerate(export.parts, start=1)
            ]

        await deliver(interaction, make, public=False)

    @export.autocomplete("tag")
    async def export_tag_autocomplete(self, interaction: Interaction, current: str) -> Choices:
        lookup = self._completions()
        return await lookup.tag_autocomplete(interaction, current) if lookup else []

    @export.autocomplete("since")
    @export.autocomplete("until")
    async def export_day_autocomplete(self, interaction: Interaction, current: str) -> Choices:
        lookup = self._completions()
        return await lookup.digest_autocomplete(interaction, current) if lookup else []


async def setup(bot: PaperBot) -> None:
    await bot.add_cog(Cite(bot))
