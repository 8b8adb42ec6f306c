"""Answering in time and exactly once: fast pages are the response, slow ones are deferred
first, and errors reach the member (with an id for unexpected ones) instead of a timeout."""

from __future__ import annotations

import asyncio
import logging
from types import SimpleNamespace
from typing import Any

import discord
import pytest

from bot.adapters.discord.app import InteractionMeter
from bot.adapters.discord.cogs.lookup import _reply
from bot.adapters.discord.cogs.lookup._components import BUTTON_TEMPLATE, SELECT_TEMPLATE
from bot.adapters.discord.cogs.lookup._reply import How, respond
from bot.adapters.discord.errors import UserFacingError
from bot.adapters.metrics import Metrics
from bot.core.pages import Button, Page, Viewer, controls
from bot.core.render import Embed
from bot.core.screens import Kind, Screen, Verb, encode


class FakeResponse:
    def __init__(self, calls: list[tuple[str, dict[str, Any]]]) -> None:
        self.calls = calls

    def is_done(self) -> bool:
        return bool(self.calls)

    async def send_message(self, *args: Any, **kwargs: Any) -> None:
        self.calls.append(("send_message", {"args": args, **kwargs}))

    async def edit_message(self, **kwargs: Any) -> None:
        self.calls.append(("edit_message", kwargs))

    async def defer(self, **kwargs: Any) -> None:
        self.calls.append(("defer", kwargs))


class FakeFollowup:
    def __init__(self, calls: list[tuple[str, dict[str, Any]]]) -> None:
        self.calls = calls

    async def send(self, *args: Any, **kwargs: Any) -> None:
        self.calls.append(("followup", {"args": args, **kwargs}))


class FakeInteraction:
    """Just what `respond` touches of a discord.Interaction."""

    def __init__(self, locale: str = "en-US") -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.response = FakeResponse(self.calls)
        self.followup = FakeFollowup(self.calls)
        self.command = None
        self.locale = locale
        self.type = discord.InteractionType.component
        self.data = {"component_type": 2}
        self.extras: dict[str, Any] = {}
        self.metrics = Metrics()
        self.client = SimpleNamespace(interactions=InteractionMeter(self.metrics))

    def counted(self, outcome: str) -> float | None:
        """How many interactions the bot's metrics counted as ending with `outcome`."""
        return sum(
            sample.value
            for family in self.metrics.registry.collect()
            for sample in family.samples
            if sample.name == "paperbot_interactions_total" and sample.labels["outcome"] == outcome
        )

    async def edit_original_response(self, **kwargs: Any) -> None:
        self.calls.append(("edit_original", kwargs))


PAGE = Page(content="hello", embeds=(Embed(title="t"),))


async def page_after(seconds: float) -> Page:
    await asyncio.sleep(seconds)
    return PAGE


async def test_a_fast_page_is_the_response() -> None:
    interaction = FakeInteraction()
    await respond(interaction, lambda: page_after(0), How.NEW)
    [(kind, kwargs)] = interaction.calls
    assert kind == "send_message" and kwargs["ephemeral"] is True
    assert kwargs["content"] == "hello" and kwargs["embeds"][0].title == "t"
    assert kwargs["allowed_mentions"].to_dict() == {"parse": []}
    assert interaction.counted("ok") == 1


@pytest.mark.parametrize(
    ("how", "deferred", "then"),
    [
        (How.NEW, {"ephemeral": True, "thinking": True}, "followup"),
        (How.PUBLIC, {"ephemeral": False, "thinking": True}, "followup"),
        (How.EDIT, {}, "edit_original"),
    ],
)
async def test_a_slow_page_is_deferred_first(
    monkeypatch: pytest.MonkeyPatch, how: How, deferred: dict[str, Any], then: str
) -> None:
    monkeypatch.setattr(_reply, "DEFER_AFTER", 0.01)
    interaction = FakeInteraction()
    await respond(interaction, lambda: page_after(0.1), how)
    assert [kind for kind, _ in interaction.calls] == ["defer", then]
    assert interaction.calls[0][1] == deferred


async def test_a_user_facing_error_is_shown_as_it_is() -> None:
    async def refuse() -> Page:
        raise UserFacingError("No tag #nope.")

    interaction = FakeInteraction()
    await respond(interaction, refuse, How.EDIT)
    [(kind, kwargs)] = interaction.calls
    assert kind == "send_message" and kwargs["args"] == ("No tag #nope.",)
    assert kwargs["ephemeral"] is True
    assert (interaction.counted("user_error"), interaction.counted("ok")) == (1, 0)


async def test_an_unexpected_error_is_logged_with_an_id_the_member_sees(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def crash() -> Page:
        raise RuntimeError("boom")

    interaction = FakeInteraction(locale="ko")
    with caplog.at_level(logging.ERROR):
        await respond(interaction, crash, How.NEW)
    [(kind, kwargs)] = interaction.calls
    assert kind == "send_message"
    [record] = [r for r in caplog.records if "error id" in r.getMessage()]
    error_id = record.getMessage().split("error id ")[1].rstrip(")")
    assert f"`{error_id}`" in kwargs["args"][0] and "오류 번호" in kwargs["args"][0]
    assert record.exc_info is not None and "boom" in str(record.exc_info[1])
    assert (interaction.counted("error"), interaction.counted("ok")) == (1, 0)


def test_component_templates_split_selects_from_buttons() -> None:
    viewer = Viewer(1, "en-US")
    screen = Screen(Kind.TAG, "vq", 1)
    for button in controls(screen, viewer, pages=3, toggle=True):
        assert BUTTON_TEMPLATE.fullmatch(button.custom_id)
        assert not SELECT_TEMPLATE.fullmatch(button.custom_id)
    select_id = encode(Verb.OPEN, screen, 1)
    assert select_id and SELECT_TEMPLATE.fullmatch(select_id)
    assert not BUTTON_TEMPLATE.fullmatch(select_id)
    assert BUTTON_TEMPLATE.fullmatch("pd0:v:old") and SELECT_TEMPLATE.fullmatch("pd0:o:old")


async def test_views_are_sent_stopped_so_timeouts_never_unregister_buttons() -> None:
    view = _reply.frozen_view(((Button("Next", "pd1:v:g:1:b:1:"),),))
    assert view.is_finished() and len(view.children) == 1
    assert view.to_components()[0]["components"][0]["custom_id"] == "pd1:v:g:1:b:1:"
