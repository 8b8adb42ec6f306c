"""From a screen (what an answer shows) to a page (what one message holds).

Commands and clicks both end here: a command builds the first screen from what the
member typed, a click decodes it from the component's custom id. Data comes from
the lookup and digest services, layout from `bot.core.pages` and the renderer;
nothing here talks to Discord, so it is tested on a real store. A screen that no
longer exists (the notes changed under an old button) raises `UserFacingError`
with a polite message.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable, Sequence
from math import ceil

from bot.adapters.discord.errors import UserFacingError
from bot.adapters.fonts import chart_fonts
from bot.core.chart import Font, bar_chart
from bot.core.cite import cite_custom_id
from bot.core.days import parse_day
from bot.core.i18n import t
from bot.core.pages import (
    CHART_BARS,
    CHART_FILE,
    PER_PAGE,
    SNIPPET_MAX,
    TAGS_PER_PAGE,
    Button,
    File,
    Listed,
    Page,
    Viewer,
    controls,
    count_label,
    credited,
    list_embed,
    open_select,
    page_label,
    rows_of,
    tag_index_embed,
)
from bot.core.query import MAX_QUERY_CHARS, bounded, bounded_tag, query_words
from bot.core.render import (
    DEFAULT_COLOUR,
    Language,
    digest_messages,
    escape,
    escape_within,
    pack,
    paper_embeds,
    tag_colour,
    truncate,
)
from bot.core.screens import Kind, Screen, Verb, encode, is_paper_id, room_for_arg
from bot.core.text import words as all_words
from bot.services.digest import DigestComposer
from bot.services.lookup import LookupService
from bot.store import PaperSummary

PAPER_ID_PREFIX = "id:"  # autocomplete values for /paper and /related


def listed(paper: PaperSummary, snippet: str | None = None) -> Listed:
    """A result row as the list layout takes it."""
    return Listed(paper.id, paper.title, paper.date, paper.tags, snippet)


def search_words(query: str, viewer: Viewer) -> tuple[str, bool]:
    """The query as searched (its words) and whether words had to be dropped to fit an id."""
    words = query_words(query)
    if not words:
        raise UserFacingError(t("lookup.no_search_words", viewer.locale))
    room = room_for_arg(viewer.owner)
    kept: list[str] = []
    for word in words:
        if len(" ".join([*kept, word])) > room:
            break
        kept.append(word)
    dropped = len(query) > MAX_QUERY_CHARS or len(kept) < len(set(all_words(bounded(query))))
    return " ".join(kept or [words[0][:room]]), dropped


class Screens:
    """Draws any screen for a viewer; one instance per bot.

    `fonts` gives the /tags chart's fonts (none: no chart); it is asked in a thread, as
    the first call reads font files and may run fontconfig.
    """

    def __init__(
        self,
        lookup: LookupService,
        composer: DigestComposer,
        rng: random.Random | None = None,
        fonts: Callable[[], Sequence[Font]] = chart_fonts,
    ) -> None:
        self.lookup = lookup
        self._composer = composer
        self._rng = rng or random.Random()
        self._fonts = fonts
        self._chart: tuple[tuple[tuple[str, int], ...], bytes] | None = None

    async def render(self, screen: Screen, viewer: Viewer) -> Page:
        """The page `screen` shows to `viewer`; `UserFacingError` when it does not exist."""
        if screen.kind is Kind.PAPER:
            page = await self._paper(screen, viewer)
        elif screen.kind is Kind.RANDOM:
            page = await self._random(screen, viewer)
        elif screen.kind is Kind.TAG:
            page = await self._tag(screen, viewer)
        elif screen.kind is Kind.SEARCH:
            page = await self._search(screen, viewer)
        elif screen.kind is Kind.DIGEST:
            page = await self._digest(screen, viewer)
        elif screen.kind is Kind.TAGS:
            page = await self._tags(screen, viewer)
        else:
            page = await self._related(screen, viewer)
        return credited(page, viewer)

    # ---- resolving what members typed ------------------------------------------------

    async def paper_screen(self, text: str, language: Language, viewer: Viewer) -> Screen | Page:
        """/paper's answer to typed text: the paper's screen, or a "did you mean" page."""
        value = text.strip()
        locale = viewer.locale
        if value.startswith(PAPER_ID_PREFIX) and (arg := value[len(PAPER_ID_PREFIX) :]).isdigit():
            # An autocomplete value; a number no paper can have is one that does not exist.
            if not is_paper_id(arg):
                raise UserFacingError(t("lookup.gone", locale))
            return Screen(Kind.PAPER, arg, 0, language)
        if not query_words(value):
            raise UserFacingError(t("lookup.no_words", locale))
        found = await self.lookup.find_paper(value)
        if found.paper_id is not None:
            return Screen(Kind.PAPER, str(found.paper_id), 0, language)
        quoted = escape_within(value, 80, links=False)
        if not found.suggestions:
            raise UserFacingError(t("lookup.no_paper", locale, query=quoted))
        items = [listed(p) for p in found.suggestions]
        first = Screen(Kind.PAPER, str(items[0].id), 0, language)
        heading = t("lookup.did_you_mean", locale, query=quoted)
        return Page(
            embeds=(list_embed(heading, items, 1, "", DEFAULT_COLOUR),),
            rows=rows_of(open_select(items, first, viewer)),
        )

    async def related_screen(self, text: str, language: Language, viewer: Viewer) -> Screen | Page:
        """/related's screen for typed text, or /paper's "did you mean" page."""
        resolved = await self.paper_screen(text, language, viewer)
        if isinstance(resolved, Page):
            return resolved
        return Screen(Kind.RELATED, resolved.arg, 0, language)

    async def digest_screen(self, text: str, language: Language, locale: object) -> Screen:
        """/digest's screen for a typed day; unknown days name the nearest ones."""
        day = parse_day(bounded(text))
        if day is None:
            value = escape_within(text, 40, links=False)
            raise UserFacingError(t("lookup.bad_day", locale, value=value))
        if not await self.lookup.days(day.isoformat(), 1):
            near = await self.lookup.nearest_days(day)
            if not near:
                raise UserFacingError(t("lookup.empty", locale))
            days = ", ".join(d.isoformat() for d in near)
            raise UserFacingError(t("lookup.no_day_near", locale, day=day.isoformat(), days=days))
        return Screen(Kind.DIGEST, day.isoformat(), 0, language)

    async def tag_screen(self, text: str, language: Language, locale: object) -> Screen:
        """/tag's screen; an unknown tag suggests the closest ones."""
        tag = bounded_tag(text)
        if not tag or not tag.isprintable():
            shown = escape_within(text, 40, links=False)
            raise UserFacingError(t("lookup.no_tag", locale, tag=shown))
        count, _ = await self.lookup.tag_page(tag, 0, 1)
        if not count:
            raise UserFacingError(await self._no_tag(tag, locale))
        return Screen(Kind.TAG, tag, 0, language)

    async def _no_tag(self, tag: str, locale: object) -> str:
        near = await self.lookup.near_tags(tag)
        shown = escape_within(tag, 40, links=False)
        if not near:
            return t("lookup.no_tag", locale, tag=shown)
        tags = ", ".join(escape_within(f"#{n}", 40, links=False) for n in near)
        return t("lookup.no_tag_near", locale, tag=shown, tags=tags)

    # ---- screens ------------------------------------------------------------------------

    async def _paper(self, screen: Screen, viewer: Viewer, extra: Sequence[Button] = ()) -> Page:
        detail = await self.lookup.paper(screen.paper_id)
        if detail is None:
            raise UserFacingError(t("lookup.gone", viewer.locale))
        messages = pack([paper_embeds(detail.view, screen.language)])
        if screen.page >= len(messages):
            raise UserFacingError(t("lookup.gone", viewer.locale))
        related = Screen(Kind.RELATED, screen.arg, 0, screen.language)
        related_id = encode(Verb.NEW, related, viewer.owner)
        buttons = [Button(t("lookup.related", viewer.locale), related_id)] if related_id else []
        content = None
        if detail.other_days and screen.page == 0:
            days = ", ".join(d.isoformat() for d in detail.other_days)
            content = truncate(t("lookup.also_noted", viewer.locale, days=days), 2000)
        cite = Button(t("cite.button", viewer.locale), cite_custom_id("c", screen.paper_id))
        return Page(
            content=content,
            embeds=messages[screen.page].embeds,
            rows=rows_of(
                controls(
                    screen, viewer, pages=len(messages), toggle=True, extra=[*buttons, *extra]
                ),
                (cite,),  # its own row: the controls can fill theirs
            ),
        )

    async def _random(self, screen: Screen, viewer: Viewer) -> Page:
        tag = screen.arg or None
        paper_id = await self.lookup.random_paper(tag, self._rng)
        if paper_id is None:
            if tag:
                raise UserFacingError(await self._no_tag(tag, viewer.locale))
            raise UserFacingError(t("lookup.empty", viewer.locale))
        another = encode(Verb.VIEW, screen, viewer.owner)
        extra = [Button(t("lookup.another", viewer.locale), another)] if another else []
        paper = Screen(Kind.PAPER, str(paper_id), 0, screen.language)
        return await self._paper(paper, viewer, extra)

    async def _tag(self, screen: Screen, viewer: Viewer) -> Page:
        locale = viewer.locale
        count, papers = await self.lookup.tag_page(screen.arg, screen.page, PER_PAGE)
        if not papers:
            raise UserFacingError(t("lookup.gone", locale))
        pages = ceil(count / PER_PAGE)
        items = [listed(p) for p in papers]
        tag = escape_within(screen.arg, 100, links=False)
        heading = t("lookup.tag_title", locale, tag=tag, papers=count_label(count, locale))
        embed = list_embed(
            heading,
            items,
            screen.page * PER_PAGE + 1,
            page_label(screen.page, pages, locale),
            tag_colour(screen.arg),
        )
        return Page(
            embeds=(embed,),
            rows=rows_of(open_select(items, screen, viewer), controls(screen, viewer, pages=pages)),
        )

    async def _search(self, screen: Screen, viewer: Viewer) -> Page:
        locale = viewer.locale
        hits, more = await self.lookup.search_page(screen.arg, screen.page, PER_PAGE, SNIPPET_MAX)
        if not hits:
            key = "lookup.no_hits" if screen.page == 0 else "lookup.gone"
            raise UserFacingError(t(key, locale, query=escape_within(screen.arg, 80, links=False)))
        items = [listed(hit.paper, hit.snippet) for hit in hits]
        embed = list_embed(
            t("lookup.search_title", locale, query=escape(screen.arg, links=False)),
            items,
            screen.page * PER_PAGE + 1,
            page_label(screen.page, None, locale),
            DEFAULT_COLOUR,
        )
        return Page(
            embeds=(embed,),
            rows=rows_of(
                open_select(items, screen, viewer),
                controls(screen, viewer, pages=None, has_next=more),
            ),
        )

    async def _digest(self, screen: Screen, viewer: Viewer) -> Page:
        views = await self._composer.views(screen.day)
        messages = digest_messages(screen.day, views, screen.language) if views else []
        if screen.page >= len(messages):
            raise UserFacingError(t("lookup.gone", viewer.locale))
        message = messages[screen.page]
        buttons = controls(screen, viewer, pages=len(messages), toggle=True)
        return Page(content=message.content, embeds=message.embeds, rows=rows_of(buttons))

    async def _tags(self, screen: Screen, viewer: Viewer) -> Page:
        counts = tuple((c.tag, c.papers) for c in await self.lookup.tags())
        if not counts:
            raise UserFacingError(t("lookup.empty", viewer.locale))
        pages = ceil(len(counts) / TAGS_PER_PAGE)
        if screen.page >= pages:
            raise UserFacingError(t("lookup.gone", viewer.locale))
        embed = tag_index_embed(counts, screen.page, pages, len(counts), viewer.locale)
        rows = rows_of(controls(screen, viewer, pages=pages))
        fonts = await asyncio.to_thread(self._fonts)
        if not fonts:
            return Page(
                content=t("lookup.tags_no_chart", viewer.locale), embeds=(embed,), rows=rows
            )
        chart = File(CHART_FILE, self._chart_png(counts[:CHART_BARS], fonts), "Most used tags")
        return Page(embeds=(embed,), rows=rows, files=(chart,))

    def _chart_png(self, top: tuple[tuple[str, int], ...], fonts: Sequence[Font]) -> bytes:
        """The chart of the top tags, drawn again only when they change."""
        if self._chart is None or self._chart[0] != top:
            bars = [(f"#{tag}", count, tag_colour(tag)) for tag, count in top]
            self._chart = (top, bar_chart(bars, fonts))
        return self._chart[1]

    async def _related(self, screen: Screen, viewer: Viewer) -> Page:
        locale = viewer.locale
        me = await self.lookup.summary(screen.paper_id)
        if me is None:
            raise UserFacingError(t("lookup.gone", locale))
        title = escape_within(me.title, 150, links=False)
        papers = await self.lookup.related(screen.paper_id, PER_PAGE)
        if not papers:
            raise UserFacingError(t("lookup.no_related", locale, title=title))
        items = [listed(p) for p in papers]
        colour = tag_colour(me.tags[0] if me.tags else None)
        embed = list_embed(t("lookup.related_title", locale, title=title), items, 1, "", colour)
        return Page(
            embeds=(embed,),
            rows=rows_of(open_select(items, screen, viewer), controls(screen, viewer)),
        )
