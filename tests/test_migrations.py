"""Upgrading every database shape any commit wrote (tests/schemas/, see docs/schema.md),
safely: a copy first, one transaction, two processes at once, the schema verified, the
search indexes rebuilt when their version changes."""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
import subprocess
import sys
import threading
from contextlib import closing
from datetime import date
from pathlib import Path

import pytest

import bot.store.schema as schema
import bot.store.store as store_module
from bot.services.digest import DigestService
from bot.services.ingest import ingest
from bot.services.lookup import LookupService
from bot.store import Store, StoreError
from bot.store.replace import INDEX_VERSION
from bot.store.schema import SCHEMA_VERSION, migrate, run_migration
from tests.conftest import ROOT
from tests.test_digest_service import CHANNEL, DEFAULTS, GUILD, FakeDiscord, settings
from tests.test_store import snapshot

SCHEMAS = ROOT / "tests" / "schemas"
# shape -> (its schema version, whether it holds a digest ledger)
SHAPES = {
    "v1": (1, False),
    "v2-published": (2, True),
    "v2": (2, True),
    "v3": (3, True),
    "v3-published": (3, True),
    "v4": (4, True),
}
# v4 written from tests/fixtures/vault, where a paper is in a vault note and a daily file.
BOTH_SHAPES = "v4-vault"
INDEX_TABLES = ("paper_fts", "title_fts", "title_trigram", "title_words")


def load(shape: str, folder: Path) -> Path:
    """A real database file holding the dump of `shape`, as its own commit wrote it."""
    path = folder / "bot.sqlite3"
    with closing(sqlite3.connect(path)) as raw:
        raw.executescript((SCHEMAS / f"{shape}.sql").read_text())
    return path


def listing(folder: Path, pattern: str = "*") -> list[str]:
    return sorted(p.name for p in folder.glob(pattern))


def query(path: Path, sql: str, *params: object) -> list[tuple[object, ...]]:
    with closing(sqlite3.connect(path)) as raw:
        return raw.execute(sql, params).fetchall()


LEDGER = "SELECT channel_id, day, part, nonce, state, message_id FROM deliveries ORDER BY 1, 2, 3"


def test_every_shape_has_a_dump() -> None:
    assert sorted(p.stem for p in SCHEMAS.glob("*.sql")) == sorted([*SHAPES, BOTH_SHAPES])


@pytest.mark.parametrize("shape", sorted(SHAPES))
async def test_each_shape_upgrades_and_works(tmp_path: Path, shape: str) -> None:
    path = load(shape, tmp_path)
    version, has_ledger = SHAPES[shape]
    assert query(path, "PRAGMA user_version") == [(version,)]
    ledger = query(path, LEDGER) if has_ledger else []
    async with Store.open(path) as store:
        assert await store.schema_version() == SCHEMA_VERSION
        assert not store.readonly
        assert await store.quick_check() == []
        service = DigestService(store, FakeDiscord(announcement={CHANNEL}), DEFAULTS, (0, 0))
        # status, as /digest-admin status reads it
        effective = await service.effective(GUILD)
        state = await service.channel_state(settings())
        if has_ledger:
            assert (effective.channel_id, effective.language) == (CHANNEL, "both")
            assert state.cursor == date(2024, 6, 18)
            assert await store.digests.unpublished(CHANNEL) == []
        assert (await store.digests.guild(GUILD) is None) is not has_ledger
        # post-now: the next day goes out after what the old version sent
        outcome = await service.run(settings())
        assert outcome.day == (date(2024, 8, 30) if has_ledger else date(2024, 6, 12))
        assert outcome.parts_sent > 0
        lookup = LookupService(store)
        (found,) = [p for p in await lookup.search("Samba") if p.title.startswith("Samba")]
        detail = await lookup.paper(found.id)
        assert detail is not None
        assert "samba" in (await lookup.suggest_titles("samba"))[0].title.lower()
        assert len(await lookup.by_tag("vq")) == 5
    assert query(path, LEDGER)[: len(ledger)] == ledger
    if has_ledger:
        states = query(path, "SELECT DISTINCT publish FROM deliveries WHERE day < '2024-08-30'")
        assert states == [("done",)]
    copies = listing(tmp_path, "*.pre-v*.sqlite3")
    assert copies == [f"bot.pre-v{version}.sqlite3"]
    assert query(tmp_path / copies[0], "PRAGMA user_version") == [(version,)]
    assert query(tmp_path / copies[0], "SELECT count(*) FROM papers") == [(37,)]
    assert (query(tmp_path / copies[0], LEDGER) if has_ledger else []) == ledger


@pytest.mark.parametrize("shape", ["v2-published", "v3-published"])
async def test_first_ledger_column_is_converted(tmp_path: Path, shape: str) -> None:
    """Migration 2 as first shipped had `published` 0/1: 1 is 'done' as of the row's
    last update, 0 is 'pending' (and gets published by the next run)."""
    path = load(shape, tmp_path)
    with closing(sqlite3.connect(path)) as raw, raw:
        raw.execute("UPDATE deliveries SET published = 0 WHERE part = 1")
    before = query(path, "SELECT day, part, published, updated_at FROM deliveries ORDER BY 1, 2")
    async with Store.open(path) as store:
        pending = await store.digests.unpublished(CHANNEL)
        assert [(d.isoformat(), p.part) for d, p in pending] == [
            (day, part) for day, part, published, _ in before if not published
        ]
    after = query(path, "SELECT day, part, publish, published_at FROM deliveries ORDER BY 1, 2")
    assert after == [
        (day, part, "done" if published else "pending", updated if published else None)
        for day, part, published, updated in before
    ]
    assert "published" not in [
        c for (c,) in query(path, "SELECT name FROM pragma_table_info('deliveries')")
    ]


async def test_new_database_gets_no_copy_and_current_schema(tmp_path: Path) -> None:
    path = tmp_path / "new.sqlite3"
    async with Store.open(path) as store:
        assert await store.schema_version() == SCHEMA_VERSION
    assert listing(tmp_path) == ["new.sqlite3"]
    assert query(path, "SELECT value FROM meta WHERE key = 'index_version'") == [
        (str(INDEX_VERSION),)
    ]


async def test_only_the_last_two_copies_are_kept(tmp_path: Path) -> None:
    path = load("v3", tmp_path)
    for old in (1, 2):
        (tmp_path / f"bot.pre-v{old}.sqlite3").write_bytes(b"an older copy")
    (tmp_path / "bot.pre-vX.sqlite3").write_bytes(b"not ours")
    async with Store.open(path):
        pass
    names = listing(tmp_path, "bot.pre-v*")
    assert names == ["bot.pre-v2.sqlite3", "bot.pre-v3.sqlite3", "bot.pre-vX.sqlite3"]


async def test_unusable_schema_is_refused_and_nothing_changes(tmp_path: Path) -> None:
    """A file the migrations cannot bring to the schema this code uses (here a table
    lacks a column) is refused in one line, the upgrade rolled back, no copy left."""
    path = load("v3", tmp_path)
    with closing(sqlite3.connect(path)) as raw:
        raw.execute("ALTER TABLE digests DROP COLUMN thread_id")
    before = path.read_bytes()
    with pytest.raises(StoreError) as raised:
        async with Store.open(path):
            pass
    message = str(raised.value)
    assert "\n" not in message and str(path) in message
    assert "digests.thread_id is missing" in message
    assert path.read_bytes() == before
    assert listing(tmp_path) == ["bot.sqlite3"]


async def test_current_version_lacking_a_column_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    async with Store.open(path):
        pass
    with closing(sqlite3.connect(path)) as raw:
        raw.execute("ALTER TABLE guild_settings DROP COLUMN alert_channel_id")
    with pytest.raises(StoreError, match=r"guild_settings\.alert_channel_id is missing"):
        async with Store.open(path, readonly=True):
            pass


def test_second_opener_waits_and_finds_the_schema_done(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Deterministic interleaving: the second process reads the old version, then the
    first migrates while holding the write lock; the second must re-read the version
    under the lock and migrate nothing (before: `table files already exists`)."""
    path = load("v2", tmp_path)
    first = sqlite3.connect(path, isolation_level=None)
    first.execute("BEGIN IMMEDIATE")
    read_old = threading.Event()
    reads = 0
    real = schema.user_version

    def spy(db: sqlite3.Connection) -> int:
        nonlocal reads
        version = real(db)
        reads += 1
        read_old.set()
        return version

    monkeypatch.setattr(schema, "user_version", spy)
    outcome: list[object] = []
    second = threading.Thread(target=lambda: outcome.append(schema.prepare(path, readonly=False)))
    second.start()
    read_old.wait()
    migrate(first, 2)
    first.execute("COMMIT")
    first.close()
    second.join()
    assert len(outcome) == 1 and isinstance(outcome[0], schema.Prepared)
    assert reads == 2  # once before the lock, once under it
    assert query(path, "PRAGMA user_version") == [(SCHEMA_VERSION,)]
    assert not listing(tmp_path, "*.pre-v*")  # the second made no copy: nothing to do


OPEN = """
import asyncio, sys
from bot.store import Store

async def main():
    async with Store.open(sys.argv[1]) as store:
        print(await store.schema_version())

asyncio.run(main())
"""


@pytest.mark.parametrize("shape", [None, "v2-published"])
async def test_processes_opening_at_once_all_succeed(tmp_path: Path, shape: str | None) -> None:
    path = load(shape, tmp_path) if shape else tmp_path / "bot.sqlite3"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            OPEN,
            str(path),
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for _ in range(4)
    ]
    results = [await p.communicate() for p in procs]
    assert [(p.returncode, out.strip()) for p, (out, _) in zip(procs, results, strict=True)] == [
        (0, str(SCHEMA_VERSION).encode())
    ] * 4, [err.decode()[-300:] for _, err in results]
    if shape:
        assert listing(tmp_path, "*.pre-v*") == ["bot.pre-v2.sqlite3"]
        assert len(query(path, LEDGER)) == 6


def test_migrations_one_by_one_match_all_at_once(tmp_path: Path) -> None:
    """Each migration applies to the database the previous ones built."""
    with closing(sqlite3.connect(":memory:", isolation_level=None)) as raw:
        for number in range(1, SCHEMA_VERSION + 1):
            run_migration(raw, number)
        assert schema.schema_problems(raw) == []


async def test_index_version_change_reindexes_on_open(
    tmp_path: Path, seeds: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "bot.sqlite3"
    async with Store.open(path) as store:
        await ingest(store, seeds)
    built = snapshot(path)
    with closing(sqlite3.connect(path)) as raw, raw:
        for table in INDEX_TABLES:
            raw.execute(f"DELETE FROM {table}")
    async with Store.open(path) as store:  # same index version: nothing is rebuilt
        assert await store.search_ids('"samba"') == []
    monkeypatch.setattr(store_module, "INDEX_VERSION", INDEX_VERSION + 1)
    with caplog.at_level(logging.INFO, logger="bot.store.store"):
        async with Store.open(path, readonly=True) as store:  # cannot rebuild: says so
            assert await store.search_ids('"samba"') == []
        assert "lookups may miss papers" in caplog.text
        async with Store.open(path) as store:
            assert await store.search_ids('"samba"') != []
    assert "rebuilding the search indexes" in caplog.text
    assert snapshot(path) == built
    assert query(path, "SELECT value FROM meta WHERE key = 'index_version'") == [
        (str(INDEX_VERSION + 1),)
    ]


async def test_a_vault_note_beside_a_daily_file_is_folded_on_upgrade(tmp_path: Path) -> None:
    """v4 kept a paper's vault note (2025-01-07) beside the daily file of the same notes
    (2025-01-08) as two appearances; the new index version's reindex folds the note, and
    re-derives the paper's dates as an ingest would."""
    path = load(BOTH_SHAPES, tmp_path)
    tiny = "SELECT id, first_date, last_date FROM papers WHERE title LIKE 'Tiny Mixers%'"
    ((paper_id, *dates),) = query(path, tiny)
    assert dates == ["2025-01-07", "2025-01-08"]
    async with Store.open(path) as store:
        assert [(a.source, a.date) for a in await store.paper_appearances(paper_id)] == [
            ("daily/2025-01-08.md", date(2025, 1, 8))
        ]
        assert await store.day_entries(date(2025, 1, 7)) == []
        assert await store.tag_count("efficiency") == 2  # Tiny and Dense Mixers, counted once
    assert query(path, tiny) == [(paper_id, "2025-01-08", "2025-01-08")]
    assert query(path, "SELECT source FROM appearances WHERE folded") == [
        ("arXiv/2025/250107 Tiny Mixers.md",)
    ]
    tags = "SELECT DISTINCT last_date FROM paper_tags WHERE paper_id = ?"
    assert query(path, tags, paper_id) == [("2025-01-08",)]
    built = snapshot(path)
    async with Store.open(path) as store:  # what a reindex leaves, another one keeps
        await store.reindex()
    assert snapshot(path) == built


async def test_reindex_rebuilds_what_ingest_builds(seeded_store: Store, tmp_path: Path) -> None:
    path = seeded_store.path
    built = snapshot(path)
    assert await seeded_store.reindex() == 37
    assert snapshot(path) == built
