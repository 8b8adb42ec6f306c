"""A real notes vault, ingested and looked up as the operator and members would.

`python -m bench.vault --vault DIR` (a snapshot of an Obsidian vault, one Markdown
file per paper; never inside the repository):

1. `python -m bot ingest --json` on the whole vault into a fresh store, as its own
   process: wall time, and the peak resident memory of the largest process of the
   run (the ingest or one of its parsing workers; `RUSAGE_CHILDREN`, so the ingest
   runs before any other child of this process).
2. From the store it built: entries and papers, how many of the dated notes
   (`YYMMDD Short title.md`) became at least one paper, and the problems by kind.
3. Lookups for titles drawn from the vault itself (`bench.workload`): through
   `LookupService` in this process beside the raw SQLite baseline (the bot's own
   latency), and through `python -m bot paper|search --no-ingest --json` (what an
   operator waits for, interpreter start-up included).

Figures are printed and written as JSON to `--out`; nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench import workload
from bench.baseline import connect
from bench.ingest import REPO, machine, measure_lookups
from bot.core.vault import note_name
from bot.services.ingest import list_notes

Json = dict[str, Any]
_QUOTED_RE = re.compile(r"'[^']*+'|\"[^\"]*+\"")


def _bot(vault: Path, db_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`python -m bot ARGS` with the vault as NOTES_DIR and a store of its own."""
    env = {**os.environ, "NOTES_DIR": str(vault), "DATABASE_PATH": str(db_path)}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], cwd=REPO, env=env, capture_output=True, text=True
    )


def measure_ingest(vault: Path, db_path: Path) -> Json:
    """One whole-vault `ingest` process: its report, wall time and peak memory."""
    started = time.perf_counter()
    done = _bot(vault, db_path, "ingest", "--json")
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"ingest failed ({done.returncode}): {done.stderr.strip()[-500:]}")
    report = json.loads(done.stdout)
    kinds = Counter(_QUOTED_RE.sub("'…'", p["message"]) for p in report["problems"])
    return {
        "seconds": seconds,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
        "files": report["files"],
        "papers": report["papers"],
        "problems": report["problems"],
        "problem_kinds": dict(kinds.most_common()),
    }


def coverage(vault: Path, db_path: Path) -> Json:
    """Entries and papers stored, and which dated notes gave no paper."""
    names = {source: note_name(source) for source in list_notes(vault).files}
    dated = {source for source, name in names.items() if name and not isinstance(name.date, str)}
    db = connect(db_path, read_only=True)
    try:
        entries, sources = db.execute(
            "SELECT count(*), count(DISTINCT source) FROM appearances"
        ).fetchone()
        papers = db.execute("SELECT count(*) FROM papers").fetchone()[0]
        stored = {row[0] for row in db.execute("SELECT DISTINCT source FROM appearances")}
    finally:
        db.close()
    return {
        "notes_files": len(names),
        "dated_notes": len(dated),
        "dated_with_papers": len(dated & stored),
        "share": len(dated & stored) / len(dated) if dated else 0.0,
        "dated_without_papers": sorted(dated - stored),
        "files_with_entries": sources,
        "entries": entries,
        "papers": papers,
    }


def measure_cli(vault: Path, db_path: Path, samples: int, seed: int) -> Json:
    """Wall milliseconds of `python -m bot paper|search QUERY --no-ingest --json`."""
    queries = workload.build(db_path, samples, seed)
    out: Json = {}
    for op in ("paper", "search"):
        times, found = [], 0
        for query in [q for q in queries if q.op == op][:samples]:
            started = time.perf_counter()
            done = _bot(vault, db_path, op, query.text, "--no-ingest", "--json")
            times.append((time.perf_counter() - started) * 1000)
            if done.returncode != 0:
                raise RuntimeError(f"{op} {query.text!r} failed: {done.stderr.strip()[-300:]}")
            found += bool(json.loads(done.stdout)["results"])
        out[op] = {
            "n": len(times),
            "p50_ms": statistics.median(times),
            "max_ms": max(times),
            "found": found,
        }
    return out


def render(results: Json) -> str:
    """The figures as the docs quote them."""
    i, c, looked = results["ingest"], results["coverage"], results["lookups"]
    lines = [
        f"vault: {results['vault']}",
        f"notes files {c['notes_files']:,}; dated notes {c['dated_notes']:,}, of which"
        f" {c['dated_with_papers']:,} became papers ({c['share']:.2%})",
        f"entries {c['entries']:,} from {c['files_with_entries']:,} files; papers {c['papers']:,}",
        f"ingest (whole vault, fresh store): {i['seconds']:.1f} s wall,"
        f" peak RSS {i['peak_rss_mb']:.0f} MB (largest process)",
        f"problems: {len(i['problems'])}",
        *(f"  {n:4}  {kind}" for kind, n in i["problem_kinds"].items()),
        *(f"  without a paper: {source}" for source in c["dated_without_papers"]),
        "lookups through LookupService (ms; raw SQLite baseline beside):",
    ]
    for op in workload.OPS:
        ours, raw = looked[op]["ours"], looked[op]["raw"]
        lines.append(
            f"  {op:6} n={ours['n']:3}  p50 {ours['p50_ms']:.2f}  p99 {ours['p99_ms']:.2f}"
            f"  max {ours['max_ms']:.2f}   raw p50 {raw['p50_ms']:.2f}  p99 {raw['p99_ms']:.2f}"
        )
    lines.append("lookups through `python -m bot paper|search --no-ingest --json` (ms, wall):")
    for op, r in results["cli"].items():
        lines.append(
            f"  {op:6} n={r['n']:3}  p50 {r['p50_ms']:.0f}  max {r['max_ms']:.0f}"
            f"  with results {r['found']}/{r['n']}"
        )
    return "\n".join(lines)


def vault_arguments(parser: argparse.ArgumentParser) -> None:
    """`--vault` and `--out`, as every benchmark on a real vault takes them."""
    parser.add_argument("--vault", type=Path, required=True, help="the notes vault folder")
    parser.add_argument(
        "--out", type=Path, help="folder for the store and results.json (default: a temporary one)"
    )


def working_folders(args: argparse.Namespace, prefix: str) -> tuple[Path, Path] | None:
    """(vault, out) resolved, `out` created; None (and one line) when either lies inside
    the repository: a vault's notes and its store must never be committed."""
    vault: Path = args.vault.resolve()
    out: Path = (args.out or Path(tempfile.mkdtemp(prefix=prefix))).resolve()
    if vault.is_relative_to(REPO) or out.is_relative_to(REPO):
        print("--vault and --out must be outside the repository", file=sys.stderr)
        return None
    out.mkdir(parents=True, exist_ok=True)
    return vault, out


def build_parser() -> argparse.ArgumentParser:
    """Command-line options."""
    parser = argparse.ArgumentParser(prog="python -m bench.vault", description=__doc__)
    vault_arguments(parser)
    parser.add_argument("--seed", type=int, default=0, help="query sample seed")
    parser.add_argument(
        "--queries", type=int, default=300, help="in-process queries per lookup kind"
    )
    parser.add_argument(
        "--cli-samples", type=int, default=20, help="`python -m bot` runs per lookup kind"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Measure; returns the exit code."""
    args = build_parser().parse_args(argv)
    if (folders := working_folders(args, "paper-vault-bench-")) is None:
        return 2
    vault, out = folders
    db_path = out / "vault.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    results: Json = {"vault": str(vault), "ingest": measure_ingest(vault, db_path)}
    results["coverage"] = coverage(vault, db_path)
    results["lookups"] = asyncio.run(measure_lookups(db_path, args.queries, args.seed))
    results["cli"] = measure_cli(vault, db_path, args.cli_samples, args.seed)
    results["machine"] = machine()
    (out / "results.json").write_text(json.dumps(results, indent=2, ensure_ascii=False))
    print(render(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
