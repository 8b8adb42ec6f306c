"""Shared fixtures: the seed notes and real SQLite stores in temporary folders."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from hypothesis import settings

from bot.services.ingest import ingest
from bot.store import Store

# Hypothesis's per-example deadline is a timing assertion: on a busy 2-core machine it
# fails tests whose behaviour is fine. Properties are about behaviour; speed is benched.
settings.register_profile("no-deadline", deadline=None)
settings.load_profile("no-deadline")

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"


@pytest.fixture
def seeds() -> Path:
    return SEEDS


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    async with Store.open(tmp_path / "db" / "bot.sqlite3") as opened:
        yield opened


@pytest.fixture
async def seeded_store(store: Store) -> Store:
    await ingest(store, SEEDS)
    return store
