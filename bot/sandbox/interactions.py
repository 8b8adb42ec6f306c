"""Interactions: what a member's slash command, autocomplete or button click looks like to the
bot (INTERACTION_CREATE), and Discord's rules for answering it
(interactions/receiving-and-responding).

The first answer must arrive within 3 s or the token is dead (``10062``); a second
acknowledgement is ``40060``; followups and ``@original`` edits work for 15 minutes. After a
deferred response (type 5) the first followup fills the "thinking…" message.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.sandbox import errors, limits
from bot.sandbox.errors import FormErrors
from bot.sandbox.messages import apply_edit, edit_message, iter_components, new_message
from bot.sandbox.world import ATTACHMENT_SIZE_LIMIT as ATTACHMENT_SIZE_LIMIT  # tests import it
from bot.sandbox.world import (
    FLAG_EPHEMERAL,
    FLAG_LOADING,
    GUILD_FEATURES,
    Channel,
    Command,
    MemberSpec,
    World,
)

# interactions/receiving-and-responding#interaction-object-interaction-type
APPLICATION_COMMAND, MESSAGE_COMPONENT, AUTOCOMPLETE = 2, 3, 4
# ...#interaction-response-object-interaction-callback-type
MESSAGE, DEFERRED_MESSAGE, DEFERRED_UPDATE, UPDATE, AUTOCOMPLETE_RESULT, MODAL = 4, 5, 6, 7, 8, 9
ALLOWED_RESPONSES = {
    APPLICATION_COMMAND: {MESSAGE, DEFERRED_MESSAGE, MODAL},
    MESSAGE_COMPONENT: {MESSAGE, DEFERRED_MESSAGE, DEFERRED_UPDATE, UPDATE, MODAL},
    AUTOCOMPLETE: {AUTOCOMPLETE_RESULT},
}
# Response types after which the user already sees the final answer.
FINAL_RESPONSES = {MESSAGE, UPDATE, AUTOCOMPLETE_RESULT, MODAL}
# resources/message#message-object-message-types
REPLY, COMMAND_MESSAGE = 19, 20

# ...application-commands#application-command-object-application-command-option-type
SUB_COMMAND, SUB_COMMAND_GROUP, STRING, INTEGER, BOOLEAN = 1, 2, 3, 4, 5
USER, CHANNEL, ROLE, MENTIONABLE, NUMBER = 6, 7, 8, 9, 10


@dataclass
class Resolving:
    """Who sends a command from where, and the ``resolved`` data its options collect: a
    resolved member's or channel's ``permissions`` depend on both."""

    member: MemberSpec
    channel: Channel
    data: dict[str, dict[str, Any]] = field(default_factory=dict)


class UserError(ValueError):
    """Something a Discord client would not let the member do (unknown command, missing
    required option, clicking a button that is not there). Reported to the test, not the bot."""


@dataclass
class Interaction:
    id: int
    token: str
    type: int
    member: MemberSpec
    channel: Channel
    payload: dict[str, Any]
    created: float  # world clock, for Discord's deadlines
    dispatched: float = field(default_factory=time.perf_counter)  # for latency reports
    target: dict[str, Any] | None = None  # the message a component sits on
    response_type: int | None = None
    acked: float | None = None
    answered: float | None = None
    original: dict[str, Any] | None = None
    choices: list[dict[str, Any]] | None = None
    modal: dict[str, Any] | None = None
    followups: list[dict[str, Any]] = field(default_factory=list)
    done: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def ephemeral(self) -> bool:
        return bool(self.original and self.original["flags"] & FLAG_EPHEMERAL)

    def finish(self, at: float | None = None) -> None:
        if self.answered is None:
            self.answered = at if at is not None else time.perf_counter()
        self.done.set()

    def report(self) -> dict[str, Any]:
        """What the member saw, for the inspection API."""

        def ms(t: float | None) -> float | None:
            return None if t is None else round((t - self.dispatched) * 1000, 1)

        return {
            "interaction_id": str(self.id),
            "type": self.type,
            "response_type": self.response_type,
            "ack_ms": ms(self.acked),
            "answer_ms": ms(self.answered),
            "answered": self.answered is not None,
            "message": self.original,
            "ephemeral": self.ephemeral,
            "choices": self.choices,
            "modal": self.modal,
            "followups": self.followups,
        }


class Interactions:
    def __init__(self, world: World) -> None:
        self.world = world
        self.by_id: dict[int, Interaction] = {}
        self.by_token: dict[str, Interaction] = {}

    # --- what the member does ----------------------------------------------------------

    def command(
        self,
        path: str,
        options: Mapping[str, Any],
        member: MemberSpec,
        channel: Channel,
        *,
        focused: str | None = None,
    ) -> Interaction:
        """A slash command (or, with ``focused``, an autocomplete request) as a member sends it.

        ``path`` is ``"name"`` or ``"name subcommand"`` / ``"name group subcommand"``.
        """
        words = path.strip().lstrip("/").split()
        if not words:
            raise UserError("which command? e.g. /about")
        name, *subpath = words
        command = self._visible_command(name, member)
        option_defs = command.payload.get("options") or []
        wrappers: list[dict[str, Any]] = []
        for sub in subpath:
            found = _option(option_defs, sub)
            if found is None or found.get("type") not in (SUB_COMMAND, SUB_COMMAND_GROUP):
                raise UserError(f"/{name} has no subcommand {sub!r}")
            wrappers.append({"type": found["type"], "name": sub})
            option_defs = found.get("options") or []
        if option_defs and option_defs[0].get("type") in (SUB_COMMAND, SUB_COMMAND_GROUP):
            choices = ", ".join(o["name"] for o in option_defs)
            raise UserError(f"/{path.strip()} needs a subcommand: {choices}")
        resolving = Resolving(member, channel)
        values = self._options(option_defs, options, focused, resolving)
        for wrapper in reversed(wrappers):
            wrapper["options"] = values
            values = [wrapper]
        data: dict[str, Any] = {
            "id": command.payload["id"],
            "name": name,
            "type": command.type,
            "options": values,
        }
        if command.payload.get("guild_id"):
            data["guild_id"] = command.payload["guild_id"]
        if resolving.data:
            data["resolved"] = resolving.data
        kind = AUTOCOMPLETE if focused else APPLICATION_COMMAND
        return self._create(kind, data, member, channel)

    def click(
        self, message_id: int, custom_id: str, member: MemberSpec, values: list[str] | None = None
    ) -> Interaction:
        """A member clicking a button (or choosing in a select menu) on a message."""
        found = self.world.find_message(message_id)
        if found is not None:
            channel, message = found
        else:
            owner, message = self._ephemeral(message_id)
            if owner.member.id != member.id:
                raise UserError(
                    f"message {message_id} is ephemeral: only {owner.member.username} sees it"
                )
            channel = owner.channel
        component = next(
            (c for c in iter_components(message) if c.get("custom_id") == custom_id), None
        )
        if component is None:
            raise UserError(f"message {message_id} has no component with custom_id {custom_id!r}")
        if component.get("disabled"):
            raise UserError(f"component {custom_id!r} is disabled")
        data: dict[str, Any] = {
            "custom_id": custom_id,
            "component_type": component["type"],
            "id": component.get("id"),
        }
        if component["type"] != 2:  # select menus send what was picked
            data["values"] = values or []
        interaction = self._create(MESSAGE_COMPONENT, data, member, channel, message=message)
        interaction.target = message
        return interaction

    def _visible_command(self, name: str, member: MemberSpec) -> Command:
        world = self.world
        guild = world.guild_commands.get(world.config.guild_id, {}).get((name, 1))
        global_ = world.global_commands.get((name, 1))
        if guild is not None and global_ is not None:
            raise UserError(
                f"/{name} is registered both globally and in the guild: members see it twice"
            )
        command = guild or global_
        if command is None:
            raise UserError(f"/{name} is not a registered command")
        needed = command.payload.get("default_member_permissions")
        if needed is not None and int(needed) & ~world.guild_permissions(member.id):
            raise UserError(
                f"{member.username} cannot use /{name}: it needs permissions {needed} "
                "(default_member_permissions)"
            )
        return command

    def _options(
        self,
        defs: list[dict[str, Any]],
        given: Mapping[str, Any],
        focused: str | None,
        resolving: Resolving,
    ) -> list[dict[str, Any]]:
        by_name = {d["name"]: d for d in defs}
        unknown = set(given) - set(by_name)
        if unknown:
            raise UserError(f"unknown option(s) {sorted(unknown)}; known: {sorted(by_name)}")
        if focused is not None:
            spec = by_name.get(focused)
            if spec is None or not spec.get("autocomplete"):
                raise UserError(f"option {focused!r} does not autocomplete")
        result = []
        for spec in defs:
            name = spec["name"]
            if name == focused:
                result.append(
                    {
                        "type": spec["type"],
                        "name": name,
                        "value": str(given.get(name, "")),
                        "focused": True,
                    }
                )
            elif name in given:
                value = self._convert(spec, given[name], resolving)
                result.append({"type": spec["type"], "name": name, "value": value})
            elif spec.get("required") and focused is None:
                raise UserError(f"option {name!r} is required")
        return result

    def _convert(self, spec: Mapping[str, Any], raw: Any, resolving: Resolving) -> Any:
        """Turn what the member typed into the typed value Discord's client would send."""
        kind, name, world = spec["type"], spec["name"], self.world
        try:
            if kind == STRING:
                value: Any = str(raw)
                low, high = spec.get("min_length", 0), spec.get("max_length", 6000)
                if not low <= len(value) <= high:
                    raise UserError(f"option {name!r} must be {low}–{high} characters")
            elif kind == INTEGER:
                value = int(raw)
            elif kind == NUMBER:
                value = float(raw)
            elif kind == BOOLEAN:
                value = raw if isinstance(raw, bool) else str(raw).lower() in ("true", "yes", "1")
            elif kind in (USER, MENTIONABLE):
                member = world.member_by_name(raw)
                if member is None:
                    raise UserError(f"option {name!r}: no member {raw!r}")
                value = str(member.id)
                resolving.data.setdefault("users", {})[value] = world.user(member.id)
                member_payload = world.member_payload(member, resolving.channel)
                del member_payload["user"]
                resolving.data.setdefault("members", {})[value] = member_payload
            elif kind == CHANNEL:
                channel = world.channel_by_name(raw)
                if channel is None:
                    raise UserError(f"option {name!r}: no channel {raw!r}")
                value = str(channel.id)
                resolving.data.setdefault("channels", {})[value] = {
                    "id": value,
                    "name": channel.name,
                    "type": channel.type,
                    "permissions": str(world.permissions_in(channel, resolving.member.id)),
                    "flags": 0,
                }
            else:
                raise UserError(f"option {name!r} has a type ({kind}) the sandbox cannot fill")
        except ValueError as exc:
            if isinstance(exc, UserError):
                raise
            raise UserError(f"option {name!r}: {raw!r} is not a valid value") from exc
        if kind in (INTEGER, NUMBER):
            low, high = spec.get("min_value"), spec.get("max_value")
            if (low is not None and value < low) or (high is not None and value > high):
                raise UserError(f"option {name!r} must be between {low} and {high}")
        choices = spec.get("choices")
        if choices:
            for choice in choices:
                if value in (choice["value"], choice["name"]) or raw in (
                    choice["value"],
                    choice["name"],
                ):
                    return choice["value"]
            raise UserError(f"option {name!r} must be one of {[c['name'] for c in choices]}")
        return value

    def _create(
        self,
        kind: int,
        data: dict[str, Any],
        member: MemberSpec,
        channel: Channel,
        *,
        message: dict[str, Any] | None = None,
    ) -> Interaction:
        world = self.world
        interaction_id = world.snowflakes.next()
        token = "aW50ZXJhY3Rpb246" + secrets.token_urlsafe(96)
        channel_payload = world.channel_payload(channel)
        channel_payload["permissions"] = str(world.permissions_in(channel, member.id))
        payload: dict[str, Any] = {
            "id": str(interaction_id),
            "application_id": str(world.config.application_id),
            "type": kind,
            "data": data,
            "guild_id": str(world.config.guild_id),
            "guild": {
                "id": str(world.config.guild_id),
                "locale": "en-US",
                "features": list(GUILD_FEATURES),
            },
            "channel_id": str(channel.id),
            "channel": channel_payload,
            "member": world.member_payload(member, channel),
            "token": token,
            "version": 1,
            "app_permissions": str(world.bot_permissions_in(channel)),
            "locale": member.locale,
            "guild_locale": "en-US",
            "entitlements": [],
            "entitlement_sku_ids": [],
            "authorizing_integration_owners": {"0": str(world.config.guild_id)},
            "context": 0,
            "attachment_size_limit": world.config.attachment_size_limit,
        }
        if message is not None:
            payload["message"] = message
        interaction = Interaction(
            interaction_id, token, kind, member, channel, payload, created=world.clock()
        )
        self.by_id[interaction_id] = interaction
        self.by_token[token] = interaction
        return interaction

    def _ephemeral(self, message_id: int) -> tuple[Interaction, dict[str, Any]]:
        """An ephemeral response or followup, with the interaction whose member sees it."""
        for interaction in self.by_id.values():
            for message in [interaction.original, *interaction.followups]:
                if message is not None and int(message["id"]) == message_id:
                    return interaction, message
        raise UserError(f"no message {message_id}")

    # --- what the bot does -------------------------------------------------------------

    def callback(
        self, interaction_id: int, token: str, body: Mapping[str, Any], received: float
    ) -> Interaction:
        """``POST /interactions/{id}/{token}/callback`` after the body passed the spec check.

        Latency is timed to `received`, when the answer reached the stand-in: the checks
        against Discord's OpenAPI description that follow are the stand-in's own cost.
        """
        interaction = self.by_id.get(interaction_id)
        if interaction is None or interaction.token != token:
            raise errors.unknown_interaction()
        if self.world.clock() - interaction.created > self.world.config.interaction_deadline:
            raise errors.unknown_interaction()
        if interaction.response_type is not None:
            raise errors.already_acknowledged()
        response_type = int(body["type"])
        allowed = ALLOWED_RESPONSES.get(interaction.type, set())
        if response_type not in allowed:
            form = FormErrors()
            listed = ", ".join(map(str, sorted(allowed)))
            form.add(["type"], "BASE_TYPE_CHOICES", f"Value must be one of {{{listed}}}.")
            raise errors.invalid_form_body(form)
        data = body.get("data") or {}
        if response_type == MESSAGE:
            limits.require_something_to_send(data)
            interaction.original = self._message(interaction, data)
        elif response_type == DEFERRED_MESSAGE:
            interaction.original = self._message(interaction, data, loading=True)
        elif response_type in (DEFERRED_UPDATE, UPDATE):
            interaction.original = interaction.target
            if response_type == UPDATE and interaction.target is not None:
                edit_message(self.world, interaction.target, data)
        elif response_type == AUTOCOMPLETE_RESULT:
            interaction.choices = list(data.get("choices") or [])
        elif response_type == MODAL:
            interaction.modal = dict(data)
        interaction.response_type = response_type
        interaction.acked = received
        if response_type in FINAL_RESPONSES:
            interaction.finish(received)
        return interaction

    def _message(
        self, interaction: Interaction, data: Mapping[str, Any], *, loading: bool = False
    ) -> dict[str, Any]:
        world = self.world
        metadata = {
            "id": str(interaction.id),
            "type": interaction.type,
            "user": world.user(interaction.member.id),
            "authorizing_integration_owners": {"0": str(world.config.guild_id)},
        }
        if interaction.type == MESSAGE_COMPONENT and interaction.target is not None:
            metadata["interacted_message_id"] = interaction.target["id"]
        message = new_message(
            world,
            interaction.channel,
            data,
            author=world.bot_user(),
            message_type=COMMAND_MESSAGE if interaction.type == APPLICATION_COMMAND else REPLY,
            extra_flags=FLAG_LOADING if loading else 0,
            webhook_id=str(world.config.application_id),
            application_id=str(world.config.application_id),
            interaction_metadata=metadata,
        )
        if not message["flags"] & FLAG_EPHEMERAL:
            interaction.channel.messages[int(message["id"])] = message
        return message

    def callback_response(self, interaction: Interaction) -> dict[str, Any]:
        """The ``with_response=true`` body discord.py parses (InteractionCallbackResponse)."""
        original = interaction.original
        body: dict[str, Any] = {
            "interaction": {
                "id": str(interaction.id),
                "type": interaction.type,
                "channel_id": str(interaction.channel.id),
                "guild_id": str(self.world.config.guild_id),
            }
        }
        if interaction.response_type in (MESSAGE, DEFERRED_MESSAGE) and original is not None:
            body["interaction"].update(
                response_message_id=original["id"],
                response_message_loading=interaction.response_type == DEFERRED_MESSAGE,
                response_message_ephemeral=bool(original["flags"] & FLAG_EPHEMERAL),
            )
        if interaction.response_type in (MESSAGE, UPDATE) and original is not None:
            body["resource"] = {"type": interaction.response_type, "message": original}
        return body

    def webhook(self, application_id: int, token: str) -> Interaction:
        """The interaction behind a followup webhook (``/webhooks/{application_id}/{token}``)."""
        interaction = self.by_token.get(token)
        if interaction is None or application_id != self.world.config.application_id:
            raise errors.unknown_webhook()
        if self.world.clock() - interaction.created > self.world.config.followup_lifetime:
            raise errors.invalid_webhook_token()
        if interaction.response_type is None:
            raise errors.unknown_webhook()
        return interaction

    def followup(self, interaction: Interaction, body: Mapping[str, Any]) -> dict[str, Any]:
        limits.require_something_to_send(body)
        original = interaction.original
        if (
            interaction.response_type == DEFERRED_MESSAGE
            and original is not None
            and original["flags"] & FLAG_LOADING
        ):
            apply_edit(self.world, original, {k: v for k, v in body.items() if k != "flags"})
            original["edited_timestamp"] = None
            interaction.finish()
            return original
        message = self._message(interaction, body)
        interaction.followups.append(message)
        interaction.finish()
        return message

    def edit(
        self, interaction: Interaction, message: dict[str, Any], body: Mapping[str, Any]
    ) -> None:
        """``PATCH`` of ``@original`` or a followup; editing the original completes a deferral."""
        edit_message(self.world, message, body)
        if message is interaction.original:
            interaction.finish()

    def find_webhook_message(self, interaction: Interaction, message_id: str) -> dict[str, Any]:
        if message_id == "@original":
            if interaction.original is None:
                raise errors.unknown_message()
            return interaction.original
        for message in interaction.followups:
            if message["id"] == message_id:
                return message
        raise errors.unknown_message()

    def delete(self, interaction: Interaction, message: dict[str, Any]) -> None:
        self.world.channels[int(message["channel_id"])].messages.pop(int(message["id"]), None)
        if message is interaction.original:
            interaction.original = None
        else:
            interaction.followups.remove(message)


def _option(defs: list[dict[str, Any]], name: str) -> dict[str, Any] | None:
    return next((d for d in defs if d.get("name") == name), None)


def check_callback(body: Any) -> FormErrors:
    """Documented limits of a callback body: message limits for types 4/7, choices for 8."""
    if not isinstance(body, Mapping):
        return FormErrors()
    if body.get("type") == AUTOCOMPLETE_RESULT:
        return limits.check_autocomplete(body.get("data"))
    data = body.get("data")
    return limits.check_message(data, at=["data"]) if isinstance(data, Mapping) else FormErrors()
