"""Store layer: the aiosqlite database (schema, migrations, FTS). No Discord here."""

from bot.store.store import (
    FileState,
    IngestChanges,
    PaperSummary,
    SourceFile,
    Store,
    StoreError,
    StoreStats,
    TagCount,
)

__all__ = [
    "FileState",
    "IngestChanges",
    "PaperSummary",
    "SourceFile",
    "Store",
    "StoreError",
    "StoreStats",
    "TagCount",
]
