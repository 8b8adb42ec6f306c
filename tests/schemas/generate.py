"""Build a database with the code of an old commit and dump it (see docs/schema.md).

Run with this project's venv and a worktree of that commit first on the path, so the
commit's own ingest, store and digest service write the file:

    git worktree add --detach /tmp/wt-SHA SHA
    PYTHONPATH=/tmp/wt-SHA .venv/bin/python tests/schemas/generate.py DB seeds \
        --dump tests/schemas/SHAPE.sql

It ingests the seed notes; where the commit has the digest tables it sets a server's
digest channel and language, and posts two days through its `DigestService` to its own
test double (`tests/test_digest_service.py`'s `FakeDiscord`) in an announcement channel,
so the file holds settings, a channel cursor, digests and sent, published deliveries.
`--open-only` just opens the file (upgrading it with that commit's migrations) and
ingests, for a shape made by one commit and upgraded by a later one.
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import sys
from contextlib import closing
from pathlib import Path

from bot.services.ingest import ingest
from bot.store import Store


async def build(db: Path, seeds: Path, *, open_only: bool) -> None:
    async with Store.open(db) as store:
        await ingest(store, seeds)
        if open_only or not hasattr(store, "digests"):
            return
        from bot.services.digest import DigestService
        from tests.test_digest_service import CHANNEL, DEFAULTS, GUILD, FakeDiscord, settings

        await store.digests.update_guild(GUILD, channel_id=CHANNEL, language="both")
        print(f"sender: {FakeDiscord.__module__} in {sys.modules[FakeDiscord.__module__].__file__}")
        discord = FakeDiscord(announcement={CHANNEL})
        service = DigestService(store, discord, DEFAULTS, retry_delays=(0, 0))
        for _ in range(2):
            await service.run(settings())


def dump(db: Path, out: Path) -> None:
    """Every table, index and trigger as SQL, then the schema version (which iterdump
    leaves out). Rows of virtual tables are left out, as the sqlite3 shell's `.dump`
    does: their shadow tables hold them, and a script cannot insert into a virtual
    table it declares through `writable_schema`."""
    with closing(sqlite3.connect(db)) as raw:
        version = raw.execute("PRAGMA user_version").fetchone()[0]
        virtual = [
            f'INSERT INTO "{name}" '
            for (name,) in raw.execute(
                "SELECT name FROM sqlite_schema WHERE sql LIKE 'CREATE VIRTUAL TABLE%'"
            )
        ]
        statements = [s for s in raw.iterdump() if not s.startswith(tuple(virtual))]
    out.write_text("\n".join([*statements, f"PRAGMA user_version = {version};", ""]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("db", type=Path)
    parser.add_argument("seeds", type=Path)
    parser.add_argument("--dump", type=Path)
    parser.add_argument("--open-only", action="store_true")
    args = parser.parse_args()
    import bot

    print(f"code: {Path(bot.__file__).parent}")
    asyncio.run(build(args.db, args.seeds, open_only=args.open_only))
    if args.dump:
        dump(args.db, args.dump)


if __name__ == "__main__":
    main()
