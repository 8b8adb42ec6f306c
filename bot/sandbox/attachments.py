"""Uploaded files against the interaction's ``attachment_size_limit``.

Discord tells the bot in every interaction how large a file it may attach in the answer
(``attachment_size_limit``, which discord.py reads as ``Interaction.filesize_limit``) and
refuses a larger upload with ``413 {"code": 40005, "message": "Request entity too
large"}``. ``rest._multipart_body`` has put each uploaded file's ``size`` on its
``attachments`` entry, at the top of a webhook body or under ``data`` of a callback;
``check_upload`` holds them to the limit, so a bot that splits its files wrongly fails
here as it would on Discord. Discord states the limit per attachment and also caps a
request's whole size; the stand-in takes the stricter reading, the files of one message
together, so what passes here passes there.
"""

from __future__ import annotations

from typing import Any

from bot.sandbox.errors import ApiError

REQUEST_ENTITY_TOO_LARGE = 40005


def too_large() -> ApiError:
    return ApiError(413, REQUEST_ENTITY_TOO_LARGE, "Request entity too large")


def uploaded_sizes(body: Any) -> list[int]:
    """The sizes of the files uploaded with a callback, followup or edit body."""
    holder = body.get("data") if isinstance(body, dict) and "type" in body else body
    if not isinstance(holder, dict):
        return []
    return [
        int(entry["size"])
        for entry in holder.get("attachments") or []
        if isinstance(entry, dict) and isinstance(entry.get("size"), int)
    ]


def check_upload(body: Any, limit: int) -> None:
    """``413 40005`` when the files uploaded with one message together exceed `limit`."""
    if sum(uploaded_sizes(body)) > limit:
        raise too_large()
