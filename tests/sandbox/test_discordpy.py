"""Real discord.py against the stand-in, in-process: what the library sends is accepted when
Discord would accept it and rejected, in Discord's words, when Discord would reject it.

This is the REST-level half of "the bot posts a message with embeds"; tests/e2e runs the bot
process itself.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import discord
import discord.gateway
import discord.http
import pytest
import yarl

from bot.sandbox import Sandbox, SandboxClient
from bot.sandbox.faults import Fault


@pytest.fixture
async def live() -> AsyncIterator[Sandbox]:
    async with Sandbox() as running:  # real clock: discord.py sleeps through rate limits
        yield running


@pytest.fixture
async def client(live: Sandbox, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[discord.Client]:
    monkeypatch.setattr(discord.http.Route, "BASE", live.api_base_url)
    monkeypatch.setattr(
        discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY", yarl.URL(live.gateway_url)
    )
    bot = discord.Client(intents=discord.Intents(guilds=True), guild_ready_timeout=0.05)
    ready = asyncio.Event()
    resumed = asyncio.Event()
    bot.event(_setter("on_ready", ready))
    bot.event(_setter("on_resumed", resumed))
    bot.resumed = resumed  # type: ignore[attr-defined]
    running = asyncio.create_task(bot.start(live.config.token))
    await asyncio.wait_for(ready.wait(), 10)
    yield bot
    await bot.close()
    await running
    assert live.journal.problems == []


def _setter(name: str, event: asyncio.Event):
    async def handler() -> None:
        event.set()

    handler.__name__ = name
    return handler


def channel(
    client: discord.Client, live: Sandbox, announcement: bool = False
) -> discord.TextChannel:
    channel_id = (
        live.config.announcement_channel_id if announcement else live.config.text_channel_id
    )
    found = client.get_channel(channel_id)
    assert isinstance(found, discord.TextChannel)
    return found


async def test_guild_and_channels_arrive_through_the_gateway(
    client: discord.Client, live: Sandbox
) -> None:
    guild = client.get_guild(live.config.guild_id)
    assert guild is not None and guild.name == "Paper Lab"
    assert channel(client, live, announcement=True).is_news()


async def test_send_an_embed(client: discord.Client, live: Sandbox) -> None:
    embed = discord.Embed(title="Samba", description="Mamba + SWA", colour=discord.Colour.teal())
    embed.add_field(name="Tags", value="#state-space-model").set_footer(text="2024-06-12")
    sent = await channel(client, live).send(
        embed=embed, allowed_mentions=discord.AllowedMentions.none()
    )
    async with SandboxClient(live.url) as user:
        [posted] = await user.messages("papers")
        request = (await user.requests())[-1]
    assert posted["id"] == str(sent.id)
    assert posted["embeds"][0]["fields"] == [
        {"name": "Tags", "value": "#state-space-model", "inline": True}
    ]
    # What discord.py actually puts on the wire:
    assert request["body"]["enforce_nonce"] is True and request["body"]["nonce"]
    assert request["body"]["allowed_mentions"] == {"parse": []}


async def test_invalid_embed_is_rejected_as_discord_would(
    client: discord.Client, live: Sandbox
) -> None:
    with pytest.raises(discord.HTTPException) as caught:
        await channel(client, live).send(embed=discord.Embed(title="x" * 257))
    assert (caught.value.status, caught.value.code) == (400, 50035)
    assert "In embeds.0.title: Must be 256 or fewer in length." in caught.value.text


async def test_six_thousand_characters_across_embeds(client: discord.Client, live: Sandbox) -> None:
    embeds = [discord.Embed(description="x" * 4000), discord.Embed(description="y" * 2001)]
    with pytest.raises(discord.HTTPException) as caught:
        await channel(client, live).send(embeds=embeds)
    assert "Embed size exceeds maximum size of 6000" in caught.value.text


async def test_a_deterministic_nonce_posts_once(client: discord.Client, live: Sandbox) -> None:
    target = channel(client, live)
    first = await target.send("digest for 2024-06-12", nonce="digest-2024-06-12")
    again = await target.send("digest for 2024-06-12", nonce="digest-2024-06-12")
    assert first.id == again.id
    assert len(live.world.channels[target.id].messages) == 1


async def test_edit_fetch_history_delete(client: discord.Client, live: Sandbox) -> None:
    target = channel(client, live)
    message = await target.send("draft")
    await message.edit(content="final")
    fetched = await target.fetch_message(message.id)
    assert fetched.content == "final" and fetched.edited_at is not None
    assert [m.content async for m in target.history(limit=5)] == ["final"]
    await message.delete()
    with pytest.raises(discord.NotFound):
        await target.fetch_message(message.id)


async def test_crosspost_thread_and_dm(client: discord.Client, live: Sandbox) -> None:
    news = await channel(client, live, announcement=True).send("digest")
    await news.publish()
    assert live.world.channels[news.channel.id].messages[news.id]["flags"] & 1
    thread = await news.create_thread(name="Discuss")
    await thread.send("first!")
    alice = await client.fetch_user(1200000000000000401)
    dm = await alice.send("hello")
    assert isinstance(dm.channel, discord.DMChannel)


async def test_429_is_waited_out_and_retried(client: discord.Client, live: Sandbox) -> None:
    live.faults.add(
        Fault(status=429, route="POST /channels/{channel_id}/messages", retry_after=0.2)
    )
    await channel(client, live).send("after a 429")
    statuses = [
        r["status"]
        for r in live.journal.requests
        if r["route"] == "/channels/{channel_id}/messages"
    ]
    assert statuses == [429, 200]


async def test_403_is_forbidden_with_50013(client: discord.Client, live: Sandbox) -> None:
    live.faults.add(Fault(status=403))
    with pytest.raises(discord.Forbidden) as caught:
        await channel(client, live).send("nope")
    assert caught.value.code == 50013


async def test_a_dropped_connection_is_resumed(client: discord.Client, live: Sandbox) -> None:
    await live.gateway.drop()
    await asyncio.wait_for(client.resumed.wait(), 10)  # type: ignore[attr-defined]
    [session] = live.gateway.sessions.values()
    assert session.resumes == 1 and session.connection is not None
