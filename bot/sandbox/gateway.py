"""The gateway websocket as discord.py 2.x speaks it (topics/gateway, events/gateway-events).

HELLO → IDENTIFY (token and intents checked) → READY → GUILD_CREATE; heartbeats are ACKed;
events carry a sequence number and are kept per session so that a client whose connection
dropped can RESUME and receive what it missed. ``zlib-stream`` compression is one zlib
context per connection, each payload ending in a ``Z_SYNC_FLUSH`` marker, as Discord sends it.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
import zlib
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from bot.sandbox.world import PRIVILEGED_INTENTS, World

log = logging.getLogger(__name__)

# topics/opcodes-and-status-codes#gateway-gateway-opcodes
DISPATCH, HEARTBEAT, IDENTIFY, PRESENCE_UPDATE, VOICE_STATE_UPDATE = 0, 1, 2, 3, 4
RESUME, RECONNECT, REQUEST_GUILD_MEMBERS, INVALID_SESSION, HELLO, HEARTBEAT_ACK = 6, 7, 8, 9, 10, 11
# topics/opcodes-and-status-codes#gateway-gateway-close-event-codes
UNKNOWN_OPCODE, DECODE_ERROR, NOT_AUTHENTICATED, AUTHENTICATION_FAILED = 4001, 4002, 4003, 4004
ALREADY_AUTHENTICATED, INVALID_API_VERSION, DISALLOWED_INTENTS = 4005, 4012, 4014
REPLAY_BUFFER = 1000


@dataclass
class Session:
    """A gateway session; outlives its connection so it can be resumed."""

    id: str
    intents: int
    seq: int = 0
    connection: Connection | None = None
    replay: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=REPLAY_BUFFER))
    resumes: int = 0


class Connection:
    """One websocket; compresses outgoing payloads when the client asked for zlib-stream."""

    def __init__(self, ws: web.WebSocketResponse, request: web.Request, compress: bool) -> None:
        self.ws = ws
        self.request = request
        self._zlib = zlib.compressobj() if compress else None
        self.session: Session | None = None

    async def send(self, payload: dict[str, Any]) -> None:
        text = json.dumps(payload, separators=(",", ":"))
        if self._zlib is None:
            await self.ws.send_str(text)
        else:
            data = self._zlib.compress(text.encode()) + self._zlib.flush(zlib.Z_SYNC_FLUSH)
            await self.ws.send_bytes(data)

    async def close(self, code: int, reason: str) -> None:
        await self.ws.close(code=code, message=reason.encode())

    def abort(self) -> None:
        """Drop the TCP connection without a close frame, like a network failure."""
        transport = self.request.transport
        if transport is not None:
            transport.abort()


class Gateway:
    def __init__(self, world: World) -> None:
        self.world = world
        self.sessions: dict[str, Session] = {}
        self.connections: set[Connection] = set()
        self.identified = asyncio.Event()
        self.url = ""  # set by the server once its port is known

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(max_msg_size=4096 * 1024)
        await ws.prepare(request)
        query = request.query
        conn = Connection(ws, request, compress=query.get("compress") == "zlib-stream")
        self.connections.add(conn)
        try:
            if query.get("v", "10") != "10":
                await conn.close(INVALID_API_VERSION, "Invalid API version.")
                return ws
            if query.get("encoding", "json") != "json":
                await conn.close(DECODE_ERROR, "Decode error.")
                return ws
            await conn.send(
                _op(HELLO, {"heartbeat_interval": self.world.config.heartbeat_interval_ms})
            )
            async for msg in ws:
                if msg.type is not WSMsgType.TEXT:
                    await conn.close(DECODE_ERROR, "Decode error.")
                    break
                try:
                    payload = json.loads(msg.data)
                except ValueError:
                    await conn.close(DECODE_ERROR, "Decode error.")
                    break
                await self._receive(conn, payload)
        finally:
            self.connections.discard(conn)
            if conn.session is not None and conn.session.connection is conn:
                conn.session.connection = None
        return ws

    async def _receive(self, conn: Connection, payload: dict[str, Any]) -> None:
        op, data = payload.get("op"), payload.get("d")
        if op == HEARTBEAT:
            await conn.send(_op(HEARTBEAT_ACK, None))
        elif op == IDENTIFY:
            await self._identify(conn, data or {})
        elif op == RESUME:
            await self._resume(conn, data or {})
        elif conn.session is None:
            await conn.close(NOT_AUTHENTICATED, "Not authenticated.")
        elif op in (PRESENCE_UPDATE, VOICE_STATE_UPDATE, REQUEST_GUILD_MEMBERS):
            log.debug("gateway: ignoring op %s", op)
        else:
            await conn.close(UNKNOWN_OPCODE, "Unknown opcode.")

    async def _identify(self, conn: Connection, data: dict[str, Any]) -> None:
        if conn.session is not None:
            await conn.close(ALREADY_AUTHENTICATED, "Already authenticated.")
            return
        if data.get("token") != self.world.config.token:
            log.warning("gateway: IDENTIFY with a wrong token; closing with 4004")
            await conn.close(AUTHENTICATION_FAILED, "Authentication failed.")
            return
        intents = int(data.get("intents", 0))
        if intents & PRIVILEGED_INTENTS & ~self.world.config.enabled_privileged_intents:
            log.warning(
                "gateway: IDENTIFY asks for privileged intents %s; closing with 4014", intents
            )
            await conn.close(DISALLOWED_INTENTS, "Disallowed intent(s).")
            return
        session = Session(secrets.token_hex(16), intents)
        self.sessions[session.id] = session
        self._attach(conn, session)
        await self._dispatch_to(session, "READY", self._ready(session))
        if intents & 1:  # GUILDS
            await self._dispatch_to(session, "GUILD_CREATE", self.world.guild_create(intents))
        self.identified.set()

    async def _resume(self, conn: Connection, data: dict[str, Any]) -> None:
        session = self.sessions.get(str(data.get("session_id")))
        if data.get("token") != self.world.config.token:
            await conn.close(AUTHENTICATION_FAILED, "Authentication failed.")
            return
        if session is None:
            await conn.send(_op(INVALID_SESSION, False))
            return
        seq = int(data.get("seq") or 0)
        self._attach(conn, session)
        session.resumes += 1
        for event in list(session.replay):
            if event["s"] > seq:
                await conn.send(event)
        await self._dispatch_to(session, "RESUMED", {})

    def _attach(self, conn: Connection, session: Session) -> None:
        old = session.connection
        if old is not None and old is not conn:
            old.abort()
        conn.session = session
        session.connection = conn

    def _ready(self, session: Session) -> dict[str, Any]:
        world = self.world
        return {
            "v": 10,
            "user": world.bot_user_private(),
            "user_settings": {},
            "session_type": "normal",
            "session_id": session.id,
            "resume_gateway_url": self.url,
            "relationships": [],
            "private_channels": [],
            "presences": [],
            "guilds": [{"id": str(world.config.guild_id), "unavailable": True}],
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": [],
            "auth": {},
            "application": {"id": str(world.config.application_id), "flags": 0},
            "shard": [0, 1],
        }

    async def _dispatch_to(self, session: Session, event: str, data: Any) -> None:
        session.seq += 1
        payload = {"op": DISPATCH, "t": event, "s": session.seq, "d": data}
        session.replay.append(payload)
        if session.connection is not None:
            await session.connection.send(payload)

    async def dispatch(self, event: str, data: Any, *, intent: int = 0) -> int:
        """Send an event to every session that asked for ``intent`` (0: always delivered).

        Sessions whose connection dropped keep the event for their RESUME. Returns how many
        sessions received or queued it.
        """
        sessions = [s for s in self.sessions.values() if not intent or s.intents & intent]
        for session in sessions:
            await self._dispatch_to(session, event, data)
        return len(sessions)

    async def drop(self, code: int | None = None) -> int:
        """Break every live connection: abruptly (``code`` None) or with a close frame."""
        dropped = list(self.connections)
        for conn in dropped:
            if code is None:
                conn.abort()
            else:
                await conn.close(code, "Dropped by the sandbox.")
        return len(dropped)

    async def request_reconnect(self) -> None:
        """Op 7 RECONNECT: Discord asks the client to reconnect and resume."""
        for conn in list(self.connections):
            await conn.send(_op(RECONNECT, None))

    async def close(self) -> None:
        for conn in list(self.connections):
            await conn.close(1001, "Going away.")


def _op(op: int, data: Any) -> dict[str, Any]:
    return {"op": op, "d": data, "s": None, "t": None}
