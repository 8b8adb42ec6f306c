"""The load benchmark's pure parts: the members' mix, the percentile maths, reading
/proc and the profile. Nothing here starts the bot or times anything."""

from __future__ import annotations

import asyncio.events
import cProfile
import math
import os
import random
from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path

import pytest

from bench.interactions import Plan
from bench.load import (
    AC_DIGEST,
    AC_PAPER,
    AC_TAG,
    DAY_CHARS,
    HOSTILE,
    QUERY_CHARS,
    SEARCH_NEXT,
    TAG_CHARS,
    TAG_NEXT,
    Mix,
    Sample,
    area,
    cpu_seconds,
    digest_minute,
    hostile,
    keystrokes,
    percentile,
    profile_report,
    sample_of,
    snowflake_time,
    summarise,
)
from bench.workload import Query
from bot.core.i18n import t

MIX = Mix.of(
    Plan(
        typed=[
            Query("paper", "prefix", "Samba: Simple Hybrid State Space Models"),
            Query("paper", "typo", "difusion"),
            Query("tag", "popular", "vq"),
        ],
        searches=[Query("search", "word", "codebook"), Query("search", "korean", "코드북을")],
        paper_ids=[1],
        tags=["vq", "#LLM", "x" * 150],
        days=["2024-06-12", "2024-06-11"],
    )
)
LIMITS = {"title": QUERY_CHARS, "query": QUERY_CHARS, "name": TAG_CHARS, "date": DAY_CHARS}


def test_percentile_is_nearest_rank() -> None:
    values = [float(v) for v in range(100, 0, -1)]  # unsorted on purpose
    assert [percentile(values, q) for q in (50, 95, 99, 100)] == [50, 95, 99, 100]
    assert percentile([7.0], 99) == 7.0
    assert percentile([1.0, 2.0], 50) == 1.0
    with pytest.raises(ValueError):
        percentile([], 50)


def test_summary_counts_the_unanswered_as_infinitely_slow() -> None:
    samples = [Sample("/paper", 0.0, float(ms), float(ms), False) for ms in range(1, 99)]
    samples.append(Sample("/paper", 0.0, 500.0, 2500.0, True))
    samples.append(Sample("/paper", 0.0, None, None, False, "no response within 3 s"))
    stats = summarise(samples)
    assert stats.n == 100 and stats.p50_ms == 50 and stats.p95_ms == 95
    assert stats.p99_ms == 500 and math.isinf(stats.max_ms)
    assert stats.answer_p99_ms == 2500 and stats.deferred == 1 and stats.errors == 1


def _report(response_type: int | None, answered: bool, content: str = "") -> dict[str, object]:
    return {
        "response_type": response_type,
        "answered": answered,
        "ack_ms": None if response_type is None else 12.0,
        "answer_ms": 40.0 if answered else None,
        "message": {"content": content} if content else None,
    }


def test_reports_become_samples_with_what_went_wrong() -> None:
    assert sample_of(AC_PAPER, 1.0, _report(8, True), "en-US").error is None
    deferred = sample_of("/digest", 1.0, _report(5, True, "a digest"), "en-US")
    assert deferred.deferred and deferred.error is None and deferred.answer_ms == 40.0
    assert sample_of("/tag", 1.0, _report(None, False), "en-US").error == "no response within 3 s"
    assert sample_of("/tag", 1.0, _report(5, False), "en-US").error == "deferred, never completed"
    for locale in ("en-US", "ko"):
        said = t("error.unexpected", locale, error_id="abc123")
        failed = sample_of("/search", 1.0, _report(4, True, said), locale)
        assert failed.error == "the bot's error answer"


def test_keystrokes_grow_to_the_whole_text() -> None:
    rng = random.Random(3)
    for text in ("vq", "Samba: Simple Hybrid", "코드북", "x"):
        for _ in range(50):
            typed = keystrokes(text, rng, 6)
            assert 1 <= len(typed) <= 6 and typed[-1] == text
            assert all(b.startswith(a) and len(a) < len(b) for a, b in pairwise(typed))


def test_actions_are_what_members_can_do() -> None:
    rng = random.Random(0)
    actions = [MIX.action(rng) for _ in range(3000)]
    steps = [s for a in actions for s in a]
    for action in actions:
        commands = [s for s in action if s.command]
        typed = [s for s in commands if s.typing]
        assert len({s.command for s in commands}) == 1
        assert commands[len(typed) :] == [s for s in commands if not s.typing]
        if any(not s.command for s in action):
            assert action[0].kind in (AC_TAG, "/tag", "/search")
    for step in steps:
        assert len(step.text) <= LIMITS.get(step.option, 0) or not step.command
    kinds = {s.kind for s in steps}
    assert kinds == {AC_PAPER, AC_TAG, AC_DIGEST, "/paper", "/tag", "/search", "/digest"} | {
        TAG_NEXT,
        SEARCH_NEXT,
        HOSTILE,
    }
    autocomplete = sum(s.typing for s in steps) / len(steps)
    assert 0.4 < autocomplete < 0.75  # typing is most of what a server sees
    assert 2 < len(steps) / len(actions) < 5
    assert MIX.action(random.Random(9)) == MIX.action(random.Random(9))


def test_hostile_inputs_stay_within_what_discord_accepts() -> None:
    rng = random.Random(1)
    for _ in range(500):
        step = hostile(rng)
        assert step.kind == HOSTILE and len(step.text) <= LIMITS[step.option]
        assert not (step.command == "search" and step.typing)


def test_cpu_seconds_reads_utime_and_stime() -> None:
    ticks = os.sysconf("SC_CLK_TCK")
    stat = f"42 (a (weird) name) S 1 42 42 0 -1 4194560 100 0 0 0 {3 * ticks} {ticks} 0 0 20 0"
    assert cpu_seconds(stat) == 4.0


def test_the_digest_minute_leaves_the_lead() -> None:
    at = datetime(2024, 6, 12, 9, 0, 10, tzinfo=UTC)
    assert digest_minute(at, 40) == datetime(2024, 6, 12, 9, 1, tzinfo=UTC)
    assert digest_minute(at, 50) == datetime(2024, 6, 12, 9, 1, tzinfo=UTC)
    assert digest_minute(at, 51) == datetime(2024, 6, 12, 9, 2, tzinfo=UTC)


def test_snowflakes_carry_their_time() -> None:
    at = datetime(2024, 6, 12, 9, 0, 0, 123000, tzinfo=UTC)
    ms = round(at.timestamp() * 1000) - 1_420_070_400_000
    assert snowflake_time(str(ms << 22 | 5)) == at


def test_profiled_functions_are_grouped_by_where_they_live() -> None:
    assert area("~", "<method 'execute' of 'sqlite3.Connection' objects>") == "C sqlite3"
    assert area("~", "<built-in method builtins.isinstance>") == "C builtins"
    assert area("~", "<method 'join' of 'str' objects>") == "C builtins"
    assert area(asyncio.events.__file__, "_run") == "asyncio"
    here = str(Path(__file__).resolve().parents[1] / "bot" / "core" / "query.py")
    assert area(here, "rank_titles") == "bot.core.query"


def test_the_profile_report_is_per_interaction(tmp_path: Path) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    sorted(random.Random(0).random() for _ in range(2000))
    profiler.disable()
    path = tmp_path / "run.prof"
    profiler.dump_stats(str(path))
    report = profile_report(path, interactions=10, top=5)
    assert "over 10 interactions" in report
    assert "top 5 by self time" in report and "top 5 by cumulative time" in report
    assert "self time by area" in report and "random" in report
