"""Lookup answers as pages: embeds, buttons, a select menu, files. Pure.

A `Page` is everything one message shows. The layouts keep Discord's limits by
construction (≤ 10 list rows of bounded size per embed, ≤ 25 select options of
≤ 100 characters, ≤ 5 buttons per row), and every component carries its screen
in its custom id (`bot.core.screens`), so the adapter only has to draw it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Literal

from bot.core.i18n import t
from bot.core.render import (
    CONTENT_MAX,
    DESCRIPTION_MAX,
    TITLE_MAX,
    Embed,
    EmbedField,
    escape_within,
    truncate,
)
from bot.core.screens import Screen, Verb, encode, toggled

PER_PAGE = 10  # list rows per page (and options in its select menu)
TAGS_PER_PAGE = 40  # two columns of 20 lines, each line ≤ 48 characters: ≤ 1024 a column
TAG_IN_INDEX = 36
CHART_BARS = 12
OPTION_MAX = 100  # select option label / description / value
TITLE_IN_LIST = 140
META_IN_LIST = 70
SNIPPET_MAX = 170
CHART_FILE = "tags.png"

Style = Literal["primary", "secondary", "success"]


@dataclass(frozen=True, slots=True)
class Button:
    """A button whose custom id encodes the screen it leads to."""

    label: str
    custom_id: str
    style: Style = "secondary"
    disabled: bool = False


@dataclass(frozen=True, slots=True)
class Option:
    """One choice of a select menu."""

    label: str
    value: str
    description: str | None = None


@dataclass(frozen=True, slots=True)
class Select:
    """A select menu (a row of its own)."""

    custom_id: str
    placeholder: str
    options: tuple[Option, ...]


Row = tuple[Button, ...] | Select


@dataclass(frozen=True, slots=True)
class File:
    """A file attached to the message (the /tags chart)."""

    filename: str
    data: bytes
    description: str


@dataclass(frozen=True, slots=True)
class Page:
    """One message's worth of an answer."""

    content: str | None = None
    embeds: tuple[Embed, ...] = ()
    rows: tuple[Row, ...] = ()
    files: tuple[File, ...] = ()


@dataclass(frozen=True, slots=True)
class Listed:
    """A paper as one row of a list; `snippet` is markdown already (escaped, bold hits)."""

    id: int
    title: str
    date: date
    tags: tuple[str, ...]
    snippet: str | None = None


def plain_label(text: str, fallback: str) -> str:
    """Notes text as a select option or autocomplete name: plain text (no markdown renders
    there), 1–100 characters, `fallback` when nothing visible is left."""
    return truncate(text, OPTION_MAX) or fallback


def count_label(count: int, locale: object) -> str:
    """`1 paper` / `5 papers` in the member's language."""
    return t("lookup.paper", locale) if count == 1 else t("lookup.papers", locale, count=count)


def choice_label(name: str, count: int, locale: object) -> str:
    """An autocomplete choice like `vq · 5 papers`, within Discord's 100 characters."""
    key = "lookup.choice_paper" if count == 1 else "lookup.choice_papers"
    tail = len(t(key, locale, name="", count=count))
    return t(key, locale, name=truncate(name, OPTION_MAX - tail), count=count)


def page_label(page: int, pages: int | None, locale: object) -> str:
    """`Page 2/7`, or `Page 2` when the total is unknown (search)."""
    if pages is None:
        return t("lookup.page_open", locale, page=page + 1)
    return t("lookup.page", locale, page=page + 1, pages=pages)


def _meta(item: Listed) -> str:
    """`2024-06-12 · #vq #llm`: the line under a listed title, and a select option's text."""
    tags = " ".join(f"#{tag}" for tag in item.tags)
    return f"{item.date.isoformat()} · {tags}" if tags else item.date.isoformat()


def list_embed(
    heading: str, items: Sequence[Listed], first: int, footer: str, colour: int
) -> Embed:
    """Numbered rows (title, date · tags, snippet); ≤ 10 rows fit in one description."""
    lines = []
    for number, item in enumerate(items[:PER_PAGE], start=first):
        meta = escape_within(_meta(item), META_IN_LIST)
        title = escape_within(item.title, TITLE_IN_LIST, links=False)
        line = f"**{number}.** {title}\n{meta}"
        if item.snippet:
            line += f"\n> {item.snippet}"
        lines.append(line)
    return Embed(
        title=truncate(heading, TITLE_MAX),
        description=truncate("\n".join(lines), DESCRIPTION_MAX) or None,
        colour=colour,
        footer=footer,
    )


@dataclass(frozen=True, slots=True)
class Viewer:
    """Who a page is drawn for: the member its buttons belong to and their Discord locale.

    `shared_by` (a mention) marks the copy posted for everyone: credited to the
    member, without a Share button; anyone clicking its buttons gets their own copy.
    """

    owner: int
    locale: object
    shared_by: str | None = None


def controls(
    screen: Screen,
    viewer: Viewer,
    *,
    pages: int | None = 1,
    has_next: bool = False,
    toggle: bool = False,
    extra: Sequence[Button] = (),
) -> tuple[Button, ...]:
    """Previous/Next (when there is more than a page), 한/EN, extras, and Share."""
    owner, locale = viewer.owner, viewer.locale
    buttons: list[Button] = []
    more = has_next if pages is None else screen.page + 1 < pages
    if screen.page > 0 or more:
        for label, page, disabled in (
            (t("lookup.prev", locale), max(screen.page - 1, 0), screen.page == 0),
            (t("lookup.next", locale), screen.page + 1, not more),
        ):
            if (custom_id := encode(Verb.VIEW, screen.at(page), owner)) is not None:
                buttons.append(Button(label, custom_id, "primary", disabled))
    if toggle:
        language = toggled(screen.language, locale)
        if (custom_id := encode(Verb.VIEW, screen.reading(language), owner)) is not None:
            buttons.append(Button(t("lookup.language", locale), custom_id))
    buttons.extend(extra)
    if viewer.shared_by is None and (custom_id := encode(Verb.SHARE, screen, owner)):
        buttons.append(Button(t("lookup.share", locale), custom_id, "success"))
    return tuple(buttons)


def open_select(items: Sequence[Listed], screen: Screen, viewer: Viewer) -> Select | None:
    """The select menu opening one listed paper in a new private message."""
    custom_id = encode(Verb.OPEN, screen, viewer.owner)
    if custom_id is None or not items:
        return None
    options = tuple(
        Option(
            label=plain_label(item.title, str(item.id)),
            value=str(item.id),
            description=truncate(_meta(item), OPTION_MAX),
        )
        for item in items[:PER_PAGE]
    )
    return Select(custom_id, t("lookup.open", viewer.locale), options)


def rows_of(*rows: Row | None) -> tuple[Row, ...]:
    """Action rows without the empty ones (Discord rejects an empty row)."""
    return tuple(row for row in rows if row)


def credited(page: Page, viewer: Viewer) -> Page:
    """A shared page opens with who shared it (the mention never pings: mentions are off)."""
    if viewer.shared_by is None:
        return page
    attribution = t("lookup.shared_by", viewer.locale, member=viewer.shared_by)
    content = f"{attribution}\n{page.content}" if page.content else attribution
    return replace(page, content=truncate(content, CONTENT_MAX))


def tag_index_embed(
    counts: Sequence[tuple[str, int]], page: int, pages: int, total: int, locale: object
) -> Embed:
    """A page of the tag index in two columns: `#tag · 5`."""
    chunk = counts[page * TAGS_PER_PAGE : (page + 1) * TAGS_PER_PAGE]
    half = (len(chunk) + 1) // 2
    columns = [chunk[:half], chunk[half:]]
    fields = tuple(
        EmbedField(
            "\u200b",
            "\n".join(
                f"{escape_within('#' + tag, TAG_IN_INDEX)} · {count:,}" for tag, count in column
            ),
            inline=True,
        )
        for column in columns
        if column
    )
    return Embed(
        title=t("lookup.tags_title", locale, count=total),
        fields=fields,
        colour=0x5865F2,
        footer=page_label(page, pages, locale),
    )
