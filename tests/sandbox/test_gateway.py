"""The gateway handshake, heartbeats, close codes and RESUME, over a raw websocket.

Sources (discord-api-docs): topics/gateway ("Connecting", "Sending Heartbeats",
"Identifying", "Resuming", "Transport Compression", "Gateway Intents"), topics/opcodes-and-
status-codes ("Gateway Opcodes", "Gateway Close Event Codes"), events/gateway-events
("Hello", "Ready", "Guild Create", "Resumed", "Invalid Session").
"""

from __future__ import annotations

from bot.sandbox import Sandbox
from tests.sandbox.conftest import identify

GUILDS, GUILD_MEMBERS, MESSAGE_CONTENT = 1 << 0, 1 << 1, 1 << 15


async def test_hello_identify_ready_guild_create_over_zlib_stream(
    connect, sandbox: Sandbox
) -> None:
    gateway = await connect(compress=True)
    hello = await gateway.receive()
    assert hello == {"op": 10, "d": {"heartbeat_interval": 41250}, "s": None, "t": None}
    await gateway.send(1, None)
    assert (await gateway.receive())["op"] == 11
    await gateway.send(2, {"token": sandbox.config.token, "intents": GUILDS, "properties": {}})
    ready = await gateway.receive()
    assert (ready["t"], ready["s"]) == ("READY", 1)
    assert ready["d"]["resume_gateway_url"] == sandbox.gateway_url
    assert ready["d"]["guilds"] == [{"id": str(sandbox.config.guild_id), "unavailable": True}]
    assert ready["d"]["application"]["id"] == str(sandbox.config.application_id)
    guild = await gateway.receive()
    assert (guild["t"], guild["s"]) == ("GUILD_CREATE", 2)
    channels = {c["name"]: c["type"] for c in guild["d"]["channels"]}
    assert channels == {
        "papers": 0,
        "announcements": 5,
        "rules": 0,
        "quotes": 0,
        "chat": 0,
        "staff": 0,  # hidden from the bot, listed all the same (Discord sends bots every channel)
    }
    roles = {r["name"]: int(r["permissions"]) for r in guild["d"]["roles"]}
    assert roles["Moderators"] & (1 << 5)  # Manage Server
    # Without the privileged GUILD_MEMBERS intent only the bot itself is listed.
    assert [m["user"]["id"] for m in guild["d"]["members"]] == [str(sandbox.config.bot_user_id)]


async def test_text_frames_when_compression_is_not_requested(connect) -> None:
    gateway = await connect(compress=False)
    assert (await gateway.receive())["op"] == 10


async def test_wrong_token_closes_4004(connect) -> None:
    gateway = await connect()
    closed = await identify(gateway, "not-the-token")
    assert closed["closed"] == 4004


async def test_privileged_intents_not_enabled_close_4014(connect, sandbox: Sandbox) -> None:
    gateway = await connect()
    closed = await identify(gateway, sandbox.config.token, GUILDS | MESSAGE_CONTENT)
    assert closed["closed"] == 4014


async def test_payload_before_identify_closes_4003(connect) -> None:
    gateway = await connect()
    await gateway.receive()
    await gateway.send(3, {"status": "online"})
    assert (await gateway.receive())["closed"] == 4003


async def test_unknown_opcode_closes_4001_and_bad_json_4002(connect, sandbox: Sandbox) -> None:
    gateway = await connect()
    await identify(gateway, sandbox.config.token)
    await gateway.send(99, None)
    assert (await gateway.receive_until("never"))["closed"] == 4001
    other = await connect()
    await other.receive()
    await other.ws.send_str("{not json")
    assert (await other.receive())["closed"] == 4002


async def test_wrong_api_version_closes_4012(connect) -> None:
    gateway = await connect(query="v=9&encoding=json")
    assert (await gateway.receive())["closed"] == 4012


async def test_resume_replays_missed_events(connect, sandbox: Sandbox) -> None:
    gateway = await connect()
    ready = await identify(gateway, sandbox.config.token)
    session_id = ready["d"]["session_id"]
    await gateway.receive_until("GUILD_CREATE")  # seq 2
    assert await sandbox.gateway.drop() == 1
    await gateway.receive()  # the connection is gone
    await sandbox.gateway.dispatch("INTERACTION_CREATE", {"id": "1"})  # seq 3, queued
    again = await connect()
    await again.receive()
    await again.send(6, {"token": sandbox.config.token, "session_id": session_id, "seq": 2})
    replayed = await again.receive()
    assert (replayed["t"], replayed["s"], replayed["d"]) == ("INTERACTION_CREATE", 3, {"id": "1"})
    resumed = await again.receive()
    assert (resumed["t"], resumed["s"]) == ("RESUMED", 4)
    assert sandbox.gateway.sessions[session_id].resumes == 1


async def test_resume_of_an_unknown_session_is_invalid_session(connect, sandbox: Sandbox) -> None:
    gateway = await connect()
    await gateway.receive()
    await gateway.send(6, {"token": sandbox.config.token, "session_id": "nope", "seq": 1})
    assert await gateway.receive() == {"op": 9, "d": False, "s": None, "t": None}


async def test_reconnect_request_is_op_7(connect, sandbox: Sandbox) -> None:
    gateway = await connect()
    await identify(gateway, sandbox.config.token)
    await gateway.receive_until("GUILD_CREATE")
    await sandbox.gateway.request_reconnect()
    assert (await gateway.receive())["op"] == 7
