"""Ingest: bring the store in line with the notes folder.

Only files whose content changed are read and parsed (size and mtime first, then
a SHA-256 to be sure), and the whole batch lands in one store transaction.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from bot.core.notes import Problem, parse_bytes
from bot.core.papers import index_entry
from bot.store import FileState, IngestChanges, SourceFile, Store

NOTES_SUFFIXES = (".txt", ".md")
# From this many files to read, parsing is spread over processes (a first ingest);
# below it the pool's start-up would cost more than it saves (a one-file edit).
PARALLEL_FROM = 200


@dataclass(frozen=True, slots=True)
class IngestReport:
    """What an ingest run did, for operators and logs."""

    files_seen: int
    files_changed: tuple[str, ...]
    files_removed: tuple[str, ...]
    changes: IngestChanges
    problems: tuple[Problem, ...]

    def lines(self) -> list[str]:
        """A readable summary: counts first, then each problem as file:line."""
        c = self.changes
        out = [
            f"{self.files_seen} notes files; {len(self.files_changed)} changed, "
            f"{len(self.files_removed)} removed",
            f"papers: {c.added} added, {c.updated} updated, {c.removed} removed",
        ]
        out += [f"  changed: {name}" for name in self.files_changed]
        out += [f"  removed: {name}" for name in self.files_removed]
        if self.problems:
            out.append(f"{len(self.problems)} problems:")
            out += [f"  {problem}" for problem in self.problems]
        return out


class NotesDirError(FileNotFoundError):
    """The notes folder is missing or not a folder."""


def notes_files(notes_dir: Path) -> list[Path]:
    """The notes files in a folder (recursively), by name; hidden files are skipped."""
    if not notes_dir.is_dir():
        raise NotesDirError(
            f"NOTES_DIR {str(notes_dir)!r} is not a folder: set NOTES_DIR to your notes folder"
        )
    return sorted(
        path
        for path in notes_dir.rglob("*")
        if path.is_file()
        and path.suffix.lower() in NOTES_SUFFIXES
        and not any(part.startswith(".") for part in path.relative_to(notes_dir).parts)
    )


def read_source(path: Path, source: str) -> SourceFile:
    """Read, fingerprint and parse one file (blocking; run in a thread)."""
    stat = path.stat()
    data = path.read_bytes()
    parsed = parse_bytes(data, source)
    return SourceFile(
        source=source,
        sha256=hashlib.sha256(data).hexdigest(),
        size=stat.st_size,
        mtime_ns=stat.st_mtime_ns,
        days=parsed.days,
        problems=parsed.problems,
        index=tuple(index_entry(e) for day in parsed.days for e in day.entries),
    )


def _stale(paths: dict[str, Path], known: dict[str, FileState]) -> dict[str, Path]:
    """Files whose size or mtime differ from what the store knows (blocking: stat)."""
    stale = {}
    for source, path in paths.items():
        state = known.get(source)
        stat = path.stat()
        if not state or (state.size, state.mtime_ns) != (stat.st_size, stat.st_mtime_ns):
            stale[source] = path
    return stale


def _read_all(stale: dict[str, Path]) -> list[SourceFile]:
    """Read and parse files; many of them in a process per core (parsing is CPU-bound)."""
    if len(stale) < PARALLEL_FROM:
        return [read_source(path, source) for source, path in stale.items()]
    workers = min(os.cpu_count() or 1, 8)
    with ProcessPoolExecutor(workers) as pool:
        return list(pool.map(read_source, stale.values(), stale.keys(), chunksize=64))


async def ingest(store: Store, notes_dir: Path) -> IngestReport:
    """Update the store from `notes_dir`: changed files replaced, deleted files dropped."""
    paths = {path.relative_to(notes_dir).as_posix(): path for path in notes_files(notes_dir)}
    known = await store.file_states()
    stale = await asyncio.to_thread(_stale, paths, known)
    read = await asyncio.to_thread(_read_all, stale)
    # A file touched (or copied) without a change in content only needs its new mtime.
    touched = {
        f.source: FileState(f.sha256, f.size, f.mtime_ns)
        for f in read
        if f.source in known and known[f.source].sha256 == f.sha256
    }
    changed = [f for f in read if f.source not in touched]
    removed = sorted(set(known) - set(paths))
    if touched:
        await store.touch_files(touched)
    changes = IngestChanges(0, 0, 0)
    if changed or removed:
        changes = await store.replace_files(changed, removed)
    return IngestReport(
        files_seen=len(paths),
        files_changed=tuple(f.source for f in changed),
        files_removed=tuple(removed),
        changes=changes,
        problems=tuple(await store.file_problems()),
    )
