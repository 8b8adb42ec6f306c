"""`python -m bot <command>`: the operator's and the tests' way in.

Every command reads settings the way the bot does (environment over `.env`).
Lookups keep the store current first (cheap: unchanged files are only stat'ed),
so what they print is what the bot would answer.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
from collections.abc import Awaitable, Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from bot.config import ConfigError, Settings, load_settings
from bot.core.notes import ParseResult, parse_bytes
from bot.core.render import LANGUAGES, Message
from bot.services.digest import STYLES, DigestComposer
from bot.services.ingest import NotesDirError, ingest, notes_files
from bot.services.lookup import LookupService
from bot.store import PaperSummary, Store, StoreError, TagCount

log = logging.getLogger("bot")

NO_TOKEN = (
    "DISCORD_TOKEN is not set: create a bot at https://discord.com/developers/applications"
    " (Bot → Reset Token) and put DISCORD_TOKEN=... in .env (see .env.example)"
)


def _print_json(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2))


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A plain-text table; wide cells are cut with … so a row stays on one line."""
    cut = [[cell if len(cell) <= 70 else cell[:69] + "…" for cell in row] for row in rows]
    widths = [max([len(h), *(len(r[i]) for r in cut)]) for i, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))]
    lines.append("  ".join("─" * w for w in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in cut]
    return "\n".join(line.rstrip() for line in lines)


# ---- parse -------------------------------------------------------------------


def _parse_paths(paths: Sequence[Path]) -> ParseResult:
    result = ParseResult()
    for path in paths:
        files = notes_files(path) if path.is_dir() else [path]
        for file in files:
            result.extend(parse_bytes(file.read_bytes(), str(file)))
    return result


def parse_result_json(result: ParseResult) -> dict[str, Any]:
    """The `parse --json` document."""
    return {
        "days": [
            {
                "date": day.date.isoformat(),
                "source": day.source,
                "entries": [
                    {
                        "title": e.title,
                        "authors": list(e.authors),
                        "org": e.org,
                        "abstract": e.abstract,
                        "commentary_ko": e.commentary_ko,
                        "commentary_en": e.commentary_en,
                        "tags": list(e.tags),
                        "links": list(e.links),
                        "line": e.line,
                    }
                    for e in day.entries
                ],
            }
            for day in result.days
        ],
        "problems": [
            {"source": p.source, "line": p.line, "message": p.message} for p in result.problems
        ],
    }


def cmd_parse(args: argparse.Namespace) -> int:
    missing = [str(p) for p in args.paths if not p.exists()]
    if missing:
        print(f"no such file or folder: {', '.join(missing)}", file=sys.stderr)
        return 2
    result = _parse_paths(args.paths)
    if args.json:
        _print_json(parse_result_json(result))
    else:
        for day in result.days:
            print(f"{day.date}  {day.source}:{day.line}  {len(day.entries)} entries")
            for e in day.entries:
                tags = " ".join(f"#{t}" for t in e.tags)
                print(f"  {e.line:>4}  {e.title}  {tags}")
        for problem in result.problems:
            print(f"problem: {problem}", file=sys.stderr)
        print(f"{result.entry_count} entries over {len(result.days)} days", file=sys.stderr)
    return 1 if result.problems else 0


# ---- store commands ----------------------------------------------------------


async def _with_store(
    settings: Settings, work: Callable[[Store], Awaitable[int]], refresh: bool = True
) -> int:
    async with Store.open(settings.database_path) as store:
        if refresh:
            await ingest(store, settings.notes_dir)
        return await work(store)


def cmd_ingest(args: argparse.Namespace, settings: Settings) -> int:
    async def work(store: Store) -> int:
        report = await ingest(store, settings.notes_dir)
        if args.json:
            _print_json(
                {
                    "files": report.files_seen,
                    "changed": list(report.files_changed),
                    "removed": list(report.files_removed),
                    "papers": {
                        "added": report.changes.added,
                        "updated": report.changes.updated,
                        "removed": report.changes.removed,
                    },
                    "problems": [
                        {"source": p.source, "line": p.line, "message": p.message}
                        for p in report.problems
                    ],
                }
            )
        else:
            print("\n".join(report.lines()))
        return 0

    return asyncio.run(_with_store(settings, work, refresh=False))


def _results(papers: Sequence[PaperSummary], as_json: bool) -> None:
    if as_json:
        _print_json(
            {
                "results": [
                    {"title": p.title, "date": p.date.isoformat(), "tags": list(p.tags)}
                    for p in papers
                ]
            }
        )
    elif papers:
        rows = [
            (str(i), p.date.isoformat(), p.title, " ".join(p.tags)) for i, p in enumerate(papers, 1)
        ]
        print(_table(("#", "date", "title", "tags"), rows))
    else:
        print("no papers found")


def _lookup_command(
    query: Callable[[LookupService, argparse.Namespace], Awaitable[list[PaperSummary]]],
) -> Callable[[argparse.Namespace, Settings], int]:
    def run(args: argparse.Namespace, settings: Settings) -> int:
        async def work(store: Store) -> int:
            _results(await query(LookupService(store), args), args.json)
            return 0

        return asyncio.run(_with_store(settings, work, refresh=not args.no_ingest))

    return run


cmd_paper = _lookup_command(lambda s, a: s.suggest_titles(a.query))
cmd_search = _lookup_command(lambda s, a: s.search(a.query, limit=a.limit))
cmd_tag = _lookup_command(lambda s, a: s.by_tag(a.tag, limit=a.limit))


def cmd_tags(args: argparse.Namespace, settings: Settings) -> int:
    async def work(store: Store) -> int:
        counts: list[TagCount] = await LookupService(store).tags()
        if args.json:
            _print_json({"tags": [{"tag": t.tag, "papers": t.papers} for t in counts]})
        else:
            print(_table(("tag", "papers"), [(f"#{t.tag}", str(t.papers)) for t in counts]))
        return 0

    return asyncio.run(_with_store(settings, work, refresh=not args.no_ingest))


def _preview(messages: Sequence[Message], where: str) -> str:
    """A readable rendering of messages: what a member would see, limits visible."""
    out: list[str] = []
    for number, message in enumerate(messages, start=1):
        size = sum(e.size() for e in message.embeds)
        out.append(f"── {where} message {number}: {len(message.embeds)} embeds, {size}/6000 ──")
        if message.content:
            out.append(message.content)
        for embed in message.embeds:
            if embed.title:
                out.append(f"  ▌ {embed.title}" + (f"  <{embed.url}>" if embed.url else ""))
            if embed.description:
                out += [f"  ▌ {line}" for line in embed.description.splitlines()]
            for f in embed.fields:
                out.append(f"  ▌ [{f.name}] " + f.value.replace("\n", " · "))
            if embed.footer:
                out.append(f"  ▌ — {embed.footer}")
            out.append("")
    return "\n".join(out)


def cmd_digest(args: argparse.Namespace, settings: Settings) -> int:
    async def work(store: Store) -> int:
        day = date.fromisoformat(args.date)
        lead, threaded = await DigestComposer(store).render(day, args.language, args.style)
        if not lead:
            print(f"no notes for {day}", file=sys.stderr)
            return 1
        if args.json:
            _print_json([m.to_dict() for m in lead + threaded])
        else:
            print(_preview(lead, "channel"))
            if threaded:
                print(_preview(threaded, "thread"))
        return 0

    return asyncio.run(_with_store(settings, work, refresh=not args.no_ingest))


def _iso_date(text: str) -> str:
    try:
        date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2024-06-12") from None
    return text


# ---- run / sandbox -----------------------------------------------------------


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    if not settings.discord_token:
        if args.sandbox_without_token:
            print(f"{NO_TOKEN}.\nStarting the local Discord stand-in instead.", file=sys.stderr)
            return cmd_sandbox([])
        print(NO_TOKEN, file=sys.stderr)
        return 2
    from bot.adapters.discord.runner import run_bot  # discord.py loads only for `run`

    async def work(store: Store) -> int:
        report = await ingest(store, settings.notes_dir)
        for line in report.lines()[:2]:
            log.info("%s", line)
        for problem in report.problems:
            log.warning("notes problem: %s", problem)
        return await run_bot(settings, store)

    return asyncio.run(_with_store(settings, work, refresh=False))


def cmd_sandbox(options: Sequence[str]) -> int:
    """Hand over to the stand-in's own entry point; the bot never imports it."""
    argv = [sys.executable, "-m", "bot.sandbox", *options]
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(sys.executable, argv)


# ---- wiring ------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (also used by tests to check every command has --help)."""
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="Paper notes → Discord digest and searchable library.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("parse", help="parse notes files or folders (the store is not touched)")
    p.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    p.add_argument("--json", action="store_true", help="print JSON")

    p = sub.add_parser("ingest", help="build or update the store from NOTES_DIR")
    p.add_argument("--json", action="store_true", help="print JSON")

    p = sub.add_parser("run", help="ingest, then run the bot until SIGTERM/SIGINT")
    p.add_argument(
        "--sandbox-without-token",
        action="store_true",
        help="without DISCORD_TOKEN, start the local Discord stand-in instead of failing",
    )

    sub.add_parser(
        "sandbox",
        help="run the bot against the local Discord stand-in (python -m bot sandbox --help)",
        add_help=False,
    )

    def lookup(name: str, help_text: str, arg: str, arg_help: str, limit: bool) -> None:
        p = sub.add_parser(name, help=help_text)
        p.add_argument(arg, help=arg_help)
        if limit:
            p.add_argument("--limit", type=int, default=25, help="at most this many results")
        p.add_argument("--json", action="store_true", help="print JSON")
        p.add_argument("--no-ingest", action="store_true", help="do not refresh the store first")

    lookup(
        "paper",
        "title suggestions, as /paper autocomplete shows them",
        "query",
        "title text",
        False,
    )
    lookup(
        "search",
        "full-text search over titles, authors, abstracts, commentary",
        "query",
        "words",
        True,
    )
    lookup("tag", "papers with a tag, newest first", "tag", "tag, e.g. vq or #VQ", True)

    p = sub.add_parser("digest", help="preview a day's digest exactly as it would be posted")
    p.add_argument("--date", required=True, type=_iso_date, help="the day, YYYY-MM-DD")
    p.add_argument("--language", choices=LANGUAGES, default="both", help="commentary language")
    p.add_argument("--style", choices=STYLES, default="full", help="full embeds or compact list")
    p.add_argument("--json", action="store_true", help="print the message payloads as JSON")
    p.add_argument("--no-ingest", action="store_true", help="do not refresh the store first")

    p = sub.add_parser("tags", help="every tag with its number of papers")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--no-ingest", action="store_true", help="do not refresh the store first")
    return parser


COMMANDS: dict[str, Callable[[argparse.Namespace, Settings], int]] = {
    "ingest": cmd_ingest,
    "run": cmd_run,
    "paper": cmd_paper,
    "search": cmd_search,
    "tag": cmd_tag,
    "tags": cmd_tags,
    "digest": cmd_digest,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the process exit code."""
    parser = build_parser()
    args, rest = parser.parse_known_args(argv)
    if args.command == "sandbox":  # the stand-in parses its own options
        return cmd_sandbox(rest)
    if rest:
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    if args.command == "parse":
        return cmd_parse(args)
    try:
        settings = load_settings()
    except ConfigError as error:
        print(error, file=sys.stderr)
        return 2
    from bot.adapters.logs import setup_logging

    setup_logging(settings.log_level, [settings.discord_token or ""])
    try:
        return COMMANDS[args.command](args, settings)
    except (NotesDirError, StoreError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
