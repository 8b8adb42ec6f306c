"""The store on a real SQLite file: schema, ingest semantics, queries."""

from __future__ import annotations

import asyncio
import os
import shutil
import sqlite3
import subprocess
import sys
import textwrap
from datetime import date
from pathlib import Path

import pytest

from bot.core.notes import parse_bytes
from bot.services.ingest import ingest
from bot.store import IngestChanges, SourceFile, Store, StoreError
from bot.store.replace import FULL_TEXT_TABLES
from bot.store.schema import SCHEMA_VERSION, run_migration
from tests.conftest import ROOT

PAPER = """\
{title}
(A. Author, B. Author)
An abstract about {title}.
{title}에 대한 코멘트입니다.
#{tag}
"""


def write_day(folder: Path, name: str, day: str, *papers: tuple[str, str]) -> Path:
    path = folder / name
    path.write_text(day + "\n" + "".join(PAPER.format(title=t, tag=g) for t, g in papers))
    return path


async def test_schema_version_and_wal(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    async with Store.open(path) as store:
        assert await store.schema_version() == SCHEMA_VERSION
    with sqlite3.connect(path) as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert raw.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    async with Store.open(path) as store:  # reopening migrates nothing
        assert await store.schema_version() == SCHEMA_VERSION


async def test_newer_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    with sqlite3.connect(path) as raw:
        raw.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(StoreError, match=r"newer|upgrade"):
        async with Store.open(path):
            pass


async def test_seed_ingest_counts(seeded_store: Store) -> None:
    stats = await seeded_store.stats()
    assert (stats.papers, stats.days, stats.tags) == (37, 5, 24)
    assert stats.latest_day == date(2024, 12, 17)
    counts = {t.tag: t.papers for t in await seeded_store.tag_counts()}
    assert counts["vq"] == 5
    assert sum(counts.values()) == 59


async def test_ingest_is_idempotent(store: Store, seeds: Path) -> None:
    first = await ingest(store, seeds)
    assert first.changes.added == 37
    second = await ingest(store, seeds)
    assert second.files_changed == ()
    assert (second.changes.added, second.changes.updated, second.changes.removed) == (0, 0, 0)
    assert (await store.stats()).papers == 37


async def test_touched_but_unchanged_file_is_not_reingested(store: Store, tmp_path: Path) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    path = write_day(notes, "a.txt", "2024-06-12", ("Alpha Paper", "x"))
    await ingest(store, notes)
    os.utime(path, ns=(1, 1))
    report = await ingest(store, notes)
    assert report.files_changed == ()
    assert (await store.file_states())["a.txt"].mtime_ns == 1


async def test_incremental_update_add_and_remove(store: Store, tmp_path: Path) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    write_day(notes, "a.txt", "2024-06-12", ("Alpha Paper", "x"), ("Beta Paper", "y"))
    write_day(notes, "b.txt", "2024-06-13", ("Gamma Paper", "x"))
    await ingest(store, notes)

    write_day(notes, "a.txt", "2024-06-12", ("Alpha Paper", "z"), ("Delta Paper", "y"))
    report = await ingest(store, notes)
    assert report.files_changed == ("a.txt",)
    assert (report.changes.added, report.changes.updated, report.changes.removed) == (1, 1, 1)
    titles = {p.title for p in await store.recent_papers(10)}
    assert titles == {"Alpha Paper", "Delta Paper", "Gamma Paper"}
    assert [p.title for p in await store.papers_by_tag("x", 10)] == ["Gamma Paper"]
    assert [p.title for p in await store.papers_by_tag("z", 10)] == ["Alpha Paper"]
    assert {t.tag: t.papers for t in await store.tag_counts()} == {"x": 1, "y": 1, "z": 1}

    (notes / "b.txt").unlink()
    report = await ingest(store, notes)
    assert report.files_removed == ("b.txt",)
    assert report.changes.removed == 1
    assert await store.papers_by_tag("x", 10) == []
    assert "x" not in {t.tag for t in await store.tag_counts()}


async def test_same_paper_on_several_days_is_one_paper(store: Store, tmp_path: Path) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    write_day(notes, "a.txt", "2024-06-12", ("Alpha Paper", "x"))
    write_day(notes, "b.txt", "2024-07-01", ("alpha paper", "y"))
    await ingest(store, notes)
    stats = await store.stats()
    assert (stats.papers, stats.days) == (1, 2)
    (paper,) = await store.recent_papers(5)
    assert paper.title == "alpha paper"  # the latest wording
    assert paper.date == date(2024, 7, 1)
    assert paper.tags == ("x", "y")
    # Removing one day keeps the paper with what remains.
    (notes / "b.txt").unlink()
    report = await ingest(store, notes)
    assert (report.changes.updated, report.changes.removed) == (1, 0)
    (paper,) = await store.recent_papers(5)
    assert (paper.title, paper.tags) == ("Alpha Paper", ("x",))


async def test_problems_are_kept_per_file(store: Store, tmp_path: Path) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    write_day(notes, "a.txt", "2024년 2월 30일", ("Alpha Paper", "x"))
    write_day(notes, "b.txt", "2024-06-13", ("Gamma Paper", "x"))
    first = await ingest(store, notes)
    again = await ingest(store, notes)
    assert [str(p) for p in first.problems] == [str(p) for p in again.problems]
    assert first.problems[0].source == "a.txt"
    assert first.problems[0].line == 1
    assert (await store.stats()).papers == 1


CRASH = """
import asyncio, os, sys
from pathlib import Path
from bot.services.ingest import ingest
from bot.store import Store
from bot.store.replace import Replacement

async def crash(self, records):
    os._exit(9)  # the process dies mid-transaction, as on SIGKILL or power loss

Replacement._insert_derived = crash

async def main():
    async with Store.open(sys.argv[1]) as store:
        await ingest(store, Path(sys.argv[2]))

asyncio.run(main())
"""


async def test_crash_mid_ingest_keeps_previous_state(tmp_path: Path, seeds: Path) -> None:
    notes = tmp_path / "notes"
    shutil.copytree(seeds, notes)
    db = tmp_path / "crash.sqlite3"
    async with Store.open(db) as store:
        await ingest(store, notes)
    write_day(notes, "new.txt", "2025-01-01", ("Brand New Paper", "new"))
    (notes / "000_16f820bf8340cb5c.txt").unlink()
    script = tmp_path / "crash.py"
    script.write_text(textwrap.dedent(CRASH))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    argv = [sys.executable, str(script), str(db), str(notes)]
    proc = await asyncio.to_thread(subprocess.run, argv, env=env, check=False)
    assert proc.returncode == 9
    async with Store.open(db) as store:
        stats = await store.stats()
        assert (stats.papers, stats.days) == (37, 5)
        assert "000_16f820bf8340cb5c.txt" in await store.file_states()
        report = await ingest(store, notes)  # and the next run completes the job
        assert report.changes.added == 1
        assert report.changes.removed == 6
        assert (await store.stats()).papers == 32


async def test_failed_batch_rolls_back(seeded_store: Store, tmp_path: Path) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    with pytest.raises(sqlite3.IntegrityError):
        # A duplicate source in one batch violates files' primary key mid-transaction.
        item = SourceFile.of("x.txt", "0" * 64, 1, 1, parse_bytes(b"", "x.txt"))
        async with seeded_store.replacing() as batch:
            await batch.add([item, item])
    assert (await seeded_store.stats()).papers == 37
    assert "x.txt" not in await seeded_store.file_states()


@pytest.mark.parametrize("version", range(1, SCHEMA_VERSION))
async def test_migrating_from_each_previous_version_keeps_data(
    tmp_path: Path, seeds: Path, version: int
) -> None:
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as raw:
        for number in range(1, version + 1):
            run_migration(raw, number)
        raw.execute(f"PRAGMA user_version = {version}")
        raw.execute(
            "INSERT INTO files (source, sha256, size, mtime_ns, ingested_at)"
            " VALUES ('old.txt', 'x', 1, 1, '2024-01-01')"
        )
    async with Store.open(path) as store:
        assert await store.schema_version() == SCHEMA_VERSION
        assert "old.txt" in await store.file_states()
        await ingest(store, seeds)
        assert (await store.stats()).papers == 37


async def test_parallel_parsing_gives_the_same_store(
    tmp_path: Path, seeds: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import bot.services.ingest as ingest_module

    monkeypatch.setattr(ingest_module, "PARALLEL_FROM", 2)  # use the process pool
    async with Store.open(tmp_path / "parallel.sqlite3") as store:
        report = await ingest(store, seeds)
        assert report.changes.added == 37
        assert (await store.stats()).tags == 24


def snapshot(path: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every ingest table's content, with paper ids replaced by paper keys."""
    queries = {
        "files": "SELECT source, sha256, size, problems FROM files",
        "appearances": "SELECT source, date, position, line, paper_key, title, authors, org,"
        " abstract, commentary_ko, commentary_en, tags, links, folded FROM appearances",
        "papers": "SELECT key, title, authors, org, abstract, tags, links, first_date, last_date"
        " FROM papers",
        "paper_tags": "SELECT t.tag, t.last_date, p.key FROM paper_tags t JOIN papers p"
        " ON p.id = t.paper_id",
        "tags": "SELECT tag, papers FROM tags",
        "paper_links": "SELECT l.url, p.key FROM paper_links l JOIN papers p ON p.id = l.paper_id",
        "paper_fts": "SELECT p.key, f.title, f.authors, f.abstract, f.commentary FROM paper_fts f"
        " JOIN papers p ON p.id = f.rowid",
        "title_fts": "SELECT p.key, f.title FROM title_fts f JOIN papers p ON p.id = f.rowid",
        "title_trigram": "SELECT p.key, f.key FROM title_trigram f JOIN papers p ON p.id = f.rowid",
        "title_words": "SELECT word FROM title_words",
    }
    with sqlite3.connect(path) as raw:
        return {name: sorted(raw.execute(sql).fetchall()) for name, sql in queries.items()}


async def test_ingest_in_chunks_gives_the_same_store_and_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One file per chunk (in the process pool) against one batch: a paper noted on several
    days (and in a vault note, folded) is merged across chunks, edited, and loses a day,
    with the same counts."""
    import bot.services.ingest as ingest_module

    notes = tmp_path / "notes"
    notes.mkdir()
    for day in range(1, 9):
        papers = [(f"Paper {day}", "solo"), ("Recurring Paper", f"t{day % 3}")]
        write_day(notes, f"{day:02}.txt", f"2024-06-{day:02}", *papers)
    (notes / "240605 Recurring.md").write_text("https://a.io/r\n\n*Recurring Paper* (A. Author)\n")
    whole, chunked = tmp_path / "whole.sqlite3", tmp_path / "chunked.sqlite3"

    async def both() -> tuple[IngestChanges, IngestChanges]:
        async with Store.open(whole) as store:
            one = await ingest(store, notes)
        with monkeypatch.context() as patch:
            patch.setattr(ingest_module, "PARALLEL_FROM", 2)
            patch.setattr(ingest_module, "CHUNK_BYTES", 1)
            patch.setattr(ingest_module, "TASK_FILES", 1)
            async with Store.open(chunked) as store:
                many = await ingest(store, notes)
        assert snapshot(whole) == snapshot(chunked)
        return one.changes, many.changes

    one, many = await both()
    assert one == many
    assert (one.added, len(one.days)) == (9, 8)
    with sqlite3.connect(chunked) as raw:  # compacted: one FTS5 segment each
        # (an FTS5 data row's id holds its segment's id above bit 37; 1-10 are headers)
        segments = "SELECT count(DISTINCT rowid >> 37) FROM {}_data WHERE rowid > 10"
        counts = [raw.execute(segments.format(t)).fetchone()[0] for t in FULL_TEXT_TABLES]
        folded = raw.execute("SELECT source FROM appearances WHERE folded").fetchall()
    assert counts == [1] * len(FULL_TEXT_TABLES)
    assert folded == [("240605 Recurring.md",)]
    write_day(notes, "03.txt", "2024-06-03", ("Paper 3", "solo"), ("Recurring Paper", "edited"))
    write_day(notes, "09.txt", "2024-06-09", ("Recurring Paper", "late"))
    (notes / "05.txt").unlink()
    (notes / "06.txt").write_text("2024-06-06\n")
    one, many = await both()
    assert one == many
    assert (one.added, one.updated, one.removed) == (0, 1, 2)
