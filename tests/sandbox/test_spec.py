"""Validation against Discord's OpenAPI description, and the documented corrections to it.

Sources: bot/sandbox/spec/openapi.json (discord/discord-api-spec) and its README's list of
known differences; discord-api-docs reference "Error Messages" for the error tree shape.
"""

from __future__ import annotations

from bot.sandbox.spec import OpenApiSpec

MESSAGES = "/channels/{channel_id}/messages"
CALLBACK = "/interactions/{interaction_id}/{interaction_token}/callback"


def errors(method: str, template: str, body: object) -> dict:
    return OpenApiSpec.load().request_errors(method, template, body).to_dict()


def test_discord_py_integer_snowflakes_are_accepted() -> None:
    body = {"content": "hi", "allowed_mentions": {"parse": [], "users": [1200000000000000401]}}
    assert errors("POST", MESSAGES, body) == {}


def test_fields_no_hand_written_check_covers_are_still_checked() -> None:
    body = {"content": "hi", "tts": "yes", "embeds": [{"color": 2**25}]}
    result = errors("POST", MESSAGES, body)
    assert result["tts"]["_errors"][0]["code"] == "BOOLEAN_TYPE_CONVERT"
    assert result["embeds"]["0"]["color"]["_errors"] == [
        {
            "code": "NUMBER_TYPE_MAX",
            "message": "int value should be less than or equal to 16777215.",
        }
    ]


def test_union_errors_name_the_branch_that_was_meant() -> None:
    # A type-4 callback with a bad embed is reported as such, not as "matches no schema".
    result = errors("POST", CALLBACK, {"type": 4, "data": {"embeds": "x"}})
    assert result == {
        "data": {
            "embeds": {
                "_errors": [
                    {
                        "code": "LIST_TYPE_CONVERT",
                        "message": "Only iterables may be used in a ListType",
                    }
                ]
            }
        }
    }


def test_an_unknown_callback_type_lists_the_valid_ones() -> None:
    result = errors("POST", CALLBACK, {"type": 77})
    assert result["type"]["_errors"][0]["code"] == "BASE_TYPE_CHOICES"
    assert "4, 5, 6, 7, 8, 9" in result["type"]["_errors"][0]["message"]


def test_required_fields() -> None:
    result = errors("POST", "/channels/{channel_id}/messages/{message_id}/threads", {})
    assert result == {
        "name": {"_errors": [{"code": "BASE_TYPE_REQUIRED", "message": "This field is required"}]}
    }


def test_responses_are_checked_too() -> None:
    spec = OpenApiSpec.load()
    assert spec.response_problems("GET", "/users/@me", 200, {"id": "1"})
    assert spec.response_problems("DELETE", MESSAGES + "/{message_id}", 204, None) == []
    assert spec.response_problems("DELETE", MESSAGES + "/{message_id}", 200, {}) != []


def test_discords_error_tree_validates_against_the_corrected_spec() -> None:
    body = {
        "code": 50035,
        "message": "Invalid Form Body",
        "errors": {
            "embeds": {
                "_errors": [
                    {
                        "code": "MAX_EMBED_SIZE_EXCEEDED",
                        "message": "Embed size exceeds maximum size of 6000",
                    }
                ],
                "0": {
                    "title": {
                        "_errors": [
                            {
                                "code": "BASE_TYPE_MAX_LENGTH",
                                "message": "Must be 256 or fewer in length.",
                            }
                        ]
                    }
                },
            }
        },
    }
    assert OpenApiSpec.load().response_problems("POST", MESSAGES, 400, body) == []
