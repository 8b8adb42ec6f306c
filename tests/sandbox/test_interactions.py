"""Interactions: what the member's actions look like to the bot, and Discord's answering rules.

Sources (discord-api-docs): interactions/receiving-and-responding ("Interaction Object",
"Responding to an Interaction" — 3 s to respond, tokens valid 15 min; "Interaction Callback
Type"; "Followup Messages"; "Autocomplete"), interactions/application-commands ("Bulk
Overwrite ... Commands", "Permissions" — default_member_permissions), topics/opcodes-and-
status-codes (10015, 10062, 40060, 50027).
"""

from __future__ import annotations

from typing import Any

import pytest

from bot.sandbox import Sandbox
from bot.sandbox.interactions import Interaction, UserError
from tests.sandbox.conftest import Api, FakeClock

APP = "1200000000000000001"
GUILD_COMMANDS = f"/applications/{APP}/guilds/1200000000000000100/commands"
COMMANDS = [
    {
        "type": 1,
        "name": "paper",
        "description": "Find a paper",
        "options": [
            {
                "type": 3,
                "name": "title",
                "description": "Title",
                "required": True,
                "autocomplete": True,
            },
            {
                "type": 4,
                "name": "limit",
                "description": "How many",
                "min_value": 1,
                "max_value": 25,
            },
            {"type": 6, "name": "for", "description": "Who"},
        ],
    },
    {
        "type": 1,
        "name": "digest-admin",
        "description": "Digest settings",
        "default_member_permissions": "32",
        "options": [{"type": 1, "name": "post-now", "description": "Post today's digest"}],
    },
]


@pytest.fixture
async def registered(api: Api) -> list[dict[str, Any]]:
    reply = await api("PUT", GUILD_COMMANDS, COMMANDS)
    assert reply.status == 200, reply.body
    return reply.body


def run(
    sandbox: Sandbox,
    path: str,
    options: dict[str, Any] | None = None,
    member: str = "alice",
    **kw: Any,
) -> Interaction:
    world = sandbox.world
    member_spec = world.member_by_name(member)
    channel = world.channel_by_name("papers")
    assert member_spec is not None and channel is not None
    return sandbox.interactions.command(path, options or {}, member_spec, channel, **kw)


async def respond(
    api: Api, interaction: Interaction, body: dict[str, Any], with_response: bool = True
):
    params = {"with_response": "true"} if with_response else None
    path = f"/interactions/{interaction.id}/{interaction.token}/callback"
    return await api("POST", path, body, token=None, params=params)


async def test_command_payload_is_what_discord_py_needs(sandbox: Sandbox, registered) -> None:
    interaction = run(sandbox, "paper", {"title": "samba", "limit": "3", "for": "bob"})
    payload = interaction.payload
    assert payload["type"] == 2 and payload["attachment_size_limit"] > 0
    assert payload["data"]["guild_id"] == str(
        sandbox.config.guild_id
    )  # how discord.py finds guild commands
    assert payload["data"]["options"] == [
        {"type": 3, "name": "title", "value": "samba"},
        {"type": 4, "name": "limit", "value": 3},
        {"type": 6, "name": "for", "value": "1200000000000000402"},
    ]
    assert payload["data"]["resolved"]["users"]["1200000000000000402"]["username"] == "bob"
    assert int(payload["member"]["permissions"]) & 32  # alice has Manage Server


async def test_subcommands_and_permissions(sandbox: Sandbox, registered) -> None:
    interaction = run(sandbox, "digest-admin post-now")
    assert interaction.payload["data"]["options"] == [
        {"type": 1, "name": "post-now", "options": []}
    ]
    with pytest.raises(UserError, match="bob cannot use /digest-admin"):
        run(sandbox, "digest-admin post-now", member="bob")
    with pytest.raises(UserError, match="needs a subcommand"):
        run(sandbox, "digest-admin")


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({}, "'title' is required"),
        ({"title": "x", "limit": "30"}, "between 1 and 25"),
        ({"title": "x", "year": "1"}, "unknown option"),
    ],
)
async def test_member_cannot_send_what_discord_would_not_let_them(
    sandbox: Sandbox, registered, options: dict[str, Any], message: str
) -> None:
    with pytest.raises(UserError, match=message):
        run(sandbox, "paper", options)


async def test_guild_and_global_copies_are_flagged(api: Api, sandbox: Sandbox, registered) -> None:
    await api("PUT", f"/applications/{APP}/commands", COMMANDS[:1])
    with pytest.raises(UserError, match="both globally and in the guild"):
        run(sandbox, "paper", {"title": "x"})


async def test_message_response(api: Api, sandbox: Sandbox, registered) -> None:
    interaction = run(sandbox, "paper", {"title": "samba"})
    reply = await respond(api, interaction, {"type": 4, "data": {"content": "Samba", "flags": 64}})
    assert reply.status == 200
    body = reply.body
    assert body["interaction"]["response_message_ephemeral"] is True
    assert body["resource"]["type"] == 4 and body["resource"]["message"]["content"] == "Samba"
    assert interaction.done.is_set()
    assert sandbox.world.channels[sandbox.config.text_channel_id].messages == {}  # ephemeral
    assert sandbox.journal.problems == []


async def test_without_with_response_the_callback_is_204(
    api: Api, sandbox: Sandbox, registered
) -> None:
    interaction = run(sandbox, "paper", {"title": "samba"})
    reply = await respond(
        api, interaction, {"type": 4, "data": {"content": "hi"}}, with_response=False
    )
    assert (reply.status, reply.body) == (204, None)
    assert len(sandbox.world.channels[sandbox.config.text_channel_id].messages) == 1


async def test_three_second_deadline(
    api: Api, sandbox: Sandbox, clock: FakeClock, registered
) -> None:
    on_time = run(sandbox, "paper", {"title": "a"})
    late = run(sandbox, "paper", {"title": "b"})
    clock.advance(2.999)
    assert (await respond(api, on_time, {"type": 5})).status == 200
    clock.advance(0.002)
    reply = await respond(api, late, {"type": 5})
    assert (reply.status, reply.body) == (404, {"message": "Unknown interaction", "code": 10062})


async def test_second_acknowledgement_is_40060(api: Api, sandbox: Sandbox, registered) -> None:
    interaction = run(sandbox, "paper", {"title": "a"})
    await respond(api, interaction, {"type": 5})
    reply = await respond(api, interaction, {"type": 4, "data": {"content": "x"}})
    assert (reply.status, reply.body["code"]) == (400, 40060)


async def test_response_type_must_fit_the_interaction(
    api: Api, sandbox: Sandbox, registered
) -> None:
    command = run(sandbox, "paper", {"title": "a"})
    reply = await respond(api, command, {"type": 8, "data": {"choices": []}})
    assert reply.status == 400 and "type" in reply.body["errors"]
    typing = run(sandbox, "paper", {"title": "sa"}, focused="title")
    reply = await respond(api, typing, {"type": 4, "data": {"content": "no"}})
    assert reply.status == 400 and "type" in reply.body["errors"]


async def test_autocomplete(api: Api, sandbox: Sandbox, registered) -> None:
    typing = run(sandbox, "paper", {"title": "sa"}, focused="title")
    assert typing.payload["type"] == 4
    assert typing.payload["data"]["options"][0] == {
        "type": 3,
        "name": "title",
        "value": "sa",
        "focused": True,
    }
    too_many = [{"name": f"n{i}", "value": f"v{i}"} for i in range(26)]
    reply = await respond(api, typing, {"type": 8, "data": {"choices": too_many}})
    assert reply.body["errors"] == {
        "data": {
            "choices": {
                "_errors": [
                    {"code": "BASE_TYPE_MAX_LENGTH", "message": "Must be 25 or fewer in length."}
                ]
            }
        }
    }
    ok = await respond(api, typing, {"type": 8, "data": {"choices": too_many[:25]}})
    assert ok.status == 200 and typing.choices == too_many[:25]


async def test_deferred_then_followup_fills_the_thinking_message(
    api: Api, sandbox: Sandbox, registered
) -> None:
    interaction = run(sandbox, "paper", {"title": "a"})
    deferred = await respond(api, interaction, {"type": 5})
    assert deferred.body["interaction"]["response_message_loading"] is True
    assert not interaction.done.is_set()
    webhook = f"/webhooks/{APP}/{interaction.token}"
    first = await api("POST", webhook, {"content": "found it"}, token=None, params={"wait": "true"})
    assert first.body["id"] == deferred.body["interaction"]["response_message_id"]
    assert not first.body["flags"] & 128  # no longer loading
    assert interaction.done.is_set()
    second = await api(
        "POST", webhook, {"content": "and more"}, token=None, params={"wait": "true"}
    )
    assert second.body["id"] != first.body["id"]
    edited = await api(
        "PATCH", webhook + "/messages/@original", {"content": "found it!"}, token=None
    )
    assert edited.body["content"] == "found it!"
    assert (await api("GET", webhook + "/messages/@original", token=None)).body[
        "content"
    ] == "found it!"
    assert (
        await api("DELETE", f"{webhook}/messages/{second.body['id']}", token=None)
    ).status == 204
    assert sandbox.journal.problems == []


async def test_followups_need_an_acknowledgement_and_expire(
    api: Api, sandbox: Sandbox, clock: FakeClock, registered
) -> None:
    interaction = run(sandbox, "paper", {"title": "a"})
    webhook = f"/webhooks/{APP}/{interaction.token}"
    early = await api("POST", webhook, {"content": "x"}, token=None)
    assert (early.status, early.body["code"]) == (404, 10015)
    await respond(api, interaction, {"type": 5})
    clock.advance(15 * 60 + 1)
    late = await api("PATCH", webhook + "/messages/@original", {"content": "x"}, token=None)
    assert (late.status, late.body["code"]) == (401, 50027)


async def test_button_click_and_update(api: Api, sandbox: Sandbox) -> None:
    channel = "/channels/1200000000000000200"
    button = {"type": 2, "style": 1, "label": "More", "custom_id": "more:1"}
    posted = await api(
        "POST",
        channel + "/messages",
        {"content": "page 1", "components": [{"type": 1, "components": [button]}]},
    )
    assert posted.body["components"][0]["components"][0]["id"] == 2  # Discord numbers components
    member = sandbox.world.member_by_name("bob")
    assert member is not None
    click = sandbox.interactions.click(int(posted.body["id"]), "more:1", member)
    assert click.payload["type"] == 3
    assert (
        click.payload["data"]["custom_id"] == "more:1"
        and click.payload["message"]["id"] == posted.body["id"]
    )
    reply = await respond(api, click, {"type": 7, "data": {"content": "page 2"}})
    assert reply.body["resource"]["message"]["content"] == "page 2"
    assert (
        sandbox.world.channels[sandbox.config.text_channel_id].messages[int(posted.body["id"])][
            "content"
        ]
        == "page 2"
    )
    with pytest.raises(UserError, match="no component"):
        sandbox.interactions.click(int(posted.body["id"]), "missing", member)


async def test_only_the_member_who_sees_an_ephemeral_message_can_click_it(
    api: Api, sandbox: Sandbox, registered
) -> None:
    interaction = run(sandbox, "paper", {"title": "a"})
    button = {"type": 2, "style": 2, "label": "Next", "custom_id": "next"}
    data = {"content": "1/2", "flags": 64, "components": [{"type": 1, "components": [button]}]}
    reply = await respond(api, interaction, {"type": 4, "data": data})
    message_id = int(reply.body["resource"]["message"]["id"])
    alice, bob = sandbox.world.member_by_name("alice"), sandbox.world.member_by_name("bob")
    assert alice is not None and bob is not None
    assert sandbox.interactions.click(message_id, "next", alice).payload["message"]["flags"] & 64
    with pytest.raises(UserError, match="only alice sees it"):
        sandbox.interactions.click(message_id, "next", bob)
