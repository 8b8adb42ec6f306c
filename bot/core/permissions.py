"""What a member may do in a channel, computed the way Discord does (topics/permissions).

Pure: it takes the guild's roles, the member and the channel's overwrites (or the JSON
Discord sends for them) and returns a permission bit set, so `check` can tell an operator
*before* going live which permission a digest channel lacks, and `/digest-admin channel`
can refuse a channel with the same words.

Order (topics/permissions, "Permission Overwrites"): the guild owner has every permission;
otherwise @everyone's permissions, OR the member's roles; Administrator has every
permission and skips overwrites; then the channel's @everyone overwrite (deny, then allow),
the member's role overwrites together (deny, then allow), the member's own overwrite.
Then the implicit rules ("Implicit Permissions"): without View Channel nothing else
counts; where messages are posted, without Send Messages neither do Embed Links, Attach
Files, Mention Everyone nor Send TTS Messages. A timed-out member keeps only View Channel
and Read Message History ("Permissions For Timed Out Members").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

# topics/permissions#permissions-bitwise-permission-flags
ADMINISTRATOR = 1 << 3
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
SEND_TTS_MESSAGES = 1 << 12
EMBED_LINKS = 1 << 14
ATTACH_FILES = 1 << 15
READ_MESSAGE_HISTORY = 1 << 16
MENTION_EVERYONE = 1 << 17
CREATE_PUBLIC_THREADS = 1 << 35
SEND_MESSAGES_IN_THREADS = 1 << 38
# Every bit: the owner and administrators also hold permissions Discord adds later.
ALL = (1 << 64) - 1

# What Send Messages takes with it when it is missing ("Implicit Permissions").
NEEDS_SEND = EMBED_LINKS | ATTACH_FILES | MENTION_EVERYONE | SEND_TTS_MESSAGES
TIMED_OUT_KEEPS = VIEW_CHANNEL | READ_MESSAGE_HISTORY

# resources/channel#channel-object-channel-types that hold messages (voice and stage
# channels have a text chat); categories and directories do not.
GUILD_TEXT, GUILD_VOICE, GUILD_ANNOUNCEMENT, GUILD_STAGE_VOICE = 0, 2, 5, 13
GUILD_FORUM, GUILD_MEDIA = 15, 16
MESSAGE_CHANNELS = frozenset(
    (GUILD_TEXT, GUILD_VOICE, GUILD_ANNOUNCEMENT, GUILD_STAGE_VOICE, GUILD_FORUM, GUILD_MEDIA)
)
# The digest is posted as ordinary messages, which only these two channel types take.
DIGEST_CHANNELS = frozenset((GUILD_TEXT, GUILD_ANNOUNCEMENT))

# resources/channel#overwrite-object-overwrite-structure: type 0 is a role, 1 a member.
ROLE, MEMBER = 0, 1

# The names Discord's own settings screens use, so an admin finds the switch.
NAMES = {
    VIEW_CHANNEL: "View Channel",
    SEND_MESSAGES: "Send Messages",
    EMBED_LINKS: "Embed Links",
    ATTACH_FILES: "Attach Files",
    READ_MESSAGE_HISTORY: "Read Message History",
    CREATE_PUBLIC_THREADS: "Create Public Threads",
    SEND_MESSAGES_IN_THREADS: "Send Messages in Threads",
}


@dataclass(frozen=True, slots=True)
class Overwrite:
    """A channel's allow/deny pair for a role (`ROLE`) or one member (`MEMBER`)."""

    id: int
    type: int
    allow: int
    deny: int


@dataclass(frozen=True, slots=True)
class Guild:
    """What permissions depend on in a guild: its owner and each role's permissions.

    The @everyone role's id is the guild's id.
    """

    id: int
    owner_id: int
    roles: Mapping[int, int]

    @classmethod
    def from_payload(cls, data: Mapping[str, Any]) -> Guild:
        """From a guild object (``GET /guilds/{id}``, GUILD_CREATE)."""
        return cls(
            int(data["id"]),
            int(data["owner_id"]),
            {int(r["id"]): int(r["permissions"]) for r in data["roles"]},
        )


@dataclass(frozen=True, slots=True)
class Member:
    """A guild member: their user id, role ids and whether they are timed out."""

    user_id: int
    role_ids: frozenset[int]
    timed_out: bool = False

    @classmethod
    def from_payload(cls, data: Mapping[str, Any], now: datetime) -> Member:
        """From a guild member object; `now` (aware) decides whether a timeout still runs."""
        until = data.get("communication_disabled_until")
        timed_out = until is not None and datetime.fromisoformat(str(until)) > now
        return cls(int(data["user"]["id"]), frozenset(int(r) for r in data["roles"]), timed_out)


def overwrites_from_payload(data: Iterable[Mapping[str, Any]]) -> list[Overwrite]:
    """A channel's ``permission_overwrites`` (ids and bit sets arrive as strings)."""
    return [Overwrite(int(o["id"]), int(o["type"]), int(o["allow"]), int(o["deny"])) for o in data]


def base_permissions(guild: Guild, member: Member) -> int:
    """Guild-wide permissions, before any channel's overwrites."""
    if member.user_id == guild.owner_id:
        return ALL
    permissions = guild.roles.get(guild.id, 0)
    for role_id in member.role_ids:
        permissions |= guild.roles.get(role_id, 0)
    return ALL if permissions & ADMINISTRATOR else permissions


def overwritten_permissions(guild: Guild, member: Member, overwrites: Iterable[Overwrite]) -> int:
    """Guild permissions after the channel's overwrites: what server admins set, before
    the implicit rules take away what cannot be used."""
    permissions = base_permissions(guild, member)
    if permissions & ADMINISTRATOR:
        return ALL  # owner or Administrator: overwrites do not apply
    everyone = [o for o in overwrites if o.type == ROLE and o.id == guild.id]
    roles = [o for o in overwrites if o.type == ROLE and o.id in member.role_ids]
    own = [o for o in overwrites if o.type == MEMBER and o.id == member.user_id]
    for group in (everyone, roles, own):
        deny = allow = 0
        for overwrite in group:
            deny |= overwrite.deny
            allow |= overwrite.allow
        permissions = (permissions & ~deny) | allow
    return permissions


def channel_permissions(
    guild: Guild, member: Member, overwrites: Iterable[Overwrite], channel_type: int
) -> int:
    """The member's permissions in a channel (for a thread: pass its parent channel)."""
    permissions = overwritten_permissions(guild, member, overwrites)
    if permissions & ADMINISTRATOR:
        return ALL  # nor do the implicit rules or a timeout
    if not permissions & VIEW_CHANNEL:
        return 0
    if channel_type in MESSAGE_CHANNELS and not permissions & SEND_MESSAGES:
        permissions &= ~NEEDS_SEND
    if member.timed_out:
        permissions &= TIMED_OUT_KEEPS
    return permissions


def digest_needs(style: str) -> tuple[int, ...]:
    """What posting a digest takes, in the order an admin should read it.

    Read Message History: after a restart the bot finds what it already posted. Compact
    digests put the embeds in a thread. Publishing its own messages in an announcement
    channel needs nothing beyond Send Messages, so the channel type adds nothing.
    """
    needs = [VIEW_CHANNEL, SEND_MESSAGES, EMBED_LINKS, ATTACH_FILES, READ_MESSAGE_HISTORY]
    if style == "compact":
        needs += [CREATE_PUBLIC_THREADS, SEND_MESSAGES_IN_THREADS]
    return tuple(needs)


def missing_permissions(granted: int, style: str) -> list[str]:
    """Names of the permissions a digest channel of this style lacks (empty: it can post)."""
    return [NAMES[flag] for flag in digest_needs(style) if not granted & flag]
