"""The arguments of /digest-admin as members type them (`bot.core.days`, pure): times of
day and their autocomplete, time zones and theirs. The slash-command side is in
tests/e2e/test_manners.py."""

from __future__ import annotations

import zoneinfo

import pytest

from bot.core.days import COMMON_ZONES, parse_zone, time_choices, zone_choices, zone_for_locale

ZONES = frozenset(zoneinfo.available_timezones())


@pytest.mark.parametrize(
    ("typed", "first"),
    [
        ("", ["00:00", "01:00", "02:00"]),
        ("9", ["09:00", "09:15", "09:30", "09:45"]),
        ("2", ["02:00", "20:00", "21:00", "22:00", "23:00", "02:15"]),
        ("21:3", ["21:30"]),
        ("9:05", ["09:05"]),  # a complete time is offered first, even off the quarter hours
        ("２１:００", ["21:00"]),  # full-width digits, as Korean and Japanese keyboards type them
        ("abc", []),
        ("25", []),
    ],
)
def test_time_choices_for_what_was_typed(typed: str, first: list[str]) -> None:
    assert time_choices(typed, 25)[: len(first)] == first


def test_time_choices_are_whole_hours_until_typed_and_within_the_limit() -> None:
    assert time_choices("", 25) == [f"{hour:02}:00" for hour in range(24)]
    assert len(time_choices("1", 25)) == 25  # 01:xx and 10:xx-19:xx are more than Discord shows


@pytest.mark.parametrize(
    ("typed", "zone"),
    [
        ("Asia/Seoul", "Asia/Seoul"),
        (" asia/seoul ", "Asia/Seoul"),
        ("america/new york", "America/New_York"),
        ("GB", "GB"),  # an old alias still works when typed
        ("Mars/Olympus", None),
        ("", None),
    ],
)
def test_zones_are_read_in_any_case(typed: str, zone: str | None) -> None:
    assert parse_zone(typed, ZONES) == zone


def test_nothing_typed_offers_the_members_zones_then_common_ones() -> None:
    offered = zone_choices("", ZONES, [zone_for_locale("ko"), zone_for_locale("en-US")], 25)
    assert offered[:3] == ["Asia/Seoul", "UTC", "Asia/Shanghai"]
    assert offered.count("Asia/Seoul") == 1 and len(offered) <= 25
    assert zone_choices("", ZONES, [None, None], 25) == list(COMMON_ZONES)


def test_typed_zones_begin_with_it_first_and_skip_old_aliases() -> None:
    assert zone_choices("seo", ZONES, [], 25) == ["Asia/Seoul"]
    assert zone_choices("lon", ZONES, [], 3)[0] == "Europe/London"
    # Among zones beginning with it, the common ones first; then shorter names.
    assert zone_choices("a", ZONES, [], 3) == ["Asia/Shanghai", "Asia/Kolkata", "America/New_York"]
    # A city beginning with it comes before a common zone that only contains it.
    assert zone_choices("ang", ZONES, [], 25)[:2] == ["America/Anguilla", "Asia/Shanghai"]
    offered = zone_choices("u", ZONES, [], 25)
    assert offered[0] == "UTC" and len(offered) == 25
    for typed in ("gb", "prc", "nz", "us/", "etc"):
        assert all("/" in z or z == "UTC" for z in zone_choices(typed, ZONES, [], 25)), typed


@pytest.mark.parametrize(
    ("locale", "zone"),
    [("ko", "Asia/Seoul"), ("ja", "Asia/Tokyo"), ("en-GB", "Europe/London"), ("en-US", None)],
)
def test_a_locale_suggests_its_zone_where_it_has_one(locale: str, zone: str | None) -> None:
    assert zone_for_locale(locale) == zone
