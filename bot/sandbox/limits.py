"""Discord's documented limits, checked the way Discord checks them.

Each check cites the section of Discord's developer documentation (discord-api-docs) it
encodes. The OpenAPI description (``spec.py``) is consulted after these checks; where the two
disagree (content 4000 vs 2000, choice values 6000 vs 100) the documentation wins, because it
is what Discord enforces.

Checks return a ``FormErrors`` tree (empty when the payload is valid) so one answer lists
every problem, as Discord's ``50035 Invalid Form Body`` does.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any

from bot.sandbox.errors import ApiError, FormErrors, PathPart, empty_message

# resources/message#embed-object-embed-limits
EMBED_TITLE = 256
EMBED_DESCRIPTION = 4096
EMBED_FIELDS = 25
EMBED_FIELD_NAME = 256
EMBED_FIELD_VALUE = 1024
EMBED_FOOTER_TEXT = 2048
EMBED_AUTHOR_NAME = 256
EMBED_TOTAL = 6000
# resources/message#create-message (jsonform params)
MESSAGE_CONTENT = 2000
MESSAGE_EMBEDS = 10
NONCE = 25
# interactions/application-commands#application-command-object
COMMAND_NAME = 32
COMMAND_DESCRIPTION = 100
COMMAND_OPTIONS = 25
OPTION_CHOICES = 25
CHOICE_NAME = 100
CHOICE_STRING_VALUE = 100
COMMAND_TOTAL_CHARACTERS = 8000
CHAT_INPUT_COMMANDS = 100  # global, and per guild
DAILY_COMMAND_CREATES = 200  # per guild (and globally), counted by new names
# interactions/receiving-and-responding#interaction-response-object-autocomplete
AUTOCOMPLETE_CHOICES = 25

CHAT_INPUT = 1
SUB_COMMAND = 1
SUB_COMMAND_GROUP = 2


def max_length(errors: FormErrors, path: Sequence[PathPart], limit: int) -> None:
    errors.add(path, "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")


def bad_length(errors: FormErrors, path: Sequence[PathPart], low: int, high: int) -> None:
    errors.add(path, "BASE_TYPE_BAD_LENGTH", f"Must be between {low} and {high} in length.")


def required(errors: FormErrors, path: Sequence[PathPart]) -> None:
    errors.add(path, "BASE_TYPE_REQUIRED", "This field is required")


def _text(value: Any) -> str:
    """Embed text as Discord counts it: leading/trailing whitespace is trimmed and not counted
    (resources/message#embed-object-embed-limits)."""
    return value.strip() if isinstance(value, str) else ""


def check_embeds(embeds: Sequence[Any], errors: FormErrors) -> None:
    """Per-embed limits, the 10-embed cap and the 6000-character total of one message."""
    if len(embeds) > MESSAGE_EMBEDS:
        max_length(errors, ["embeds"], MESSAGE_EMBEDS)
    total = 0
    for i, embed in enumerate(embeds):
        if not isinstance(embed, Mapping):
            continue  # the spec check reports the wrong type
        at: list[PathPart] = ["embeds", i]
        for key, limit in (("title", EMBED_TITLE), ("description", EMBED_DESCRIPTION)):
            text = _text(embed.get(key))
            total += len(text)
            if len(text) > limit:
                max_length(errors, [*at, key], limit)
        fields = embed.get("fields") or []
        if len(fields) > EMBED_FIELDS:
            max_length(errors, [*at, "fields"], EMBED_FIELDS)
        for j, field in enumerate(fields):
            if not isinstance(field, Mapping):
                continue
            for key, limit in (("name", EMBED_FIELD_NAME), ("value", EMBED_FIELD_VALUE)):
                text = _text(field.get(key))
                total += len(text)
                if not text:
                    required(errors, [*at, "fields", j, key])
                elif len(text) > limit:
                    max_length(errors, [*at, "fields", j, key], limit)
        for key, sub, limit in (
            ("footer", "text", EMBED_FOOTER_TEXT),
            ("author", "name", EMBED_AUTHOR_NAME),
        ):
            part = embed.get(key)
            if isinstance(part, Mapping):
                text = _text(part.get(sub))
                total += len(text)
                if len(text) > limit:
                    max_length(errors, [*at, key, sub], limit)
    if total > EMBED_TOTAL:
        errors.add(
            ["embeds"],
            "MAX_EMBED_SIZE_EXCEEDED",
            f"Embed size exceeds maximum size of {EMBED_TOTAL}",
        )


def check_allowed_mentions(allowed: Any, errors: FormErrors, at: Sequence[PathPart]) -> None:
    """``parse`` and an explicit id list of the same type are mutually exclusive
    (resources/message#allowed-mentions-object)."""
    if not isinstance(allowed, Mapping):
        return
    parse = allowed.get("parse") or []
    for kind in ("users", "roles"):
        ids = allowed.get(kind)
        if kind in parse and ids:
            errors.add(
                [*at, "allowed_mentions"],
                "MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE",
                f'parse:["{kind}"] and {kind}: [ids...] are mutually exclusive.',
            )


def check_message(payload: Mapping[str, Any], *, at: Sequence[PathPart] = ()) -> FormErrors:
    """Limits of a message body (create, edit, interaction response, webhook); ``at`` prefixes
    the error paths, e.g. ``["data"]`` for an interaction callback."""
    errors = FormErrors()
    content = payload.get("content")
    if isinstance(content, str) and len(content) > MESSAGE_CONTENT:
        max_length(errors, [*at, "content"], MESSAGE_CONTENT)
    nonce = payload.get("nonce")
    if isinstance(nonce, str) and len(nonce) > NONCE:
        max_length(errors, [*at, "nonce"], NONCE)
    embeds = payload.get("embeds")
    if isinstance(embeds, list):
        nested = FormErrors()
        check_embeds(embeds, nested)
        errors.merge(nested, at)
    check_allowed_mentions(payload.get("allowed_mentions"), errors, at)
    return errors


def require_something_to_send(message: Mapping[str, Any]) -> None:
    """A message needs content, an embed, a component, a file, a sticker or a poll
    (resources/message#create-message: "at least one of ... is required")."""
    if isinstance(message.get("content"), str) and message["content"].strip():
        return
    if any(
        message.get(key) for key in ("embeds", "components", "attachments", "sticker_ids", "poll")
    ):
        return
    raise empty_message()


def _valid_chat_input_name(name: str) -> bool:
    """``^[-_'\\p{L}\\p{N}\\p{sc=Deva}\\p{sc=Thai}]{1,32}$``, lower-case where a letter has a
    lower-case form (interactions/application-commands, "Application Command Naming")."""
    if not 1 <= len(name) <= COMMAND_NAME or name != name.lower():
        return False
    return all(
        ch in "-_'" or unicodedata.category(ch)[0] in "LN" or unicodedata.category(ch) == "Mn"
        for ch in name
    )


def _check_name(name: Any, errors: FormErrors, at: list[PathPart], chat_input: bool) -> None:
    if not isinstance(name, str) or not name:
        required(errors, [*at, "name"])
    elif not 1 <= len(name) <= COMMAND_NAME:
        bad_length(errors, [*at, "name"], 1, COMMAND_NAME)
    elif chat_input and not _valid_chat_input_name(name):
        errors.add([*at, "name"], "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")


def _check_description(description: Any, errors: FormErrors, at: list[PathPart]) -> None:
    if not isinstance(description, str) or not 1 <= len(description) <= COMMAND_DESCRIPTION:
        bad_length(errors, [*at, "description"], 1, COMMAND_DESCRIPTION)


def _check_options(options: Sequence[Any], errors: FormErrors, at: list[PathPart]) -> int:
    """Validate an option list (recursing into subcommands); return its character count."""
    if len(options) > COMMAND_OPTIONS:
        max_length(errors, [*at, "options"], COMMAND_OPTIONS)
    characters = 0
    seen: set[str] = set()
    optional_seen = False
    for i, option in enumerate(options):
        if not isinstance(option, Mapping):
            continue
        here: list[PathPart] = [*at, "options", i]
        name = option.get("name")
        _check_name(name, errors, here, chat_input=True)
        _check_description(option.get("description"), errors, here)
        characters += len(str(name or "")) + len(str(option.get("description") or ""))
        if isinstance(name, str):
            if name in seen:
                errors.add(
                    [*here, "name"],
                    "APPLICATION_COMMAND_OPTION_NAME_ALREADY_EXISTS",
                    "Option names must be unique",
                )
            seen.add(name)
        kind = option.get("type")
        if kind in (SUB_COMMAND, SUB_COMMAND_GROUP):
            characters += _check_options(option.get("options") or [], errors, here)
            continue
        # interactions/application-commands, "Application Command Option Structure":
        # "Required options must be listed before optional options".
        if option.get("required"):
            if optional_seen:
                errors.add(
                    [*here, "required"],
                    "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                    "Required options must be placed before non-required options",
                )
        else:
            optional_seen = True
        choices = option.get("choices") or []
        if choices and option.get("autocomplete"):
            errors.add(
                [*here, "autocomplete"],
                "APPLICATION_COMMAND_OPTION_AUTOCOMPLETE_WITH_CHOICES",
                "Autocomplete cannot be enabled on an option with choices",
            )
        characters += _check_choices(choices, errors, here, OPTION_CHOICES)
    return characters


def _check_choices(
    choices: Sequence[Any], errors: FormErrors, at: list[PathPart], limit: int
) -> int:
    """Choice list rules shared by command options and autocomplete results
    (application-command-option-choice-structure): name 1–100, string value ≤ 100."""
    if len(choices) > limit:
        max_length(errors, [*at, "choices"], limit)
    characters = 0
    for k, choice in enumerate(choices):
        if not isinstance(choice, Mapping):
            continue
        where: list[PathPart] = [*at, "choices", k]
        name = choice.get("name")
        if not isinstance(name, str) or not 1 <= len(name) <= CHOICE_NAME:
            bad_length(errors, [*where, "name"], 1, CHOICE_NAME)
        value = choice.get("value")
        if isinstance(value, str) and len(value) > CHOICE_STRING_VALUE:
            max_length(errors, [*where, "value"], CHOICE_STRING_VALUE)
        characters += len(str(name or "")) + len(str(value if value is not None else ""))
    return characters


def check_commands(commands: Sequence[Any]) -> FormErrors:
    """A bulk-overwrite list (``PUT .../commands``): naming, descriptions, options, choices,
    uniqueness and the 8000-character size of each command
    (interactions/application-commands#application-command-object and #registering-a-command)."""
    chat_inputs = sum(
        1 for c in commands if isinstance(c, Mapping) and c.get("type", CHAT_INPUT) == CHAT_INPUT
    )
    if chat_inputs > CHAT_INPUT_COMMANDS:
        raise ApiError(
            400, 30032, f"Maximum number of application commands reached ({CHAT_INPUT_COMMANDS})"
        )
    errors = FormErrors()
    seen: set[tuple[str, int]] = set()
    for i, command in enumerate(commands):
        if not isinstance(command, Mapping):
            continue
        at: list[PathPart] = [i]
        kind = command.get("type", CHAT_INPUT)
        name = command.get("name")
        _check_name(name, errors, at, chat_input=kind == CHAT_INPUT)
        key = (str(name), int(kind) if isinstance(kind, int) else CHAT_INPUT)
        if key in seen:
            errors.add(
                [*at, "name"],
                "APPLICATION_COMMANDS_DUPLICATE_NAME",
                "Application command names must be unique",
            )
        seen.add(key)
        if kind != CHAT_INPUT:
            continue  # user / message commands have no description or options
        _check_description(command.get("description"), errors, at)
        characters = len(str(name or "")) + len(str(command.get("description") or ""))
        characters += _check_options(command.get("options") or [], errors, at)
        if characters > COMMAND_TOTAL_CHARACTERS:
            errors.add(
                at,
                "APPLICATION_COMMAND_TOO_LARGE",
                f"Command exceeds maximum size ({COMMAND_TOTAL_CHARACTERS})",
            )
    return errors


def check_autocomplete(data: Any) -> FormErrors:
    """Autocomplete result (type 8): at most 25 choices, each name 1–100 and string value ≤ 100
    (interactions/receiving-and-responding#interaction-response-object-autocomplete)."""
    errors = FormErrors()
    if isinstance(data, Mapping):
        _check_choices(data.get("choices") or [], errors, ["data"], AUTOCOMPLETE_CHOICES)
    return errors
