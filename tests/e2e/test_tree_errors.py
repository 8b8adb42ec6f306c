"""The command tree's last resort, end to end: an error no command expected reaches the
member privately, in their language, with a short id; the same id in the bot's log, with
the traceback, leads the operator to what happened.

The bot process is real, so the failure is one it can meet: a table gone from the
database under it (a hand-made repair gone wrong).
"""

from __future__ import annotations

import re
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from bot.sandbox import SandboxClient
from tests.e2e.conftest import BotProcess

ERROR_ID = re.compile(r"`([0-9a-f]{6})`")
SAID = {"alice": "Something went wrong (error id", "minji": "문제가 생겼어요 (오류 번호"}


def drop_table(workdir: Path, table: str) -> None:
    with closing(sqlite3.connect(workdir / "bot.sqlite3")) as db:
        db.execute(f"DROP TABLE {table}")
        db.commit()


def told(answer_text: str, member: str, bot: BotProcess) -> str:
    """The error id the member was given, after checking the log holds it with its cause."""
    assert SAID[member] in answer_text, answer_text
    ids: list[str] = ERROR_ID.findall(answer_text)
    [error_id] = ids
    log = bot.log()
    assert f"failed (error id {error_id})" in log, log
    after = log[log.index(f"(error id {error_id})") :]
    assert "sqlite3.OperationalError: no such table: appearances" in after, after
    return error_id


@pytest.mark.parametrize("member", ["alice", "minji"])
async def test_an_unexpected_error_is_answered_with_an_id_the_log_holds(
    user: SandboxClient, bot: BotProcess, tmp_path: Path, member: str
) -> None:
    drop_table(tmp_path, "appearances")
    first = await user.command("about", member=member)
    second = await user.command("about", member=member)
    assert first.ephemeral and second.ephemeral
    assert told(first.content, member, bot) != told(second.content, member, bot)


async def test_after_a_deferral_the_error_comes_as_a_private_followup(
    user: SandboxClient, bot: BotProcess, tmp_path: Path
) -> None:
    await user.command("digest-admin channel", {"channel": "papers"})
    drop_table(tmp_path, "appearances")
    answer = await user.command("digest-admin post-now", member="minji")
    assert answer.response_type == 5  # deferred: the run failed after it
    assert answer.ephemeral
    told(answer.content, "minji", bot)
    assert await user.messages("papers") == []
