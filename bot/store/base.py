"""The shared connection and its helpers.

One aiosqlite connection serves the whole bot. aiosqlite runs statements in order
but coroutines interleave, so every write goes through `transaction()`, which
holds a lock: a digest ledger write can never land inside (or be rolled back
with) an ingest batch.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from typing import Any

import aiosqlite


class StoreError(RuntimeError):
    """The database cannot be used as asked; the message is one line for the operator:
    what is wrong, with which file, and what to do."""


class StoreOutdated(StoreError):
    """A read-only open of a database an older version wrote: fine, the bot upgrades it on
    its next start, but this process may not (`check` says so rather than failing)."""

    def __init__(self, message: str, version: int) -> None:
        super().__init__(message)
        self.version = version


class Database:
    """A connection plus the lock that serialises its transactions.

    `read_only` is None for a writable connection, else the `StoreError` message every
    write raises: a read-only open answers lookups and refuses writes before they start.
    """

    def __init__(
        self,
        db: aiosqlite.Connection,
        lock: asyncio.Lock | None = None,
        read_only: str | None = None,
    ) -> None:
        self._db = db
        self._lock = lock or asyncio.Lock()
        self._read_only = read_only

    async def _scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        """The first column of the first row, or None."""
        rows = await self._fetch(sql, params, first=True)
        return rows[0][0] if rows else None

    async def _rows(self, sql: str, params: Sequence[Any] = ()) -> Iterable[Any]:
        return await self._fetch(sql, params, first=False)

    async def _fetch(self, sql: str, params: Sequence[Any], *, first: bool) -> list[Any]:
        """Run one query and close its cursor whatever happens.

        A cursor left open after a failure (a parameter SQLite cannot bind, a function
        raising mid-scan, a cancelled await) keeps its statement active on the shared
        connection, holding a read snapshot and breaking the next request, so the close
        is in `finally` and is not skipped when the caller was cancelled.
        """
        cursor = await self._db.cursor()
        try:
            await cursor.execute(sql, params)
            if first:
                row = await cursor.fetchone()
                return [] if row is None else [row]
            return list(await cursor.fetchall())
        finally:
            await asyncio.shield(cursor.close())

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[None]:
        """BEGIN IMMEDIATE … COMMIT, rolled back on any exception (cancellation included)."""
        if self._read_only is not None:
            raise StoreError(self._read_only)
        async with self._lock:
            await self._db.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                await self._db.execute("ROLLBACK")
                raise
            await self._db.execute("COMMIT")
