"""The database file's schema: numbered forward migrations and a safe way to apply them.

The version lives in `PRAGMA user_version`. Migrations 1-4 shipped: never edit them,
nor any later one once released, add the next one instead. (Migration 2 was edited in
place after it shipped; migration 4 repairs the databases its first form wrote, see
docs/schema.md.) A migration is an SQL script, or a Python step given the connection
when what to do depends on what the file holds.

`upgrade` runs every pending migration in one BEGIN IMMEDIATE transaction that re-reads
the version first: a second process opening the same file waits for the first, then
finds the work done; a crash leaves the previous version whole. `schema_problems` then
checks the tables and columns against those the migrations build in memory, so a file
this code cannot use is refused at open rather than failing on some later query.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import closing, suppress
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Final
from urllib.parse import quote

from bot.store.base import StoreError, StoreOutdated

log = logging.getLogger(__name__)

Step = Callable[[sqlite3.Connection], None]
Migration = str | Step


def statements(script: str) -> list[str]:
    """A script's statements, one by one: inside a transaction they cannot go to
    `executescript`, which commits first."""
    found: list[str] = []
    start = 0
    for end in range(len(script)):
        if script[end] == ";" and sqlite3.complete_statement(script[start : end + 1]):
            found.append(script[start : end + 1].strip())
            start = end + 1
    if script[start:].strip():
        raise ValueError(f"incomplete SQL statement: {script[start:].strip()[:60]}")
    return found


def columns(db: sqlite3.Connection, table: str) -> set[str]:
    """The names of a table's columns (none for a missing table)."""
    return {row[0] for row in db.execute("SELECT name FROM pragma_table_info(?)", (table,))}


# Migration 2 as first released (731b78b) kept `deliveries.published INTEGER` (0/1).
_PUBLISH_STATE = """
ALTER TABLE deliveries ADD COLUMN publish TEXT NOT NULL DEFAULT 'pending'
    CHECK (publish IN ('pending', 'done', 'not-announcement'));
ALTER TABLE deliveries ADD COLUMN published_at TEXT;
UPDATE deliveries SET
    publish = CASE WHEN published THEN 'done' ELSE 'pending' END,
    published_at = CASE WHEN published THEN updated_at END;
ALTER TABLE deliveries DROP COLUMN published;
"""

_MIGRATION_4 = """
-- Where the bot posts its alerts in this server (NULL: none).
ALTER TABLE guild_settings ADD COLUMN alert_channel_id INTEGER;
-- Facts about the file itself, e.g. which index version built the search indexes.
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);
"""


def _migration_4(db: sqlite3.Connection) -> None:
    """Ledger rows of the first migration 2 get the publish state the code reads (a
    published part is 'done' as of its last update); servers get an alert channel; the
    file gets a `meta` table."""
    if "published" in columns(db, "deliveries"):
        for statement in statements(_PUBLISH_STATE):
            db.execute(statement)
    for statement in statements(_MIGRATION_4):
        db.execute(statement)


MIGRATIONS: tuple[Migration, ...] = (
    # 1: notes files, appearances of papers per day, papers, tags, links, search.
    """
    CREATE TABLE files (
        source      TEXT PRIMARY KEY,
        sha256      TEXT NOT NULL,
        size        INTEGER NOT NULL,
        mtime_ns    INTEGER NOT NULL,
        ingested_at TEXT NOT NULL,
        problems    TEXT NOT NULL DEFAULT '[]'  -- JSON [[line, message], ...]
    );

    -- One entry of one day's notes. A paper written up on three days has three.
    CREATE TABLE appearances (
        id            INTEGER PRIMARY KEY,
        source        TEXT NOT NULL REFERENCES files(source) ON DELETE CASCADE,
        date          TEXT NOT NULL,
        position      INTEGER NOT NULL,
        line          INTEGER NOT NULL,
        paper_key     TEXT NOT NULL,
        title         TEXT NOT NULL,
        authors       TEXT NOT NULL,  -- JSON array
        org           TEXT,
        abstract      TEXT,
        commentary_ko TEXT NOT NULL,
        commentary_en TEXT NOT NULL,
        tags          TEXT NOT NULL,  -- JSON array
        links         TEXT NOT NULL   -- JSON array
    );
    CREATE INDEX appearances_source ON appearances(source);
    CREATE INDEX appearances_paper ON appearances(paper_key);
    CREATE INDEX appearances_date ON appearances(date, position);

    -- A paper, identified by its squashed title; fields from its latest appearance.
    CREATE TABLE papers (
        id         INTEGER PRIMARY KEY,
        key        TEXT NOT NULL UNIQUE,
        title      TEXT NOT NULL,
        authors    TEXT NOT NULL,  -- JSON array
        org        TEXT,
        abstract   TEXT,
        tags       TEXT NOT NULL,  -- JSON array, union over appearances
        links      TEXT NOT NULL,  -- JSON array, union over appearances
        first_date TEXT NOT NULL,
        last_date  TEXT NOT NULL
    );

    -- Ordered by (tag, last_date) so "newest papers with this tag" is an index walk.
    CREATE TABLE paper_tags (
        tag       TEXT NOT NULL,
        last_date TEXT NOT NULL,
        paper_id  INTEGER NOT NULL REFERENCES papers(id) ON DELETE CASCADE,
        PRIMARY KEY (tag, last_date, paper_id)
    ) WITHOUT ROWID;
    CREATE INDEX paper_tags_paper ON paper_tags(paper_id);

    CREATE TABLE tags (
        tag    TEXT PRIMARY KEY,
        papers INTEGER NOT NULL
    ) WITHOUT ROWID;

    CREATE TABLE paper_links (
        url      TEXT NOT NULL,
        paper_id INTEGER NOT NULL REFERENCES papers(id) ON DELETE CASCADE,
        PRIMARY KEY (url, paper_id)
    ) WITHOUT ROWID;
    CREATE INDEX paper_links_paper ON paper_links(paper_id);

    -- Word index (Hangul as syllable bigrams, see bot.core.text); rowid = papers.id.
    CREATE VIRTUAL TABLE paper_fts USING fts5(
        title, authors, abstract, commentary,
        tokenize = 'unicode61 remove_diacritics 2', prefix = '1 2 3'
    );
    -- Substrings of squashed titles: split/joined words (`deep seek` ~ `DeepSeek`).
    CREATE VIRTUAL TABLE title_trigram USING fts5(key, tokenize = 'trigram');
    -- Title words, for correcting typos word by word.
    CREATE TABLE title_words (id INTEGER PRIMARY KEY, word TEXT NOT NULL UNIQUE);
    CREATE VIRTUAL TABLE title_words_trigram USING fts5(
        word, content = 'title_words', content_rowid = 'id', tokenize = 'trigram'
    );
    CREATE TRIGGER title_words_ai AFTER INSERT ON title_words BEGIN
        INSERT INTO title_words_trigram(rowid, word) VALUES (new.id, new.word);
    END;
    """,
    # 2: per-server digest settings, each digest channel's cursor, the delivery ledger.
    """
    -- NULL columns fall back to the operator's defaults from the environment.
    CREATE TABLE guild_settings (
        guild_id    INTEGER PRIMARY KEY,
        channel_id  INTEGER,
        digest_time TEXT,
        timezone    TEXT,
        language    TEXT CHECK (language IN ('ko', 'en', 'both')),
        style       TEXT CHECK (style IN ('full', 'compact')),
        paused      INTEGER NOT NULL DEFAULT 0,
        updated_at  TEXT NOT NULL
    );

    -- Where a channel is in the archive: it has been sent every day up to `cursor`.
    CREATE TABLE digest_channels (
        channel_id INTEGER PRIMARY KEY,
        guild_id   INTEGER NOT NULL,
        start      TEXT NOT NULL DEFAULT 'first',  -- 'first', 'latest' or YYYY-MM-DD
        cursor     TEXT,                           -- last day delivered
        last_fire  TEXT,                           -- scheduled run last served (UTC ISO)
        error      TEXT,
        error_at   TEXT,
        stopped    INTEGER NOT NULL DEFAULT 0      -- 403/404: no retries until reconfigured
    );

    -- One day's digest in one channel.
    CREATE TABLE digests (
        channel_id   INTEGER NOT NULL,
        day          TEXT NOT NULL,
        style        TEXT NOT NULL,
        language     TEXT NOT NULL,
        late         INTEGER NOT NULL DEFAULT 0,
        thread_id    INTEGER,
        dirty        INTEGER NOT NULL DEFAULT 0,  -- notes changed since it was posted
        started_at   TEXT NOT NULL,
        completed_at TEXT,
        PRIMARY KEY (channel_id, day)
    );

    -- Every message of a digest: 'sending' is written before the request, 'sent' with
    -- Discord's message id after it, so a restart knows exactly what may be missing.
    CREATE TABLE deliveries (
        channel_id   INTEGER NOT NULL,
        day          TEXT NOT NULL,
        part         INTEGER NOT NULL,
        target_id    INTEGER NOT NULL,  -- the channel or thread it is posted in
        nonce        TEXT NOT NULL,
        payload_hash TEXT NOT NULL,     -- what the message shows now
        state        TEXT NOT NULL CHECK (state IN ('sending', 'sent')),
        message_id   INTEGER,
        publish      TEXT NOT NULL DEFAULT 'pending'
                     CHECK (publish IN ('pending', 'done', 'not-announcement')),
        published_at TEXT,
        edited_at    TEXT,
        updated_at   TEXT NOT NULL,
        PRIMARY KEY (channel_id, day, part),
        FOREIGN KEY (channel_id, day) REFERENCES digests(channel_id, day) ON DELETE CASCADE
    );
    """,
    # 3: a title-only word index. Autocomplete on a million papers cannot afford the
    # four-column index: a column filter still reads every column's postings.
    """
    CREATE VIRTUAL TABLE title_fts USING fts5(
        title, tokenize = 'unicode61 remove_diacritics 2', prefix = '1 2 3 4 5 6'
    );
    INSERT INTO title_fts (rowid, title) SELECT rowid, title FROM paper_fts;
    """,
    # 4: the old ledger column converted, guild alert channel, meta (a Python step).
    _migration_4,
    # 5: a vault note of a paper a daily file noted within a week is folded into it
    # (bot.core.papers.fold). Set by the reindex the new index version brings.
    """
    ALTER TABLE appearances ADD COLUMN folded INTEGER NOT NULL DEFAULT 0;
    -- Every reader by day skips folded appearances: the date index tells them apart (a
    -- partial index would not cover `count(DISTINCT date)`, SQLite reads each row then).
    DROP INDEX appearances_date;
    CREATE INDEX appearances_date ON appearances(date, position, folded);
    """,
)

SCHEMA_VERSION: Final = len(MIGRATIONS)


def run_migration(db: sqlite3.Connection, number: int) -> None:
    """Apply migration `number` (1-based) inside the caller's transaction."""
    migration = MIGRATIONS[number - 1]
    if isinstance(migration, str):
        for statement in statements(migration):
            db.execute(statement)
    else:
        migration(db)


def user_version(db: sqlite3.Connection) -> int:
    """The file's schema version (0 for a new file)."""
    version: int = db.execute("PRAGMA user_version").fetchone()[0]
    return version


def migrate(db: sqlite3.Connection, version: int) -> None:
    """Apply the migrations after `version` and record the new version (inside the
    caller's transaction, if it has one)."""
    for number in range(version + 1, SCHEMA_VERSION + 1):
        run_migration(db, number)
    if version < SCHEMA_VERSION:
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


def _tables(db: sqlite3.Connection) -> dict[str, set[str]]:
    names = [
        row[0]
        for row in db.execute(
            "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    ]
    return {name: columns(db, name) for name in names}


@cache
def _reference() -> dict[str, set[str]]:
    """The tables and columns the migrations build from nothing."""
    db = sqlite3.connect(":memory:", isolation_level=None)
    try:
        migrate(db, 0)
        return _tables(db)
    finally:
        db.close()


def schema_problems(db: sqlite3.Connection) -> list[str]:
    """What the file lacks of the schema this code uses (tables, then columns);
    empty when it can be used. Extra tables or columns do no harm and are allowed."""
    found = _tables(db)
    problems: list[str] = []
    for table, wanted in sorted(_reference().items()):
        if table not in found:
            problems.append(f"table {table} is missing")
        else:
            problems.extend(f"{table}.{c} is missing" for c in sorted(wanted - found[table]))
    return problems


# ---- opening a file ---------------------------------------------------------------

# How many `<stem>.pre-v<N>.sqlite3` copies made before upgrades are kept.
KEEP_COPIES = 2
BUSY_TIMEOUT_MS = 5000


@dataclass(frozen=True, slots=True)
class Prepared:
    """A database file checked and brought up to date, ready for the shared connection."""

    path: Path
    uri: str
    read_only: str | None  # the StoreError message every write raises; None: writable
    identity: tuple[int, int]  # st_dev, st_ino of the file opened, to notice a swap


def prepare(path: Path, *, readonly: bool) -> Prepared:
    """Check the file, upgrade it if it is writable, verify its schema; or raise a one-line
    `StoreError`. Synchronous (run it in a thread): it uses its own connection so that
    migrations, copies and checks finish before the bot's connection opens. Nothing on
    disk changes when it fails (a file it created is removed again)."""
    created = not path.exists()
    try:
        return _prepare(path, readonly=readonly)
    except BaseException as error:
        if created and not readonly:
            for leftover in (path, *_sidecars(path)):
                with suppress(OSError):
                    leftover.unlink()
        if isinstance(error, sqlite3.Error):
            raise StoreError(sqlite_message(path, error)) from None
        raise


def sqlite_message(path: Path, error: sqlite3.Error) -> str:
    """One line for an SQLite error on the database file: what, where, what to do."""
    text = str(error)
    if "not a database" in text or "malformed" in text:
        return (
            f"the database at {path} is damaged ({text}): move it aside and put back a copy"
            f" (a backup, or {path.stem}.pre-v<N>.sqlite3 beside it), or run"
            " `paper-digest-bot ingest` to rebuild the library from the notes (digest"
            " settings and the delivery ledger are lost then)"
        )
    if "locked" in text or "busy" in text:
        return (
            f"the database at {path} is locked by another process ({text}): wait for it,"
            " or stop the other bot using the same DATABASE_PATH"
        )
    return (
        f"the database at {path} cannot be used ({text}): check the file, its folder's"
        " permissions and free disk space"
    )


def _prepare(path: Path, *, readonly: bool) -> Prepared:
    _check_path(path, readonly=readonly)
    reason = "it was opened read-only" if readonly else _not_writable(path)
    if reason is None:
        uri = _uri(path, "mode=rwc")
        db = sqlite3.connect(uri, uri=True, isolation_level=None)
    else:
        db, uri = _connect_read_only(path)
    with closing(db):
        db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        version = user_version(db)  # the first read: a damaged file fails here
        _check_version(path, version)
        if version < SCHEMA_VERSION and reason is not None:
            raise StoreOutdated(
                f"the database at {path} is at schema version {version}, this bot needs"
                f" {SCHEMA_VERSION}, and it cannot upgrade it ({reason}): run the bot (or"
                " `paper-digest-bot ingest`) once with write access to the file and its"
                " folder",
                version,
            )
        if version < SCHEMA_VERSION:
            _upgrade(db, path)
        problems = schema_problems(db)
        if problems:
            raise StoreError(_unusable(path, problems))
        if reason is None:
            db.execute("PRAGMA journal_mode = WAL")  # persistent; once the file is fit to use
        stat = os.stat(path)
    read_only = None
    if reason is not None:
        read_only = (
            f"the database at {path} is read-only ({reason}): run the command that writes"
            " (the bot, ingest) with write access to the file and its folder"
        )
    return Prepared(path, uri, read_only, (stat.st_dev, stat.st_ino))


def _check_path(path: Path, *, readonly: bool) -> None:
    if path.is_dir():
        raise StoreError(
            f"the database path {path} is a folder: set DATABASE_PATH to a file in it,"
            f" e.g. {path / 'bot.sqlite3'}"
        )
    if path.exists() and not path.is_file():
        raise StoreError(
            f"the database path {path} is not a regular file (a device, pipe or socket):"
            " set DATABASE_PATH to a file"
        )
    if path.exists():
        return
    if readonly:
        raise StoreError(
            f"there is no database at {path}, and a read-only open does not create one:"
            " run `paper-digest-bot ingest` once to build it, or check DATABASE_PATH"
        )
    _make_folder(path.parent, f"the database {path}", "set DATABASE_PATH to a writable place")
    if not os.access(path.parent, os.W_OK):
        raise StoreError(
            f"cannot create the database {path}: its folder is not writable; fix its"
            " permissions, or set DATABASE_PATH to a writable place"
        )


def _make_folder(folder: Path, purpose: str, advice: str) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        why = "a file is in the way" if isinstance(error, FileExistsError) else error.strerror
        raise StoreError(
            f"cannot create the folder {folder} for {purpose} ({why}): create it, or {advice}"
        ) from None


def _not_writable(path: Path) -> str | None:
    """Why the bot cannot write the file (SQLite also needs its folder, for the
    -wal/-shm files), or None."""
    if path.exists() and not os.access(path, os.W_OK):
        return "the file is not writable"
    if not os.access(path.parent, os.W_OK):
        return f"its folder {path.parent} is not writable"
    return None


def _uri(path: Path, query: str) -> str:
    return f"file:{quote(str(path.absolute()))}?{query}"


def _connect_read_only(path: Path) -> tuple[sqlite3.Connection, str]:
    """A read-only connection. A WAL file needs a -shm file beside it even to be read;
    in a folder nobody may write, with none left there, the file is read as immutable
    (no locks, no -shm): right as long as no other process writes it meanwhile."""
    uri = _uri(path, "mode=ro")
    db = sqlite3.connect(uri, uri=True, isolation_level=None)
    try:
        db.execute("SELECT count(*) FROM sqlite_schema").fetchone()
    except sqlite3.OperationalError:
        db.close()
        if os.access(path.parent, os.W_OK):
            raise
        uri = _uri(path, "mode=ro&immutable=1")
        return sqlite3.connect(uri, uri=True, isolation_level=None), uri
    return db, uri


def _check_version(path: Path, version: int) -> None:
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"the database at {path} was written by a newer version of the bot (schema"
            f" version {version}; this one knows up to {SCHEMA_VERSION}): upgrade the bot,"
            f" or put back {path.stem}.pre-v{SCHEMA_VERSION}.sqlite3 (see docs/schema.md)"
        )


def _unusable(path: Path, problems: list[str]) -> str:
    shown = ", ".join(problems[:3]) + (f" and {len(problems) - 3} more" if problems[3:] else "")
    return (
        f"the database at {path} does not have the schema this bot uses ({shown}): put back"
        " a copy written by this version, or set DATABASE_PATH to a new file"
    )


def _upgrade(db: sqlite3.Connection, path: Path) -> None:
    """Migrate under the write lock, re-reading the version once it is held: another
    process may have upgraded the file meanwhile. A copy of the file is made first and
    kept with the last ones; the schema is verified before anything is committed."""
    db.execute("BEGIN IMMEDIATE")
    copy: Path | None = None
    try:
        version = user_version(db)
        _check_version(path, version)
        if version == SCHEMA_VERSION:
            db.execute("ROLLBACK")
            return
        if version:
            target = path.with_name(f"{path.stem}.pre-v{version}.sqlite3")
            copy_database(_uri(path, "mode=ro"), target)
            copy = target
        migrate(db, version)
        problems = schema_problems(db)
        if problems:
            raise StoreError(_unusable(path, problems))
    except BaseException:
        db.execute("ROLLBACK")
        if copy is not None:
            copy.unlink(missing_ok=True)
        raise
    db.execute("COMMIT")
    log.info(
        "upgraded the database at %s from schema version %d to %d", path, version, SCHEMA_VERSION
    )
    if copy is not None:
        log.info("a copy of it as it was is at %s", copy)
        _prune_copies(path)


def back_up(prepared: Prepared, dest: Path) -> None:
    """`copy_database` of an open store to `dest`, which must not be the live file."""
    live = prepared.path
    if dest.resolve() == live.resolve() or (dest.exists() and dest.samefile(live)):
        raise StoreError(
            f"refusing to back up the database onto itself ({dest}): choose another file"
        )
    _make_folder(dest.parent, f"the backup {dest}", "back up to a writable place")
    copy_database(prepared.uri, dest)


def copy_database(uri: str, dest: Path) -> None:
    """A consistent copy of the database at `uri` with SQLite's online backup API, from a
    connection of its own (a WAL reader: writers carry on), written beside `dest` and
    renamed over it, so `dest` is never a half-written file."""
    partial = dest.with_name(dest.name + ".partial")
    try:
        with (
            closing(sqlite3.connect(uri, uri=True)) as reader,
            closing(sqlite3.connect(partial)) as writer,
        ):
            reader.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            reader.backup(writer)
        os.replace(partial, dest)
    except (OSError, sqlite3.Error) as error:
        partial.unlink(missing_ok=True)
        raise StoreError(
            f"could not copy the database to {dest} ({error}): check free disk"
            f" space and that {dest.parent} is writable"
        ) from None


def _prune_copies(path: Path) -> None:
    """Keep the `KEEP_COPIES` copies made before the latest upgrades; delete older ones."""
    prefix, suffix = f"{path.stem}.pre-v", ".sqlite3"
    found = [
        (int(name[len(prefix) : -len(suffix)]), copy)
        for copy in path.parent.glob(f"{prefix}*{suffix}")
        if (name := copy.name)[len(prefix) : -len(suffix)].isdigit()
    ]
    for _version, old in sorted(found, reverse=True)[KEEP_COPIES:]:
        old.unlink(missing_ok=True)


def _sidecars(path: Path) -> Iterator[Path]:
    yield from (path.with_name(path.name + suffix) for suffix in ("-wal", "-shm", "-journal"))
