"""`python -m bot …` as an operator runs it: a real process, real files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bot.adapters.cli import build_parser
from tests.conftest import ROOT, SEEDS


def bot(
    *args: str, env: dict[str, str] | None = None, cwd: Path = ROOT
) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("DISCORD_")}
    full_env.update(env or {})
    full_env["PYTHONPATH"] = str(ROOT)
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        capture_output=True,
        text=True,
        env=full_env,
        cwd=cwd,
        timeout=60,
        check=False,
    )


@pytest.fixture
def store_env(tmp_path: Path) -> dict[str, str]:
    return {"NOTES_DIR": str(SEEDS), "DATABASE_PATH": str(tmp_path / "bot.sqlite3")}


def test_every_command_has_help() -> None:
    parser = build_parser()
    subparsers = next(a for a in parser._actions if a.choices and "parse" in a.choices)
    for name in subparsers.choices:
        proc = bot(name, "--help")
        assert proc.returncode == 0, (name, proc.stderr)
        assert "usage:" in proc.stdout


def test_parse_json_on_seeds() -> None:
    proc = bot("parse", str(SEEDS), "--json")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["problems"] == []
    assert sorted(d["date"] for d in doc["days"]) == [
        "2024-06-12",
        "2024-06-18",
        "2024-08-30",
        "2024-12-05",
        "2024-12-17",
    ]
    entries = [e for d in doc["days"] for e in d["entries"]]
    assert len(entries) == 37
    assert set(entries[0]) == {
        "title",
        "authors",
        "org",
        "abstract",
        "commentary_ko",
        "commentary_en",
        "tags",
        "links",
        "line",
    }


def test_parse_reports_problems_with_exit_1(tmp_path: Path) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_text("2024년 2월 30일\nA Paper\n(A)\n설명\n#x\n", encoding="utf-8")
    proc = bot("parse", str(bad), "--json")
    assert proc.returncode == 1
    doc = json.loads(proc.stdout)
    assert doc["problems"] == [
        {
            "source": str(bad),
            "line": 1,
            "message": "invalid date '2024년 2월 30일';"
            " entries up to the next date header are skipped",
        }
    ]
    assert bot("parse", str(tmp_path / "missing.txt")).returncode == 2


def test_ingest_then_lookups(store_env: dict[str, str]) -> None:
    first = bot("ingest", env=store_env)
    assert first.returncode == 0, first.stderr
    assert "papers: 37 added, 0 updated, 0 removed" in first.stdout
    again = bot("ingest", "--json", env=store_env)
    assert json.loads(again.stdout)["papers"] == {"added": 0, "updated": 0, "removed": 0}

    paper = json.loads(bot("paper", "qwen", "--json", env=store_env).stdout)
    assert paper["results"][0] == {
        "title": "Qwen2-VL: To See the World More Clearly",
        "date": "2024-08-30",
        "tags": ["vision-language", "video-language"],
    }
    search = json.loads(bot("search", "코드북", "--json", env=store_env).stdout)
    titles = [r["title"] for r in search["results"]]
    assert titles[0].startswith("SoftVQ-VAE")  # no title hit: newest first
    assert any(t.startswith("Scaling the Codebook Size") for t in titles)
    tag = json.loads(bot("tag", "#VQ", "--json", env=store_env).stdout)
    assert len(tag["results"]) == 5
    tags = json.loads(bot("tags", "--json", env=store_env).stdout)["tags"]
    assert len(tags) == 24 and tags[0]["papers"] == 5
    table = bot("paper", "samba", env=store_env).stdout
    assert "Samba: Simple Hybrid" in table and "date" in table.splitlines()[0]


def test_lookups_build_the_store_when_missing(store_env: dict[str, str]) -> None:
    proc = bot("tag", "vq", "--json", env=store_env)
    assert proc.returncode == 0, proc.stderr
    assert len(json.loads(proc.stdout)["results"]) == 5


def test_dotenv_is_read_like_the_bot(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(f"NOTES_DIR={SEEDS}\nDATABASE_PATH={tmp_path}/x.sqlite3\n")
    proc = bot("tags", "--json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "x.sqlite3").exists()


def test_bad_configuration_is_one_clear_message(store_env: dict[str, str]) -> None:
    proc = bot("ingest", env={**store_env, "DIGEST_TIME": "25:00"})
    assert proc.returncode == 2
    assert "DIGEST_TIME='25:00'" in proc.stderr
    assert "Traceback" not in proc.stderr
    missing = bot("ingest", env={**store_env, "NOTES_DIR": "/nonexistent/notes"})
    assert missing.returncode == 2
    assert "NOTES_DIR" in missing.stderr and "Traceback" not in missing.stderr


def test_run_without_token_explains_in_one_line(store_env: dict[str, str]) -> None:
    proc = bot("run", env=store_env)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1
    assert "DISCORD_TOKEN" in proc.stderr and ".env" in proc.stderr


def test_digest_preview_json_is_the_exact_payloads(store_env: dict[str, str]) -> None:
    from bot.sandbox.limits import check_message

    proc = bot("digest", "--date", "2024-06-18", "--json", env=store_env)
    assert proc.returncode == 0, proc.stderr
    payloads = json.loads(proc.stdout)
    assert sum(len(p["embeds"]) for p in payloads) == 9
    assert all(p["allowed_mentions"] == {"parse": []} for p in payloads)
    assert all(not check_message(p) for p in payloads)
    assert "9 papers" in payloads[0]["content"]
    compact = json.loads(
        bot("digest", "--date", "2024-06-18", "--style", "compact", "--json", env=store_env).stdout
    )
    assert "1. [Autoregressive Image Generation" in compact[0]["embeds"][0]["description"]
    preview = bot("digest", "--date", "2024-06-18", "--language", "en", env=store_env)
    assert "Nemotron-4 340B Technical Report" in preview.stdout
    assert "and 18 more" in preview.stdout
    missing = bot("digest", "--date", "2024-06-19", env=store_env)
    assert missing.returncode == 1 and "no notes for 2024-06-19" in missing.stderr


# ---- operating: exit codes, the database lock, failures in one line ----------


def one_line_error(proc: subprocess.CompletedProcess[str]) -> str:
    assert "Traceback" not in proc.stderr, proc.stderr
    [line] = [line for line in proc.stderr.splitlines() if line.startswith("error: ")]
    return line


def test_console_script_names_itself() -> None:
    script = Path(sys.executable).with_name("paper-digest-bot")
    if not script.exists():
        pytest.skip("the console script is not installed in this environment (pip install -e .)")
    proc = subprocess.run([script, "--help"], capture_output=True, text=True, check=False)
    assert proc.returncode == 0
    assert proc.stdout.startswith("usage: paper-digest-bot ")
    assert "python -m bot" not in proc.stdout
    assert "usage: python -m bot " in bot("--help").stdout


def test_ingest_refuses_to_empty_the_library(store_env: dict[str, str], tmp_path: Path) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    for seed in SEEDS.iterdir():
        (notes / seed.name).write_bytes(seed.read_bytes())
    env = {**store_env, "NOTES_DIR": str(notes)}
    assert bot("ingest", env=env).returncode == 0
    for file in notes.iterdir():
        file.unlink()
    refused = bot("ingest", env=env)
    assert refused.returncode == 1
    assert "refusing to remove 37 of 37 papers" in one_line_error(refused)
    assert len(json.loads(bot("tag", "vq", "--json", env=env).stdout)["results"]) == 5
    allowed = bot("ingest", "--allow-removal", env=env)
    assert allowed.returncode == 0 and "37 removed" in allowed.stdout


def test_lint_prints_only_problems(tmp_path: Path) -> None:
    assert bot("lint", str(SEEDS)).stdout == ""
    assert bot("lint", str(SEEDS)).returncode == 0
    bad = tmp_path / "bad.txt"
    bad.write_text("2024년 2월 30일\nA Paper\n(A)\n설명\n#x\n", encoding="utf-8")
    proc = bot("lint", str(tmp_path))
    assert proc.returncode == 1
    assert proc.stdout.splitlines() == [
        f"{bad}:1: invalid date '2024년 2월 30일'; entries up to the next date header are skipped"
    ]
    assert bot("lint", str(tmp_path / "nope")).returncode == 2


def test_a_query_may_start_with_a_dash(store_env: dict[str, str]) -> None:
    proc = bot("search", "-x", "--json", env=store_env)
    assert proc.returncode == 0, proc.stderr
    assert "results" in json.loads(proc.stdout)
    paper = bot("paper", "--json", "samba", "-ssm", env=store_env)
    assert paper.returncode == 0, paper.stderr
    assert bot("search", env=store_env).returncode == 2


def hold_lock(database: Path, command: str) -> subprocess.Popen[str]:
    """Another process holding the database, as a running bot or ingest would."""
    code = (
        "import sys, time\n"
        "from pathlib import Path\n"
        "from bot.adapters.dblock import DatabaseLock\n"
        f"with DatabaseLock(Path({str(database)!r}), {command!r}):\n"
        "    print('held', flush=True)\n"
        "    time.sleep(60)\n"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", code],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert holder.stdout is not None and holder.stdout.readline() == "held\n"
    return holder


def test_one_writer_per_database(store_env: dict[str, str]) -> None:
    database = Path(store_env["DATABASE_PATH"])
    assert bot("ingest", env=store_env).returncode == 0
    holder = hold_lock(database, "paper-digest-bot run")
    try:
        ingest = bot("ingest", env=store_env)
        assert ingest.returncode == 4
        line = one_line_error(ingest)
        assert f"pid {holder.pid}" in line and f"kill -HUP {holder.pid}" in line
        assert bot("reindex", env=store_env).returncode == 4
        # Read-only commands work beside it, on the store as it is.
        tag = bot("tag", "vq", "--json", env=store_env)
        assert tag.returncode == 0, tag.stderr
        assert len(json.loads(tag.stdout)["results"]) == 5
        assert bot("tags", env=store_env).returncode == 0
    finally:
        holder.kill()
        holder.wait()
    # A holder killed with SIGKILL leaves its lock file, and blocks nothing.
    assert bot("ingest", env=store_env).returncode == 0


def test_another_ingest_is_named_without_sighup_advice(store_env: dict[str, str]) -> None:
    holder = hold_lock(Path(store_env["DATABASE_PATH"]), "paper-digest-bot ingest")
    try:
        line = one_line_error(bot("ingest", env=store_env))
        assert "paper-digest-bot ingest" in line and "HUP" not in line
    finally:
        holder.kill()
        holder.wait()


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda p: p.mkdir(), id="a folder"),
        pytest.param(lambda p: p.write_bytes(b"not a database at all" * 100), id="not sqlite"),
    ],
)
def test_an_unusable_database_is_one_line_and_exit_2(store_env: dict[str, str], make: Any) -> None:
    database = Path(store_env["DATABASE_PATH"])
    make(database)
    before = sorted(p.name for p in database.parent.iterdir())
    for command in ("ingest", "search"):
        proc = bot(command, *(["x"] if command == "search" else []), env=store_env)
        assert proc.returncode == 2, proc.stderr
        assert str(database) in one_line_error(proc)
    after = sorted(p.name for p in database.parent.iterdir() if not p.name.endswith(".lock"))
    assert after == before


def test_backup_beside_a_running_writer(store_env: dict[str, str], tmp_path: Path) -> None:
    import sqlite3

    assert bot("ingest", env=store_env).returncode == 0
    holder = hold_lock(Path(store_env["DATABASE_PATH"]), "paper-digest-bot run")
    try:
        live = bot("backup", store_env["DATABASE_PATH"], env=store_env)
        assert live.returncode == 2, live.stderr
        assert store_env["DATABASE_PATH"] in one_line_error(live)
        (tmp_path / "copies").mkdir()
        proc = bot("backup", str(tmp_path / "copies"), env=store_env)  # a folder: same name
        assert proc.returncode == 0, proc.stderr
    finally:
        holder.kill()
        holder.wait()
    copy = sqlite3.connect(tmp_path / "copies" / "bot.sqlite3")
    try:
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert copy.execute("SELECT count(*) FROM papers").fetchone() == (37,)
    finally:
        copy.close()


def test_run_refuses_a_read_only_database(store_env: dict[str, str]) -> None:
    database = Path(store_env["DATABASE_PATH"])
    assert bot("ingest", env=store_env).returncode == 0
    folder = database.parent
    if subprocess.run(["chattr", "+i", str(folder)], check=False).returncode:
        pytest.skip("chattr +i is not available here: cannot make a folder read-only as root")
    try:
        proc = bot("run", env={**store_env, "DISCORD_TOKEN": "x" * 40})
        assert proc.returncode == 2
        assert "is read-only" in one_line_error(proc)
        lookup = bot("tag", "vq", "--json", env=store_env)  # lookups still answer
        assert lookup.returncode == 0, lookup.stderr
        assert len(json.loads(lookup.stdout)["results"]) == 5
    finally:
        subprocess.run(["chattr", "-i", str(folder)], check=True)
