"""Discord's permission arithmetic (bot/core/permissions.py).

Sources: discord-api-docs topics/permissions ("Permission Overwrites" and its pseudocode,
"Implicit Permissions", "Permission Hierarchy", "Permissions For Timed Out Members"); the
property test holds the result to discord.py's own ``permissions_for`` on the same guild.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import discord
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.permissions import (
    ADMINISTRATOR,
    ALL,
    ATTACH_FILES,
    CREATE_PUBLIC_THREADS,
    EMBED_LINKS,
    GUILD_ANNOUNCEMENT,
    GUILD_TEXT,
    MEMBER,
    MENTION_EVERYONE,
    READ_MESSAGE_HISTORY,
    ROLE,
    SEND_MESSAGES,
    SEND_MESSAGES_IN_THREADS,
    VIEW_CHANNEL,
    Guild,
    Member,
    Overwrite,
    base_permissions,
    channel_permissions,
    digest_needs,
    missing_permissions,
    overwrites_from_payload,
    overwritten_permissions,
)

GUILD, OWNER, BOT = 100, 7, 99
MODS, BOTS, MUTED = 200, 201, 202
CATEGORY = 4
EVERYONE_BASE = VIEW_CHANNEL | SEND_MESSAGES | EMBED_LINKS | ATTACH_FILES | READ_MESSAGE_HISTORY
GUILD_ROLES = {GUILD: EVERYONE_BASE, MODS: MENTION_EVERYONE, BOTS: CREATE_PUBLIC_THREADS}
guild = Guild(GUILD, OWNER, GUILD_ROLES)
bot = Member(BOT, frozenset({BOTS}))


def in_text(member: Member, *overwrites: Overwrite, where: Guild = guild) -> int:
    return channel_permissions(where, member, overwrites, GUILD_TEXT)


def test_base_is_everyone_or_the_members_roles() -> None:
    assert base_permissions(guild, Member(1, frozenset())) == EVERYONE_BASE
    assert base_permissions(guild, bot) == EVERYONE_BASE | CREATE_PUBLIC_THREADS
    both = Member(1, frozenset({MODS, BOTS}))
    assert base_permissions(guild, both) == EVERYONE_BASE | MENTION_EVERYONE | CREATE_PUBLIC_THREADS
    # A role the guild no longer has grants nothing.
    assert base_permissions(guild, Member(1, frozenset({999}))) == EVERYONE_BASE


def test_the_owner_and_administrators_have_everything_whatever_the_overwrites() -> None:
    deny_all = Overwrite(GUILD, ROLE, 0, ALL)
    assert in_text(Member(OWNER, frozenset()), deny_all) == ALL
    admins = Guild(GUILD, OWNER, {**GUILD_ROLES, MODS: ADMINISTRATOR})
    admin = Member(1, frozenset({MODS}), timed_out=True)
    assert base_permissions(admins, admin) == ALL
    assert in_text(admin, deny_all, Overwrite(1, MEMBER, 0, ALL), where=admins) == ALL


def test_everyone_overwrite_then_roles_then_the_member() -> None:
    deny_send = Overwrite(GUILD, ROLE, 0, SEND_MESSAGES)
    assert not in_text(bot, deny_send) & SEND_MESSAGES
    # A role's allow beats @everyone's deny.
    allow_bots = Overwrite(BOTS, ROLE, SEND_MESSAGES, 0)
    assert in_text(bot, deny_send, allow_bots) & SEND_MESSAGES
    # The member's own deny beats their role's allow, and their allow beats a role's deny.
    assert not in_text(bot, allow_bots, Overwrite(BOT, MEMBER, 0, SEND_MESSAGES)) & SEND_MESSAGES
    deny_bots = Overwrite(BOTS, ROLE, 0, SEND_MESSAGES)
    assert in_text(bot, deny_bots, Overwrite(BOT, MEMBER, SEND_MESSAGES, 0)) & SEND_MESSAGES


def test_role_overwrites_apply_together_allow_winning() -> None:
    """The docs' example: role A denies View Channel, role B allows it → the member sees it,
    whichever role is higher."""
    member = Member(1, frozenset({MODS, BOTS}))
    a_denies = Overwrite(MODS, ROLE, 0, VIEW_CHANNEL)
    b_allows = Overwrite(BOTS, ROLE, VIEW_CHANNEL, 0)
    assert in_text(member, a_denies, b_allows) & VIEW_CHANNEL
    assert in_text(member, b_allows, a_denies) & VIEW_CHANNEL


def test_overwrites_for_someone_else_do_not_apply() -> None:
    others = (
        Overwrite(MODS, ROLE, 0, SEND_MESSAGES),  # a role the bot does not have
        Overwrite(1, MEMBER, 0, SEND_MESSAGES),  # another member
        Overwrite(BOT, ROLE, 0, SEND_MESSAGES),  # a role whose id is the bot's user id
        Overwrite(BOTS, MEMBER, 0, SEND_MESSAGES),  # a member whose id is the bot's role id
        Overwrite(GUILD, MEMBER, 0, SEND_MESSAGES),  # a member whose id is @everyone's
    )
    assert in_text(bot, *others) & SEND_MESSAGES


def test_without_view_channel_nothing_counts() -> None:
    hidden = Overwrite(GUILD, ROLE, 0, VIEW_CHANNEL)
    assert in_text(bot, hidden, Overwrite(BOT, MEMBER, SEND_MESSAGES | EMBED_LINKS, 0)) == 0


def test_without_send_messages_embeds_files_and_mentions_do_not_count() -> None:
    mod = Member(1, frozenset({MODS}))
    muted = in_text(mod, Overwrite(GUILD, ROLE, 0, SEND_MESSAGES))
    assert not muted & (EMBED_LINKS | ATTACH_FILES | MENTION_EVERYONE)
    assert muted & READ_MESSAGE_HISTORY and muted & VIEW_CHANNEL
    # Only where messages are posted: a category keeps the bits for its channels to inherit.
    category = channel_permissions(guild, mod, [Overwrite(GUILD, ROLE, 0, SEND_MESSAGES)], CATEGORY)
    assert category & EMBED_LINKS


def test_what_overwrites_leave_is_what_an_admin_sets() -> None:
    """Before the implicit rules: the bot's Embed Links survive a Send Messages deny, so an
    admin is told to allow Send Messages only."""
    deny_send = [Overwrite(BOT, MEMBER, 0, SEND_MESSAGES)]
    assert overwritten_permissions(guild, bot, deny_send) & EMBED_LINKS
    assert not channel_permissions(guild, bot, deny_send, GUILD_TEXT) & EMBED_LINKS
    assert missing_permissions(overwritten_permissions(guild, bot, deny_send), "full") == [
        "Send Messages"
    ]


def test_a_timed_out_member_keeps_only_view_and_history() -> None:
    timed_out = Member(1, frozenset({MODS}), timed_out=True)
    assert in_text(timed_out) == VIEW_CHANNEL | READ_MESSAGE_HISTORY


def test_from_discords_json() -> None:
    now = datetime(2024, 6, 12, tzinfo=UTC)
    guild_json = {
        "id": "100",
        "owner_id": "7",
        "roles": [
            {"id": "100", "permissions": str(EVERYONE_BASE)},
            {"id": "201", "permissions": "0"},
        ],
    }
    assert Guild.from_payload(guild_json) == Guild(GUILD, OWNER, {GUILD: EVERYONE_BASE, BOTS: 0})
    member_json: dict[str, Any] = {"user": {"id": "99"}, "roles": ["201"]}
    assert Member.from_payload(member_json, now) == bot
    for until, timed_out in ((now + timedelta(hours=1), True), (now - timedelta(hours=1), False)):
        member_json["communication_disabled_until"] = until.isoformat()
        assert Member.from_payload(member_json, now).timed_out is timed_out
    overwrites = [{"id": "99", "type": 1, "allow": "0", "deny": str(SEND_MESSAGES)}]
    assert overwrites_from_payload(overwrites) == [Overwrite(BOT, MEMBER, 0, SEND_MESSAGES)]


def test_what_a_digest_channel_needs() -> None:
    full = EVERYONE_BASE
    assert missing_permissions(full, "full") == []
    assert missing_permissions(full, "compact") == [
        "Create Public Threads",
        "Send Messages in Threads",
    ]
    assert (
        missing_permissions(full | CREATE_PUBLIC_THREADS | SEND_MESSAGES_IN_THREADS, "compact")
        == []
    )
    assert missing_permissions(full & ~EMBED_LINKS & ~READ_MESSAGE_HISTORY, "full") == [
        "Embed Links",
        "Read Message History",
    ]
    assert missing_permissions(0, "full") == [
        "View Channel",
        "Send Messages",
        "Embed Links",
        "Attach Files",
        "Read Message History",
    ]
    assert len(digest_needs("compact")) == len(digest_needs("full")) + 2


# ---- against discord.py's own computation -------------------------------------------

BITS = (ADMINISTRATOR, VIEW_CHANNEL, SEND_MESSAGES, EMBED_LINKS, ATTACH_FILES)
BITS += (READ_MESSAGE_HISTORY, MENTION_EVERYONE, CREATE_PUBLIC_THREADS, SEND_MESSAGES_IN_THREADS)
COMPARED = sum(BITS) & ~ADMINISTRATOR  # discord.py's "all" differs from ours in unused bits
ROLE_IDS = (MODS, BOTS, MUTED)
bit_sets = st.lists(st.sampled_from(BITS), max_size=4).map(sum)
non_admin_bit_sets = bit_sets.map(lambda bits: bits & ~ADMINISTRATOR)


@st.composite
def cases(draw: st.DrawFn) -> tuple[Guild, Member, list[Overwrite], int]:
    roles = {GUILD: draw(non_admin_bit_sets)}
    roles.update(
        {
            r: draw(bit_sets if draw(st.integers(0, 9)) == 0 else non_admin_bit_sets)
            for r in ROLE_IDS
        }
    )
    member = Member(
        draw(st.sampled_from((BOT, OWNER))) if draw(st.integers(0, 9)) == 0 else BOT,
        frozenset(draw(st.sets(st.sampled_from(ROLE_IDS)))),
    )
    targets = [(GUILD, ROLE), *((r, ROLE) for r in ROLE_IDS), (BOT, MEMBER), (1, MEMBER)]
    chosen = draw(st.lists(st.sampled_from(targets), unique=True))
    overwrites = [
        Overwrite(i, t, draw(non_admin_bit_sets), draw(non_admin_bit_sets)) for i, t in chosen
    ]
    kind = draw(st.sampled_from((GUILD_TEXT, GUILD_ANNOUNCEMENT)))
    return Guild(GUILD, OWNER, roles), member, overwrites, kind


def discord_py_permissions(
    where: Guild, member: Member, overwrites: list[Overwrite], kind: int
) -> int:
    """The same guild parsed by discord.py, and its ``TextChannel.permissions_for``."""
    discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False
    state = discord.Client(intents=discord.Intents(guilds=True, members=True))._connection
    role: dict[str, Any] = {"color": 0, "hoist": False, "managed": False, "mentionable": False}
    data = {
        "id": str(where.id),
        "name": "g",
        "owner_id": str(where.owner_id),
        "roles": [
            {**role, "id": str(i), "name": str(i), "permissions": str(p), "position": n}
            for n, (i, p) in enumerate(where.roles.items())
        ],
        "channels": [
            {
                "id": "10",
                "type": kind,
                "name": "c",
                "position": 0,
                "permission_overwrites": [
                    {"id": str(o.id), "type": o.type, "allow": str(o.allow), "deny": str(o.deny)}
                    for o in overwrites
                ],
            }
        ],
        "members": [
            {
                "user": {
                    "id": str(member.user_id),
                    "username": "m",
                    "discriminator": "0",
                    "avatar": None,
                },
                "roles": [str(r) for r in member.role_ids],
                "joined_at": None,
                "deaf": False,
                "mute": False,
                "flags": 0,
            }
        ],
        "features": [],
        "emojis": [],
        "stickers": [],
    }
    parsed = discord.Guild(data=data, state=state)
    channel = parsed.get_channel(10)
    person = parsed.get_member(member.user_id)
    assert isinstance(channel, discord.TextChannel) and person is not None
    return channel.permissions_for(person).value


@settings(max_examples=300, deadline=None)
@given(cases())
def test_agrees_with_discord_py(case: tuple[Guild, Member, list[Overwrite], int]) -> None:
    where, member, overwrites, kind = case
    ours = channel_permissions(where, member, overwrites, kind)
    assert ours & COMPARED == discord_py_permissions(where, member, overwrites, kind) & COMPARED
