"""Posting operator alerts over discord.py.

Not the digest sender: that one counts every post as a delivered digest message in
the metrics, and an alert is not one. What to say and when is decided in
`bot.services.alerts`; a failure here is raised and logged there as one line.
"""

from __future__ import annotations

import discord

from bot.core.render import Message


class DiscordAlertSender:
    """Posts an alert's text in a channel, pinging no one."""

    def __init__(self, client: discord.Client) -> None:
        self._client = client

    async def send(self, target_id: int, message: Message, nonce: str) -> int:
        """Post the alert and return its message id."""
        channel = self._client.get_channel(target_id) or await self._client.fetch_channel(target_id)
        if not isinstance(channel, discord.abc.Messageable):
            raise TypeError(f"channel {target_id} cannot hold messages")
        sent = await channel.send(
            content=message.content, nonce=nonce, allowed_mentions=discord.AllowedMentions.none()
        )
        return sent.id
