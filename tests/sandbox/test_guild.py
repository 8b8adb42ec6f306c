"""The guild as REST shows it, and the permission model behind every answer.

Sources (discord-api-docs): resources/user ("Get Current User Guilds"), resources/guild ("Get
Guild", "Get Guild Member", "Get Guild Roles"), resources/channel ("Get Channel", "Start Thread
from Message"), resources/message ("Get Channel Messages": no Read Message History → no
messages; "Create Message"; "Crosspost Message"), topics/permissions (overwrites, implicit
permissions, threads: Send Messages in Threads), topics/opcodes-and-status-codes (10004,
10007, 50001 Missing Access, 50013 Missing Permissions).
"""

from __future__ import annotations

from datetime import UTC, datetime

from bot.core import permissions as core
from bot.sandbox import Sandbox, SandboxConfig
from bot.sandbox.world import (
    ALL_PERMISSIONS,
    BOT_PERMISSIONS,
    EMBED_LINKS,
    OVERWRITE_MEMBER,
    READ_MESSAGE_HISTORY,
    SEND_MESSAGES,
    SEND_MESSAGES_IN_THREADS,
    Overwrite,
)
from tests.sandbox.conftest import Api
from tests.sandbox.test_interactions import registered  # noqa: F401 (a fixture)

GUILD = "/guilds/1200000000000000100"
IDS = SandboxConfig()
BOT = IDS.bot_user_id
PAPERS, NEWS, RULES = IDS.text_channel_id, IDS.announcement_channel_id, IDS.readonly_channel_id
QUOTES, CHAT, STAFF = IDS.no_embeds_channel_id, IDS.no_threads_channel_id, IDS.hidden_channel_id


async def test_the_bots_guilds_and_the_guild(api: Api, sandbox: Sandbox) -> None:
    [mine] = (await api("GET", "/users/@me/guilds", params={"with_counts": "1"})).body
    assert (mine["name"], mine["owner"]) == ("Paper Lab", False)
    assert int(mine["permissions"]) == BOT_PERMISSIONS
    assert mine["approximate_member_count"] == 4
    guild = (await api("GET", GUILD)).body
    assert guild["owner_id"] == "1200000000000000401"  # alice
    assert "approximate_member_count" not in guild  # only when asked with_counts
    assert [r["name"] for r in guild["roles"]] == ["@everyone", "Moderators", "Paper Digest"]
    unknown = await api("GET", "/guilds/42")
    assert (unknown.status, unknown.body["code"]) == (404, 10004)
    assert sandbox.journal.problems == []


async def test_members_and_roles(api: Api, sandbox: Sandbox) -> None:
    def roles_of(user_id: int) -> object:
        return api("GET", f"{GUILD}/members/{user_id}")

    assert (await roles_of(BOT)).body["roles"] == ["1200000000000000301"]
    assert (await roles_of(1_200_000_000_000_000_401)).body["roles"] == ["1200000000000000300"]
    assert (await roles_of(1_200_000_000_000_000_402)).body["roles"] == []
    unknown = await roles_of(42)
    assert (unknown.status, unknown.body["code"]) == (404, 10007)
    roles = (await api("GET", f"{GUILD}/roles")).body
    [bot_role] = [r for r in roles if r["managed"]]
    assert bot_role["tags"] == {"bot_id": str(BOT)}
    assert sandbox.journal.problems == []


async def test_a_channel_hidden_from_the_bot_is_missing_access(api: Api) -> None:
    for method, path, body in (
        ("GET", f"/channels/{STAFF}", None),
        ("POST", f"/channels/{STAFF}/messages", {"content": "hi"}),
    ):
        reply = await api(method, path, body)
        assert (reply.status, reply.body) == (403, {"message": "Missing Access", "code": 50001})


def test_role_overwrites_and_view_channel(sandbox: Sandbox) -> None:
    """#staff: @everyone may not View Channel, Moderators may: minji sees it, bob nothing."""
    world = sandbox.world
    staff = world.channels[STAFF]
    minji, bob = world.member_by_name("minji"), world.member_by_name("bob")
    assert minji is not None and bob is not None
    assert world.permissions_in(staff, minji.id) & SEND_MESSAGES
    assert world.permissions_in(staff, bob.id) == 0  # not even what View Channel gates
    # The owner (alice) is above overwrites: #quotes' Embed Links deny is not for her.
    assert world.permissions_in(world.channels[QUOTES], world.owner_id) == ALL_PERMISSIONS


async def test_overwrites_as_channels_show_them(api: Api) -> None:
    quotes = (await api("GET", f"/channels/{QUOTES}")).body["permission_overwrites"]
    assert quotes == [{"id": "1200000000000000100", "type": 0, "allow": "0", "deny": str(1 << 14)}]
    assert (await api("GET", f"/channels/{PAPERS}")).body["permission_overwrites"] == []


async def test_threads_need_create_public_threads(api: Api) -> None:
    for channel, status in ((CHAT, 403), (PAPERS, 201)):
        posted = await api("POST", f"/channels/{channel}/messages", {"content": "list"})
        assert posted.status == 200
        path = f"/channels/{channel}/messages/{posted.body['id']}/threads"
        thread = await api("POST", path, {"name": "📚 2024-06-12"})
        assert thread.status == status, thread.body
    assert thread.body["permissions"] == str(BOT_PERMISSIONS)


async def test_in_a_thread_send_messages_in_threads_counts_not_send_messages(
    api: Api, sandbox: Sandbox
) -> None:
    posted = await api("POST", f"/channels/{PAPERS}/messages", {"content": "list"})
    thread_id = posted.body["id"]
    await api("POST", f"/channels/{PAPERS}/messages/{thread_id}/threads", {"name": "t"})
    papers = sandbox.world.channels[PAPERS]
    papers.overwrites = (Overwrite(BOT, OVERWRITE_MEMBER, deny=SEND_MESSAGES),)
    assert (await api("POST", f"/channels/{thread_id}/messages", {"content": "in"})).status == 200
    assert (await api("POST", f"/channels/{PAPERS}/messages", {"content": "x"})).status == 403
    papers.overwrites = (Overwrite(BOT, OVERWRITE_MEMBER, deny=SEND_MESSAGES_IN_THREADS),)
    denied = await api("POST", f"/channels/{thread_id}/messages", {"content": "in"})
    assert (denied.status, denied.body["code"]) == (403, 50013)


async def test_without_read_message_history_no_messages(api: Api, sandbox: Sandbox) -> None:
    posted = await api("POST", f"/channels/{PAPERS}/messages", {"content": "one"})
    papers = sandbox.world.channels[PAPERS]
    papers.overwrites = (Overwrite(BOT, OVERWRITE_MEMBER, deny=READ_MESSAGE_HISTORY),)
    assert (await api("GET", f"/channels/{PAPERS}/messages")).body == []
    one = await api("GET", f"/channels/{PAPERS}/messages/{posted.body['id']}")
    assert (one.status, one.body["code"]) == (403, 50013)


async def test_publishing_its_own_message_needs_send_messages(api: Api, sandbox: Sandbox) -> None:
    posted = await api("POST", f"/channels/{NEWS}/messages", {"content": "digest"})
    crosspost = f"/channels/{NEWS}/messages/{posted.body['id']}/crosspost"
    news = sandbox.world.channels[NEWS]
    news.overwrites = (Overwrite(BOT, OVERWRITE_MEMBER, deny=SEND_MESSAGES),)
    assert (await api("POST", crosspost)).status == 403
    news.overwrites = ()
    assert (await api("POST", crosspost)).status == 200


async def test_interactions_carry_permissions_in_the_channel(sandbox: Sandbox, registered) -> None:  # noqa: F811
    world = sandbox.world
    alice = world.member_by_name("alice")
    assert alice is not None
    options = {"title": "samba", "for": "bob"}
    payload = sandbox.interactions.command("paper", options, alice, world.channels[RULES]).payload
    assert int(payload["member"]["permissions"]) == ALL_PERMISSIONS  # the guild's owner
    assert int(payload["channel"]["permissions"]) == ALL_PERMISSIONS
    app = int(payload["app_permissions"])
    assert not app & SEND_MESSAGES  # the bot's own overwrite
    assert not app & EMBED_LINKS and app & READ_MESSAGE_HISTORY  # implicitly gone with it
    bob = payload["data"]["resolved"]["members"]["1200000000000000402"]
    assert int(bob["permissions"]) & SEND_MESSAGES


async def test_the_stand_in_and_bot_core_permissions_agree(api: Api) -> None:
    """Computed from what REST shows, as `check` does, the bot's permissions in every channel
    are the ones the stand-in enforces."""
    guild = core.Guild.from_payload((await api("GET", GUILD)).body)
    member = core.Member.from_payload(
        (await api("GET", f"{GUILD}/members/{BOT}")).body, datetime.now(UTC)
    )
    for channel_id in (PAPERS, NEWS, RULES, QUOTES, CHAT):
        channel = (await api("GET", f"/channels/{channel_id}")).body
        granted = core.channel_permissions(
            guild,
            member,
            core.overwrites_from_payload(channel["permission_overwrites"]),
            channel["type"],
        )
        posted = await api("POST", f"/channels/{channel_id}/messages", {"content": "hi"})
        assert (posted.status == 200) == bool(granted & core.SEND_MESSAGES), channel["name"]
        expected = {
            RULES: ["Send Messages", "Embed Links", "Attach Files"],
            QUOTES: ["Embed Links"],
        }
        assert core.missing_permissions(granted, "full") == expected.get(channel_id, []), channel[
            "name"
        ]
        threads = core.missing_permissions(granted, "compact")[-2:]
        assert (threads == ["Create Public Threads"]) == (channel_id == CHAT), channel["name"]
