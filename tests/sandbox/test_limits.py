"""Discord's documented limits, each at its boundary, checked by the stand-in.

Sources (discord-api-docs):
- resources/message, "Embed Limits" — title 256, description 4096, 25 fields, field name 256,
  value 1024, footer text 2048, author name 256, 6000 characters across all embeds of a
  message; leading/trailing whitespace is trimmed and not counted.
- resources/message, "Create Message" — content 2000, at most 10 embeds, nonce 25, and at least
  one of content / embeds / sticker_ids / components / files / poll.
- resources/message, "Allowed Mentions Object" — parse and ids of the same type exclusive.
- interactions/receiving-and-responding, "Autocomplete" — at most 25 choices.
- interactions/application-commands, "Application Command Option Choice Structure" — choice
  name 1–100, string value up to 100; "Application Command Naming" — 1–32 characters,
  lower-case; "Application Command Structure" — description 1–100, at most 25 options;
  "Registering a Command" — 100 global commands, 8000 characters per command.
"""

from __future__ import annotations

from typing import Any

import pytest

from bot.sandbox import limits
from bot.sandbox.errors import ApiError


def leaves(errors: Any) -> list[tuple[str, str]]:
    return [(".".join(path), code) for path, code, _ in errors.leaves()]


def embed(**fields: Any) -> dict[str, Any]:
    return {"type": "rich", **fields}


@pytest.mark.parametrize(("key", "limit"), [("title", 256), ("description", 4096)])
def test_embed_title_and_description(key: str, limit: int) -> None:
    assert not limits.check_message({"embeds": [embed(**{key: "x" * limit})]})
    errors = limits.check_message({"embeds": [embed(**{key: "x" * (limit + 1)})]})
    assert leaves(errors) == [(f"embeds.0.{key}", "BASE_TYPE_MAX_LENGTH")]
    assert errors.leaves()[0][2] == f"Must be {limit} or fewer in length."


def test_embed_whitespace_is_trimmed_before_counting() -> None:
    assert not limits.check_message({"embeds": [embed(title="  " + "x" * 256 + "\n ")]})


def test_embed_field_count() -> None:
    fields = [{"name": "n", "value": "v"}] * 25
    assert not limits.check_message({"embeds": [embed(fields=fields)]})
    errors = limits.check_message({"embeds": [embed(fields=[*fields, fields[0]])]})
    assert leaves(errors) == [("embeds.0.fields", "BASE_TYPE_MAX_LENGTH")]


@pytest.mark.parametrize(("key", "limit"), [("name", 256), ("value", 1024)])
def test_embed_field_name_and_value(key: str, limit: int) -> None:
    ok = {"name": "n", "value": "v", key: "x" * limit}
    assert not limits.check_message({"embeds": [embed(fields=[ok])]})
    bad = {**ok, key: "x" * (limit + 1)}
    errors = limits.check_message({"embeds": [embed(), embed(fields=[ok, bad])]})
    assert leaves(errors) == [(f"embeds.1.fields.1.{key}", "BASE_TYPE_MAX_LENGTH")]


def test_embed_field_name_and_value_are_required() -> None:
    errors = limits.check_message({"embeds": [embed(fields=[{"name": " ", "value": ""}])]})
    assert leaves(errors) == [
        ("embeds.0.fields.0.name", "BASE_TYPE_REQUIRED"),
        ("embeds.0.fields.0.value", "BASE_TYPE_REQUIRED"),
    ]


@pytest.mark.parametrize(
    ("key", "sub", "limit"), [("footer", "text", 2048), ("author", "name", 256)]
)
def test_embed_footer_and_author(key: str, sub: str, limit: int) -> None:
    assert not limits.check_message({"embeds": [embed(**{key: {sub: "x" * limit}})]})
    errors = limits.check_message({"embeds": [embed(**{key: {sub: "x" * (limit + 1)}})]})
    assert leaves(errors) == [(f"embeds.0.{key}.{sub}", "BASE_TYPE_MAX_LENGTH")]


def test_embed_count() -> None:
    assert not limits.check_message({"embeds": [embed(title="t")] * 10})
    errors = limits.check_message({"embeds": [embed(title="t")] * 11})
    assert leaves(errors) == [("embeds", "BASE_TYPE_MAX_LENGTH")]


def test_six_thousand_characters_across_all_embeds_of_a_message() -> None:
    # Each embed is within its own limits; together they are 6000, then 6001.
    full = [embed(description="x" * 3000), embed(description="x" * 2990, title="t" * 10)]
    assert not limits.check_message({"embeds": full})
    over = [*full, embed(footer={"text": "!"})]
    errors = limits.check_message({"embeds": over})
    assert leaves(errors) == [("embeds", "MAX_EMBED_SIZE_EXCEEDED")]
    assert errors.leaves()[0][2] == "Embed size exceeds maximum size of 6000"


def test_six_thousand_counts_fields_footer_and_author() -> None:
    fields = [{"name": "n" * 200, "value": "v" * 1000}] * 5  # 6000
    assert not limits.check_message({"embeds": [embed(fields=fields)]})
    errors = limits.check_message({"embeds": [embed(fields=fields, author={"name": "a"})]})
    assert leaves(errors) == [("embeds", "MAX_EMBED_SIZE_EXCEEDED")]


def test_content_is_2000_not_the_specs_4000() -> None:
    assert not limits.check_message({"content": "x" * 2000})
    assert leaves(limits.check_message({"content": "x" * 2001})) == [
        ("content", "BASE_TYPE_MAX_LENGTH")
    ]


def test_nonce_is_at_most_25_characters() -> None:
    assert not limits.check_message({"nonce": "n" * 25})
    assert leaves(limits.check_message({"nonce": "n" * 26})) == [("nonce", "BASE_TYPE_MAX_LENGTH")]


def test_interaction_message_errors_sit_under_data() -> None:
    errors = limits.check_message({"content": "x" * 2001}, at=["data"])
    assert leaves(errors) == [("data.content", "BASE_TYPE_MAX_LENGTH")]


def test_allowed_mentions_parse_and_ids_are_exclusive() -> None:
    assert not limits.check_message({"allowed_mentions": {"parse": ["roles"], "users": ["1"]}})
    errors = limits.check_message({"allowed_mentions": {"parse": ["users"], "users": ["1"]}})
    assert leaves(errors) == [("allowed_mentions", "MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE")]


@pytest.mark.parametrize(
    "message",
    [{"content": "hi"}, {"embeds": [embed(title="t")]}, {"components": [{"type": 1}]}],
)
def test_something_to_send(message: dict[str, Any]) -> None:
    limits.require_something_to_send(message)


@pytest.mark.parametrize("message", [{}, {"content": "   "}, {"content": "", "embeds": []}])
def test_empty_message_is_50006(message: dict[str, Any]) -> None:
    with pytest.raises(ApiError) as caught:
        limits.require_something_to_send(message)
    assert (caught.value.status, caught.value.code) == (400, 50006)


def test_autocomplete_at_most_25_choices() -> None:
    choices = [{"name": f"c{i}", "value": f"v{i}"} for i in range(26)]
    assert not limits.check_autocomplete({"choices": choices[:25]})
    assert leaves(limits.check_autocomplete({"choices": choices})) == [
        ("data.choices", "BASE_TYPE_MAX_LENGTH")
    ]


def test_autocomplete_choice_name_1_to_100_and_value_100() -> None:
    assert not limits.check_autocomplete({"choices": [{"name": "n" * 100, "value": "v" * 100}]})
    bad = [
        {"name": "", "value": "v"},
        {"name": "n" * 101, "value": "v"},
        {"name": "n", "value": "v" * 101},
    ]
    assert leaves(limits.check_autocomplete({"choices": bad})) == [
        ("data.choices.0.name", "BASE_TYPE_BAD_LENGTH"),
        ("data.choices.1.name", "BASE_TYPE_BAD_LENGTH"),
        ("data.choices.2.value", "BASE_TYPE_MAX_LENGTH"),
    ]


def command(name: str = "paper", description: str = "Find a paper", **extra: Any) -> dict[str, Any]:
    return {"type": 1, "name": name, "description": description, **extra}


def option(name: str = "title", **extra: Any) -> dict[str, Any]:
    return {"type": 3, "name": name, "description": "Title", **extra}


@pytest.mark.parametrize("name", ["paper", "digest-admin", "tag_2", "논문", "x" * 32])
def test_valid_command_names(name: str) -> None:
    assert not limits.check_commands([command(name)])


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("Paper", "APPLICATION_COMMAND_INVALID_NAME"),
        ("two words", "APPLICATION_COMMAND_INVALID_NAME"),
        ("x" * 33, "BASE_TYPE_BAD_LENGTH"),
        ("", "BASE_TYPE_REQUIRED"),
    ],
)
def test_invalid_command_names(name: str, code: str) -> None:
    assert leaves(limits.check_commands([command(name)])) == [("0.name", code)]


def test_user_and_message_commands_may_have_spaces_and_capitals() -> None:
    assert not limits.check_commands([{"type": 3, "name": "Save Paper"}])


@pytest.mark.parametrize("description", ["", "d" * 101])
def test_command_description_1_to_100(description: str) -> None:
    errors = limits.check_commands([command(description=description)])
    assert leaves(errors) == [("0.description", "BASE_TYPE_BAD_LENGTH")]


def test_at_most_25_options_and_25_choices() -> None:
    options = [option(f"o{i}") for i in range(26)]
    choices = [{"name": f"c{i}", "value": f"v{i}"} for i in range(26)]
    errors = limits.check_commands(
        [command(options=options), command("tag", options=[option(choices=choices)])]
    )
    assert leaves(errors) == [
        ("0.options", "BASE_TYPE_MAX_LENGTH"),
        ("1.options.0.choices", "BASE_TYPE_MAX_LENGTH"),
    ]


def test_option_names_and_descriptions_follow_command_rules() -> None:
    errors = limits.check_commands(
        [command(options=[option("Title"), option("year", description="")])]
    )
    assert leaves(errors) == [
        ("0.options.0.name", "APPLICATION_COMMAND_INVALID_NAME"),
        ("0.options.1.description", "BASE_TYPE_BAD_LENGTH"),
    ]


def test_subcommand_options_are_checked_too() -> None:
    sub = {"type": 1, "name": "post-now", "description": "Post", "options": [option("X")]}
    errors = limits.check_commands([command("digest-admin", options=[sub])])
    assert leaves(errors) == [("0.options.0.options.0.name", "APPLICATION_COMMAND_INVALID_NAME")]


def test_required_options_come_first() -> None:
    options = [option("a"), option("b", required=True)]
    errors = limits.check_commands([command(options=options)])
    assert leaves(errors) == [
        ("0.options.1.required", "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID")
    ]


def test_command_names_are_unique_per_type() -> None:
    errors = limits.check_commands([command(), command(), {"type": 2, "name": "paper"}])
    assert leaves(errors) == [("1.name", "APPLICATION_COMMANDS_DUPLICATE_NAME")]


def test_8000_characters_per_command() -> None:
    choices = [{"name": "n" * 100, "value": "v" * 100} for _ in range(25)]  # 5000 per option
    big = command(options=[option("a", choices=choices), option("b", choices=choices)])
    errors = limits.check_commands([big])
    assert leaves(errors) == [("0", "APPLICATION_COMMAND_TOO_LARGE")]


def test_at_most_100_chat_input_commands() -> None:
    many = [command(f"c{i}") for i in range(101)]
    assert not limits.check_commands(many[:100])
    with pytest.raises(ApiError) as caught:
        limits.check_commands(many)
    assert caught.value.code == 30032
