"""Buttons and select menus that survive restarts (discord.py dynamic items).

Every component the lookup answers carry is a `DynamicItem` matched by its custom
id's shape, registered once with `bot.add_dynamic_items`: a click on a message sent
before a restart still reaches the cog, which decodes the screen from the id.

Views are sent *stopped*: discord.py keeps a sent, unstopped view in memory and,
when an ephemeral one times out after 15 minutes, unregisters the dynamic item
classes it contains — every button of every answer would stop working. A stopped
view is serialised the same but never stored.
"""

from __future__ import annotations

import re
from typing import Any, Protocol, Self, cast

import discord

from bot.core.pages import Button, Row, Select
from bot.core.screens import FAMILY_RE

COG_NAME = "Lookup"
# Select menus carry the OPEN verb; buttons everything else (see bot.core.screens).
# Any version prefix matches, so an id from an older version is answered, not dropped.
SELECT_TEMPLATE = re.compile(r"pd[0-9]*:o:.*", re.DOTALL)
BUTTON_TEMPLATE = re.compile(r"pd[0-9]*:(?!o:).*", re.DOTALL)
_STYLES = {
    "primary": discord.ButtonStyle.primary,
    "secondary": discord.ButtonStyle.secondary,
    "success": discord.ButtonStyle.success,
}


class ClickHandler(Protocol):
    """What the cog offers components."""

    async def clicked(
        self, interaction: discord.Interaction[Any], custom_id: str, values: list[str]
    ) -> None:
        """Answer a click on a component whose custom id is `custom_id`."""


def _handler(interaction: discord.Interaction[Any]) -> ClickHandler:
    client = cast(discord.ext.commands.Bot, interaction.client)
    return cast(ClickHandler, client.get_cog(COG_NAME))


class ScreenButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=BUTTON_TEMPLATE):
    """A button leading to the screen its custom id encodes."""

    def __init__(self, button: discord.ui.Button[Any]) -> None:
        super().__init__(button)

    @classmethod
    def of(cls, button: Button) -> Self:
        """The discord.py item for a page's button."""
        return cls(plain(button))

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str]
    ) -> Self:
        return cls(cast(discord.ui.Button[Any], item))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await _handler(interaction).clicked(interaction, self.custom_id, [])


class ScreenSelect(discord.ui.DynamicItem[discord.ui.Select[Any]], template=SELECT_TEMPLATE):
    """A select menu opening the chosen paper."""

    def __init__(self, select: discord.ui.Select[Any]) -> None:
        super().__init__(select)

    @classmethod
    def of(cls, select: Select) -> Self:
        """The discord.py item for a page's select menu."""
        return cls(
            discord.ui.Select(
                custom_id=select.custom_id,
                placeholder=select.placeholder,
                options=[
                    discord.SelectOption(label=o.label, value=o.value, description=o.description)
                    for o in select.options
                ],
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str]
    ) -> Self:
        return cls(cast(discord.ui.Select[Any], item))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        data = cast(dict[str, Any], interaction.data or {})
        values = [str(v) for v in data.get("values") or []]
        await _handler(interaction).clicked(interaction, self.custom_id, values)


def frozen_view(rows: tuple[Row, ...]) -> discord.ui.View:
    """A stopped view holding a page's rows (see the module docstring for why stopped)."""
    view = discord.ui.View(timeout=None)
    for index, row in enumerate(rows):
        if isinstance(row, Select):
            item: discord.ui.Item[Any] = ScreenSelect.of(row)
            item.row = index
            view.add_item(item)
            continue
        for button in row:
            # Another feature's button (Cite) is a plain one; its own DynamicItem answers.
            item = ScreenButton.of(button) if FAMILY_RE.match(button.custom_id) else plain(button)
            item.row = index
            view.add_item(item)
    view.stop()
    return view


def plain(button: Button) -> discord.ui.Button[Any]:
    """The discord.py button for a page's button that this package does not answer."""
    return discord.ui.Button(
        label=button.label,
        custom_id=button.custom_id,
        style=_STYLES[button.style],
        disabled=button.disabled,
    )
