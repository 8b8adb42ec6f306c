"""Discord's error bodies, built exactly as Discord shapes them.

A client that parses Discord's errors (discord.py flattens the nested ``errors`` tree into
``"In embeds.0.title: Must be 256 or fewer in length."``) must see the same shape here, or a
test would pass against the stand-in and fail against Discord.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

PathPart = str | int


class FormErrors:
    """The ``errors`` tree of a ``50035 Invalid Form Body`` answer.

    Every leaf is ``{"_errors": [{"code": ..., "message": ...}]}`` under the path of the
    offending field; list indices become string keys (``{"embeds": {"0": {...}}}``).
    """

    def __init__(self) -> None:
        self._tree: dict[str, Any] = {}

    def __bool__(self) -> bool:
        return bool(self._tree)

    def add(self, path: Sequence[PathPart], code: str, message: str) -> None:
        node = self._tree
        for part in path:
            node = node.setdefault(str(part), {})
        entry = {"code": code, "message": message}
        found = node.setdefault("_errors", [])
        if entry not in found:  # the limits and the spec often spot the same problem
            found.append(entry)

    def merge(self, other: FormErrors, prefix: Sequence[PathPart] = ()) -> None:
        """Graft ``other`` under ``prefix`` (e.g. an interaction message under ``data``)."""
        for path, code, message in other.leaves():
            self.add([*prefix, *path], code, message)

    def leaves(self) -> list[tuple[list[str], str, str]]:
        found: list[tuple[list[str], str, str]] = []

        def walk(node: dict[str, Any], path: list[str]) -> None:
            for key, value in node.items():
                if key == "_errors":
                    found.extend((path, e["code"], e["message"]) for e in value)
                else:
                    walk(value, [*path, key])

        walk(self._tree, [])
        return found

    def to_dict(self) -> dict[str, Any]:
        return self._tree


class ApiError(Exception):
    """An error answer: HTTP status, Discord's numeric JSON code, message and optional tree."""

    def __init__(
        self,
        status: int,
        code: int,
        message: str,
        errors: FormErrors | None = None,
        *,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(f"{status} {code} {message}")
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors
        self.extra = extra or {}

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"message": self.message, "code": self.code}
        if self.errors:
            body["errors"] = self.errors.to_dict()
        body.update(self.extra)
        return body


def invalid_form_body(errors: FormErrors) -> ApiError:
    return ApiError(400, 50035, "Invalid Form Body", errors)


# The JSON error codes the stand-in answers with, from Discord's documentation
# (topics/opcodes-and-status-codes#json-json-error-codes).
def unauthorized() -> ApiError:
    return ApiError(401, 0, "401: Unauthorized")


def not_found() -> ApiError:
    return ApiError(404, 0, "404: Not Found")


def method_not_allowed() -> ApiError:
    return ApiError(405, 0, "405: Method Not Allowed")


def unknown_channel() -> ApiError:
    return ApiError(404, 10003, "Unknown Channel")


def unknown_guild() -> ApiError:
    return ApiError(404, 10004, "Unknown Guild")


def unknown_member() -> ApiError:
    return ApiError(404, 10007, "Unknown Member")


def unknown_message() -> ApiError:
    return ApiError(404, 10008, "Unknown Message")


def unknown_user() -> ApiError:
    return ApiError(404, 10013, "Unknown User")


def unknown_webhook() -> ApiError:
    return ApiError(404, 10015, "Unknown Webhook")


def unknown_interaction() -> ApiError:
    return ApiError(404, 10062, "Unknown interaction")


def missing_access() -> ApiError:
    return ApiError(403, 50001, "Missing Access")


def missing_permissions() -> ApiError:
    return ApiError(403, 50013, "Missing Permissions")


def empty_message() -> ApiError:
    return ApiError(400, 50006, "Cannot send an empty message")


def wrong_channel_type() -> ApiError:
    return ApiError(400, 50024, "Cannot execute action on this channel type")


def invalid_webhook_token() -> ApiError:
    return ApiError(401, 50027, "Invalid Webhook Token")


def invalid_json() -> ApiError:
    return ApiError(400, 50109, "The request body contains invalid JSON.")


def already_crossposted() -> ApiError:
    return ApiError(400, 40033, "This message has already been crossposted.")


def already_acknowledged() -> ApiError:
    return ApiError(400, 40060, "Interaction has already been acknowledged.")


def thread_exists() -> ApiError:
    return ApiError(400, 160004, "A thread has already been created for this message")
