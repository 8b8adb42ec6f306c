"""Ingest: bring the store in line with the notes folder.

Only files whose content changed are read and parsed (size and mtime first, then
a SHA-256 to be sure), and the whole batch lands in one store transaction.

Nothing the folder fails to show is taken as deleted: a file that cannot be read
(permissions, a dangling link, a vanished share) keeps what the store had of it,
and a run that would leave the library with less than half its papers (an
unmounted share, a mistaken `rm`) is refused unless the operator allows it.
"""

from __future__ import annotations

import asyncio
import ctypes
import hashlib
import os
import signal
import sys
import threading
from collections.abc import AsyncGenerator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import aclosing
from dataclasses import dataclass
from pathlib import Path

from bot.core.notes import Problem
from bot.core.shapes import parse_notes
from bot.store import FileState, IngestChanges, SourceFile, Store

NOTES_SUFFIXES = (".txt", ".md")
# A notes file is a day of notes (the seeds are 5-20 kB; a ten-year archive's largest
# is under 1 MB). Larger files are refused with a problem instead of parsed: parsing
# holds a few copies of a file in memory, and a 50 MB file is a mistake, not notes.
MAX_FILE_BYTES = 16 << 20
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
    skipped: tuple[str, ...] = ()  # files or folders left as they were, each `path: why`

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
        out += [f"  skipped: {why}" for why in self.skipped]
        if self.problems:
            out.append(f"{len(self.problems)} problems:")
            out += [f"  {problem}" for problem in self.problems]
        return out


class NotesDirError(FileNotFoundError):
    """The notes folder is missing or not a folder."""


class MassRemoval(RuntimeError):
    """An ingest would empty the library or remove more than half of it at once."""

    def __init__(self, removing: int, total: int) -> None:
        super().__init__(
            f"refusing to remove {removing} of {total} papers at once: is the notes folder"
            " mounted and complete? If the removal is intended, run"
            " `paper-digest-bot ingest --allow-removal` with the bot stopped"
        )
        self.removing = removing
        self.total = total


def refuse_mass_removal(changes: IngestChanges, before: int) -> None:
    """The guard of an ingest batch: the library may not lose more than half its papers."""
    after = before + changes.added - changes.removed
    if before and (after == 0 or 2 * after < before):
        raise MassRemoval(before - after, before)


@dataclass(frozen=True, slots=True)
class Listing:
    """The notes files of a folder, and the paths it cannot use (relative path → why)."""

    files: dict[str, Path]
    skipped: dict[str, str]

    def kept(self, source: str) -> bool:
        """Whether a stored file must keep its notes although it was not read: it, or a
        folder above it, is there but unreadable (not deleted)."""
        return any(source == path or source.startswith(path + "/") for path in self.skipped)

    def lines(self) -> list[str]:
        """Each skipped path as `path: why`."""
        return [f"{path}: {why}" for path, why in self.skipped.items()]


def list_notes(notes_dir: Path) -> Listing:
    """The notes files below a folder by relative name; hidden entries are ignored.

    Links to files are followed; links to folders are not (a link loop cannot hang the
    walk). Dangling links and unreadable folders are named in `skipped`, never passed
    over in silence.
    """
    if not notes_dir.is_dir():
        raise NotesDirError(
            f"NOTES_DIR {str(notes_dir)!r} is not a folder: set NOTES_DIR to your notes folder"
        )
    listing = Listing({}, {})

    def unreadable(error: OSError) -> None:
        folder = Path(error.filename).relative_to(notes_dir).as_posix()
        listing.skipped[folder] = f"cannot read the folder ({error.strerror})"

    for folder, dirs, names in os.walk(notes_dir, onerror=unreadable):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(names):
            path = Path(folder, name)
            if name.startswith(".") or path.suffix.lower() not in NOTES_SUFFIXES:
                continue
            source = path.relative_to(notes_dir).as_posix()
            if path.is_file():
                listing.files[source] = path
            elif path.is_symlink():
                target = os.readlink(path)
                listing.skipped[source] = f"a link to no readable file ({target})"
        for name in dirs:
            if Path(folder, name).is_symlink():
                relative = Path(folder, name).relative_to(notes_dir).as_posix()
                listing.skipped[relative] = "a link to a folder, not followed"
    return listing


def notes_files(notes_dir: Path) -> list[Path]:
    """The notes files in a folder (recursively), by name; hidden files are skipped."""
    return list(list_notes(notes_dir).files.values())


@dataclass(frozen=True, slots=True)
class Unreadable:
    """A file that could not be read this time; the store keeps its notes."""

    source: str
    why: str


def read_source(path: Path, source: str) -> SourceFile | Unreadable:
    """Read, fingerprint, parse and encode one file (blocking: a thread or a worker)."""
    try:
        with path.open("rb") as handle:
            stat = os.fstat(handle.fileno())
            if stat.st_size > MAX_FILE_BYTES:
                return Unreadable(
                    source,
                    f"{stat.st_size >> 20} MB is more than a notes file holds"
                    f" (at most {MAX_FILE_BYTES >> 20} MB): split it into one file per day",
                )
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError as error:
        return Unreadable(source, f"cannot read it ({error.strerror or error})")
    digest = hashlib.sha256(data).hexdigest()
    return SourceFile.of(source, digest, len(data), stat.st_mtime_ns, parse_notes(data, source))


@dataclass(frozen=True, slots=True)
class Stale:
    """A file whose size or mtime differ from what the store knows."""

    source: str
    path: Path
    size: int


def _stale(listing: Listing, known: dict[str, FileState]) -> list[Stale]:
    """The files to read again, in order (blocking: stat)."""
    stale = []
    for source, path in listing.files.items():
        state = known.get(source)
        try:
            stat = path.stat()
        except OSError as error:  # gone since the listing, or a link that broke
            listing.skipped[source] = f"cannot read it ({error.strerror or error})"
            continue
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


def read_sources(items: Sequence[Stale]) -> list[SourceFile | Unreadable]:
    """Read and parse some files (blocking: run in a thread or a worker process)."""
    return [read_source(item.path, item.source) for item in items]


def _die_with_parent(parent: int) -> None:
    """Worker start-up: end this worker when the ingest that started it dies.

    A killed ingest (kill -9, OOM) cannot shut its pool down; its workers would go on
    parsing for up to a chunk's worth of files. Linux delivers SIGKILL to the worker the
    moment its parent goes (`PR_SET_PDEATHSIG`); elsewhere a thread polls the parent.
    """
    if sys.platform == "linux":
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG = 1
        if os.getppid() != parent:  # the parent died before the call
            os._exit(1)
        return

    def watch() -> None:
        while os.getppid() == parent:
            threading.Event().wait(1.0)
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


async def parsed_chunks(stale: list[Stale]) -> AsyncGenerator[list[SourceFile | Unreadable], None]:
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
    with ProcessPoolExecutor(
        min(os.cpu_count() or 1, 8), initializer=_die_with_parent, initargs=(os.getpid(),)
    ) as pool:
        for chunk in _chunks(stale):
            parts = await asyncio.gather(
                *(
                    loop.run_in_executor(pool, read_sources, chunk[i : i + TASK_FILES])
                    for i in range(0, len(chunk), TASK_FILES)
                )
            )
            yield [f for part in parts for f in part]


async def ingest(store: Store, notes_dir: Path, *, allow_removal: bool = False) -> IngestReport:
    """Update the store from `notes_dir`: changed files replaced, deleted files dropped.

    Raises `MassRemoval` (changing nothing) when the run would leave the library with
    less than half its papers, unless `allow_removal`.
    """
    listing = await asyncio.to_thread(list_notes, notes_dir)
    known = await store.file_states()
    stale = await asyncio.to_thread(_stale, listing, known)
    removed = sorted(s for s in set(known) - set(listing.files) if not listing.kept(s))
    changed: list[str] = []
    changes = IngestChanges(0, 0, 0)
    if stale or removed:
        guard = None if allow_removal else refuse_mass_removal
        async with store.replacing(guard) as batch, aclosing(parsed_chunks(stale)) as chunks:
            if removed:
                await batch.add([], removed)
            async for results in chunks:
                listing.skipped.update(
                    (r.source, r.why) for r in results if isinstance(r, Unreadable)
                )
                files = [r for r in results if isinstance(r, SourceFile)]
                if same := _unchanged(files, known):
                    await batch.touch(same)
                if fresh := [f for f in files if f.source not in same]:
                    changed += [f.source for f in fresh]
                    await batch.add(fresh)
        changes = batch.changes
    return IngestReport(
        files_seen=len(listing.files),
        files_changed=tuple(changed),
        files_removed=tuple(removed),
        changes=changes,
        problems=tuple(await store.file_problems()),
        skipped=tuple(listing.lines()),
    )
