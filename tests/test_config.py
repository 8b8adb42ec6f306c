"""Settings: defaults, validation messages, `.env` under the environment."""

from __future__ import annotations

from datetime import time
from pathlib import Path

import pytest

from bot.config import DEFAULT_API_BASE_URL, ConfigError, load_settings, parse_settings


def test_defaults() -> None:
    s = parse_settings({})
    assert s.discord_token is None
    assert s.discord_api_base_url == DEFAULT_API_BASE_URL
    assert s.notes_dir == Path("seeds")
    assert s.database_path == Path("data/bot.sqlite3")
    assert (s.digest_time, s.digest_timezone, s.log_level) == (time(9, 0), "UTC", "INFO")


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(ConfigError) as error:
        parse_settings(
            {
                "DIGEST_TIME": "25:00",
                "DIGEST_TIMEZONE": "Mars/Olympus",
                "DISCORD_GUILD_ID": "abc",
                "LOG_LEVEL": "loud",
                "DISCORD_GATEWAY_URL": "http://x",
            }
        )
    message = str(error.value)
    for name in ("DIGEST_TIME", "DIGEST_TIMEZONE", "DISCORD_GUILD_ID", "LOG_LEVEL", "GATEWAY"):
        assert name in message


def test_env_file_is_read_and_environment_wins(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("DIGEST_TIME=07:30\nNOTES_DIR=notes\nDISCORD_TOKEN=from-file-token-value\n")
    s = load_settings({"NOTES_DIR": "elsewhere"}, env_file)
    assert s.digest_time == time(7, 30)
    assert s.notes_dir == Path("elsewhere")
    assert s.discord_token == "from-file-token-value"


def test_token_never_in_repr() -> None:
    s = parse_settings({"DISCORD_TOKEN": "secret-token-value", "DIGEST_TIMEZONE": "Asia/Seoul"})
    assert "secret-token-value" not in repr(s)
    assert "secret-token-value" not in str(s)
    assert "Asia/Seoul" in repr(s)


def test_token_is_redacted_from_log_lines_and_tracebacks() -> None:
    import logging

    from bot.adapters.logs import RedactingFormatter

    formatter = RedactingFormatter("%(message)s", "%H:%M:%S", ["tok.en-value"])
    try:
        raise RuntimeError("login failed for tok.en-value")
    except RuntimeError:
        import sys

        record = logging.LogRecord(
            "x", logging.ERROR, __file__, 1, "using %s", ("tok.en-value",), sys.exc_info()
        )
    text = formatter.format(record)
    assert "tok.en-value" not in text
    assert "RuntimeError: login failed for [redacted]" in text


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DIGEST_CHANNEL_ID", "١٢٣"),  # Arabic-Indic digits are not a Discord id
        ("ALERT_CHANNEL_ID", "12a"),
        ("DISCORD_API_BASE_URL", "http://"),  # a scheme with no host
        ("DISCORD_GATEWAY_URL", "wss://"),
        ("DISCORD_TOKEN", "x"),  # would redact every "x" in the logs
        ("DISCORD_TOKEN", "has a space in it somewhere"),
        ("LOG_FORMAT", "xml"),
        ("HEALTH_PORT", "70000"),
        ("HEALTH_PORT", "８０８０"),
    ],
)
def test_values_that_only_look_valid_are_refused(name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=name):
        parse_settings({name: value})


def test_operator_settings() -> None:
    s = parse_settings(
        {"LOG_FORMAT": "JSON", "HEALTH_PORT": "8080", "ALERT_CHANNEL_ID": "42", "HEALTH_HOST": ""}
    )
    assert (s.log_format, s.health_port, s.health_host, s.alert_channel_id) == (
        "json",
        8080,
        "127.0.0.1",
        42,
    )
    assert parse_settings({}).health_port is None
