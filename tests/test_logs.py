"""Log lines as operators and log shippers read them: dates with zones, JSON, no token,
and no APScheduler chatter at INFO."""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.adapters.logs import setup_logging

TOKEN = "MTIz.token-value_XYZ"
ISO_TS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d$")
PLAIN_TS = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}[+-]\d{4} INFO    bot\.test: ")
LOGGERS = ("", "discord.http", "apscheduler")


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    """setup_logging changes process-wide state: put it back for the other tests."""
    root = logging.getLogger()
    handlers = root.handlers[:]
    levels = {name: logging.getLogger(name).level for name in LOGGERS}
    yield
    root.handlers[:] = handlers
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


def _fail_with_token() -> None:
    try:
        raise RuntimeError(f"login refused for {TOKEN}")
    except RuntimeError:
        logging.getLogger("bot.test").exception(
            "/paper failed (error id %s) with %s",
            "a1b2c3",
            TOKEN,
            extra={"guild_id": 42, "channel_id": 7, "command": "paper", "error_id": "a1b2c3"},
        )


def test_json_line_carries_time_zone_context_and_traceback_without_the_token(
    capsys: pytest.CaptureFixture[str],
) -> None:
    setup_logging("INFO", [TOKEN], log_format="json")
    _fail_with_token()
    [line] = capsys.readouterr().err.splitlines()
    record = json.loads(line)
    assert ISO_TS.match(record["ts"]), record["ts"]
    assert datetime.fromisoformat(record["ts"]).utcoffset() is not None
    assert abs(datetime.fromisoformat(record["ts"]) - datetime.now(UTC)).total_seconds() < 3600
    assert record["level"] == "ERROR"
    assert record["logger"] == "bot.test"
    assert record["msg"] == "/paper failed (error id a1b2c3) with [redacted]"
    assert (record["guild_id"], record["channel_id"], record["command"], record["error_id"]) == (
        42,
        7,
        "paper",
        "a1b2c3",
    )
    assert "day" not in record  # context only when present
    assert "Traceback (most recent call last)" in record["exc"]
    assert "RuntimeError: login refused for [redacted]" in record["exc"]
    assert TOKEN not in line


def test_json_context_values_that_are_not_numbers_are_text(
    capsys: pytest.CaptureFixture[str],
) -> None:
    setup_logging("INFO", [TOKEN], log_format="json")
    logging.getLogger("bot.test").info("posted", extra={"day": date(2024, 6, 12)})
    record = json.loads(capsys.readouterr().err)
    assert record["day"] == "2024-06-12"
    assert "exc" not in record


def test_a_secret_json_would_escape_is_still_redacted(capsys: pytest.CaptureFixture[str]) -> None:
    secret = 'tok"en\\välue-0123456789'
    setup_logging("INFO", [secret], log_format="json")
    logging.getLogger("bot.test").warning("sent %s", secret)
    line = capsys.readouterr().err
    assert json.loads(line)["msg"] == "sent [redacted]"
    assert json.dumps(secret, ensure_ascii=False)[1:-1] not in line


def test_plain_line_has_full_date_and_zone_and_no_token(
    capsys: pytest.CaptureFixture[str],
) -> None:
    setup_logging("INFO", [TOKEN])
    logging.getLogger("bot.test").info("token is %s", TOKEN)
    _fail_with_token()
    err = capsys.readouterr().err
    assert PLAIN_TS.match(err), err
    assert TOKEN not in err
    assert "RuntimeError: login refused for [redacted]" in err


async def _run_jobs(level: str) -> None:
    """Run one real AsyncIOScheduler job that succeeds and one that raises."""
    setup_logging(level, [TOKEN])
    done: asyncio.Queue[int] = asyncio.Queue()
    scheduler = AsyncIOScheduler(timezone=UTC)
    scheduler.add_listener(lambda event: done.put_nowait(event.code), EVENT_JOB_EXECUTED)
    scheduler.add_listener(lambda event: done.put_nowait(event.code), EVENT_JOB_ERROR)

    async def notes_check() -> None:
        logging.getLogger("bot.test").info("notes checked")

    async def broken() -> None:
        raise RuntimeError("broken job")

    scheduler.start()
    try:
        scheduler.add_job(notes_check, "date", run_date=datetime.now(UTC), id="watch")
        assert await asyncio.wait_for(done.get(), 10) == EVENT_JOB_EXECUTED
        scheduler.add_job(broken, "date", run_date=datetime.now(UTC), id="broken")
        assert await asyncio.wait_for(done.get(), 10) == EVENT_JOB_ERROR
    finally:
        scheduler.shutdown(wait=False)


async def test_apscheduler_job_runs_are_quiet_at_info(capsys: pytest.CaptureFixture[str]) -> None:
    await _run_jobs("INFO")
    err = capsys.readouterr().err
    assert "notes checked" in err  # the bot's own INFO lines still show
    assert "Running job" not in err
    assert "executed successfully" not in err
    # A job that raises is still reported, with its traceback.
    assert "raised an exception" in err and "RuntimeError: broken job" in err


async def test_apscheduler_job_runs_show_at_debug(capsys: pytest.CaptureFixture[str]) -> None:
    await _run_jobs("DEBUG")
    err = capsys.readouterr().err
    assert "Running job" in err
    assert "executed successfully" in err
