"""``python -m bot.sandbox`` without a terminal: commands on stdin, answers on stdout."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from tests.e2e.conftest import ROOT, SEED

SCRIPT = """\
/about
as bob
/about extra:1
as carol
/nothing
quit
"""


async def test_the_console_runs_the_bot_and_answers_typed_commands(tmp_path: Path) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / SEED.name).write_bytes(SEED.read_bytes())
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.sandbox",
        "--notes",
        str(notes),
        "--database",
        str(tmp_path / "sandbox.sqlite3"),
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "LOG_LEVEL": "WARNING"},
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await asyncio.wait_for(process.communicate(SCRIPT.encode()), 60)
    text = output.decode()
    assert process.returncode == 0, text
    assert "The bot is online" in text
    assert "alice › /about" in text and "[blurple] Paper digest library" in text
    assert "you are now bob" in text and "unknown option(s) ['extra']" in text
    assert "no member 'carol'" in text
    assert "/nothing is not a registered command" in text
    assert "bot exited with code 0" in text
