"""Validation against Discord's own OpenAPI description (``spec/openapi.json``).

The stand-in's hand-written checks (``limits.py``) only cover what we thought of; the spec
covers every field of every body. A request the spec rejects is answered ``400 50035`` with
the same ``errors`` tree Discord would send, and a response the stand-in itself produces is
checked too, so the stand-in cannot drift into answering shapes Discord never sends.

Known differences between the spec (a preview) and Discord's behaviour are patched in memory;
see ``spec/PROVENANCE.md``.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from bot.sandbox.errors import FormErrors

SPEC_URI = "urn:discord:openapi"


def _load_document() -> dict[str, Any]:
    text = resources.files("bot.sandbox").joinpath("spec/openapi.json").read_text("utf-8")
    document: dict[str, Any] = json.loads(text)
    schemas = document["components"]["schemas"]
    # discord.py sends some snowflakes as JSON integers and Discord accepts them.
    snowflake = schemas["SnowflakeType"]
    schemas["SnowflakeType"] = {"anyOf": [snowflake, {"type": "integer", "minimum": 0}]}
    # default_member_permissions is a bit set "represented as a string" in the docs
    # (interactions/application-commands); discord.py sends an integer. Both are accepted.
    for schema in schemas.values():
        permissions = schema.get("properties", {}).get("default_member_permissions")
        if permissions is not None and "integer" in permissions.get("type", []):
            schema["properties"]["default_member_permissions"] = {
                "anyOf": [permissions, {"type": "string", "pattern": "^[0-9]+$"}]
            }
    # Field errors carry string codes ("BASE_TYPE_MAX_LENGTH", reference#error-messages), and
    # a node may hold its own "_errors" next to child fields; the spec allows neither.
    field_error = {
        "type": "object",
        "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
        "required": ["code", "message"],
    }
    schemas["ErrorDetails"] = {
        "type": "object",
        "properties": {"_errors": {"type": "array", "items": field_error}},
        "additionalProperties": {"$ref": "#/components/schemas/ErrorDetails"},
    }
    return document


class OpenApiSpec:
    """Request/response validators per operation, keyed by (method, path template)."""

    def __init__(self, document: dict[str, Any]) -> None:
        self._document = document
        self._registry: Registry[Any] = Registry().with_resource(
            SPEC_URI, Resource.from_contents(document, default_specification=DRAFT202012)
        )
        self._validators: dict[str, Draft202012Validator] = {}

    @classmethod
    @functools.cache
    def load(cls) -> OpenApiSpec:
        """The packaged spec, parsed once per process (1.2 MB of JSON)."""
        return cls(_load_document())

    def _validator(self, pointer: str) -> Draft202012Validator:
        validator = self._validators.get(pointer)
        if validator is None:
            schema = {"$ref": f"{SPEC_URI}#{pointer}"}
            validator = Draft202012Validator(schema, registry=self._registry)
            self._validators[pointer] = validator
        return validator

    def request_errors(self, method: str, template: str, body: Any) -> FormErrors:
        """Errors in a JSON request body, as Discord's ``errors`` tree (empty if valid)."""
        pointer = (
            f"/paths/{_escape(template)}/{method.lower()}"
            "/requestBody/content/application~1json/schema"
        )
        if not self._resolvable(pointer):
            return FormErrors()
        return to_form_errors(self._validator(pointer).iter_errors(body))

    def response_problems(self, method: str, template: str, status: int, body: Any) -> list[str]:
        """Ways a response the stand-in produced disagrees with the spec (empty if it agrees)."""
        responses = self._document["paths"].get(template, {}).get(method.lower(), {})
        responses = responses.get("responses", {})
        key = str(status) if str(status) in responses else f"{str(status)[0]}XX"
        if key not in responses:
            return [f"{method} {template}: status {status} is not documented"]
        base = f"/paths/{_escape(template)}/{method.lower()}/responses/{key}"
        declared = responses[key]
        if "$ref" in declared:
            base = declared["$ref"].removeprefix("#")
            declared = self._resolve(base)
        if "content" not in declared:
            return [] if body is None else [f"{method} {template} {status}: expected no body"]
        pointer = f"{base}/content/application~1json/schema"
        return [
            f"{method} {template} {status}: {'/'.join(map(str, e.absolute_path))}: {e.message}"
            for e in self._validator(pointer).iter_errors(body)
        ]

    def _resolve(self, pointer: str) -> dict[str, Any]:
        node: Any = self._document
        for part in pointer.strip("/").split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
        result: dict[str, Any] = node
        return result

    def _resolvable(self, pointer: str) -> bool:
        try:
            self._resolve(pointer)
        except KeyError:
            return False
        return True


def _escape(template: str) -> str:
    return template.replace("~", "~0").replace("/", "~1")


# How Discord words each kind of violation (codes as they appear in Discord's 50035 answers).
def _describe(error: ValidationError) -> tuple[str, str]:
    schema = error.schema if isinstance(error.schema, dict) else {}
    value = error.validator_value
    match error.validator:
        case "maxLength" | "minLength" if "minLength" in schema and "maxLength" in schema:
            low, high = schema["minLength"], schema["maxLength"]
            return "BASE_TYPE_BAD_LENGTH", f"Must be between {low} and {high} in length."
        case "maxLength" | "maxItems":
            return "BASE_TYPE_MAX_LENGTH", f"Must be {value} or fewer in length."
        case "minLength" | "minItems":
            return "BASE_TYPE_MIN_LENGTH", f"Must be {value} or more in length."
        case "enum" | "const":
            listed = ", ".join(map(str, _as_list(value)))
            return "BASE_TYPE_CHOICES", f"Value must be one of {{{listed}}}."
        case "maximum":
            return "NUMBER_TYPE_MAX", f"int value should be less than or equal to {value}."
        case "minimum":
            return "NUMBER_TYPE_MIN", f"int value should be greater than or equal to {value}."
        case "pattern":
            return "STRING_TYPE_REGEX", "String value did not match validation regex."
        case "type":
            return _type_error(value, error.instance)
        case _:
            return "BASE_TYPE_INVALID", error.message


def _type_error(expected: Any, instance: Any) -> tuple[str, str]:
    kinds = expected if isinstance(expected, list) else [expected]
    if "object" in kinds:
        return "MODEL_TYPE_CONVERT", "Only dictionaries may be used in a ModelType"
    if "array" in kinds:
        return "LIST_TYPE_CONVERT", "Only iterables may be used in a ListType"
    if "integer" in kinds or "number" in kinds:
        return "NUMBER_TYPE_COERCE", f'Value "{instance}" is not int.'
    if "boolean" in kinds:
        return "BOOLEAN_TYPE_CONVERT", f'Value "{instance}" is not bool.'
    return "STRING_TYPE_CONVERT", f'Value "{instance}" is not a string.'


def _leaves(error: ValidationError) -> list[ValidationError]:
    """Reduce a union (``oneOf``/``anyOf``) failure to the errors of the branch the value meant.

    A branch whose type does not fit the value, or whose ``type`` discriminator property has
    another value, is not what the sender meant; of the rest, the branch with the fewest type
    mismatches, then the fewest errors, is. When only the discriminator fits no branch, the
    discriminator itself is reported.
    """
    if not error.context:
        return [error]
    branches: dict[Any, list[ValidationError]] = {}
    for sub in error.context:
        branches.setdefault(sub.relative_schema_path[0], []).append(sub)

    def wrong_type(sub: ValidationError) -> bool:
        return not sub.relative_path and sub.validator == "type"

    def wrong_discriminator(sub: ValidationError) -> bool:
        return list(sub.relative_path) == ["type"] and sub.validator in ("enum", "const")

    meant = [
        [leaf for sub in errs for leaf in _leaves(sub)]
        for errs in branches.values()
        if not any(wrong_type(sub) or wrong_discriminator(sub) for sub in errs)
    ]
    if meant:
        return min(
            meant, key=lambda leaves: (sum(e.validator == "type" for e in leaves), len(leaves))
        )
    discriminators = [sub for sub in error.context if wrong_discriminator(sub)]
    if not discriminators:
        return [error]
    allowed = sorted({v for sub in discriminators for v in _as_list(sub.validator_value)})
    first = discriminators[0]
    merged = ValidationError(
        first.message,
        validator="enum",
        validator_value=allowed,
        instance=first.instance,
        path=first.absolute_path,
    )
    return [merged]


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def to_form_errors(errors: Iterable[ValidationError]) -> FormErrors:
    form = FormErrors()
    for error in errors:
        for leaf in _leaves(error):
            path = list(leaf.absolute_path)
            if leaf.validator == "required":
                missing = [p for p in leaf.validator_value if p not in (leaf.instance or {})]
                for name in missing:
                    form.add([*path, name], "BASE_TYPE_REQUIRED", "This field is required")
                continue
            code, message = _describe(leaf)
            form.add(path, code, message)
    return form
