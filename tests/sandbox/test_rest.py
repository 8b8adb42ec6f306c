"""The REST surface over HTTP: auth, error shapes, headers, messages, nonce, rate limits,
faults. Raw requests, so these pin the stand-in's behaviour independently of discord.py.

Sources (discord-api-docs): reference ("Authentication", "HTTP Response Codes", "Error
Messages"), resources/message ("Create Message" incl. nonce/enforce_nonce, "Crosspost
Message"), resources/channel ("Start Thread from Message"), resources/user ("Create DM"),
topics/rate-limits ("Header Format", "Exceeding A Rate Limit"), topics/opcodes-and-status-codes
("JSON Error Codes").
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from bot.sandbox import Sandbox, SandboxClient
from bot.sandbox.ratelimit import Rule
from tests.sandbox.conftest import Api, FakeClock

CHANNEL = "/channels/1200000000000000200"
NEWS = "/channels/1200000000000000201"


async def test_users_me_needs_the_bot_token(api: Api) -> None:
    ok = await api("GET", "/users/@me")
    assert ok.status == 200 and ok.body["bot"] is True
    for token in (None, "wrong"):
        reply = await api("GET", "/users/@me", token=token)
        assert (reply.status, reply.body) == (401, {"message": "401: Unauthorized", "code": 0})


async def test_content_type_is_exactly_application_json(api: Api) -> None:
    # discord.py parses JSON only when the header is exactly this (no charset).
    reply = await api("GET", "/users/@me")
    assert reply.headers["Content-Type"] == "application/json"


async def test_unknown_route_is_404_in_discords_shape_and_recorded(
    api: Api, sandbox: Sandbox
) -> None:
    reply = await api("GET", "/guilds/1/audit-logs")
    assert (reply.status, reply.body) == (404, {"message": "404: Not Found", "code": 0})
    assert sandbox.journal.problems == ["unknown route GET /api/v10/guilds/1/audit-logs"]


async def test_invalid_embed_is_rejected_with_50035(api: Api) -> None:
    reply = await api("POST", CHANNEL + "/messages", {"embeds": [{"title": "x" * 257}]})
    assert reply.status == 400
    assert reply.body == {
        "message": "Invalid Form Body",
        "code": 50035,
        "errors": {
            "embeds": {
                "0": {
                    "title": {
                        "_errors": [
                            {
                                "code": "BASE_TYPE_MAX_LENGTH",
                                "message": "Must be 256 or fewer in length.",
                            }
                        ]
                    }
                }
            }
        },
    }


async def test_one_answer_lists_every_problem(api: Api) -> None:
    body = {"content": "x" * 2001, "embeds": [{"title": "t", "color": "red"}]}
    reply = await api("POST", CHANNEL + "/messages", body)
    assert reply.status == 400
    assert set(reply.body["errors"]) == {"content", "embeds"}
    assert (
        reply.body["errors"]["embeds"]["0"]["color"]["_errors"][0]["code"] == "NUMBER_TYPE_COERCE"
    )


async def test_empty_message_is_50006(api: Api) -> None:
    reply = await api("POST", CHANNEL + "/messages", {"content": "  "})
    assert (reply.status, reply.body["code"]) == (400, 50006)


async def test_create_get_list_edit_delete(api: Api) -> None:
    created = await api(
        "POST", CHANNEL + "/messages", {"content": "one", "embeds": [{"title": " T "}]}
    )
    assert created.status == 200
    message_id = created.body["id"]
    assert created.body["embeds"] == [{"title": "T", "type": "rich"}]
    await api("POST", CHANNEL + "/messages", {"content": "two"})
    listed = await api("GET", CHANNEL + "/messages", params={"limit": "10"})
    assert [m["content"] for m in listed.body] == ["two", "one"]
    edited = await api("PATCH", f"{CHANNEL}/messages/{message_id}", {"content": "uno"})
    assert edited.body["content"] == "uno" and edited.body["edited_timestamp"]
    assert (await api("DELETE", f"{CHANNEL}/messages/{message_id}")).status == 204
    gone = await api("GET", f"{CHANNEL}/messages/{message_id}")
    assert (gone.status, gone.body["code"]) == (404, 10008)


async def test_unknown_channel_is_10003(api: Api) -> None:
    reply = await api("POST", "/channels/42/messages", {"content": "hi"})
    assert (reply.status, reply.body["code"]) == (404, 10003)


async def test_without_allowed_mentions_everyone_is_pinged(api: Api) -> None:
    loud = await api("POST", CHANNEL + "/messages", {"content": "@everyone look"})
    quiet = await api(
        "POST",
        CHANNEL + "/messages",
        {"content": "@everyone look", "allowed_mentions": {"parse": []}},
    )
    assert loud.body["mention_everyone"] is True
    assert quiet.body["mention_everyone"] is False


async def test_enforce_nonce_returns_the_earlier_message(api: Api, clock: FakeClock) -> None:
    body = {"content": "digest", "nonce": "digest-2024-06-12", "enforce_nonce": True}
    first = await api("POST", CHANNEL + "/messages", body)
    again = await api("POST", CHANNEL + "/messages", body)
    assert again.body["id"] == first.body["id"]
    without = await api("POST", CHANNEL + "/messages", {**body, "enforce_nonce": False})
    assert without.body["id"] != first.body["id"]
    clock.advance(5 * 60 + 1)  # "the past few minutes"
    later = await api("POST", CHANNEL + "/messages", body)
    assert later.body["id"] != first.body["id"]


async def test_forgotten_nonces_post_again(api: Api, sandbox: Sandbox) -> None:
    """The control for "the nonce window has passed" without waiting minutes for it."""
    body = {"content": "digest", "nonce": "digest-2024-06-12", "enforce_nonce": True}
    first = await api("POST", CHANNEL + "/messages", body)
    async with SandboxClient(sandbox.url) as user:
        assert await user.forget_nonces() == 1
        later = await api("POST", CHANNEL + "/messages", body)
        assert later.body["id"] != first.body["id"]
        again = await api("POST", CHANNEL + "/messages", body)
        assert again.body["id"] == later.body["id"]  # remembered from now on, as before
        assert [m["id"] for m in await user.messages("papers")] == [
            first.body["id"],
            later.body["id"],
        ]


async def test_an_answer_delay_posts_before_answering(api: Api, sandbox: Sandbox) -> None:
    """The client that gives up on a slow answer has posted all the same."""
    created = asyncio.Event()

    def on_event(kind: str, _: dict[str, Any]) -> None:
        if kind == "message_create":
            created.set()

    sandbox.journal.listeners.append(on_event)
    async with SandboxClient(sandbox.url) as user:
        await user.inject_fault(route="POST /channels/{channel_id}/messages", answer_delay=30)
        waiting = asyncio.create_task(api("POST", CHANNEL + "/messages", {"content": "slow"}))
        await created.wait()
        [posted] = await user.messages("papers")  # a round trip: an answer sent would be in
        assert not waiting.done()
        waiting.cancel()
    assert posted["content"] == "slow"
    request = sandbox.journal.requests[-1]
    assert (request["status"], request["response"]["id"]) == (200, posted["id"])


async def test_crosspost_only_in_announcement_channels_and_once(api: Api) -> None:
    text = await api("POST", CHANNEL + "/messages", {"content": "x"})
    refused = await api("POST", f"{CHANNEL}/messages/{text.body['id']}/crosspost")
    assert (refused.status, refused.body["code"]) == (400, 50024)
    news = await api("POST", NEWS + "/messages", {"content": "x"})
    published = await api("POST", f"{NEWS}/messages/{news.body['id']}/crosspost")
    assert published.status == 200 and published.body["flags"] & 1
    again = await api("POST", f"{NEWS}/messages/{news.body['id']}/crosspost")
    assert (again.status, again.body["code"]) == (400, 40033)


async def test_thread_from_message_once(api: Api) -> None:
    message = await api("POST", CHANNEL + "/messages", {"content": "x"})
    path = f"{CHANNEL}/messages/{message.body['id']}/threads"
    thread = await api("POST", path, {"name": "Discussion", "auto_archive_duration": 1440})
    assert thread.status == 201
    assert thread.body["id"] == message.body["id"] and thread.body["type"] == 11
    again = await api("POST", path, {"name": "Again"})
    assert (again.status, again.body["code"]) == (400, 160004)
    posted = await api("POST", f"/channels/{thread.body['id']}/messages", {"content": "in thread"})
    assert posted.status == 200


async def test_dm_channel(api: Api) -> None:
    dm = await api("POST", "/users/@me/channels", {"recipient_id": "1200000000000000401"})
    assert dm.status == 200 and dm.body["type"] == 1
    same = await api("POST", "/users/@me/channels", {"recipient_id": "1200000000000000401"})
    assert same.body["id"] == dm.body["id"]
    unknown = await api("POST", "/users/@me/channels", {"recipient_id": "5"})
    assert (unknown.status, unknown.body["code"]) == (404, 10013)


async def test_rate_limit_headers_then_429(api: Api, clock: FakeClock) -> None:
    replies = [await api("POST", CHANNEL + "/messages", {"content": str(i)}) for i in range(6)]
    assert [r.headers["X-RateLimit-Remaining"] for r in replies[:5]] == ["4", "3", "2", "1", "0"]
    first = replies[0].headers
    assert first["X-RateLimit-Limit"] == "5" and first["X-RateLimit-Bucket"]
    assert float(first["X-RateLimit-Reset-After"]) == 5.0
    limited = replies[5]
    assert limited.status == 429
    assert limited.body == {
        "message": "You are being rate limited.",
        "code": 0,
        "retry_after": 5.0,
        "global": False,
    }
    assert limited.headers["Retry-After"] == "5"
    assert limited.headers["X-RateLimit-Scope"] == "user"
    assert limited.headers["Via"]  # without it discord.py assumes a Cloudflare ban
    clock.advance(5)
    assert (await api("POST", CHANNEL + "/messages", {"content": "later"})).status == 200


async def test_buckets_are_per_channel(api: Api) -> None:
    for i in range(5):
        await api("POST", CHANNEL + "/messages", {"content": str(i)})
    assert (await api("POST", NEWS + "/messages", {"content": "other channel"})).status == 200


@pytest.fixture
async def tight_global(clock: FakeClock):
    async with Sandbox(clock=clock, route_limits={"GET /users/@me": Rule(1000, 1.0)}) as running:
        yield running


async def test_global_limit_50_per_second(session, tight_global: Sandbox) -> None:
    api = Api(session, tight_global)
    statuses = [(await api("GET", "/users/@me")).status for _ in range(51)]
    assert statuses[:50] == [200] * 50
    limited = await api("GET", "/users/@me")
    assert limited.status == 429
    assert limited.body["global"] is True and limited.headers["X-RateLimit-Global"] == "true"


@pytest.mark.parametrize(("status", "code"), [(429, 0), (500, 0), (403, 50013)])
async def test_fault_on_the_nth_matching_request(
    api: Api, sandbox: Sandbox, status: int, code: int
) -> None:
    from bot.sandbox.faults import Fault

    sandbox.faults.add(Fault(status=status, route="POST /channels/{channel_id}/messages", nth=2))
    await api("GET", "/users/@me")  # not matching: does not count
    assert (await api("POST", CHANNEL + "/messages", {"content": "1"})).status == 200
    failed = await api("POST", CHANNEL + "/messages", {"content": "2"})
    assert (failed.status, failed.body["code"]) == (status, code)
    if status == 403:
        assert failed.body["message"] == "Missing Permissions"
    assert (await api("POST", CHANNEL + "/messages", {"content": "3"})).status == 200


APP = "/applications/1200000000000000001"


async def test_command_sync_echoes_and_keeps_ids(api: Api, clock: FakeClock) -> None:
    body = [{"name": "about", "description": "About", "default_member_permissions": 32}]
    first = await api("PUT", APP + "/commands", body)
    assert first.status == 200
    [command] = first.body
    assert command["default_member_permissions"] == "32"  # echoed as a string
    assert command["application_id"] == "1200000000000000001" and "guild_id" not in command
    again = await api("PUT", APP + "/commands", body)
    assert again.body[0]["id"] == command["id"]  # same name, same command
    clock.advance(10)  # the route allows 2 syncs per 10 s
    cleared = await api("PUT", APP + "/commands", [])
    assert cleared.body == []


async def test_command_sync_to_a_guild_the_bot_is_not_in_is_50001(api: Api) -> None:
    reply = await api("PUT", APP + "/guilds/42/commands", [])
    assert (reply.status, reply.body["code"]) == (403, 50001)


async def test_invalid_command_is_50035_with_its_index(api: Api) -> None:
    reply = await api(
        "PUT",
        APP + "/commands",
        [{"name": "ok", "description": "x"}, {"name": "Bad", "description": "x"}],
    )
    assert reply.body["errors"] == {
        "1": {
            "name": {
                "_errors": [
                    {
                        "code": "APPLICATION_COMMAND_INVALID_NAME",
                        "message": "Command name is invalid",
                    }
                ]
            }
        }
    }


async def test_200_command_creations_per_day(api: Api, clock: FakeClock) -> None:
    # interactions/application-commands, "Registering a Command": 200 creates per day per guild.
    guild = APP + "/guilds/1200000000000000100/commands"
    for prefix in ("a", "b"):
        body = [{"name": f"{prefix}{i}", "description": "x"} for i in range(100)]
        assert (await api("PUT", guild, body)).status == 200
        clock.advance(10)  # past the route's own rate limit
    reply = await api("PUT", guild, [{"name": "c", "description": "x"}])
    assert (reply.status, reply.body["code"]) == (429, 30034)
    assert reply.body["retry_after"] > 0


async def test_delayed_response(api: Api, sandbox: Sandbox) -> None:
    import time

    from bot.sandbox.faults import Fault

    sandbox.faults.add(Fault(delay=0.2))
    started = time.perf_counter()
    assert (await api("GET", "/users/@me")).status == 200
    assert time.perf_counter() - started >= 0.2


async def test_wrong_content_type_and_bad_json(api: Api, sandbox: Sandbox) -> None:
    url = sandbox.api_base_url + CHANNEL + "/messages"
    headers = {"Authorization": f"Bot {sandbox.config.token}"}
    async with api.session.post(
        url, data="{", headers={**headers, "Content-Type": "application/json"}
    ) as r:
        assert (r.status, (await r.json())["code"]) == (400, 50109)
    async with api.session.post(
        url, data="content=x", headers={**headers, "Content-Type": "text/plain"}
    ) as r:
        assert (r.status, (await r.json())["code"]) == (400, 50035)


async def test_a_channel_denying_the_bot_send_messages_answers_403(api: Api) -> None:
    """topics/permissions: a member overwrite denying SEND_MESSAGES → 403 50013."""
    reply = await api("POST", "/channels/1200000000000000202/messages", {"content": "hi"})
    assert reply.status == 403 and reply.body["code"] == 50013
    channel = await api("GET", "/channels/1200000000000000202")
    [overwrite] = channel.body["permission_overwrites"]
    assert overwrite["type"] == 1 and int(overwrite["deny"]) & (1 << 11)
