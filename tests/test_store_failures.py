"""The store when its file is wrong, read-only, damaged, deleted or swapped, when a
query fails halfway, and its backup while another connection writes: always one clear
line (what, where, what to do), never a traceback, and nothing changed on disk."""

from __future__ import annotations

import asyncio
import hashlib
import os
import shutil
import sqlite3
import subprocess
import threading
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from pathlib import Path

import pytest

from bot.services.digest import DigestService
from bot.services.ingest import ingest
from bot.services.lookup import LookupService
from bot.store import Store, StoreError
from bot.store.schema import SCHEMA_VERSION, run_migration
from tests.conftest import SEEDS
from tests.test_digest_service import CHANNEL, DEFAULTS, GUILD, FakeDiscord, settings


def state_of(folder: Path) -> dict[str, str]:
    """Every file in the folder with a hash of its bytes: "nothing changed on disk"."""
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "folder"
        for p in sorted(folder.iterdir())
    }


def one_line(error: StoreError, path: Path) -> str:
    message = str(error)
    assert "\n" not in message and str(path) in message and ": " in message, message
    return message


async def refused(path: Path, readonly: bool = False) -> str:
    with pytest.raises(StoreError) as raised:
        async with Store.open(path, readonly=readonly):
            pass
    return one_line(raised.value, path)


async def seeded(path: Path) -> None:
    """A real library with a digest ledger: settings, a channel cursor, sent parts."""
    async with Store.open(path) as store:
        await ingest(store, SEEDS)
        await store.digests.update_guild(GUILD, channel_id=CHANNEL, language="both")
        service = DigestService(store, FakeDiscord(announcement={CHANNEL}), DEFAULTS, (0, 0))
        await service.run(settings())


@contextmanager
def immutable(path: Path) -> Iterator[None]:
    """`chattr +i`: not even root may write it (root ignores permission bits)."""
    if shutil.which("chattr") is None:
        pytest.skip("chattr is not available")
    done = subprocess.run(["chattr", "+i", str(path)], capture_output=True, check=False)
    if done.returncode != 0:
        pytest.skip(f"chattr +i is not supported here: {done.stderr.decode().strip()}")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(path)], check=True)


# ---- files that are not a usable database ---------------------------------------


def garbage(path: Path) -> None:
    path.write_bytes(b"these are notes, not a database\n" * 200)


def folder(path: Path) -> None:
    path.mkdir()


def fifo(path: Path) -> None:
    os.mkfifo(path)


def newer(path: Path) -> None:
    with closing(sqlite3.connect(path)) as raw:
        raw.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (garbage, "is damaged (file is not a database)"),
        (folder, "is a folder: set DATABASE_PATH to a file in it"),
        (fifo, "is not a regular file"),
        (newer, "was written by a newer version of the bot"),
    ],
)
async def test_bad_file_is_one_line_and_untouched(
    tmp_path: Path, make: Callable[[Path], None], expected: str
) -> None:
    path = tmp_path / "bot.sqlite3"
    make(path)
    before = state_of(tmp_path)
    assert expected in await refused(path)
    assert expected in await refused(path, readonly=True)
    assert state_of(tmp_path) == before


async def test_dev_null_is_refused() -> None:
    assert "is not a regular file" in await refused(Path(os.devnull))


async def test_folder_that_cannot_be_created(tmp_path: Path) -> None:
    (tmp_path / "data").write_text("a file where the folder should be")
    path = tmp_path / "data" / "bot.sqlite3"
    assert "cannot create the folder" in await refused(path)
    assert (tmp_path / "data").is_file()


async def test_read_only_open_of_a_missing_file_creates_nothing(tmp_path: Path) -> None:
    path = tmp_path / "data" / "bot.sqlite3"
    assert "does not create one" in await refused(path, readonly=True)
    assert state_of(tmp_path) == {}


async def test_read_only_open_of_an_old_schema_says_how_to_upgrade(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    with closing(sqlite3.connect(path)) as raw:
        run_migration(raw, 1)
        raw.execute("PRAGMA user_version = 1")
    before = state_of(tmp_path)
    message = await refused(path, readonly=True)
    assert "run the bot (or `paper-digest-bot ingest`) once with write access" in message
    assert state_of(tmp_path) == before


async def test_damaged_last_page_is_reported(tmp_path: Path) -> None:
    """Overwritten or cut off: the last page of a real library file."""
    path = tmp_path / "bot.sqlite3"
    await seeded(path)
    cut = tmp_path / "cut.sqlite3"
    damage_last_page(path, cut)
    for damaged in (cut, path):
        assert await damage_found(damaged)


async def damage_found(path: Path) -> list[str]:
    """What opening (when SQLite reads the page then) or else quick_check reports."""
    try:
        async with Store.open(path) as store:
            return await store.quick_check()
    except StoreError as error:
        assert "is damaged (database disk image is malformed)" in one_line(error, path)
        return [str(error)]


def damage_last_page(path: Path, cut: Path) -> None:
    """`cut`: a copy without its last page; `path`: its last page overwritten. VACUUM
    first: a free page at the end holds no data, so damaging it harms nothing."""
    with closing(sqlite3.connect(path)) as raw:
        raw.execute("VACUUM")
        assert raw.execute("PRAGMA freelist_count").fetchone() == (0,)
    size = path.stat().st_size
    shutil.copy(path, cut)
    os.truncate(cut, size - PAGE)
    overwrite_page(path, size // PAGE)


PAGE = 4096


def overwrite_page(path: Path, number: int) -> None:
    with open(path, "r+b") as file:
        file.seek((number - 1) * PAGE)
        file.write(bytes(range(256)) * (PAGE // 256))


async def test_quick_check_finds_a_damaged_page_opening_does_not_read(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    await seeded(path)
    with closing(sqlite3.connect(path)) as raw:
        (number,) = raw.execute(
            "SELECT max(pageno) FROM dbstat WHERE name = 'appearances' AND pagetype = 'leaf'"
        ).fetchone()
    overwrite_page(path, number)
    async with Store.open(path, readonly=True) as store:
        assert await store.quick_check() != []


async def test_quick_check_of_a_sound_file_is_empty(seeded_store: Store) -> None:
    assert await seeded_store.quick_check() == []


# ---- read-only ------------------------------------------------------------------


async def lookups_answer(store: Store) -> None:
    lookup = LookupService(store)
    (found,) = [p for p in await lookup.search("Samba") if p.title.startswith("Samba")]
    assert await lookup.paper(found.id) is not None
    assert len(await lookup.by_tag("vq")) == 5
    assert await lookup.suggest_titles("samba")


async def writes_are_refused(store: Store, path: Path) -> None:
    assert store.readonly

    async def batch() -> None:
        async with store.replacing():
            pass

    for write in (
        batch,
        lambda: store.digests.update_guild(GUILD, language="ko"),
        store.reindex,
    ):
        with pytest.raises(StoreError) as raised:
            await write()
        assert "is read-only" in one_line(raised.value, path)
    assert (await store.digests.guild(GUILD)) is not None


async def test_readonly_flag_answers_lookups_and_refuses_writes(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    await seeded(path)
    before = state_of(tmp_path)
    async with Store.open(path, readonly=True) as store:
        await lookups_answer(store)
        await writes_are_refused(store, path)
        assert "opened read-only" in (await store.health() or "")
    assert state_of(tmp_path)["bot.sqlite3"] == before["bot.sqlite3"]


@pytest.mark.parametrize("writer_open", [False, True])
async def test_database_in_a_read_only_folder_answers_lookups(
    tmp_path: Path, writer_open: bool
) -> None:
    """Without -wal/-shm files (closed cleanly) the file is read as immutable; with them
    (another connection has it open) through them, read-only."""
    folder = tmp_path / "data"
    path = folder / "bot.sqlite3"
    await seeded(path)
    with closing(sqlite3.connect(path)) as other:
        if writer_open:
            other.execute("INSERT INTO meta VALUES ('writer', 'open')")
            other.commit()
        with immutable(folder):
            async with Store.open(path) as store:
                await lookups_answer(store)
                await writes_are_refused(store, path)
                assert "is not writable" in (await store.health() or "")


async def test_read_only_file_in_a_writable_folder_answers_lookups(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    await seeded(path)
    with immutable(path):
        async with Store.open(path) as store:
            await lookups_answer(store)
            await writes_are_refused(store, path)
            assert "the file is not writable" in (await store.health() or "")


async def test_new_database_in_a_read_only_folder_is_refused(tmp_path: Path) -> None:
    with immutable(tmp_path):
        assert "its folder is not writable" in await refused(tmp_path / "bot.sqlite3")
    assert state_of(tmp_path) == {}


# ---- health ---------------------------------------------------------------------


async def test_health_sees_a_deleted_replaced_or_unwritable_file(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    async with Store.open(path) as store:
        assert await store.health() is None
        with immutable(path):
            assert "is not writable any more" in (await store.health() or "")
        assert await store.health() is None
        moved = tmp_path / "moved.sqlite3"
        path.rename(moved)
        assert "was deleted while the bot ran" in (await store.health() or "")
        shutil.copy(moved, path)
        assert "was replaced by another file" in (await store.health() or "")
        moved.replace(path)  # the very file opened is back
        assert await store.health() is None


async def test_health_probe_sees_a_locked_database(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    async with Store.open(path) as store:
        await store._db.execute("PRAGMA busy_timeout = 0")
        with closing(sqlite3.connect(path, isolation_level=None)) as other:
            other.execute("BEGIN IMMEDIATE")
            assert "is locked by another process" in (await store.health() or "")
            other.execute("ROLLBACK")
        assert await store.health() is None


# ---- backup ---------------------------------------------------------------------

CONTENT = {
    "settings": "SELECT * FROM guild_settings ORDER BY guild_id",
    "cursors": "SELECT * FROM digest_channels ORDER BY channel_id",
    "ledger": "SELECT * FROM deliveries ORDER BY channel_id, day, part",
    "papers": "SELECT * FROM papers ORDER BY id",
    "search": "SELECT rowid FROM paper_fts WHERE paper_fts MATCH 'mamba' ORDER BY rowid",
}


def content(path: Path) -> dict[str, list[tuple[object, ...]]]:
    with closing(sqlite3.connect(path)) as raw:
        return {name: raw.execute(sql).fetchall() for name, sql in CONTENT.items()}


async def test_backup_while_another_connection_writes(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    await seeded(path)
    committed = content(path)
    assert committed["ledger"] and committed["settings"] and committed["search"]
    dest = tmp_path / "backups" / "copy.sqlite3"
    async with Store.open(path) as store:
        with closing(sqlite3.connect(path, isolation_level=None)) as writer:
            writer.execute("BEGIN IMMEDIATE")
            writer.execute("INSERT INTO guild_settings (guild_id, updated_at) VALUES (9, 'x')")
            writer.execute("DELETE FROM deliveries")
            await store.backup(dest)
            writer.execute("COMMIT")
        assert await store.digests.guild(9) is not None  # the write went through meanwhile
    with closing(sqlite3.connect(dest)) as raw:
        assert raw.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    assert content(dest) == committed
    assert sorted(p.name for p in dest.parent.iterdir()) == ["copy.sqlite3"]


async def test_backup_refuses_the_live_database(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    link = tmp_path / "link.sqlite3"
    async with Store.open(path) as store:
        link.symlink_to(path)
        before = state_of(tmp_path)
        for dest in (path, tmp_path / "." / "bot.sqlite3", link):
            with pytest.raises(StoreError, match="onto itself"):
                await store.backup(dest)
        assert state_of(tmp_path) == before


# ---- a failed query leaves the shared connection as it found it ----------------------


async def connection_is_clean(store: Store, path: Path) -> None:
    """The next query answers, sees what another connection committed since (no
    statement left holding an old snapshot), and a write transaction can start."""
    assert (await store.stats()).papers == 37
    with closing(sqlite3.connect(path)) as other, other:
        other.execute("INSERT INTO meta VALUES ('probe', 'after the failure')")
    assert await store._scalar("SELECT value FROM meta WHERE key = 'probe'") is not None
    await store.digests.update_guild(GUILD, language="en")


async def test_function_failing_mid_scan(seeded_store: Store) -> None:
    seen = 0

    def fail_on_third(value: int) -> int:
        nonlocal seen
        seen += 1
        if seen == 3:
            raise ValueError("the third row")
        return value

    await seeded_store._db.create_function("fail_on_third", 1, fail_on_third)
    with pytest.raises(sqlite3.OperationalError, match="user-defined function raised") as kept:
        await seeded_store._rows("SELECT fail_on_third(id) FROM papers")
    await connection_is_clean(seeded_store, seeded_store.path)
    assert kept.value.__traceback__ is not None  # held, as an error handler may hold it


async def test_parameter_sqlite_cannot_bind(seeded_store: Store) -> None:
    """Issue 16: `/paper id:` and forty 9s, then "another row available"."""
    for _ in range(2):
        with pytest.raises(OverflowError) as kept:
            await seeded_store.paper_appearances(int("9" * 40))
    assert await seeded_store.paper_appearances(1)
    await connection_is_clean(seeded_store, seeded_store.path)
    assert kept.value.__traceback__ is not None


async def test_query_cancelled_while_it_runs(seeded_store: Store) -> None:
    """A lookup cancelled (an interaction's deadline) while SQLite is on its first rows:
    the cursor must still be closed, or its statement holds the read snapshot for as long
    as something (here the test, in the bot an error handler or a log record) keeps the
    exception and with it the query's frame."""
    inside, release = threading.Event(), threading.Event()

    def slow(value: int) -> int:
        inside.set()
        release.wait(30)
        return value

    await seeded_store._db.create_function("slow", 1, slow)
    task = asyncio.create_task(seeded_store._scalar("SELECT slow(id) FROM papers"))
    await asyncio.to_thread(inside.wait, 30)
    task.cancel()
    release.set()
    with pytest.raises(asyncio.CancelledError) as kept:
        await task
    await connection_is_clean(seeded_store, seeded_store.path)
    assert kept.value.__traceback__ is not None


async def test_failed_open_of_a_new_file_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import bot.store.schema as schema

    monkeypatch.setattr(schema, "schema_problems", lambda db: ["papers.title is missing"])
    assert "papers.title is missing" in await refused(tmp_path / "bot.sqlite3")
    assert state_of(tmp_path) == {}
