"""The stand-in's state: one guild, its channels and members, messages, commands.

Payloads are built in Discord's shapes (validated against the OpenAPI description in tests)
because discord.py parses them with the same code it uses against Discord.
"""

from __future__ import annotations

import functools
import itertools
import operator
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

DISCORD_EPOCH_MS = 1_420_070_400_000

# topics/permissions#permissions-bitwise-permission-flags
CREATE_INSTANT_INVITE = 1 << 0
ADMINISTRATOR = 1 << 3
MANAGE_GUILD = 1 << 5
ADD_REACTIONS = 1 << 6
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
SEND_TTS_MESSAGES = 1 << 12
MANAGE_MESSAGES = 1 << 13
EMBED_LINKS = 1 << 14
ATTACH_FILES = 1 << 15
READ_MESSAGE_HISTORY = 1 << 16
MENTION_EVERYONE = 1 << 17
USE_EXTERNAL_EMOJIS = 1 << 18
USE_APPLICATION_COMMANDS = 1 << 31
CREATE_PUBLIC_THREADS = 1 << 35
SEND_MESSAGES_IN_THREADS = 1 << 38

EVERYONE_PERMISSIONS = (
    CREATE_INSTANT_INVITE
    | ADD_REACTIONS
    | VIEW_CHANNEL
    | SEND_MESSAGES
    | EMBED_LINKS
    | ATTACH_FILES
    | READ_MESSAGE_HISTORY
    | USE_EXTERNAL_EMOJIS
    | USE_APPLICATION_COMMANDS
    | CREATE_PUBLIC_THREADS
    | SEND_MESSAGES_IN_THREADS
)
BOT_PERMISSIONS = EVERYONE_PERMISSIONS | MANAGE_MESSAGES | MENTION_EVERYONE
# Every flag documented up to USE_EXTERNAL_APPS (1 << 50): what the guild owner holds.
ALL_PERMISSIONS = (1 << 51) - 1
# What a user holds in a DM with the bot.
DM_PERMISSIONS = (
    VIEW_CHANNEL
    | SEND_MESSAGES
    | EMBED_LINKS
    | ATTACH_FILES
    | READ_MESSAGE_HISTORY
    | ADD_REACTIONS
    | USE_EXTERNAL_EMOJIS
    | USE_APPLICATION_COMMANDS
)
# topics/permissions#implicit-permissions: what cannot be used without Send Messages.
NEED_SEND_MESSAGES = MENTION_EVERYONE | SEND_TTS_MESSAGES | ATTACH_FILES | EMBED_LINKS

# resources/channel#overwrite-object-overwrite-structure
OVERWRITE_ROLE, OVERWRITE_MEMBER = 0, 1

# interactions/receiving-and-responding#interaction-object: the largest upload an answer may
# carry (a guild without boosts).
ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024

# resources/guild#guild-object-guild-features: announcement channels need NEWS.
GUILD_FEATURES = ("NEWS",)

# topics/gateway#gateway-intents: the privileged ones must be enabled on the application.
INTENT_GUILDS = 1 << 0
INTENT_GUILD_MEMBERS = 1 << 1
INTENT_GUILD_PRESENCES = 1 << 8
INTENT_GUILD_MESSAGES = 1 << 9
INTENT_DIRECT_MESSAGES = 1 << 12
INTENT_MESSAGE_CONTENT = 1 << 15
PRIVILEGED_INTENTS = INTENT_GUILD_MEMBERS | INTENT_GUILD_PRESENCES | INTENT_MESSAGE_CONTENT

# resources/channel#channel-object-channel-types
GUILD_TEXT = 0
DM = 1
GUILD_ANNOUNCEMENT = 5
ANNOUNCEMENT_THREAD = 10
PUBLIC_THREAD = 11

# resources/message#message-object-message-flags
FLAG_CROSSPOSTED = 1 << 0
FLAG_HAS_THREAD = 1 << 5
FLAG_EPHEMERAL = 1 << 6
FLAG_LOADING = 1 << 7


def now_iso() -> str:
    return datetime.now(UTC).isoformat()


@dataclass(frozen=True, slots=True)
class MemberSpec:
    """A person in the sandbox guild; ``manage_guild`` gives them the Moderators role."""

    id: int
    username: str
    manage_guild: bool = False
    locale: str = "en-US"  # the member's Discord client language (interaction.locale)


@dataclass(frozen=True, slots=True)
class SandboxConfig:
    """What the stand-in pretends Discord holds. Ids are fixed so tests and docs can name them."""

    token: str = "sandbox-bot-token"
    application_id: int = 1_200_000_000_000_000_001
    bot_name: str = "Paper Digest"
    guild_id: int = 1_200_000_000_000_000_100
    guild_name: str = "Paper Lab"
    text_channel_id: int = 1_200_000_000_000_000_200
    text_channel_name: str = "papers"
    announcement_channel_id: int = 1_200_000_000_000_000_201
    announcement_channel_name: str = "announcements"
    # Channels whose permission overwrites keep the bot from posting a digest there, each
    # the way a server admin would set it up (see ``World.__init__``).
    readonly_channel_id: int = 1_200_000_000_000_000_202  # the bot may not Send Messages
    readonly_channel_name: str = "rules"
    no_embeds_channel_id: int = 1_200_000_000_000_000_203  # nobody may Embed Links
    no_embeds_channel_name: str = "quotes"
    no_threads_channel_id: int = 1_200_000_000_000_000_204  # nobody may Create Public Threads
    no_threads_channel_name: str = "chat"
    hidden_channel_id: int = 1_200_000_000_000_000_205  # only Moderators may View Channel
    hidden_channel_name: str = "staff"
    moderator_role_id: int = 1_200_000_000_000_000_300
    bot_role_id: int = 1_200_000_000_000_000_301
    members: tuple[MemberSpec, ...] = (
        MemberSpec(1_200_000_000_000_000_401, "alice", manage_guild=True),
        MemberSpec(1_200_000_000_000_000_402, "bob"),
        MemberSpec(1_200_000_000_000_000_403, "minji", manage_guild=True, locale="ko"),
    )
    # Privileged intents enabled in the (pretend) developer portal: none, as for a new app.
    enabled_privileged_intents: int = 0
    heartbeat_interval_ms: int = 41_250
    # interactions/receiving-and-responding#responding-to-an-interaction
    interaction_deadline: float = 3.0
    # Sent in every interaction; larger uploads in answers are refused (attachments.py).
    attachment_size_limit: int = ATTACHMENT_SIZE_LIMIT
    followup_lifetime: float = 15 * 60.0
    # resources/message#create-message: nonce uniqueness is checked "for a few minutes".
    nonce_window: float = 5 * 60.0
    rate_limits: bool = True

    @property
    def bot_user_id(self) -> int:
        return self.application_id  # a bot user shares its application's id


class Snowflakes:
    """Fresh snowflakes with real timestamps: discord.py derives message age from them."""

    def __init__(self) -> None:
        self._counter: Iterator[int] = itertools.count()

    def next(self) -> int:
        ms = int(time.time() * 1000) - DISCORD_EPOCH_MS
        return (ms << 22) | (1 << 17) | (next(self._counter) & 0xFFF)


@dataclass(frozen=True, slots=True)
class Overwrite:
    """A channel's permission overwrite for a role or a member (``OVERWRITE_*``)."""

    id: int
    type: int
    allow: int = 0
    deny: int = 0

    def payload(self) -> dict[str, Any]:
        """resources/channel#overwrite-object: bit sets are strings."""
        return {
            "id": str(self.id),
            "type": self.type,
            "allow": str(self.allow),
            "deny": str(self.deny),
        }


@dataclass(frozen=True, slots=True)
class Role:
    """A guild role; ``bot_id`` marks the role Discord manages for a bot."""

    id: int
    name: str
    permissions: int
    position: int
    bot_id: int | None = None


@dataclass
class Channel:
    id: int
    type: int
    name: str
    guild_id: int | None
    position: int = 0
    parent_id: int | None = None
    owner_id: int | None = None
    recipient_id: int | None = None
    auto_archive_duration: int = 1440
    overwrites: tuple[Overwrite, ...] = ()
    created_at: str = field(default_factory=now_iso)
    messages: dict[int, dict[str, Any]] = field(default_factory=dict)

    @property
    def is_thread(self) -> bool:
        return self.type in (PUBLIC_THREAD, ANNOUNCEMENT_THREAD)


@dataclass
class Command:
    """A registered application command as Discord stores it (the response shape)."""

    payload: dict[str, Any]

    @property
    def name(self) -> str:
        return str(self.payload["name"])

    @property
    def type(self) -> int:
        return int(self.payload.get("type", 1))


class World:
    """Guild, people, channels and everything posted; shared by REST, gateway and inspection."""

    def __init__(self, config: SandboxConfig, clock: Callable[[], float]) -> None:
        self.config = config
        self.clock = clock
        self.snowflakes = Snowflakes()
        self.created_at = now_iso()
        everyone, moderators = config.guild_id, config.moderator_role_id
        self.guild_roles = [
            Role(everyone, "@everyone", EVERYONE_PERMISSIONS, 0),
            Role(moderators, "Moderators", MANAGE_GUILD, 1),
            Role(config.bot_role_id, config.bot_name, BOT_PERMISSIONS, 2, config.bot_user_id),
        ]
        guild_channels = [
            (config.text_channel_id, GUILD_TEXT, config.text_channel_name, ()),
            (
                config.announcement_channel_id,
                GUILD_ANNOUNCEMENT,
                config.announcement_channel_name,
                (),
            ),
            (
                config.readonly_channel_id,
                GUILD_TEXT,
                config.readonly_channel_name,
                (Overwrite(config.bot_user_id, OVERWRITE_MEMBER, deny=SEND_MESSAGES),),
            ),
            (
                config.no_embeds_channel_id,
                GUILD_TEXT,
                config.no_embeds_channel_name,
                (Overwrite(everyone, OVERWRITE_ROLE, deny=EMBED_LINKS),),
            ),
            (
                config.no_threads_channel_id,
                GUILD_TEXT,
                config.no_threads_channel_name,
                (Overwrite(everyone, OVERWRITE_ROLE, deny=CREATE_PUBLIC_THREADS),),
            ),
            (
                config.hidden_channel_id,
                GUILD_TEXT,
                config.hidden_channel_name,
                (
                    Overwrite(everyone, OVERWRITE_ROLE, deny=VIEW_CHANNEL),
                    Overwrite(moderators, OVERWRITE_ROLE, allow=VIEW_CHANNEL),
                ),
            ),
        ]
        self.channels: dict[int, Channel] = {
            channel_id: Channel(channel_id, kind, name, config.guild_id, position, overwrites=ows)
            for position, (channel_id, kind, name, ows) in enumerate(guild_channels)
        }
        self.members = {m.id: m for m in config.members}
        self.global_commands: dict[tuple[str, int], Command] = {}
        self.guild_commands: dict[int, dict[tuple[str, int], Command]] = {}
        # (guild id, UTC day) -> command creations, for the 200-per-day limit.
        self.daily_creates: dict[tuple[int, str], int] = {}
        # (channel id, nonce) -> (message id, when), for enforce_nonce.
        self.nonces: dict[tuple[int, str], tuple[int, float]] = {}

    # --- people -----------------------------------------------------------------------

    def bot_user(self) -> dict[str, Any]:
        return {
            "id": str(self.config.bot_user_id),
            "username": self.config.bot_name,
            "avatar": None,
            "discriminator": "0000",
            "public_flags": 0,
            "flags": 0,
            "bot": True,
            "banner": None,
            "accent_color": None,
            "global_name": None,
            "avatar_decoration_data": None,
            "collectibles": None,
            "primary_guild": None,
        }

    def bot_user_private(self) -> dict[str, Any]:
        """``GET /users/@me`` adds the private fields (UserPIIResponse)."""
        return {**self.bot_user(), "mfa_enabled": False, "locale": "en-US", "verified": True}

    def user(self, user_id: int) -> dict[str, Any] | None:
        if user_id == self.config.bot_user_id:
            return self.bot_user()
        member = self.members.get(user_id)
        if member is None:
            return None
        return {
            "id": str(member.id),
            "username": member.username,
            "avatar": None,
            "discriminator": "0",
            "public_flags": 0,
            "flags": 0,
            "banner": None,
            "accent_color": None,
            "global_name": member.username.title(),
            "avatar_decoration_data": None,
            "collectibles": None,
            "primary_guild": None,
        }

    def member_by_name(self, name_or_id: str | int) -> MemberSpec | None:
        for member in self.members.values():
            if str(name_or_id) in (member.username, str(member.id)):
                return member
        return None

    # --- permissions (topics/permissions) ----------------------------------------------

    @property
    def owner_id(self) -> int:
        return next(iter(self.members))

    def role_ids(self, user_id: int) -> list[int]:
        """The roles a guild member holds (@everyone is implied, as in member objects)."""
        if user_id == self.config.bot_user_id:
            return [self.config.bot_role_id]
        member = self.members.get(user_id)
        return [self.config.moderator_role_id] if member and member.manage_guild else []

    def guild_permissions(self, user_id: int) -> int:
        """The owner holds everything; others @everyone's permissions and their roles'."""
        if user_id == self.owner_id:
            return ALL_PERMISSIONS
        held = {self.config.guild_id, *self.role_ids(user_id)}
        granted = 0
        for role in self.guild_roles:
            if role.id in held:
                granted |= role.permissions
        return granted  # no role here grants Administrator

    def permissions_in(self, channel: Channel, user_id: int) -> int:
        """What a user may do in a channel, as Discord decides before it answers a request.

        Overwrites count in Discord's order: @everyone's, then the user's roles' together,
        then the user's own, each deny before allow. Without View Channel nothing counts;
        without Send Messages neither do the permissions that only qualify a message. A
        thread has its parent's permissions.
        """
        if channel.type == DM:
            return DM_PERMISSIONS
        if channel.is_thread and channel.parent_id in self.channels:
            channel = self.channels[channel.parent_id]
        granted = self.guild_permissions(user_id)
        if granted & ADMINISTRATOR:
            return granted  # the owner: overwrites do not apply
        roles = set(self.role_ids(user_id))
        steps = (
            [o for o in channel.overwrites if (o.type, o.id) == (OVERWRITE_ROLE, channel.guild_id)],
            [o for o in channel.overwrites if o.type == OVERWRITE_ROLE and o.id in roles],
            [o for o in channel.overwrites if (o.type, o.id) == (OVERWRITE_MEMBER, user_id)],
        )
        for step in steps:
            granted &= ~functools.reduce(operator.or_, (o.deny for o in step), 0)
            granted |= functools.reduce(operator.or_, (o.allow for o in step), 0)
        if not granted & VIEW_CHANNEL:
            return 0
        return granted if granted & SEND_MESSAGES else granted & ~NEED_SEND_MESSAGES

    def bot_permissions_in(self, channel: Channel) -> int:
        return self.permissions_in(channel, self.config.bot_user_id)

    # --- members ----------------------------------------------------------------------

    def member_payload(self, member: MemberSpec, channel: Channel | None = None) -> dict[str, Any]:
        """A guild member; in an interaction it carries the member's ``permissions`` in the
        interaction's channel."""
        payload = self._member(self.user(member.id), self.role_ids(member.id))
        if channel is not None:
            payload["permissions"] = str(self.permissions_in(channel, member.id))
        return payload

    def bot_member_payload(self) -> dict[str, Any]:
        return self._member(self.bot_user(), self.role_ids(self.config.bot_user_id))

    def _member(self, user: dict[str, Any] | None, roles: list[int]) -> dict[str, Any]:
        return {
            "user": user,
            "roles": [str(r) for r in roles],
            "nick": None,
            "avatar": None,
            "banner": None,
            "premium_since": None,
            "joined_at": self.created_at,
            "deaf": False,
            "mute": False,
            "pending": False,
            "flags": 0,
            "communication_disabled_until": None,
        }

    # --- channels ---------------------------------------------------------------------

    def channel_by_name(self, name_or_id: str | int) -> Channel | None:
        for channel in self.channels.values():
            if str(name_or_id) in (channel.name, str(channel.id), f"#{channel.name}"):
                return channel
        return None

    def channel_payload(self, channel: Channel) -> dict[str, Any]:
        if channel.type == DM:
            return {
                "id": str(channel.id),
                "type": DM,
                "last_message_id": _last(channel),
                "flags": 0,
                "recipients": [self.user(channel.recipient_id or 0)],
            }
        payload: dict[str, Any] = {
            "id": str(channel.id),
            "type": channel.type,
            "last_message_id": _last(channel),
            "flags": 0,
            "guild_id": str(channel.guild_id),
            "name": channel.name,
            "parent_id": str(channel.parent_id) if channel.parent_id else None,
            "rate_limit_per_user": 0,
        }
        if not channel.is_thread:
            return {
                **payload,
                "position": channel.position,
                "topic": None,
                "nsfw": False,
                "permission_overwrites": [o.payload() for o in channel.overwrites],
                "default_auto_archive_duration": 1440,
            }
        return {
            **payload,
            "permissions": str(self.bot_permissions_in(channel)),
            "owner_id": str(channel.owner_id),
            "thread_metadata": {
                "archived": False,
                "archive_timestamp": channel.created_at,
                "auto_archive_duration": channel.auto_archive_duration,
                "locked": False,
                "create_timestamp": channel.created_at,
            },
            "message_count": len(channel.messages),
            "member_count": 1,
            "total_message_sent": len(channel.messages),
            "member": {
                "id": str(channel.id),
                "user_id": str(self.config.bot_user_id),
                "join_timestamp": channel.created_at,
                "flags": 0,
            },
        }

    def find_message(self, message_id: int) -> tuple[Channel, dict[str, Any]] | None:
        for channel in self.channels.values():
            if message_id in channel.messages:
                return channel, channel.messages[message_id]
        return None

    # --- the guild as the gateway announces it ----------------------------------------

    def roles(self) -> list[dict[str, Any]]:
        """topics/permissions#role-object; a bot's managed role carries ``tags.bot_id``."""
        payloads = []
        for role in self.guild_roles:
            payload: dict[str, Any] = {
                "id": str(role.id),
                "name": role.name,
                "color": 0,
                "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
                "hoist": False,
                "icon": None,
                "unicode_emoji": None,
                "position": role.position,
                "permissions": str(role.permissions),
                "managed": role.bot_id is not None,
                "mentionable": False,
                "flags": 0,
            }
            if role.bot_id is not None:
                payload["tags"] = {"bot_id": str(role.bot_id)}
            payloads.append(payload)
        return payloads

    def guild_create(self, intents: int) -> dict[str, Any]:
        """GUILD_CREATE as sent after READY (events/gateway-events#guild-create). Without the
        privileged GUILD_MEMBERS intent the member list holds only the bot itself."""
        members = [self.bot_member_payload()]
        if intents & INTENT_GUILD_MEMBERS:
            members += [self.member_payload(m) for m in self.members.values()]
        return {
            **self._guild_fields(),
            "joined_at": self.created_at,
            "large": False,
            "unavailable": False,
            "lazy": True,
            "member_count": len(self.members) + 1,
            "members": members,
            "voice_states": [],
            "presences": [],
            "channels": [
                self.channel_payload(c)
                for c in self.channels.values()
                if c.type != DM and not c.is_thread
            ],
            "threads": [self.channel_payload(c) for c in self.channels.values() if c.is_thread],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
            "latest_onboarding_question_id": None,
            "hub_type": None,
            "version": 0,
        }

    def guild(self, with_counts: bool) -> dict[str, Any]:
        """``GET /guilds/{guild.id}`` (resources/guild#get-guild, GuildWithCountsResponse)."""
        payload = {
            **self._guild_fields(),
            "widget_enabled": False,
            "widget_channel_id": None,
            "max_presences": None,
            "nsfw": False,
        }
        return {**payload, **self._counts()} if with_counts else payload

    def my_guild(self, with_counts: bool) -> dict[str, Any]:
        """The guild in ``GET /users/@me/guilds``: ``permissions`` are the bot's guild-wide."""
        payload = {
            "id": str(self.config.guild_id),
            "name": self.config.guild_name,
            "icon": None,
            "banner": None,
            "owner": self.owner_id == self.config.bot_user_id,
            "permissions": str(self.guild_permissions(self.config.bot_user_id)),
            "features": list(GUILD_FEATURES),
        }
        return {**payload, **self._counts()} if with_counts else payload

    def _counts(self) -> dict[str, Any]:
        return {"approximate_member_count": len(self.members) + 1, "approximate_presence_count": 0}

    def _guild_fields(self) -> dict[str, Any]:
        """What the guild object looks like in REST answers and in GUILD_CREATE alike."""
        return {
            "id": str(self.config.guild_id),
            "name": self.config.guild_name,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "description": None,
            "owner_id": str(self.owner_id),
            "region": "deprecated",
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 1,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "nsfw_level": 0,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "premium_progress_bar_enabled": False,
            "preferred_locale": "en-US",
            "system_channel_id": str(self.config.text_channel_id),
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "safety_alerts_channel_id": None,
            "vanity_url_code": None,
            "max_members": 500_000,
            "max_video_channel_users": 25,
            "max_stage_video_channel_users": 50,
            "application_id": None,
            "features": list(GUILD_FEATURES),
            "roles": self.roles(),
            "emojis": [],
            "stickers": [],
            "incidents_data": None,
            "home_header": None,
        }

    def application(self) -> dict[str, Any]:
        """``GET /oauth2/applications/@me`` (PrivateApplicationResponse)."""
        owner = self.user(self.owner_id)
        return {
            "id": str(self.config.application_id),
            "name": self.config.bot_name,
            "icon": None,
            "description": "Local Discord stand-in application",
            "type": None,
            "bot": self.bot_user(),
            "bot_public": False,
            "bot_require_code_grant": False,
            "verify_key": "0" * 64,
            "flags": 0,
            "flags_new": "0",
            "redirect_uris": [],
            "interactions_endpoint_url": None,
            "role_connections_verification_url": None,
            "owner": owner,
            "approximate_guild_count": 1,
            "approximate_user_install_count": 0,
            "approximate_user_authorization_count": 0,
            "explicit_content_filter": 0,
            "team": None,
            "eligible_oauth2_scopes": [],
            "tags": [],
            "summary": "",
            "hook": True,
            "rpc_origins": [],
            "integration_types_config": {"0": {}},
        }


def _last(channel: Channel) -> str | None:
    return str(next(reversed(channel.messages))) if channel.messages else None
