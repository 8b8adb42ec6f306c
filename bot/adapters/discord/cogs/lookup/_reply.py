"""Answering an interaction with a page: in time, exactly once, errors included.

Discord kills an interaction that is not acknowledged within 3 seconds. Most pages
are ready in milliseconds and go out as the one response; when one is not ready
after `DEFER_AFTER` (a day's digest on a big archive, the store busy with an
ingest) the interaction is deferred first and the page follows through the
webhook. Commands and clicks share this path, so both answer errors the same way:
a `UserFacingError` is shown as it is, anything else is logged with a short id
that the member also sees.
"""

from __future__ import annotations

import asyncio
import io
import logging
import secrets
from collections.abc import Awaitable, Callable
from enum import Enum
from typing import Any

import discord

from bot.adapters.discord.app import settle
from bot.adapters.discord.cogs.lookup._components import frozen_view
from bot.adapters.discord.errors import UserFacingError
from bot.adapters.metrics import Outcome
from bot.core.i18n import t
from bot.core.pages import Page

log = logging.getLogger(__name__)

DEFER_AFTER = 1.0  # seconds; well inside Discord's 3 s, with room for a slow network
NO_MENTIONS = discord.AllowedMentions.none()


class How(Enum):
    """Where the page goes."""

    NEW = "new"  # a new private (ephemeral) message
    EDIT = "edit"  # replaces the clicked message (the member's own private answer)
    PUBLIC = "public"  # a message everyone in the channel sees (Share)


def _embeds(page: Page) -> list[discord.Embed]:
    return [discord.Embed.from_dict(embed.to_dict()) for embed in page.embeds]


def _files(page: Page) -> list[discord.File]:
    return [
        discord.File(io.BytesIO(f.data), filename=f.filename, description=f.description)
        for f in page.files
    ]


async def _defer(interaction: discord.Interaction[Any], how: How) -> None:
    if how is How.EDIT:
        await interaction.response.defer()
    else:
        await interaction.response.defer(ephemeral=how is How.NEW, thinking=True)


async def _send(interaction: discord.Interaction[Any], page: Page, how: How) -> None:
    view = frozen_view(page.rows)
    embeds = _embeds(page)
    response = interaction.response
    if how is How.EDIT:
        # Files are left as they are: the clicked message keeps its attachments.
        if response.is_done():
            await interaction.edit_original_response(
                content=page.content, embeds=embeds, view=view, allowed_mentions=NO_MENTIONS
            )
        else:
            await response.edit_message(
                content=page.content, embeds=embeds, view=view, allowed_mentions=NO_MENTIONS
            )
        return
    ephemeral = how is How.NEW
    if response.is_done():
        await interaction.followup.send(
            content=page.content or discord.utils.MISSING,
            embeds=embeds,
            view=view,
            files=_files(page),
            ephemeral=ephemeral,
            allowed_mentions=NO_MENTIONS,
        )
    else:
        await response.send_message(
            content=page.content,
            embeds=embeds,
            view=view,
            files=_files(page),
            ephemeral=ephemeral,
            allowed_mentions=NO_MENTIONS,
        )


async def say(interaction: discord.Interaction[Any], text: str) -> None:
    """A short private message, as the response or, once responded, as a followup."""
    if interaction.response.is_done():
        await interaction.followup.send(text, ephemeral=True, allowed_mentions=NO_MENTIONS)
    else:
        await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NO_MENTIONS)


async def respond(
    interaction: discord.Interaction[Any], make: Callable[[], Awaitable[Page]], how: How
) -> None:
    """Build the page with `make()` and deliver it `how`; never raises."""
    what = interaction.command.qualified_name if interaction.command else "component"
    task = asyncio.ensure_future(make())
    outcome: Outcome = "ok"
    try:
        done, _ = await asyncio.wait({task}, timeout=DEFER_AFTER)
        if not done:
            await _defer(interaction, how)
        await _send(interaction, await task, how)
    except UserFacingError as error:
        outcome = "user_error"
        log.info("%s: %s", what, error)
        await _tell(interaction, str(error))
    except Exception as error:
        outcome = "error"
        error_id = secrets.token_hex(3)
        log.error("%s failed (error id %s)", what, error_id, exc_info=error)
        await _tell(interaction, t("error.unexpected", interaction.locale, error_id=error_id))
    finally:
        task.cancel()  # a no-op once it finished; stops the work when answering failed
        settle(interaction, outcome)  # the tree never sees errors handled here, nor clicks


async def _tell(interaction: discord.Interaction[Any], text: str) -> None:
    try:
        await say(interaction, text)
    except discord.HTTPException as error:
        log.warning("could not tell the member: %s", error)
