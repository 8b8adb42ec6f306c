"""Discord's REST API (``/api/v10``) for the routes the bot uses.

Every request passes the same gate, in Discord's order: fault injection (tests), the bot
token, rate limits, JSON parsing, then the documented limits (``limits.py``) and the OpenAPI
description (``spec.py``) together — one ``400 50035`` lists everything wrong. Responses are
checked against the spec too; disagreements are recorded as *problems* that tests assert empty.
"""

from __future__ import annotations

import asyncio
import email.parser
import email.policy
import json
import logging
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from bot.sandbox import errors, limits
from bot.sandbox.attachments import check_upload
from bot.sandbox.errors import ApiError, FormErrors
from bot.sandbox.faults import Faults
from bot.sandbox.gateway import Gateway
from bot.sandbox.interactions import Interactions, check_callback
from bot.sandbox.messages import edit_message, new_message, trim_embeds
from bot.sandbox.ratelimit import RateLimited, RateLimiter
from bot.sandbox.spec import OpenApiSpec
from bot.sandbox.world import (
    ANNOUNCEMENT_THREAD,
    CREATE_PUBLIC_THREADS,
    DM,
    FLAG_CROSSPOSTED,
    FLAG_HAS_THREAD,
    GUILD_ANNOUNCEMENT,
    INTENT_DIRECT_MESSAGES,
    INTENT_GUILD_MESSAGES,
    INTENT_GUILDS,
    MANAGE_MESSAGES,
    PUBLIC_THREAD,
    READ_MESSAGE_HISTORY,
    SEND_MESSAGES,
    SEND_MESSAGES_IN_THREADS,
    VIEW_CHANNEL,
    Channel,
    Command,
    World,
)

log = logging.getLogger(__name__)
API_PREFIX = "/api/v10"
JSON = "application/json"


@dataclass
class Call:
    request: web.Request
    params: dict[str, str]
    body: Any
    received: float  # perf_counter when the request arrived, before any checking

    def id(self, name: str) -> int:
        try:
            return int(self.params[name])
        except ValueError:
            raise errors.not_found() from None


Handler = Callable[[Call], Awaitable[tuple[int, Any]]]
Check = Callable[[Any], FormErrors]


@dataclass(frozen=True)
class Route:
    method: str
    template: str
    handler: Handler
    check: Check | None = None
    # Interaction callbacks and followup webhooks carry no bot token and are exempt from the
    # global rate limit (topics/rate-limits#global-rate-limit).
    bot_auth: bool = True

    @property
    def key(self) -> str:
        return f"{self.method} {self.template}"


@dataclass
class Journal:
    """What happened, for tests and the console: requests, problems, and listeners."""

    requests: list[dict[str, Any]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    listeners: list[Callable[[str, dict[str, Any]], None]] = field(default_factory=list)

    def emit(self, kind: str, payload: dict[str, Any]) -> None:
        for listener in self.listeners:
            listener(kind, payload)

    def problem(self, text: str) -> None:
        log.error("sandbox problem: %s", text)
        self.problems.append(text)


class RestApi:
    def __init__(
        self,
        world: World,
        gateway: Gateway,
        interactions: Interactions,
        limiter: RateLimiter,
        faults: Faults,
        journal: Journal,
    ) -> None:
        self.world = world
        self.gateway = gateway
        self.interactions = interactions
        self.limiter = limiter
        self.faults = faults
        self.journal = journal
        self.spec = OpenApiSpec.load()

    def routes(self) -> list[Route]:
        channel = "/channels/{channel_id}"
        message = channel + "/messages/{message_id}"
        webhook = "/webhooks/{webhook_id}/{webhook_token}"
        commands = "/applications/{application_id}/commands"
        guild_commands = "/applications/{application_id}/guilds/{guild_id}/commands"
        callback = "/interactions/{interaction_id}/{interaction_token}/callback"
        guild = "/guilds/{guild_id}"
        routes = [
            Route("GET", "/users/@me", self.get_me),
            Route("GET", "/users/@me/guilds", self.get_my_guilds),
            Route("GET", "/users/{user_id}", self.get_user),
            Route("GET", "/oauth2/applications/@me", self.get_application),
            Route("GET", "/gateway", self.get_gateway, bot_auth=False),
            Route("GET", "/gateway/bot", self.get_gateway_bot),
            Route("GET", commands, self.get_commands),
            Route("PUT", commands, self.put_commands),
            Route("GET", guild_commands, self.get_commands),
            Route("PUT", guild_commands, self.put_commands),
            Route("GET", guild, self.get_guild),
            Route("GET", guild + "/members/{user_id}", self.get_member),
            Route("GET", guild + "/roles", self.get_roles),
            Route("GET", channel, self.get_channel),
            Route("GET", channel + "/messages", self.list_messages),
            Route("POST", channel + "/messages", self.create_message, _message_check),
            Route("GET", message, self.get_message),
            Route("PATCH", message, self.patch_message, _message_check),
            Route("DELETE", message, self.delete_message),
            Route("POST", message + "/crosspost", self.crosspost),
            Route("POST", message + "/threads", self.start_thread),
            Route("POST", "/users/@me/channels", self.open_dm),
            Route("POST", callback, self.interaction_callback, check_callback, bot_auth=False),
            Route("POST", webhook, self.followup, _message_check, bot_auth=False),
        ]
        # @original first: aiohttp would otherwise match it as a {message_id}.
        for path in (webhook + "/messages/@original", webhook + "/messages/{message_id}"):
            routes += [
                Route("GET", path, self.get_webhook_message, bot_auth=False),
                Route("PATCH", path, self.edit_webhook_message, _message_check, bot_auth=False),
                Route("DELETE", path, self.delete_webhook_message, bot_auth=False),
            ]
        return routes

    def add_to(self, app: web.Application) -> None:
        for route in self.routes():
            app.router.add_route(route.method, API_PREFIX + route.template, self._wrap(route))

    # --- the gate ----------------------------------------------------------------------

    def _wrap(self, route: Route) -> Callable[[web.Request], Awaitable[web.Response]]:
        async def handle(request: web.Request) -> web.Response:
            return await self.serve(route, request)

        return handle

    async def serve(self, route: Route, request: web.Request) -> web.Response:
        started = time.perf_counter()
        headers: dict[str, str] = {}
        body: Any = None
        fault = self.faults.take(route.key)
        try:
            if fault is not None:
                await asyncio.sleep(fault.delay)
                error = fault.error()
                if error is not None:
                    raise error
            if (
                route.bot_auth
                and request.headers.get("Authorization") != f"Bot {self.world.config.token}"
            ):
                raise errors.unauthorized()
            params = dict(request.match_info)
            major = "+".join(
                params[k]
                for k in ("channel_id", "guild_id", "webhook_id", "webhook_token", "interaction_id")
                if k in params
            )
            headers = self.limiter.hit(route.key, major, counts_globally=route.bot_auth)
            body = await _json_body(request)
            if body is not None:
                body = trim_embeds(body)
                problems = route.check(body) if route.check else FormErrors()
                problems.merge(self.spec.request_errors(route.method, route.template, body))
                if problems:
                    raise errors.invalid_form_body(problems)
            status, payload = await route.handler(Call(request, params, body, started))
        except ApiError as exc:
            status, payload = exc.status, exc.body()
            if isinstance(exc, RateLimited):
                headers.update(exc.headers)
            if status >= 400 and status != 429:
                log.info("%s %s → %s %s", route.method, request.path, status, json.dumps(payload))
        self._check_response(route, status, payload)
        self.journal.requests.append(
            {
                "method": route.method,
                "route": route.template,
                "path": request.path,
                "status": status,
                "body": body,
                "response": payload,
                "ms": round((time.perf_counter() - started) * 1000, 1),
            }
        )
        if fault is not None:
            await asyncio.sleep(fault.answer_delay)
        return json_response(status, payload, headers)

    def _check_response(self, route: Route, status: int, payload: Any) -> None:
        if status >= 500:
            return  # injected server errors are not in the spec
        for problem in self.spec.response_problems(route.method, route.template, status, payload):
            self.journal.problem(f"response does not match Discord's spec: {problem}")

    # --- users, application, gateway ---------------------------------------------------

    async def get_me(self, call: Call) -> tuple[int, Any]:
        return 200, self.world.bot_user_private()

    async def get_user(self, call: Call) -> tuple[int, Any]:
        user = self.world.user(call.id("user_id"))
        if user is None:
            raise errors.unknown_user()
        return 200, user

    async def get_my_guilds(self, call: Call) -> tuple[int, Any]:
        return 200, [self.world.my_guild(_flag(call, "with_counts"))]

    async def get_application(self, call: Call) -> tuple[int, Any]:
        return 200, self.world.application()

    async def get_gateway(self, call: Call) -> tuple[int, Any]:
        return 200, {"url": self.gateway.url}

    async def get_gateway_bot(self, call: Call) -> tuple[int, Any]:
        return 200, {
            "url": self.gateway.url,
            "shards": 1,
            "session_start_limit": {
                "total": 1000,
                "remaining": 1000 - len(self.gateway.sessions),
                "reset_after": 86_400_000,
                "max_concurrency": 1,
            },
        }

    # --- application commands ----------------------------------------------------------

    def _command_store(self, call: Call) -> tuple[dict[tuple[str, int], Command], int | None]:
        if call.id("application_id") != self.world.config.application_id:
            raise errors.missing_access()
        if "guild_id" not in call.params:
            return self.world.global_commands, None
        guild_id = call.id("guild_id")
        if guild_id != self.world.config.guild_id:
            # The bot is not in that guild (or lacks the applications.commands scope there).
            raise errors.missing_access()
        return self.world.guild_commands.setdefault(guild_id, {}), guild_id

    async def get_commands(self, call: Call) -> tuple[int, Any]:
        store, _ = self._command_store(call)
        return 200, [c.payload for c in store.values()]

    async def put_commands(self, call: Call) -> tuple[int, Any]:
        """Bulk overwrite: the list replaces every command in that scope
        (interactions/application-commands, "Bulk Overwrite Global Application Commands")."""
        store, guild_id = self._command_store(call)
        body = call.body or []
        problems = limits.check_commands(body)
        if problems:
            raise errors.invalid_form_body(problems)
        created = [c for c in body if (c["name"], c.get("type", 1)) not in store]
        day = time.strftime("%Y-%m-%d", time.gmtime())
        scope = guild_id or 0
        used = self.world.daily_creates.get((scope, day), 0)
        if used + len(created) > limits.DAILY_COMMAND_CREATES:
            raise RateLimited(
                86_400 - time.time() % 86_400,
                {"X-RateLimit-Remaining": "0"},
                is_global=False,
                code=30034,
                message="Max number of daily application command creates has been reached "
                f"({limits.DAILY_COMMAND_CREATES})",
            )
        self.world.daily_creates[(scope, day)] = used + len(created)
        fresh: dict[tuple[str, int], Command] = {}
        for command in body:
            key = (command["name"], command.get("type", 1))
            previous = store.get(key)
            fresh[key] = Command(self._command_payload(command, previous, guild_id))
        store.clear()
        store.update(fresh)
        self.journal.emit("commands", {"guild_id": guild_id, "names": [k[0] for k in fresh]})
        return 200, [c.payload for c in fresh.values()]

    def _command_payload(
        self, sent: dict[str, Any], previous: Command | None, guild_id: int | None
    ) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "id": previous.payload["id"] if previous else str(self.world.snowflakes.next()),
            "application_id": str(self.world.config.application_id),
            "version": str(self.world.snowflakes.next()),
            "type": sent.get("type", 1),
            "name": sent["name"],
            "description": sent.get("description", ""),
            "default_member_permissions": _permissions(sent.get("default_member_permissions")),
            "dm_permission": sent.get("dm_permission", True),
            "nsfw": bool(sent.get("nsfw")),
            "integration_types": sent.get("integration_types") or [0],
            "contexts": sent.get("contexts"),
        }
        if sent.get("options"):
            payload["options"] = [_option_response(o) for o in sent["options"]]
        for key in ("name_localizations", "description_localizations"):
            if sent.get(key) is not None:
                payload[key] = sent[key]
        if guild_id is not None:
            payload["guild_id"] = str(guild_id)
        return payload

    # --- the guild ---------------------------------------------------------------------

    def _guild(self, call: Call) -> None:
        if call.id("guild_id") != self.world.config.guild_id:
            raise errors.unknown_guild()

    async def get_guild(self, call: Call) -> tuple[int, Any]:
        self._guild(call)
        return 200, self.world.guild(_flag(call, "with_counts"))

    async def get_member(self, call: Call) -> tuple[int, Any]:
        self._guild(call)
        user_id = call.id("user_id")
        if user_id == self.world.config.bot_user_id:
            return 200, self.world.bot_member_payload()
        member = self.world.members.get(user_id)
        if member is None:
            raise errors.unknown_member()
        return 200, self.world.member_payload(member)

    async def get_roles(self, call: Call) -> tuple[int, Any]:
        self._guild(call)
        return 200, self.world.roles()

    # --- channels and messages ---------------------------------------------------------

    def _channel(self, call: Call) -> Channel:
        """The channel, if the bot may see it (Discord answers 50001 otherwise)."""
        channel = self.world.channels.get(call.id("channel_id"))
        if channel is None:
            raise errors.unknown_channel()
        if not self.world.bot_permissions_in(channel) & VIEW_CHANNEL:
            raise errors.missing_access()
        return channel

    def _require(self, channel: Channel, needs: int) -> None:
        """The permissions an endpoint documents as required, or 403 50013."""
        if needs & ~self.world.bot_permissions_in(channel):
            raise errors.missing_permissions()

    def _message(self, call: Call) -> tuple[Channel, dict[str, Any]]:
        channel = self._channel(call)
        message = channel.messages.get(call.id("message_id"))
        if message is None:
            raise errors.unknown_message()
        return channel, message

    async def get_channel(self, call: Call) -> tuple[int, Any]:
        return 200, self.world.channel_payload(self._channel(call))

    async def list_messages(self, call: Call) -> tuple[int, Any]:
        """Newest first; ``before`` / ``after`` / ``around`` and ``limit`` 1–100 (default 50).
        Without Read Message History the list is empty (resources/message#get-channel-messages).
        """
        channel = self._channel(call)
        query = call.request.query
        try:
            limit = int(query.get("limit", "50"))
        except ValueError:
            limit = 0
        if not 1 <= limit <= 100:
            form = FormErrors()
            form.add(["limit"], "NUMBER_TYPE_MAX", "int value should be less than or equal to 100.")
            raise errors.invalid_form_body(form)
        ids = sorted(channel.messages, reverse=True)
        if "before" in query:
            ids = [i for i in ids if i < int(query["before"])]
        if "after" in query:
            ids = sorted(i for i in ids if i > int(query["after"]))[:limit][::-1]
        if "around" in query:
            pivot = int(query["around"])
            older = [i for i in ids if i <= pivot][: (limit + 1) // 2]
            newer = sorted(i for i in ids if i > pivot)[: limit // 2][::-1]
            ids = newer + older
        if READ_MESSAGE_HISTORY & ~self.world.bot_permissions_in(channel):
            return 200, []
        return 200, [channel.messages[i] for i in ids[:limit]]

    async def get_message(self, call: Call) -> tuple[int, Any]:
        channel, message = self._message(call)
        self._require(channel, READ_MESSAGE_HISTORY)
        return 200, message

    async def create_message(self, call: Call) -> tuple[int, Any]:
        """topics/permissions: a thread takes Send Messages in Threads instead of Send Messages
        (a thread has its parent's permissions otherwise)."""
        channel = self._channel(call)
        self._require(channel, SEND_MESSAGES_IN_THREADS if channel.is_thread else SEND_MESSAGES)
        body = call.body or {}
        limits.require_something_to_send(body)
        # resources/message#create-message: with enforce_nonce, a nonce seen in the last few
        # minutes returns the earlier message instead of creating a second one.
        nonce = body.get("nonce")
        key = (channel.id, str(nonce))
        if nonce is not None and body.get("enforce_nonce"):
            seen = self.world.nonces.get(key)
            if seen and self.world.clock() - seen[1] < self.world.config.nonce_window:
                earlier = channel.messages.get(seen[0])
                if earlier is not None:
                    return 200, earlier
        message = new_message(self.world, channel, body, author=self.world.bot_user())
        channel.messages[int(message["id"])] = message
        if nonce is not None:
            self.world.nonces[key] = (int(message["id"]), self.world.clock())
        await self._announce("MESSAGE_CREATE", channel, message)
        return 200, message

    async def patch_message(self, call: Call) -> tuple[int, Any]:
        channel, message = self._message(call)
        edit_message(self.world, message, call.body or {})
        await self._announce("MESSAGE_UPDATE", channel, message)
        return 200, message

    async def delete_message(self, call: Call) -> tuple[int, Any]:
        channel, message = self._message(call)
        del channel.messages[int(message["id"])]
        event = {"id": message["id"], "channel_id": message["channel_id"]}
        await self._announce("MESSAGE_DELETE", channel, event)
        return 204, None

    async def crosspost(self, call: Call) -> tuple[int, Any]:
        """resources/message#crosspost-message: announcement channels only, once per message;
        the bot's own messages need Send Messages, others' Manage Messages."""
        channel, message = self._message(call)
        own = message["author"]["id"] == str(self.world.config.bot_user_id)
        self._require(channel, SEND_MESSAGES if own else MANAGE_MESSAGES)
        if channel.type != GUILD_ANNOUNCEMENT:
            raise errors.wrong_channel_type()
        if message["flags"] & FLAG_CROSSPOSTED:
            raise errors.already_crossposted()
        message["flags"] |= FLAG_CROSSPOSTED
        await self._announce("MESSAGE_UPDATE", channel, message)
        return 200, message

    async def start_thread(self, call: Call) -> tuple[int, Any]:
        """resources/channel#start-thread-from-message: the thread takes the message's id;
        Create Public Threads is needed."""
        channel, message = self._message(call)
        if channel.is_thread or channel.type == DM:
            raise errors.wrong_channel_type()
        self._require(channel, CREATE_PUBLIC_THREADS)
        if message["flags"] & FLAG_HAS_THREAD:
            raise errors.thread_exists()
        body = call.body or {}
        thread = Channel(
            id=int(message["id"]),
            type=ANNOUNCEMENT_THREAD if channel.type == GUILD_ANNOUNCEMENT else PUBLIC_THREAD,
            name=body["name"],
            guild_id=channel.guild_id,
            parent_id=channel.id,
            owner_id=self.world.config.bot_user_id,
            auto_archive_duration=int(body.get("auto_archive_duration") or 1440),
        )
        self.world.channels[thread.id] = thread
        payload = self.world.channel_payload(thread)
        message["flags"] |= FLAG_HAS_THREAD
        message["thread"] = payload
        await self.gateway.dispatch(
            "THREAD_CREATE", {**payload, "newly_created": True}, intent=INTENT_GUILDS
        )
        self.journal.emit("thread", payload)
        return 201, payload

    async def open_dm(self, call: Call) -> tuple[int, Any]:
        body = call.body or {}
        try:
            recipient = int(body.get("recipient_id"))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise errors.unknown_user() from None
        if self.world.user(recipient) is None or recipient == self.world.config.bot_user_id:
            raise errors.unknown_user()
        for channel in self.world.channels.values():
            if channel.type == DM and channel.recipient_id == recipient:
                return 200, self.world.channel_payload(channel)
        member = self.world.members[recipient]
        channel = Channel(
            self.world.snowflakes.next(), DM, f"dm-{member.username}", None, recipient_id=recipient
        )
        self.world.channels[channel.id] = channel
        return 200, self.world.channel_payload(channel)

    async def _announce(self, event: str, channel: Channel, data: dict[str, Any]) -> None:
        """Tell gateway sessions that asked for message events, and the journal's listeners."""
        intent = INTENT_DIRECT_MESSAGES if channel.type == DM else INTENT_GUILD_MESSAGES
        extra = {} if channel.guild_id is None else {"guild_id": str(channel.guild_id)}
        await self.gateway.dispatch(event, {**data, **extra}, intent=intent)
        self.journal.emit(event.lower(), data)

    # --- interactions ------------------------------------------------------------------

    async def interaction_callback(self, call: Call) -> tuple[int, Any]:
        check_upload(call.body, self.world.config.attachment_size_limit)
        interaction = self.interactions.callback(
            call.id("interaction_id"),
            call.params["interaction_token"],
            call.body or {},
            received=call.received,
        )
        self.journal.emit("interaction", interaction.report())
        if not _flag(call, "with_response"):
            return 204, None
        return 200, self.interactions.callback_response(interaction)

    async def followup(self, call: Call) -> tuple[int, Any]:
        check_upload(call.body, self.world.config.attachment_size_limit)
        interaction = self.interactions.webhook(call.id("webhook_id"), call.params["webhook_token"])
        message = self.interactions.followup(interaction, call.body or {})
        self.journal.emit("interaction", interaction.report())
        wait = _flag(call, "wait")
        return (200, message) if wait else (204, None)

    async def get_webhook_message(self, call: Call) -> tuple[int, Any]:
        interaction = self.interactions.webhook(call.id("webhook_id"), call.params["webhook_token"])
        return 200, self.interactions.find_webhook_message(interaction, _message_ref(call))

    async def edit_webhook_message(self, call: Call) -> tuple[int, Any]:
        check_upload(call.body, self.world.config.attachment_size_limit)
        interaction = self.interactions.webhook(call.id("webhook_id"), call.params["webhook_token"])
        message = self.interactions.find_webhook_message(interaction, _message_ref(call))
        self.interactions.edit(interaction, message, call.body or {})
        self.journal.emit("interaction", interaction.report())
        return 200, message

    async def delete_webhook_message(self, call: Call) -> tuple[int, Any]:
        interaction = self.interactions.webhook(call.id("webhook_id"), call.params["webhook_token"])
        message = self.interactions.find_webhook_message(interaction, _message_ref(call))
        self.interactions.delete(interaction, message)
        return 204, None


def _permissions(value: Any) -> str | None:
    """Commands echo permission bit sets as strings, whichever way they were sent."""
    return None if value is None else str(int(value))


def _flag(call: Call, name: str) -> bool:
    """A boolean query parameter (discord.py sends ``1``, others ``true``)."""
    return call.request.query.get(name, "false").lower() in ("1", "true")


def _message_ref(call: Call) -> str:
    return call.params.get("message_id", "@original")


def _message_check(body: Any) -> FormErrors:
    return limits.check_message(body) if isinstance(body, dict) else FormErrors()


def _option_response(option: dict[str, Any]) -> dict[str, Any]:
    """An option as Discord echoes it back: ``required`` only when true, nulls dropped."""
    result = {
        k: v for k, v in option.items() if v is not None and not (k == "required" and v is False)
    }
    if "options" in result:
        result["options"] = [_option_response(o) for o in result["options"]]
    return result


async def _json_body(request: web.Request) -> Any:
    if not request.body_exists:
        return None
    raw = await request.read()
    if not raw:
        return None
    content_type = request.headers.get("Content-Type", "")
    if content_type.startswith("multipart/form-data"):
        return _multipart_body(raw, content_type)
    if not content_type.startswith(JSON):
        raise ApiError(400, 50035, "Invalid Form Body", _content_type_error(content_type))
    try:
        return json.loads(raw)
    except ValueError:
        raise errors.invalid_json() from None


def _multipart_body(raw: bytes, content_type: str) -> Any:
    """A file upload as discord.py sends it (reference#uploading-files): the JSON body in the
    ``payload_json`` part, file ``n`` in ``files[n]``. Each file's size and type are added to
    the body's ``attachments`` entry with id ``n`` (top level, or ``data`` of an interaction
    callback), which is what the stored message shows; the bytes themselves are not kept."""
    head = f"Content-Type: {content_type}\r\n\r\n".encode()
    form = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + raw)
    body: Any = None
    files: dict[str, dict[str, Any]] = {}
    for part in form.iter_parts():
        name = part.get_param("name", header="content-disposition")
        data = part.get_payload(decode=True)
        data = data if isinstance(data, bytes) else b""
        if name == "payload_json":
            try:
                body = json.loads(data)
            except ValueError:
                raise errors.invalid_json() from None
        elif isinstance(name, str) and (found := re.fullmatch(r"files\[(\d+)\]", name)):
            files[found[1]] = {"size": len(data), "content_type": part.get_content_type()}
    holder = body.get("data") if isinstance(body, dict) and "type" in body else body
    if isinstance(holder, dict):
        for attachment in holder.get("attachments") or []:
            if isinstance(attachment, dict) and str(attachment.get("id")) in files:
                attachment.update(files[str(attachment["id"])])
    return body


def _content_type_error(content_type: str) -> FormErrors:
    form = FormErrors()
    form.add([], "CONTENT_TYPE_INVALID", f'Expected "{JSON}" but got "{content_type}"')
    return form


def json_response(status: int, payload: Any, headers: dict[str, str] | None = None) -> web.Response:
    """``Content-Type: application/json`` exactly (discord.py treats ``; charset=`` as text);
    ``Via`` because discord.py treats a 429 without it as a Cloudflare ban."""
    all_headers = {"Via": "1.1 google", **(headers or {})}
    if payload is None:
        return web.Response(status=status, headers=all_headers)
    all_headers["Content-Type"] = JSON
    return web.Response(status=status, body=json.dumps(payload).encode(), headers=all_headers)
