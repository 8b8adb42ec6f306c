"""Messages as Discord stores and returns them: embeds, components, mentions, flags."""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator, Mapping
from typing import Any

from bot.sandbox.limits import require_something_to_send
from bot.sandbox.world import FLAG_EPHEMERAL, FLAG_LOADING, Channel, World, now_iso

# resources/message#message-object-message-flags: the flags a sender may set.
SENDABLE_FLAGS = (1 << 2) | FLAG_EPHEMERAL | (1 << 12) | (1 << 15)
EMBED_TEXT = (("title",), ("description",), ("footer", "text"), ("author", "name"))
_USER_MENTION = re.compile(r"<@!?(\d+)>")
_ROLE_MENTION = re.compile(r"<@&(\d+)>")


def trim_embeds(body: Any) -> Any:
    """A copy of a request body with embed text trimmed, as Discord trims before counting
    (resources/message#embed-object-embed-limits). Handles ``data`` of interaction callbacks."""
    if not isinstance(body, Mapping):
        return body
    body = copy.deepcopy(dict(body))
    for holder in (body, body.get("data")):
        if isinstance(holder, dict) and isinstance(holder.get("embeds"), list):
            for embed in holder["embeds"]:
                if isinstance(embed, dict):
                    _trim_embed(embed)
    return body


def _trim_embed(embed: dict[str, Any]) -> None:
    for path in EMBED_TEXT:
        node: Any = embed
        for key in path[:-1]:
            node = node.get(key) if isinstance(node, dict) else None
        if isinstance(node, dict) and isinstance(node.get(path[-1]), str):
            node[path[-1]] = node[path[-1]].strip()
    for item in embed.get("fields") or []:
        if isinstance(item, dict):
            for key in ("name", "value"):
                if isinstance(item.get(key), str):
                    item[key] = item[key].strip()


def stored_embed(embed: Mapping[str, Any]) -> dict[str, Any]:
    """An embed as Discord returns it: typed ``rich``, nulls dropped, ``inline`` explicit."""
    result = {k: v for k, v in embed.items() if v is not None}
    result.setdefault("type", "rich")
    if "fields" in result:
        result["fields"] = [
            {"name": f["name"], "value": f["value"], "inline": bool(f.get("inline"))}
            for f in result["fields"]
        ]
    for key in ("footer", "author"):
        if isinstance(result.get(key), dict):
            result[key] = {k: v for k, v in result[key].items() if v is not None}
    return result


def stored_components(components: list[Any]) -> list[Any]:
    """Components as Discord returns them: every component carries a numeric ``id``."""
    result = copy.deepcopy(components)
    counter = 0

    def walk(items: list[Any]) -> None:
        nonlocal counter
        for item in items:
            if isinstance(item, dict):
                counter += 1
                item.setdefault("id", counter)
                walk(item.get("components") or [])

    walk(result)
    return result


def iter_components(message: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    stack = list(message.get("components") or [])
    while stack:
        item = stack.pop(0)
        if isinstance(item, dict):
            yield item
            stack[:0] = item.get("components") or []


def mentions(
    world: World, content: str, allowed: Mapping[str, Any] | None
) -> tuple[list[dict[str, Any]], list[str], bool]:
    """Who a message pings. Without ``allowed_mentions`` Discord parses every mention — so a
    note quoting ``@everyone`` pings the server (resources/message#allowed-mentions-object)."""
    parse = {"users", "roles", "everyone"} if allowed is None else set(allowed.get("parse") or [])
    allowed_users = {str(u) for u in (allowed or {}).get("users") or []}
    allowed_roles = {str(r) for r in (allowed or {}).get("roles") or []}
    users = []
    for user_id in dict.fromkeys(_USER_MENTION.findall(content)):
        user = world.user(int(user_id))
        if user is not None and ("users" in parse or user_id in allowed_users):
            users.append(user)
    roles = [
        r
        for r in dict.fromkeys(_ROLE_MENTION.findall(content))
        if "roles" in parse or r in allowed_roles
    ]
    everyone = "everyone" in parse and ("@everyone" in content or "@here" in content)
    return users, roles, everyone


def new_message(
    world: World,
    channel: Channel,
    body: Mapping[str, Any],
    *,
    author: dict[str, Any],
    message_type: int = 0,
    extra_flags: int = 0,
    **fields: Any,
) -> dict[str, Any]:
    """A message created from a request body (create, interaction response, followup)."""
    message: dict[str, Any] = {
        "id": str(world.snowflakes.next()),
        "type": message_type,
        "channel_id": str(channel.id),
        "author": author,
        "content": "",
        "embeds": [],
        "components": [],
        "attachments": [],
        "mentions": [],
        "mention_roles": [],
        "mention_everyone": False,
        "pinned": False,
        "tts": bool(body.get("tts")),
        "timestamp": now_iso(),
        "edited_timestamp": None,
        "flags": (int(body.get("flags") or 0) & SENDABLE_FLAGS) | extra_flags,
        **fields,
    }
    if body.get("nonce") is not None:
        message["nonce"] = body["nonce"]
    apply_edit(world, message, body, edited=False)
    return message


def stored_attachments(
    world: World, message: Mapping[str, Any], sent: list[Any]
) -> list[dict[str, Any]]:
    """Attachments after a create or edit (resources/message#edit-message): an entry naming an
    attachment the message has keeps it; an uploaded file (it carries ``size``, see
    ``rest._multipart_body``) becomes a new one; attachments not named are dropped."""
    kept = {a["id"]: a for a in message.get("attachments") or []}
    result = []
    for entry in sent:
        if not isinstance(entry, Mapping):
            continue
        if str(entry.get("id")) in kept:
            result.append(kept[str(entry["id"])])
        elif "size" in entry:
            new_id = str(world.snowflakes.next())
            filename = str(entry.get("filename") or "file")
            url = f"https://cdn.discordapp.com/attachments/{message['channel_id']}/{new_id}/{filename}"
            stored = {
                "id": new_id,
                "filename": filename,
                "size": entry["size"],
                "url": url,
                "proxy_url": url,
                "content_type": entry.get("content_type") or "application/octet-stream",
            }
            if entry.get("description"):
                stored["description"] = entry["description"]
            result.append(stored)
    return result


def apply_edit(
    world: World, message: dict[str, Any], body: Mapping[str, Any], *, edited: bool = True
) -> None:
    """Apply the present fields of an edit body; absent fields keep their value."""
    if "content" in body:
        message["content"] = body["content"] or ""
    if "embeds" in body:
        message["embeds"] = [stored_embed(e) for e in body["embeds"] or []]
    if "components" in body:
        message["components"] = stored_components(body["components"] or [])
    if "attachments" in body:
        message["attachments"] = stored_attachments(world, message, body["attachments"] or [])
    if "flags" in body and body["flags"] is not None:
        # An edit may toggle e.g. SUPPRESS_EMBEDS but never makes a message (un)ephemeral.
        editable = SENDABLE_FLAGS & ~FLAG_EPHEMERAL
        message["flags"] = (message["flags"] & ~editable) | (int(body["flags"]) & editable)
    if "content" in body or "allowed_mentions" in body or not edited:
        users, roles, everyone = mentions(world, message["content"], body.get("allowed_mentions"))
        message.update(mentions=users, mention_roles=roles, mention_everyone=everyone)
    if edited:
        message["flags"] &= ~FLAG_LOADING
        message["edited_timestamp"] = now_iso()


def edit_message(world: World, message: dict[str, Any], body: Mapping[str, Any]) -> None:
    """An edit, refused (50006) if it would leave the message with nothing to show."""
    shown = ("content", "embeds", "components", "attachments")
    require_something_to_send({**message, **{k: v for k, v in body.items() if k in shown}})
    apply_edit(world, message, body)
