"""`DigestSender` over discord.py: how digest delivery reaches Discord.

discord.py already retries 5xx and sleeps through short 429s; what is left is
sorted here into permanent failures (403/404: stop that channel and say so in
status) and transient ones (the digest service retries them with backoff).
Every post is counted in the bot's metrics: delivered, or failed (each failed
attempt, so retries show as failures followed by a delivery).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

import aiohttp
import discord

from bot.core.render import Message
from bot.services.digest import DeliveryError

if TYPE_CHECKING:
    from bot.adapters.discord.app import PaperBot

T = TypeVar("T")
# resources/channel#start-thread-from-message: "A thread has already been created for this message"
THREAD_ALREADY_EXISTS = 160004
# resources/message#crosspost-message: "This message has already been crossposted"
ALREADY_CROSSPOSTED = 40033
# Seconds a crosspost may take before it is left for the next publish round.
PUBLISH_TIMEOUT = 10.0
# Messages looked at when checking whether an interrupted part reached Discord.
RECENT_LIMIT = 50


async def _translated(call: Callable[[], Awaitable[T]]) -> T:
    """Run a discord.py call, turning its failures into `DeliveryError`."""
    try:
        return await call()
    except (discord.Forbidden, discord.NotFound) as error:
        raise DeliveryError(_describe(error), permanent=True, code=error.code) from error
    except discord.RateLimited as error:
        raise DeliveryError(f"rate limited for {error.retry_after:.0f}s") from error
    except discord.HTTPException as error:
        raise DeliveryError(_describe(error), code=error.code) from error
    except (aiohttp.ClientError, TimeoutError) as error:
        raise DeliveryError(f"network error: {error!r}") from error


def _describe(error: discord.HTTPException) -> str:
    return f"{error.status} {error.text or error.response.reason} (code {error.code})"


def _embeds(message: Message) -> list[discord.Embed]:
    return [discord.Embed.from_dict(e.to_dict()) for e in message.embeds]


class DiscordSender:
    """Sends, finds, edits and publishes digest messages as the bot."""

    def __init__(self, client: PaperBot) -> None:
        self._client = client

    async def _channel(self, channel_id: int) -> discord.abc.Messageable:
        channel = self._client.get_channel(channel_id)
        if channel is None:
            channel = await _translated(lambda: self._client.fetch_channel(channel_id))
        if not isinstance(channel, discord.abc.Messageable):
            raise DeliveryError(f"channel {channel_id} cannot hold messages", permanent=True)
        return channel

    async def send(self, target_id: int, message: Message, nonce: str) -> int:
        """Post with a deterministic nonce (discord.py adds `enforce_nonce`)."""
        metrics = self._client.metrics
        try:
            channel = await self._channel(target_id)
            sent = await _translated(
                lambda: channel.send(
                    content=message.content,
                    embeds=_embeds(message),
                    nonce=nonce,
                    allowed_mentions=discord.AllowedMentions.none(),
                )
            )
        except DeliveryError:
            metrics.failed()
            raise
        metrics.delivered()
        return sent.id

    async def recent(self, target_id: int, after: int | None) -> list[dict[str, Any]]:
        """The bot's own messages after `after`, oldest first, as Discord's JSON."""
        channel = await self._channel(target_id)
        me = self._client.user
        since = discord.Object(after) if after else None

        async def collect() -> list[dict[str, Any]]:
            return [
                {
                    "id": str(m.id),
                    "content": m.content,
                    "embeds": [e.to_dict() for e in m.embeds],
                }
                async for m in channel.history(limit=RECENT_LIMIT, after=since, oldest_first=True)
                if me is not None and m.author.id == me.id
            ]

        return await _translated(collect)

    async def edit(self, target_id: int, message_id: int, message: Message) -> None:
        """Replace a posted message's content and embeds."""
        channel = await self._channel(target_id)
        partial = channel.get_partial_message(message_id)  # type: ignore[attr-defined]
        await _translated(
            lambda: partial.edit(
                content=message.content,
                embeds=_embeds(message),
                allowed_mentions=discord.AllowedMentions.none(),
            )
        )

    async def delete(self, target_id: int, message_id: int) -> None:
        """Delete a posted message (already gone counts as done)."""
        channel = await self._channel(target_id)
        partial = channel.get_partial_message(message_id)  # type: ignore[attr-defined]
        try:
            await _translated(partial.delete)
        except DeliveryError as error:
            if error.code != 10008:  # Unknown Message: someone deleted it already
                raise

    async def publish(self, channel_id: int, message_id: int) -> bool:
        """Crosspost in an announcement channel; False when the channel is not one."""
        channel = await self._channel(channel_id)
        if not isinstance(channel, discord.TextChannel) or not channel.is_news():
            return False
        message = channel.get_partial_message(message_id)
        try:
            # Bounded: discord.py would otherwise sleep through an hour-long 429 here.
            await _translated(lambda: asyncio.wait_for(message.publish(), PUBLISH_TIMEOUT))
        except DeliveryError as error:
            if error.code != ALREADY_CROSSPOSTED:
                raise
        return True

    async def start_thread(self, channel_id: int, message_id: int, name: str) -> int:
        """Start a thread from a message; a thread from a message shares its id."""
        channel = await self._channel(channel_id)
        partial = channel.get_partial_message(message_id)  # type: ignore[attr-defined]
        try:
            thread = await _translated(lambda: partial.create_thread(name=name[:100]))
        except DeliveryError as error:
            if error.code == THREAD_ALREADY_EXISTS:
                return message_id
            raise
        return int(thread.id)
