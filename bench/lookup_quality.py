"""How often a lookup finds the paper a query was made from, on a real notes vault.

`python -m bench.lookup_quality --vault DIR` (a snapshot of a notes vault, never
inside the repository) ingests the vault with `python -m bot ingest` into a store of
its own (`--out`, kept and brought up to date when given), draws papers with a fixed
seed and makes six kinds of query from each one's title, as members type them:

- `exact`: the whole title;
- `first3`: its first three content words (no `of`, `via`, …);
- `colon`: the name before its colon (`Samba` of `Samba: Simple Hybrid …`);
- `swap4`: its first four content words, two neighbouring letters swapped in one of
  them (`mixture exprets …`);
- `rare2`: its two rarest content words (fewest titles hold them), in title order:
  what a member remembers of a title;
- `extra2`: those two plus a word the paper's notes lack (`… llm`, `… 2025`), which
  should find what `rare2` finds.

For each it reports how often the paper is first and in the first five of `/paper`
(`LookupService.suggest_titles`) and `/search` (`LookupService.search`), and the
in-process milliseconds of each call. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.baseline import connect
from bench.vault import measure_ingest, vault_arguments, working_folders
from bot.core.query import STOP_WORDS, quote
from bot.core.text import words
from bot.services.lookup import LookupService
from bot.store import Store

Json = dict[str, Any]
KINDS = ("exact", "first3", "colon", "swap4", "rare2", "extra2")
# Words a member adds that a paper's notes may not hold: abbreviations, years, fields.
EXTRA_WORDS = ("llm", "2025", "2024", "vlm", "ssm", "robot", "72b", "ai", "paper", "arxiv")
TOP = 5


@dataclass(frozen=True, slots=True)
class Case:
    """One query made from one paper's title."""

    kind: str
    paper_id: int
    title: str
    text: str


def _content(title: str) -> list[str]:
    return [w for w in words(title) if w not in STOP_WORDS]


def _swapped(word: str, rng: random.Random) -> str | None:
    """`word` with two neighbouring inner letters swapped, if that changes it."""
    spots = [i for i in range(1, len(word) - 2) if word[i] != word[i + 1]]
    if not spots:
        return None
    i = rng.choice(spots)
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :]


def _swap4(content: list[str], rng: random.Random) -> str | None:
    four = content[:4]
    long = [i for i, w in enumerate(four) if len(w) >= 5 and w.isalpha() and w.isascii()]
    if len(four) < 4 or not long:
        return None
    i = rng.choice(long)
    swapped = _swapped(four[i], rng)
    if swapped is None:
        return None
    four[i] = swapped
    return " ".join(four)


def make_cases(
    papers: Sequence[tuple[int, str]], lacks: Callable[[int, str], bool], per_kind: int, seed: int
) -> list[Case]:
    """Up to `per_kind` cases of each kind, from papers drawn in a seeded order."""
    rng = random.Random(seed)
    order = list(papers)
    rng.shuffle(order)
    titles_with = Counter(w for _, title in papers for w in set(_content(title)))
    cases: dict[str, list[Case]] = {kind: [] for kind in KINDS}

    def add(kind: str, paper_id: int, title: str, text: str | None) -> None:
        if text and len(cases[kind]) < per_kind:
            cases[kind].append(Case(kind, paper_id, title, text))

    for paper_id, title in order:
        content = _content(title)
        add("exact", paper_id, title, title)
        if len(content) >= 3:
            add("first3", paper_id, title, " ".join(content[:3]))
        head = title.split(":")[0].strip()
        if ":" in title and words(head):
            add("colon", paper_id, title, head)
        add("swap4", paper_id, title, _swap4(content, rng))
        distinct = list(dict.fromkeys(content))
        if len(distinct) >= 3:
            rare = sorted(sorted(distinct, key=titles_with.__getitem__)[:2], key=distinct.index)
            extras = rng.sample(EXTRA_WORDS, len(EXTRA_WORDS))
            extra = next((w for w in extras if w not in rare and lacks(paper_id, w)), None)
            if extra is not None:
                add("rare2", paper_id, title, " ".join(rare))
                add("extra2", paper_id, title, " ".join([*rare, extra]))
        if all(len(found) >= per_kind for found in cases.values()):
            break
    return [case for kind in KINDS for case in cases[kind]]


def draw(db_path: Path, per_kind: int, seed: int) -> tuple[int, list[Case]]:
    """How many papers the store at `db_path` holds, and cases made from them."""
    db = connect(db_path, read_only=True)
    try:
        papers = db.execute("SELECT id, title FROM papers ORDER BY id").fetchall()

        def lacks(paper_id: int, word: str) -> bool:
            found = db.execute(
                "SELECT 1 FROM paper_fts WHERE paper_fts MATCH ? AND rowid = ?",
                (quote(word), paper_id),
            ).fetchone()
            return found is None

        return len(papers), make_cases(papers, lacks, per_kind, seed)
    finally:
        db.close()


def _rank(found: Sequence[int], paper_id: int) -> int | None:
    return found.index(paper_id) if paper_id in found else None


async def evaluate(db_path: Path, cases: Sequence[Case]) -> Json:
    """Top-1 and top-5 shares and milliseconds per kind, for /paper and /search."""
    out: Json = {}
    async with Store.open(db_path, readonly=True) as store:
        lookup = LookupService(store)
        for kind in KINDS:
            mine = [c for c in cases if c.kind == kind]
            row: Json = {"n": len(mine), "misses": []}
            for op in ("paper", "search"):
                ranks, times = [], []
                for case in mine:
                    started = time.perf_counter_ns()
                    if op == "paper":
                        found = await lookup.suggest_titles(case.text)
                    else:
                        found = await lookup.search(case.text, limit=TOP)
                    times.append((time.perf_counter_ns() - started) / 1e6)
                    rank = _rank([p.id for p in found], case.paper_id)
                    ranks.append(rank)
                    if rank is None or rank >= TOP:
                        row["misses"].append({"op": op, "query": case.text, "title": case.title})
                n = max(len(mine), 1)
                row[op] = {
                    "top1": sum(r == 0 for r in ranks) / n,
                    "top5": sum(r is not None and r < TOP for r in ranks) / n,
                    "p50_ms": statistics.median(times) if times else 0.0,
                    "max_ms": max(times, default=0.0),
                }
            out[kind] = row
    return out


def render(results: Json) -> str:
    """The table the docs quote."""
    lines = [
        f"vault: {results['vault']}  papers {results['papers']:,}  seed {results['seed']}",
        "kind      n   /paper top-1  top-5   /search top-1  top-5   ms p50 paper/search",
    ]
    for kind in KINDS:
        r = results["quality"][kind]
        p, s = r["paper"], r["search"]
        lines.append(
            f"{kind:7} {r['n']:4}   {p['top1']:11.0%}  {p['top5']:5.0%}"
            f"   {s['top1']:12.0%}  {s['top5']:5.0%}   {p['p50_ms']:6.2f} / {s['p50_ms']:.2f}"
        )
    return "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
    """Command-line options."""
    parser = argparse.ArgumentParser(prog="python -m bench.lookup_quality", description=__doc__)
    vault_arguments(parser)
    parser.add_argument("--seed", type=int, default=0, help="paper and query sample seed")
    parser.add_argument("--per-kind", type=int, default=300, help="queries per kind")
    parser.add_argument("--misses", action="store_true", help="also print every miss")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Measure; returns the exit code."""
    args = build_parser().parse_args(argv)
    if (folders := working_folders(args, "paper-quality-bench-")) is None:
        return 2
    vault, out = folders
    db_path = out / "vault.sqlite3"
    measure_ingest(vault, db_path)
    papers, cases = draw(db_path, args.per_kind, args.seed)
    results: Json = {"vault": str(vault), "papers": papers, "seed": args.seed}
    results["quality"] = asyncio.run(evaluate(db_path, cases))
    (out / "results.json").write_text(json.dumps(results, indent=2, ensure_ascii=False))
    print(render(results))
    if args.misses:
        for kind in KINDS:
            for miss in results["quality"][kind]["misses"]:
                print(f"{kind:7} {miss['op']:6} {miss['query']!r:50} ← {miss['title'][:70]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
