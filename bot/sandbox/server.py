"""The stand-in as one aiohttp application: Discord's REST API under ``/api/v10``, the gateway
at ``/gateway``, and an inspection API under ``/_sandbox`` for tests and the console (the
"user" side: run a command as a member, click a button, see what was posted, inject faults).
"""

from __future__ import annotations

import asyncio
import logging
import socket
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from aiohttp import web

from bot.sandbox import errors
from bot.sandbox.faults import Fault, Faults
from bot.sandbox.gateway import Gateway
from bot.sandbox.interactions import Interaction, Interactions, UserError
from bot.sandbox.ratelimit import RateLimiter, Rule
from bot.sandbox.rest import API_PREFIX, Journal, RestApi, json_response
from bot.sandbox.world import SandboxConfig, World

log = logging.getLogger(__name__)
INSPECT = "/_sandbox"


class Sandbox:
    """A local Discord. ``await start()``, point the bot at ``bot_env()``, drive it as a user."""

    def __init__(
        self,
        config: SandboxConfig | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        route_limits: Mapping[str, Rule] | None = None,
    ) -> None:
        self.config = config or SandboxConfig()
        self.world = World(self.config, clock)
        self.journal = Journal()
        self.gateway = Gateway(self.world)
        self.interactions = Interactions(self.world)
        self.faults = Faults()
        self.limiter = RateLimiter(clock, route_limits, enabled=self.config.rate_limits)
        self.rest = RestApi(
            self.world, self.gateway, self.interactions, self.limiter, self.faults, self.journal
        )
        self.app = web.Application(middlewares=[self._discord_not_found])
        self.rest.add_to(self.app)
        self.app.router.add_get("/gateway", self.gateway.handle)
        self._add_inspection_routes()
        self._runner: web.AppRunner | None = None
        self.port = 0

    # --- lifecycle ---------------------------------------------------------------------

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        self.port = int(sock.getsockname()[1])
        # A client that hangs up (a killed bot) cancels its request, e.g. one held by a delay
        # fault, as a server would; stopping does not wait long for stragglers.
        self._runner = web.AppRunner(
            self.app, access_log=None, handler_cancellation=True, shutdown_timeout=1.0
        )
        await self._runner.setup()
        await web.SockSite(self._runner, sock).start()
        self.gateway.url = self.gateway_url
        log.info("Discord stand-in listening on %s", self.url)

    async def stop(self) -> None:
        await self.gateway.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Sandbox:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_base_url(self) -> str:
        return self.url + API_PREFIX

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    def bot_env(self) -> dict[str, str]:
        """The environment that points a bot process at this stand-in."""
        return {
            "DISCORD_TOKEN": self.config.token,
            "DISCORD_API_BASE_URL": self.api_base_url,
            "DISCORD_GATEWAY_URL": self.gateway_url,
            "DISCORD_GUILD_ID": str(self.config.guild_id),
        }

    # --- what a member does ------------------------------------------------------------

    async def run(self, interaction: Interaction, within: float) -> dict[str, Any]:
        """Dispatch an interaction and wait until the member sees an answer, the 3-second
        deadline passes unacknowledged, or ``within`` seconds run out after a deferral."""
        if not self.gateway.sessions:
            raise UserError("the bot has not connected to the gateway")
        interaction.dispatched = time.perf_counter()
        await self.gateway.dispatch("INTERACTION_CREATE", interaction.payload)
        ack_deadline = interaction.dispatched + self.config.interaction_deadline
        give_up = interaction.dispatched + within
        while not interaction.done.is_set():
            now = time.perf_counter()
            if (interaction.response_type is None and now > ack_deadline) or now > give_up:
                break
            try:
                await asyncio.wait_for(interaction.done.wait(), 0.05)
            except TimeoutError:
                continue
        return interaction.report()

    # --- inspection API ----------------------------------------------------------------

    def _add_inspection_routes(self) -> None:
        routes: list[tuple[str, str, Callable[[web.Request], Awaitable[web.Response]]]] = [
            ("GET", "/state", self._state),
            ("GET", "/messages", self._messages),
            ("GET", "/requests", self._requests),
            ("GET", "/problems", self._problems),
            ("POST", "/interactions", self._interact),
            ("POST", "/clicks", self._click),
            ("GET", "/interactions/{interaction_id}", self._interaction),
            ("POST", "/faults", self._fault),
            ("POST", "/nonces/forget", self._forget_nonces),
            ("POST", "/gateway/drop", self._drop),
            ("POST", "/gateway/reconnect", self._reconnect),
        ]
        for method, path, handler in routes:
            self.app.router.add_route(method, INSPECT + path, handler)

    async def _state(self, request: web.Request) -> web.Response:
        world = self.world
        return json_response(
            200,
            {
                "identified": self.gateway.identified.is_set(),
                "sessions": [
                    {
                        "id": s.id,
                        "seq": s.seq,
                        "intents": s.intents,
                        "resumes": s.resumes,
                        "connected": s.connection is not None,
                    }
                    for s in self.gateway.sessions.values()
                ],
                "global_commands": [c.payload for c in world.global_commands.values()],
                "guild_commands": [
                    c.payload for c in world.guild_commands.get(self.config.guild_id, {}).values()
                ],
                "guild_id": str(self.config.guild_id),
                "channels": [
                    {"id": str(c.id), "name": c.name, "type": c.type}
                    for c in world.channels.values()
                ],
                "members": [
                    {"id": str(m.id), "username": m.username, "manage_guild": m.manage_guild}
                    for m in world.members.values()
                ],
            },
        )

    async def _messages(self, request: web.Request) -> web.Response:
        wanted = request.query.get("channel")
        channels = list(self.world.channels.values())
        if wanted is not None:
            channel = self.world.channel_by_name(wanted)
            if channel is None:
                return _user_error(f"no channel {wanted!r}")
            channels = [channel]
        messages = sorted(
            (m for c in channels for m in c.messages.values()), key=lambda m: int(m["id"])
        )
        return json_response(200, messages)

    async def _requests(self, request: web.Request) -> web.Response:
        return json_response(200, self.journal.requests)

    async def _problems(self, request: web.Request) -> web.Response:
        return json_response(200, self.journal.problems)

    async def _interact(self, request: web.Request) -> web.Response:
        body = await request.json()
        try:
            member, channel = self._who_where(body)
            interaction = self.interactions.command(
                str(body["command"]),
                body.get("options") or {},
                member,
                channel,
                focused=body.get("focused"),
            )
            report = await self.run(interaction, float(body.get("timeout", 10.0)))
        except UserError as exc:
            return _user_error(str(exc))
        return json_response(200, report)

    async def _click(self, request: web.Request) -> web.Response:
        body = await request.json()
        try:
            member, _ = self._who_where(body)
            interaction = self.interactions.click(
                int(body["message_id"]), str(body["custom_id"]), member, body.get("values")
            )
            report = await self.run(interaction, float(body.get("timeout", 10.0)))
        except UserError as exc:
            return _user_error(str(exc))
        return json_response(200, report)

    async def _interaction(self, request: web.Request) -> web.Response:
        interaction = self.interactions.by_id.get(int(request.match_info["interaction_id"]))
        if interaction is None:
            return _user_error("no such interaction", status=404)
        return json_response(200, interaction.report())

    def _who_where(self, body: Mapping[str, Any]) -> tuple[Any, Any]:
        member = self.world.member_by_name(body.get("member") or next(iter(self.world.members)))
        if member is None:
            raise UserError(f"no member {body.get('member')!r}")
        channel = self.world.channel_by_name(body.get("channel") or self.config.text_channel_id)
        if channel is None:
            raise UserError(f"no channel {body.get('channel')!r}")
        return member, channel

    async def _fault(self, request: web.Request) -> web.Response:
        body = await request.json()
        try:
            fault = Fault(
                status=body.get("status"),
                route=body.get("route"),
                nth=int(body.get("nth", 1)),
                delay=float(body.get("delay", 0.0)),
                answer_delay=float(body.get("answer_delay", 0.0)),
                retry_after=float(body.get("retry_after", 1.0)),
            )
        except (TypeError, ValueError) as exc:
            return _user_error(str(exc))
        self.faults.add(fault)
        return json_response(200, {"pending": len(self.faults.pending)})

    async def _forget_nonces(self, request: web.Request) -> web.Response:
        """As if Discord's nonce window had passed for every message posted so far."""
        forgotten = len(self.world.nonces)
        self.world.nonces.clear()
        return json_response(200, {"forgotten": forgotten})

    async def _drop(self, request: web.Request) -> web.Response:
        body = await request.json() if request.body_exists else {}
        dropped = await self.gateway.drop(body.get("code"))
        return json_response(200, {"dropped": dropped})

    async def _reconnect(self, request: web.Request) -> web.Response:
        await self.gateway.request_reconnect()
        return json_response(200, {})

    # --- unknown routes ----------------------------------------------------------------

    @web.middleware
    async def _discord_not_found(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        """Unknown API routes answer in Discord's JSON shape and are recorded as problems, so
        a bot calling something the stand-in does not implement fails its tests loudly."""
        try:
            return await handler(request)
        except (web.HTTPNotFound, web.HTTPMethodNotAllowed) as exc:
            if not request.path.startswith("/api/"):
                raise
            error = errors.not_found() if exc.status == 404 else errors.method_not_allowed()
            self.journal.problem(f"unknown route {request.method} {request.path}")
            self.journal.requests.append(
                {
                    "method": request.method,
                    "route": None,
                    "path": request.path,
                    "status": exc.status,
                }
            )
            return json_response(error.status, error.body())


def _user_error(text: str, status: int = 400) -> web.Response:
    return json_response(status, {"error": text})
