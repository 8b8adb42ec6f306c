"""Files uploaded with interaction answers, held to the interaction's attachment_size_limit.

Sources (discord-api-docs): reference ("Uploading Files": ``payload_json`` and ``files[n]``
parts), interactions/receiving-and-responding (``attachment_size_limit`` in the interaction
object), topics/opcodes-and-status-codes (40005 Request entity too large).
"""

from __future__ import annotations

import json
from typing import Any

import aiohttp
import pytest

from bot.sandbox import Sandbox, SandboxConfig
from tests.sandbox.conftest import Api
from tests.sandbox.test_interactions import registered, run  # noqa: F401 (a fixture)

LIMIT = 1000


@pytest.fixture
def config() -> SandboxConfig:
    return SandboxConfig(attachment_size_limit=LIMIT)


async def upload(api: Api, method: str, path: str, body: dict[str, Any], size: int) -> Any:
    """A multipart request as discord.py sends files: the JSON body, then ``files[0]``."""
    form = aiohttp.FormData(quote_fields=False)
    form.add_field("payload_json", json.dumps(body), content_type="application/json")
    form.add_field("files[0]", b"x" * size, filename="papers.csv", content_type="text/csv")
    url = api.sandbox.api_base_url + path
    async with api.session.request(method, url, data=form) as reply:
        return reply.status, await reply.json() if reply.status != 204 else None


async def test_answers_carry_files_up_to_the_interactions_limit(
    api: Api,
    sandbox: Sandbox,
    registered,  # noqa: F811
) -> None:
    interaction = run(sandbox, "paper", {"title": "samba"})
    assert interaction.payload["attachment_size_limit"] == LIMIT
    callback = f"/interactions/{interaction.id}/{interaction.token}/callback"
    files = [{"id": 0, "filename": "papers.csv"}]
    body = {"type": 4, "data": {"content": "export", "attachments": files, "flags": 64}}
    assert await upload(api, "POST", callback, body, LIMIT + 1) == (
        413,
        {"message": "Request entity too large", "code": 40005},
    )
    assert (await upload(api, "POST", callback, body, LIMIT))[0] == 204
    webhook = f"/webhooks/{sandbox.config.application_id}/{interaction.token}"
    followup = {"content": "part 2", "attachments": files, "flags": 64}
    assert (await upload(api, "POST", webhook, followup, LIMIT + 1))[0] == 413
    assert (await upload(api, "POST", webhook + "?wait=true", followup, LIMIT))[0] == 200
    edit = {"attachments": files}
    path = webhook + "/messages/@original"
    assert (await upload(api, "PATCH", path, edit, LIMIT + 1))[0] == 413
    assert (await upload(api, "PATCH", path, edit, LIMIT))[0] == 200
    assert sandbox.journal.problems == []
