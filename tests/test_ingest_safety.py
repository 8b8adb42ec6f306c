"""Ingest never takes what the folder fails to show as deleted, and never empties the library."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.services import ingest as ingest_module
from bot.services.ingest import MassRemoval, ingest, list_notes
from bot.store import Store
from tests.conftest import ROOT, SEEDS


def copy_seeds(tmp_path: Path) -> Path:
    notes = tmp_path / "notes"
    shutil.copytree(SEEDS, notes)
    return notes


async def paper_count(store: Store) -> int:
    return (await store.stats()).papers


async def test_an_empty_folder_is_refused_and_changes_nothing(store: Store, tmp_path: Path) -> None:
    notes = copy_seeds(tmp_path)
    await ingest(store, notes)
    for file in notes.iterdir():
        file.unlink()
    with pytest.raises(MassRemoval) as refusal:
        await ingest(store, notes)
    assert (refusal.value.removing, refusal.value.total) == (37, 37)
    assert "--allow-removal" in str(refusal.value)
    assert await paper_count(store) == 37
    assert len(await store.file_states()) == 5
    report = await ingest(store, notes, allow_removal=True)
    assert report.changes.removed == 37 and await paper_count(store) == 0


async def test_losing_more_than_half_is_refused_less_is_not(store: Store, tmp_path: Path) -> None:
    notes = copy_seeds(tmp_path)
    await ingest(store, notes)
    files = sorted(notes.iterdir())
    files[0].unlink()  # one day of five: fine
    report = await ingest(store, notes)
    assert report.changes.removed > 0
    left = await paper_count(store)
    for file in files[1:4]:
        file.unlink()
    with pytest.raises(MassRemoval):
        await ingest(store, notes)
    assert await paper_count(store) == left


async def test_a_file_emptied_in_place_counts_too(store: Store, tmp_path: Path) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    shutil.copy(SEEDS / "000_16f820bf8340cb5c.txt", notes / "day.txt")
    await ingest(store, notes)
    (notes / "day.txt").write_text("")
    with pytest.raises(MassRemoval):
        await ingest(store, notes)


async def test_a_title_renamed_is_not_a_removal(store: Store, tmp_path: Path) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "day.txt").write_text("2024-06-12\nOld Title\n(A)\n설명\n#x\n", encoding="utf-8")
    await ingest(store, notes)
    (notes / "day.txt").write_text("2024-06-12\nNew Title\n(A)\n설명\n#x\n", encoding="utf-8")
    report = await ingest(store, notes)
    assert (report.changes.added, report.changes.removed) == (1, 1)


async def test_unreadable_and_dangling_files_keep_their_notes(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    notes = copy_seeds(tmp_path)
    await ingest(store, notes)
    first = sorted(notes.iterdir())[0]
    first.unlink()
    first.symlink_to(tmp_path / "gone.txt")  # a sync tool's link whose target went away
    report = await ingest(store, notes)
    assert report.changes.removed == 0 and report.files_removed == ()
    assert [line for line in report.lines() if "a link to no readable file" in line]
    assert await paper_count(store) == 37

    monkeypatch.setattr(ingest_module, "MAX_FILE_BYTES", 10)
    (notes / "new.txt").write_text("2024-01-01\nA\n(B)\n#c\n", encoding="utf-8")
    report = await ingest(store, notes)
    assert any(line.startswith("new.txt: ") and "MB" in line for line in report.skipped)
    assert report.files_changed == ()


def test_link_loops_are_reported_not_followed(tmp_path: Path) -> None:
    notes = copy_seeds(tmp_path)
    (notes / "loop").symlink_to(notes, target_is_directory=True)
    (notes / "sub").mkdir()
    (notes / "sub" / "back").symlink_to(notes / "sub", target_is_directory=True)
    listing = list_notes(notes)
    assert len(listing.files) == 5
    assert listing.skipped == {
        "loop": "a link to a folder, not followed",
        "sub/back": "a link to a folder, not followed",
    }


def children(pid: int) -> set[int]:
    out = subprocess.run(
        ["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True, check=False
    )
    return {int(p) for p in out.stdout.split()}


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split()[2] != "Z"


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc to find worker processes")
def test_parsing_workers_die_with_a_killed_ingest(tmp_path: Path) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    text = (SEEDS / "000_16f820bf8340cb5c.txt").read_text("utf-8")
    for i in range(ingest_module.PARALLEL_FROM * 3):
        (notes / f"{i:05}.txt").write_text(text * 20, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NOTES_DIR": str(notes)}
    env["DATABASE_PATH"] = str(tmp_path / "bot.sqlite3")
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "ingest"], env=env, stdout=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 60
        while not (workers := children(process.pid)) and time.monotonic() < deadline:
            assert process.poll() is None, "the ingest ended before starting its workers"
            time.sleep(0.05)
        assert workers, "the ingest started no worker processes"
        process.send_signal(signal.SIGKILL)
        process.wait()
        deadline = time.monotonic() + 10
        while any(alive(w) for w in workers) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not [w for w in workers if alive(w)]
    finally:
        for worker in children(process.pid):
            os.kill(worker, signal.SIGKILL)
        if process.poll() is None:
            process.kill()
