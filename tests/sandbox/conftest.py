"""Fixtures for the stand-in's own tests: an in-process stand-in and a raw HTTP/gateway client
that speaks to it the way a bot would, without discord.py in between."""

from __future__ import annotations

import json
import zlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest

from bot.sandbox import Sandbox, SandboxConfig


class FakeClock:
    """The stand-in's clock for deadlines, nonce windows and rate limits, moved by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: Any


class Api:
    """Raw REST calls to the stand-in, as any Discord client would make them."""

    def __init__(self, session: aiohttp.ClientSession, sandbox: Sandbox) -> None:
        self.session = session
        self.sandbox = sandbox

    async def __call__(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        token: str | None = "default",
        params: dict[str, str] | None = None,
    ) -> Reply:
        headers = {}
        if token == "default":
            token = self.sandbox.config.token
        if token is not None:
            headers["Authorization"] = f"Bot {token}"
        data = None if body is None else json.dumps(body)
        if data is not None:
            headers["Content-Type"] = "application/json"
        url = self.sandbox.api_base_url + path
        async with self.session.request(
            method, url, data=data, headers=headers, params=params
        ) as r:
            raw = await r.read()
            return Reply(r.status, dict(r.headers), json.loads(raw) if raw else None)


class Gateway:
    """A gateway connection that inflates zlib-stream frames like discord.py does."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse, compressed: bool) -> None:
        self.ws = ws
        self._inflate = zlib.decompressobj() if compressed else None

    async def receive(self) -> dict[str, Any]:
        msg = await self.ws.receive(timeout=5)
        if msg.type is aiohttp.WSMsgType.BINARY:
            assert self._inflate is not None
            assert msg.data.endswith(b"\x00\x00\xff\xff")
            return json.loads(self._inflate.decompress(msg.data))
        if msg.type is aiohttp.WSMsgType.TEXT:
            return json.loads(msg.data)
        return {"closed": self.ws.close_code, "type": msg.type.name}

    async def send(self, op: int, data: Any) -> None:
        await self.ws.send_str(json.dumps({"op": op, "d": data}))

    async def receive_until(self, event: str) -> dict[str, Any]:
        while True:
            payload = await self.receive()
            if payload.get("t") == event or "closed" in payload:
                return payload


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def config() -> SandboxConfig:
    return SandboxConfig()


@pytest.fixture
async def sandbox(clock: FakeClock, config: SandboxConfig) -> AsyncIterator[Sandbox]:
    async with Sandbox(config, clock=clock) as running:
        yield running


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as opened:
        yield opened


@pytest.fixture
def api(session: aiohttp.ClientSession, sandbox: Sandbox) -> Api:
    return Api(session, sandbox)


@pytest.fixture
def connect(session: aiohttp.ClientSession, sandbox: Sandbox):
    async def open_gateway(compress: bool = True, query: str | None = None) -> Gateway:
        params = query or ("v=10&encoding=json" + ("&compress=zlib-stream" if compress else ""))
        ws = await session.ws_connect(f"{sandbox.gateway_url}?{params}")
        return Gateway(ws, compress)

    return open_gateway


async def identify(gateway: Gateway, token: str, intents: int = 1) -> dict[str, Any]:
    hello = await gateway.receive()
    assert hello["op"] == 10
    await gateway.send(2, {"token": token, "intents": intents, "properties": {}})
    return await gateway.receive()
