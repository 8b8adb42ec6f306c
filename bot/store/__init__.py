"""Store layer: the aiosqlite database (schema, migrations, FTS). No Discord here."""

from bot.store.base import StoreError, StoreOutdated
from bot.store.digests import ChannelState, Delivery, DigestRow, GuildRow
from bot.store.replace import FileState, IngestChanges, SourceFile
from bot.store.store import (
    DayEntry,
    PaperSummary,
    Store,
    StoreStats,
    TagCount,
)

__all__ = [
    "ChannelState",
    "DayEntry",
    "Delivery",
    "DigestRow",
    "FileState",
    "GuildRow",
    "IngestChanges",
    "PaperSummary",
    "SourceFile",
    "Store",
    "StoreError",
    "StoreOutdated",
    "StoreStats",
    "TagCount",
]
