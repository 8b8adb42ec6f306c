"""Ingest: bring the store in line with the notes folder.

Only files whose content changed are read and parsed (size and mtime first, then
a SHA-256 to be sure), and the whole batch lands in one store transaction.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
from collections.abc import AsyncGenerator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import aclosing
from dataclasses import dataclass
from pathlib import Path

from bot.core.notes import Problem, parse_bytes
from bot.store import FileState, IngestChanges, SourceFile, Store

NOTES_SUFFIXES = (".txt", ".md")
# From this many files to read, parsing is spread over processes (a first ingest);
# below it the pool's start-up would cost more than it saves (a one-file edit).
PARALLEL_FROM = 200
# Notes written to the store at a time: a ten-year archive at once (splitting it costs
# ~10%: FTS5 indexes big batches faster), a million entries in bounded memory.
CHUNK_BYTES = 64 << 20
TASK_FILES = 64  # files per parsing task in a worker process


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
    """Read, fingerprint, parse and encode one file (blocking: a thread or a worker)."""
    stat = path.stat()
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    return SourceFile.of(source, digest, stat.st_size, stat.st_mtime_ns, parse_bytes(data, source))


@dataclass(frozen=True, slots=True)
class Stale:
    """A file whose size or mtime differ from what the store knows."""

    source: str
    path: Path
    size: int


def _stale(paths: dict[str, Path], known: dict[str, FileState]) -> list[Stale]:
    """The files to read again, in order (blocking: stat)."""
    stale = []
    for source, path in paths.items():
        state = known.get(source)
        stat = path.stat()
        if not state or (state.size, state.mtime_ns) != (stat.st_size, stat.st_mtime_ns):
            stale.append(Stale(source, path, stat.st_size))
    return stale


def _chunks(stale: list[Stale]) -> list[list[Stale]]:
    """Consecutive runs of files of about `CHUNK_BYTES` (a file is never split)."""
    chunks: list[list[Stale]] = [[]]
    size = 0
    for item in stale:
        if chunks[-1] and size + item.size > CHUNK_BYTES:
            chunks.append([])
            size = 0
        chunks[-1].append(item)
        size += item.size
    return chunks


def _unchanged(files: Sequence[SourceFile], known: dict[str, FileState]) -> dict[str, FileState]:
    """Files touched (or copied) without a change in content: only their mtime is new."""
    return {
        f.source: FileState(f.sha256, f.size, f.mtime_ns)
        for f in files
        if f.source in known and known[f.source].sha256 == f.sha256
    }


def read_sources(items: Sequence[Stale]) -> list[SourceFile]:
    """Read and parse some files (blocking: run in a thread or a worker process)."""
    return [read_source(item.path, item.source) for item in items]


async def parsed_chunks(stale: list[Stale]) -> AsyncGenerator[list[SourceFile], None]:
    """The files read and parsed, in order, about `CHUNK_BYTES` of notes at a time.

    Many files (a first ingest) are parsed in a process per core, one chunk at a time:
    the next chunk is not started while the store writes this one, because on a small
    machine parsing beside the writes slows both (measured: FTS5 inserts take twice as
    long beside one busy core), and chunks keep a million-entry ingest's memory bounded.
    """
    if len(stale) < PARALLEL_FROM:
        for chunk in _chunks(stale):
            yield await asyncio.to_thread(read_sources, chunk)
        return
    loop = asyncio.get_running_loop()
    with ProcessPoolExecutor(min(os.cpu_count() or 1, 8)) as pool:
        for chunk in _chunks(stale):
            parts = await asyncio.gather(
                *(
                    loop.run_in_executor(pool, read_sources, chunk[i : i + TASK_FILES])
                    for i in range(0, len(chunk), TASK_FILES)
                )
            )
            yield [f for part in parts for f in part]


async def ingest(store: Store, notes_dir: Path) -> IngestReport:
    """Update the store from `notes_dir`: changed files replaced, deleted files dropped."""
    paths = {path.relative_to(notes_dir).as_posix(): path for path in notes_files(notes_dir)}
    known = await store.file_states()
    stale = await asyncio.to_thread(_stale, paths, known)
    removed = sorted(set(known) - set(paths))
    changed: list[str] = []
    changes = IngestChanges(0, 0, 0)
    if stale or removed:
        async with store.replacing() as batch, aclosing(parsed_chunks(stale)) as chunks:
            if removed:
                await batch.add([], removed)
            async for files in chunks:
                if same := _unchanged(files, known):
                    await batch.touch(same)
                if fresh := [f for f in files if f.source not in same]:
                    changed += [f.source for f in fresh]
                    await batch.add(fresh)
        changes = batch.changes
    return IngestReport(
        files_seen=len(paths),
        files_changed=tuple(changed),
        files_removed=tuple(removed),
        changes=changes,
        problems=tuple(await store.file_problems()),
    )
