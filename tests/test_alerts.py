"""Operator alerts: the dedup and rate-limit policy, languages, and where alerts go
(servers' alert channels on a real store, the operator's channel)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.services.alerts import Alert, AlertPolicy, Alerts, render
from bot.store import Store
from tests.test_digest_service import FakeDiscord

T0 = datetime(2024, 6, 12, 9, 0, tzinfo=UTC)
HERE, THERE = 100, 200
OPERATOR = 900
GUILD, OTHER_GUILD = 1, 2


def test_the_same_alert_is_said_once_until_a_day_passes() -> None:
    policy = AlertPolicy()
    assert policy.admit(HERE, "stopped:5", T0) == 0
    assert policy.admit(HERE, "stopped:5", T0 + timedelta(minutes=1)) is None
    assert policy.admit(HERE, "stopped:5", T0 + timedelta(hours=23, minutes=59)) is None
    assert policy.admit(HERE, "stopped:5", T0 + timedelta(hours=24)) == 0


def test_each_destination_hears_an_alert_once() -> None:
    policy = AlertPolicy()
    assert policy.admit(HERE, "database", T0) == 0
    assert policy.admit(THERE, "database", T0) == 0
    assert policy.admit(HERE, "database", T0) is None
    assert policy.admit(THERE, "database", T0) is None


def test_a_resolved_condition_is_said_again_when_it_returns() -> None:
    policy = AlertPolicy()
    policy.admit(HERE, "stopped:5", T0)
    policy.admit(THERE, "stopped:5", T0)
    policy.admit(HERE, "stopped:6", T0)
    policy.resolve("stopped:5")
    assert policy.admit(HERE, "stopped:5", T0 + timedelta(minutes=1)) == 0
    assert policy.admit(THERE, "stopped:5", T0 + timedelta(minutes=1)) == 0
    assert policy.admit(HERE, "stopped:6", T0 + timedelta(minutes=1)) is None


def test_past_ten_an_hour_the_rest_is_counted_into_the_next() -> None:
    policy = AlertPolicy(per_hour=10)
    said = [policy.admit(HERE, f"k{i}", T0 + timedelta(minutes=i)) for i in range(13)]
    assert said == [0] * 10 + [None] * 3
    assert policy.admit(THERE, "k0", T0 + timedelta(minutes=13)) == 0  # another destination
    # Held-back alerts are not retried: only counted.
    assert policy.admit(HERE, "k11", T0 + timedelta(minutes=59)) is None
    # An hour after the first, there is room again: the next one carries the count.
    assert policy.admit(HERE, "k20", T0 + timedelta(minutes=60)) == 3
    assert policy.admit(HERE, "k21", T0 + timedelta(minutes=61)) == 0


def test_standing_keys_by_prefix() -> None:
    policy = AlertPolicy()
    policy.admit(HERE, "notes:a.txt:3", T0)
    policy.admit(THERE, "notes:b.txt:7", T0)
    policy.admit(HERE, "database", T0)
    assert policy.standing("notes:") == {"notes:a.txt:3", "notes:b.txt:7"}


@pytest.mark.parametrize(
    ("language", "present", "absent"),
    [
        ("en", ["stopped", "…and 4 more"], ["멈췄어요"]),
        ("ko", ["멈췄어요", "외 4건"], ["stopped"]),
        ("both", ["멈췄어요", "stopped", "외 4건", "…and 4 more"], []),
    ],
)
def test_alert_text_in_the_servers_language(
    language: str, present: list[str], absent: list[str]
) -> None:
    alert = Alert(
        "stopped:5",
        "alert.stopped",
        {"channel": 5, "error": "403 Missing Permissions (code 50013)"},
        then="advice.permissions",
    )
    text = render(alert, language, held=4)  # type: ignore[arg-type]
    assert all(p in text for p in present), text
    assert not any(a in text for a in absent), text
    assert "<#5>" in text and "/digest-admin resume" in text
    assert len(text) <= 2000


async def test_server_alerts_go_to_that_server_and_the_operator(store: Store) -> None:
    discord = FakeDiscord()
    await store.digests.update_guild(GUILD, alert_channel_id=HERE, language="ko")
    await store.digests.update_guild(OTHER_GUILD, alert_channel_id=THERE)
    alerts = Alerts(store, discord, OPERATOR, "en")
    assert await alerts.destinations(GUILD) == {HERE: "ko", OPERATOR: "en"}
    assert await alerts.destinations(None) == {HERE: "ko", THERE: "en", OPERATOR: "en"}
    sent = await alerts.notify(Alert("x", "alert.notes_folder", {"error": "gone"}, GUILD))
    assert sent == 2 and set(discord.posted) == {HERE, OPERATOR}
    assert "노트 폴더" in discord.posted[HERE][0]["content"]
    assert discord.posted[OPERATOR][0]["allowed_mentions"] == {"parse": []}
    assert await alerts.notify(Alert("x", "alert.notes_folder", {"error": "gone"}, GUILD)) == 0
    # Turning a server's alerts off leaves it out.
    await store.digests.update_guild(GUILD, alert_channel_id=None)
    assert await alerts.destinations(None) == {THERE: "en", OPERATOR: "en"}


async def test_global_conditions_reach_every_alert_channel(store: Store) -> None:
    discord = FakeDiscord()
    await store.digests.update_guild(GUILD, alert_channel_id=HERE)
    await store.digests.update_guild(OTHER_GUILD, alert_channel_id=THERE)
    alerts = Alerts(store, discord, None, "both")
    assert await alerts.notify(Alert("database", "alert.database", {"reason": "deleted"})) == 2
    assert set(discord.posted) == {HERE, THERE}


async def test_an_alert_that_cannot_be_posted_is_one_log_line(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    discord = FakeDiscord(failures=[RuntimeError("403 Missing Access")])
    alerts = Alerts(store, discord, OPERATOR, "en")
    assert await alerts.notify(Alert("database", "alert.database", {"reason": "x"})) == 0
    [record] = [r for r in caplog.records if "could not post alert" in r.getMessage()]
    assert record.exc_info is None and "403 Missing Access" in record.getMessage()


async def test_resolve_others_keeps_only_what_still_stands(store: Store) -> None:
    alerts = Alerts(store, FakeDiscord(), OPERATOR, "en")
    for key in ("notes:a.txt:3", "notes:b.txt:7", "database"):
        await alerts.notify(Alert(key, "alert.notes_folder", {"error": key}))
    alerts.resolve_others("notes:", ["notes:b.txt:7"])
    assert alerts.policy.standing("") == {"notes:b.txt:7", "database"}
