"""Ingest and lookup benchmark: `python -m bench.ingest --sizes 36k,1m` (or `make bench`).

Per size: generate (or reuse) a synthetic archive, ingest it into a fresh store,
re-ingest it unchanged and after one file changes, then time `paper`, `search` and
`tag` lookups. Every figure is printed beside a plain-`sqlite3` baseline measured
in the same run (see `bench.baseline`), and everything is written as JSON to
`--out`. Targets (from the issue) are checked and printed, never asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Coroutine, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from functools import wraps
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

from bench import baseline, synth, workload
from bot.services.ingest import IngestReport, ingest
from bot.store import IngestChanges, Store
from bot.store.replace import Replacement

SIZES: dict[str, synth.ArchiveSpec] = {
    "quick": synth.ArchiveSpec(entries=2_000),
    # Ten years of daily files, ~10 entries a day.
    "36k": synth.ArchiveSpec(entries=36_500),
    # ~100 entries a day over ~27 years: 10,000 files keep scanning and generation quick.
    "1m": synth.ArchiveSpec(entries=1_000_000, entries_per_day=100),
}
REPO = Path(__file__).resolve().parents[1]

INGEST_RATIO_TARGET = 0.5
REINGEST_TARGET_S = 0.5
P99_TARGET_MS = 10.0

P = ParamSpec("P")
T = TypeVar("T")
Json = dict[str, Any]


def log(message: str) -> None:
    """Progress goes to stderr so stdout holds only the result tables."""
    print(message, file=sys.stderr, flush=True)


# ---- ingest -------------------------------------------------------------------


@dataclass(slots=True)
class Phases:
    """Wall seconds per ingest phase, gathered by wrapping the store calls `ingest` makes.

    `parse` is the rest of the ingest: scanning, reading, hashing and parsing the files
    (in worker processes), which the store never waits on otherwise.
    """

    parse: float = 0.0
    store_write: float = 0.0
    store_problems: float = 0.0


def _timed_async(
    fn: Callable[P, Coroutine[Any, Any, T]], add: Callable[[float], None]
) -> Callable[P, Coroutine[Any, Any, T]]:
    @wraps(fn)
    async def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        started = time.perf_counter()
        try:
            return await fn(*args, **kwargs)
        finally:
            add(time.perf_counter() - started)

    return wrapper


@contextmanager
def phase_timer(store: Store) -> Iterator[Phases]:
    """Time the store's writes and problem listing during `ingest` without changing it."""
    phases = Phases()

    def adder(name: str) -> Callable[[float], None]:
        return lambda seconds: setattr(phases, name, getattr(phases, name) + seconds)

    writes = {name: getattr(Replacement, name) for name in ("add", "touch", "finish")}
    for name, method in writes.items():
        setattr(Replacement, name, _timed_async(method, adder("store_write")))
    store.file_problems = _timed_async(store.file_problems, adder("store_problems"))  # type: ignore[method-assign]
    try:
        yield phases
    finally:
        for name, method in writes.items():
            setattr(Replacement, name, method)
        del store.file_problems


async def timed_ingest(store: Store, root: Path) -> tuple[float, IngestReport]:
    """Wall seconds of one `ingest` call, and its report."""
    started = time.perf_counter()
    report = await ingest(store, root)
    return time.perf_counter() - started, report


def _remove_db(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def _db_bytes(path: Path) -> int:
    return sum(
        Path(f"{path}{s}").stat().st_size for s in ("", "-wal") if Path(f"{path}{s}").exists()
    )


async def measure_ingest(archive: synth.Archive, db_path: Path) -> Json:
    """Fresh ingest into an empty store, with a per-phase breakdown."""
    _remove_db(db_path)
    async with Store.open(db_path) as store:
        with phase_timer(store) as phases:
            seconds, report = await timed_ingest(store, archive.root)
        phases.parse = seconds - phases.store_write - phases.store_problems
    if report.problems or report.files_seen != archive.files:
        raise RuntimeError(f"unexpected ingest report: {report.lines()[:5]}")
    return {
        "seconds": seconds,
        "entries_per_s": archive.entries / seconds,
        "papers_added": report.changes.added,
        "phases_s": asdict(phases),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "db_mb": _db_bytes(db_path) / 2**20,
    }


# ---- re-ingest ------------------------------------------------------------------


def _edit(text: str, n: int) -> str:
    """One entry changed: a commentary line reworded and a tag added."""
    lines = text.split("\n")
    tag_line = next(i for i, line in enumerate(lines) if line.startswith("#"))
    lines[tag_line] += f" #bench-edit-{n}"
    lines[tag_line - 1] += f" 수정 {n}번째."
    return "\n".join(lines)


def _append(text: str, n: int) -> str:
    """Today's file grows by one entry (the bot's everyday case)."""
    return text + (
        f"Bench Appended Paper {n}: Streaming Ingest for Daily Notes\n"
        "(Ada Lovelace, Alan Turing)\n"
        "We measure how long one new entry takes to reach the library.\n"
        "새 항목 하나가 라이브러리에 반영되는 시간을 측정합니다.\n"
        "#benchmark\n"
    )


@contextmanager
def restored(path: Path) -> Iterator[bytes]:
    """The file's original bytes; they (and a fresh mtime) are put back afterwards."""
    original = path.read_bytes()
    try:
        yield original
    finally:
        path.write_bytes(original)


def _expect(ok: bool, what: str, report: IngestReport) -> None:
    if not ok:
        raise RuntimeError(f"re-ingest did not {what}: {report.lines()[:4]}")


async def measure_reingest(archive: synth.Archive, db_path: Path, repeat: int) -> Json:
    """Wall seconds of `ingest` with nothing changed, one file edited, one entry appended."""
    paths = archive.paths()
    results: Json = {"no_change": [], "edit_one_file": [], "append_entry": []}
    async with Store.open(db_path) as store:
        for _ in range(repeat):
            seconds, report = await timed_ingest(store, archive.root)
            _expect(not report.files_changed, "skip unchanged files", report)
            results["no_change"].append(seconds)
        for case, path, change in (
            ("edit_one_file", paths[len(paths) // 2], _edit),
            ("append_entry", paths[-1], _append),
        ):
            with restored(path) as original:
                stat = path.stat()
                for n in range(1, repeat + 1):
                    path.write_text(change(original.decode(), n), encoding="utf-8")
                    # Distinct mtimes even when writes land within one timestamp tick.
                    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + n * 10**9))
                    seconds, report = await timed_ingest(store, archive.root)
                    _expect(len(report.files_changed) == 1, "re-read exactly one file", report)
                    _expect(report.changes != IngestChanges(0, 0, 0), "change a paper", report)
                    results[case].append(seconds)
            await ingest(store, archive.root)  # back in line with the pristine archive
    return results


# ---- lookups ----------------------------------------------------------------------


def _stats(samples_ns: Sequence[int]) -> Json:
    ms = sorted(s / 1e6 for s in samples_ns)
    return {
        "n": len(ms),
        "p50_ms": statistics.median(ms),
        "p99_ms": ms[min(len(ms) - 1, round(0.99 * (len(ms) - 1)))],
        "max_ms": ms[-1],
        "mean_ms": statistics.fmean(ms),
    }


def _summarise(ours: dict[str, list[int]], raw: dict[str, list[int]]) -> Json:
    out: Json = {}
    for op in workload.OPS:
        keys = sorted(k for k in ours if k.startswith(f"{op}/"))
        out[op] = {
            "ours": _stats([t for k in keys for t in ours[k]]),
            "raw": _stats([t for k in keys for t in raw[k]]),
            "kinds": {
                k.split("/", 1)[1]: {"ours": _stats(ours[k]), "raw": _stats(raw[k])} for k in keys
            },
        }
    return out


async def measure_lookups(db_path: Path, per_op: int, seed: int) -> Json:
    """p50/p99 of `LookupService` calls and of the raw baseline over the same queries."""
    queries = workload.build(db_path, per_op, seed)
    async with Store.open(db_path) as store:
        ours, empty = await workload.time_ours(store, queries)
    raw = workload.time_raw(db_path, queries)
    return {"queries": len(queries), "empty_results": empty, **_summarise(ours, raw)}


# ---- report --------------------------------------------------------------------------


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    lines = ["  ".join(h.rjust(w) for h, w in zip(headers, widths, strict=True))]
    lines += ["  ".join(c.rjust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    return "\n".join(lines)


def _verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def render(results: Json) -> str:
    """The result tables, with every figure beside its same-run baseline."""
    sizes: dict[str, Json] = results["sizes"]
    ingest_rows = []
    reingest_rows = []
    lookup_rows = []
    kind_rows = []
    for name, r in sizes.items():
        a, i = r["archive"], r["ingest"]
        ratio = i["entries_per_s"] / i["baseline_entries_per_s"]
        phases = i["phases_s"]
        ingest_rows.append(
            (
                name,
                f"{a['entries']:,}",
                f"{a['files']:,}",
                f"{i['seconds']:.1f}",
                f"{i['entries_per_s']:,.0f}",
                f"{i['baseline_seconds']:.1f}",
                f"{i['baseline_entries_per_s']:,.0f}",
                f"{ratio:.2f}",
                f"{_verdict(ratio >= INGEST_RATIO_TARGET)} (≥{INGEST_RATIO_TARGET})",
                f"{phases['parse']:.1f}/{phases['store_write']:.1f}",
                f"{i['peak_rss_mb']:,.0f}",
                f"{i['db_mb']:,.0f}",
            )
        )
        for case, seconds in r["reingest"].items():
            target = case == "edit_one_file" and name == "36k"
            verdict = f"{_verdict(max(seconds) < REINGEST_TARGET_S)} (<{REINGEST_TARGET_S}s)"
            reingest_rows.append(
                (
                    name,
                    case,
                    f"{statistics.median(seconds) * 1000:.0f}",
                    f"{max(seconds) * 1000:.0f}",
                    verdict if target else "",
                )
            )
        for op in workload.OPS:
            ours, raw = r["lookups"][op]["ours"], r["lookups"][op]["raw"]
            target = name == "1m"
            verdict = f"{_verdict(ours['p99_ms'] < P99_TARGET_MS)} (<{P99_TARGET_MS:g}ms)"
            lookup_rows.append(
                (
                    name,
                    op,
                    f"{ours['p50_ms']:.2f}",
                    f"{ours['p99_ms']:.2f}",
                    f"{raw['p50_ms']:.2f}",
                    f"{raw['p99_ms']:.2f}",
                    f"{ours['p99_ms'] / max(raw['p99_ms'], 1e-6):.1f}x",
                    verdict if target else "",
                )
            )
            for kind, k in r["lookups"][op]["kinds"].items():
                kind_rows.append(
                    (
                        name,
                        f"{op}/{kind}",
                        str(k["ours"]["n"]),
                        f"{k['ours']['p50_ms']:.2f}",
                        f"{k['ours']['p99_ms']:.2f}",
                        f"{k['ours']['max_ms']:.2f}",
                        f"{k['raw']['p50_ms']:.2f}",
                        f"{k['raw']['p99_ms']:.2f}",
                    )
                )
    return "\n\n".join(
        (
            "Ingest (fresh store) vs raw executemany of the same rows",
            _table(
                (
                    "size",
                    "entries",
                    "files",
                    "ours s",
                    "ours ent/s",
                    "raw s",
                    "raw ent/s",
                    "ratio",
                    "target",
                    "parse/store s",
                    "peak RSS MB",
                    "db MB",
                ),
                ingest_rows,
            ),
            "Re-ingest (wall time of ingest)",
            _table(("size", "case", "median ms", "max ms", "target"), reingest_rows),
            "Lookups: LookupService vs raw FTS5 MATCH / paper_tags walk (same queries, same db)",
            _table(
                ("size", "op", "p50 ms", "p99 ms", "raw p50", "raw p99", "p99 ratio", "target"),
                lookup_rows,
            ),
            "Lookups by query kind",
            _table(("size", "op/kind", "n", "p50", "p99", "max", "raw p50", "raw p99"), kind_rows),
        )
    )


# ---- driver ----------------------------------------------------------------------------


async def run_size(name: str, spec: synth.ArchiveSpec, out: Path, args: argparse.Namespace) -> Json:
    """Every measurement for one archive size."""
    archive = synth.ensure(out / f"archive-{name}-seed{spec.seed}", spec, log=log)
    # Other processes skew timings on a small machine: record how busy it was.
    load_before = os.getloadavg()
    log(f"[{name}] {archive.entries:,} entries, {archive.papers:,} papers, {archive.files:,} files")
    db_path = out / f"{name}.sqlite3"
    log(f"[{name}] ingesting into a fresh store …")
    result: Json = {"ingest": await measure_ingest(archive, db_path)}
    log(f"[{name}] baseline: raw executemany of the same rows …")
    raw_path = out / f"{name}-baseline.sqlite3"
    raw_seconds = baseline.insert_copy(db_path, raw_path)
    _remove_db(raw_path)
    result["ingest"] |= {
        "baseline_seconds": raw_seconds,
        "baseline_entries_per_s": archive.entries / raw_seconds,
    }
    log(f"[{name}] re-ingest …")
    result["reingest"] = await measure_reingest(archive, db_path, args.repeat)
    log(f"[{name}] lookups …")
    result["lookups"] = await measure_lookups(db_path, args.queries, args.seed)
    result["load_average"] = {"before": load_before, "after": os.getloadavg()}
    archive_info = asdict(archive)
    archive_info["root"] = str(archive.root)
    archive_info["bytes"] = sum(p.stat().st_size for p in archive.paths())
    return {"archive": archive_info, **result}


def _cpu_model() -> str:
    try:
        lines = Path("/proc/cpuinfo").read_text().splitlines()
    except OSError:
        return platform.processor() or platform.machine()
    return next((line.split(":", 1)[1].strip() for line in lines if "model name" in line), "?")


def _code_version() -> str:
    """The commit measured, and whether `bot/` had uncommitted changes (it often does)."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "bot"], cwd=REPO, capture_output=True, text=True
        ).stdout.strip()
    except OSError:
        return "unknown"
    return f"{head}{' + uncommitted changes in bot/' if dirty else ''}"


def machine() -> Json:
    """Where the figures come from."""
    return {
        "code": _code_version(),
        "cpus": os.cpu_count(),
        "cpu": _cpu_model(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
    }


def build_parser() -> argparse.ArgumentParser:
    """Command-line options."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--sizes",
        default="36k,1m",
        help=f"comma-separated archive sizes out of {', '.join(SIZES)} (default: 36k,1m)",
    )
    parser.add_argument("--quick", action="store_true", help="a small smoke run (--sizes quick)")
    parser.add_argument(
        "--out",
        type=Path,
        help="working folder for archives, databases and results.json; kept, and archives"
        " are reused by later runs (default: a temporary folder, large files removed)",
    )
    parser.add_argument("--seed", type=int, default=0, help="generator and query seed")
    parser.add_argument(
        "--queries", type=int, default=300, help="queries per lookup (paper, search, tag)"
    )
    parser.add_argument("--repeat", type=int, default=5, help="runs per re-ingest case")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; returns the exit code (targets missed still exit 0)."""
    args = build_parser().parse_args(argv)
    names = ["quick"] if args.quick else [s.strip().lower() for s in args.sizes.split(",")]
    if unknown := [n for n in names if n not in SIZES]:
        print(f"unknown size(s) {unknown}; choose from {list(SIZES)}", file=sys.stderr)
        return 2
    out: Path = args.out or Path(tempfile.mkdtemp(prefix="paper-bench-"))
    out = out.resolve()
    if out.is_relative_to(REPO):
        print(f"--out {out} is inside the repository; pick a folder outside it", file=sys.stderr)
        return 2
    out.mkdir(parents=True, exist_ok=True)
    results: Json = {"machine": machine(), "seed": args.seed, "sizes": {}}
    for name in names:
        spec = synth.ArchiveSpec(**{**asdict(SIZES[name]), "seed": args.seed})
        results["sizes"][name] = asyncio.run(run_size(name, spec, out, args))
        (out / "results.json").write_text(json.dumps(results, indent=2, ensure_ascii=False))
    print(render(results))
    if args.out is None:
        for path in out.iterdir():
            if path.name != "results.json":
                shutil.rmtree(path) if path.is_dir() else path.unlink()
    print(f"\nresults: {out / 'results.json'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
