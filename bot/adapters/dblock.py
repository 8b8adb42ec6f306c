"""One writing process per database: an advisory lock file beside it.

`run`, `ingest` and `reindex` write the store; two of them at once would both
deliver the same digest or fight over the schema. The lock is `flock(2)` on
`<database>.lock`, so a crashed holder never blocks the next start: the kernel
drops the lock with the process. The file also records who holds it, so the
refusal can name the holder (and tell an operator to send SIGHUP to a running bot
instead of ingesting beside it). Read-only commands never take it.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import IO


@dataclass(frozen=True, slots=True)
class Holder:
    """Who holds the lock, as it wrote itself into the lock file."""

    pid: int | None
    command: str
    since: str

    def describe(self) -> str:
        """`pid 1234 (paper-digest-bot run, since 2026-11-30T00:00:00+00:00)`."""
        pid = f"pid {self.pid}" if self.pid else "another process"
        return f"{pid} ({self.command}, since {self.since})" if self.since else pid


class DatabaseLocked(RuntimeError):
    """Another process holds the database; the message names it and says what to do."""

    def __init__(self, message: str, holder: Holder) -> None:
        super().__init__(message)
        self.holder = holder


class LockUnavailable(OSError):
    """The lock file cannot be created (a read-only folder): one line, what to do."""


def lock_path(database: Path) -> Path:
    """The lock file of a database."""
    return database.with_name(database.name + ".lock")


def read_holder(database: Path) -> Holder:
    """What the lock file says about its holder (best effort: it may be half-written)."""
    try:
        data = json.loads(lock_path(database).read_text("utf-8"))
        return Holder(int(data["pid"]), str(data["command"]), str(data["since"]))
    except (OSError, ValueError, KeyError, TypeError):
        return Holder(None, "unknown command", "")


class DatabaseLock:
    """`with DatabaseLock(path, "ingest"):` holds the database or raises `DatabaseLocked`."""

    def __init__(self, database: Path, command: str) -> None:
        self._database = database
        self._command = command
        self._file: IO[str] | None = None

    def __enter__(self) -> DatabaseLock:
        path = lock_path(self._database)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handle = path.open("a+", encoding="utf-8")
        except OSError as error:
            raise LockUnavailable(
                f"cannot create the lock file {path}: {error.strerror or error}; make the"
                " database's folder writable for the bot's user"
            ) from None
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            holder = read_holder(self._database)
            raise DatabaseLocked(self._refusal(holder), holder) from None
        handle.seek(0)
        handle.truncate()
        since = datetime.now(UTC).isoformat(timespec="seconds")
        handle.write(json.dumps({"pid": os.getpid(), "command": self._command, "since": since}))
        handle.flush()
        self._file = handle
        return self

    def _refusal(self, holder: Holder) -> str:
        where = str(self._database)
        if holder.command.endswith(" run") and self._command != "run":
            target = f"kill -HUP {holder.pid}" if holder.pid else "kill -HUP <pid>"
            return (
                f"the bot ({holder.describe()}) holds the database {where} and ingests by"
                f" itself: send it SIGHUP to re-read the notes now ({target}, or"
                " `systemctl reload paper-digest-bot`)"
            )
        return (
            f"another process holds the database {where}: {holder.describe()}; stop it or"
            " wait for it to finish (one bot or ingest per database)"
        )

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._file is not None:
            with contextlib.suppress(OSError):
                self._file.seek(0)
                self._file.truncate()
            self._file.close()  # closing drops the flock
            self._file = None
