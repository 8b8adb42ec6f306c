"""`paper-digest-bot <command>` (or `python -m bot`): the operator's and the tests' way in.

Every command reads settings the way the bot does (environment over `.env` in the
working directory) and ends with a documented exit code (`bot.adapters.exitcodes`)
and, on failure, one line saying what, where and what to do.

Writers (`run`, `ingest`, `reindex`) hold the database lock (`bot.adapters.dblock`);
lookups keep the store current first when nobody else holds it (cheap: unchanged
files are only stat'ed), and otherwise read it as it is: the running bot keeps it
current. `check`, `backup`, `lint` and `parse` never write the store.
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

from bot.adapters import exitcodes
from bot.adapters.check import add_check_parser, cmd_check
from bot.adapters.dblock import DatabaseLock, DatabaseLocked, LockUnavailable
from bot.adapters.export_cli import add_export_parser, cmd_export
from bot.adapters.sync_cli import add_sync_parser, cmd_sync
from bot.config import ConfigError, Settings, load_settings
from bot.core.days import parse_day
from bot.core.notes import ParseResult
from bot.core.render import LANGUAGES, Message
from bot.core.shapes import parse_notes
from bot.services.digest import STYLES, DigestComposer
from bot.services.ingest import (
    MAX_FILE_BYTES,
    MassRemoval,
    NotesDirError,
    ingest,
    list_notes,
)
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


def _parse_paths(paths: Sequence[Path]) -> tuple[ParseResult, list[str]]:
    """Parse files and folders; also what could not be read (`path: why`)."""
    result = ParseResult()
    unread: list[str] = []
    for path in paths:
        if path.is_dir():
            listing = list_notes(path)
            files = list(listing.files.values())
            unread += [f"{path / line}" for line in listing.lines()]
        else:
            files = [path]
        for file in files:
            try:
                if file.stat().st_size > MAX_FILE_BYTES:
                    unread.append(f"{file}: larger than {MAX_FILE_BYTES >> 20} MB, not read")
                    continue
                data = file.read_bytes()
            except OSError as error:
                unread.append(f"{file}: cannot read it ({error.strerror or error})")
                continue
            result.extend(parse_notes(data, str(file)))
    return result, unread


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


def _existing(paths: Sequence[Path]) -> bool:
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        print(f"error: no such file or folder: {', '.join(missing)}", file=sys.stderr)
    return not missing


def cmd_parse(args: argparse.Namespace) -> int:
    if not _existing(args.paths):
        return exitcodes.UNUSABLE
    result, unread = _parse_paths(args.paths)
    for line in unread:
        print(f"problem: {line}", file=sys.stderr)
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
    return exitcodes.FAILURE if result.problems or unread else exitcodes.OK


def cmd_lint(args: argparse.Namespace) -> int:
    """Only the problems, one line each: fast enough for an editor or a pre-commit hook."""
    if not _existing(args.paths):
        return exitcodes.UNUSABLE
    result, unread = _parse_paths(args.paths)
    for line in [*unread, *map(str, result.problems)]:
        print(line)
    return exitcodes.FAILURE if result.problems or unread else exitcodes.OK


# ---- store commands ----------------------------------------------------------


async def _writing(
    settings: Settings, command: str, work: Callable[[Store], Awaitable[int]]
) -> int:
    """Run `work` holding the database lock (exit 4 when another process holds it)."""
    with DatabaseLock(settings.database_path, command):
        async with Store.open(settings.database_path) as store:
            return await work(store)


async def _reading(
    settings: Settings, work: Callable[[Store], Awaitable[int]], refresh: bool = True
) -> int:
    """Run a read-only command: refresh the store first when nobody holds it, else read
    it as it is (the running bot keeps it current)."""
    if refresh:
        try:
            with DatabaseLock(settings.database_path, "lookup"):
                async with Store.open(settings.database_path) as store:
                    try:
                        await ingest(store, settings.notes_dir)
                    except MassRemoval as refusal:  # answer from the library as it is
                        log.warning("not refreshing the store first: %s", refusal)
                    return await work(store)
        except (DatabaseLocked, LockUnavailable) as reason:
            log.info("not refreshing the store first: %s", reason)
    async with Store.open(settings.database_path, readonly=True) as store:
        return await work(store)


def cmd_ingest(args: argparse.Namespace, settings: Settings) -> int:
    async def work(store: Store) -> int:
        report = await ingest(store, settings.notes_dir, allow_removal=args.allow_removal)
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
                    "skipped": list(report.skipped),
                }
            )
        else:
            print("\n".join(report.lines()))
        return exitcodes.OK

    return asyncio.run(_writing(settings, "paper-digest-bot ingest", work))


def cmd_reindex(args: argparse.Namespace, settings: Settings) -> int:
    async def work(store: Store) -> int:
        papers = await store.reindex()
        print(f"search indexes rebuilt for {papers} papers")
        return exitcodes.OK

    return asyncio.run(_writing(settings, "paper-digest-bot reindex", work))


def cmd_backup(args: argparse.Namespace, settings: Settings) -> int:
    """A consistent copy through SQLite's online backup API, safe beside a running bot."""
    dest: Path = args.path
    if dest.is_dir():
        dest = dest / settings.database_path.name

    async def work(store: Store) -> int:
        await store.backup(dest)
        print(f"backed up {settings.database_path} to {dest}")
        return exitcodes.OK

    return asyncio.run(_reading(settings, work, refresh=False))


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

        return asyncio.run(_reading(settings, work, refresh=not args.no_ingest))

    return run


cmd_paper = _lookup_command(lambda s, a: s.suggest_titles(" ".join(a.query)))
cmd_search = _lookup_command(lambda s, a: s.search(" ".join(a.query), limit=a.limit))
cmd_tag = _lookup_command(lambda s, a: s.by_tag(" ".join(a.query), limit=a.limit))


def cmd_tags(args: argparse.Namespace, settings: Settings) -> int:
    async def work(store: Store) -> int:
        counts: list[TagCount] = await LookupService(store).tags()
        if args.json:
            _print_json({"tags": [{"tag": t.tag, "papers": t.papers} for t in counts]})
        else:
            print(_table(("tag", "papers"), [(f"#{t.tag}", str(t.papers)) for t in counts]))
        return 0

    return asyncio.run(_reading(settings, work, refresh=not args.no_ingest))


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

    return asyncio.run(_reading(settings, work, refresh=not args.no_ingest))


def _iso_date(text: str) -> str:
    """A day as `/digest date:` takes it (one parser for the CLI and the commands)."""
    day = parse_day(text)
    if day is None:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2024-06-12")
    return day.isoformat()


# ---- run / sandbox -----------------------------------------------------------


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    if not settings.discord_token:
        if args.sandbox_without_token:
            print(f"{NO_TOKEN}.\nStarting the local Discord stand-in instead.", file=sys.stderr)
            return cmd_sandbox([])
        print(f"error: {NO_TOKEN}", file=sys.stderr)
        return exitcodes.UNUSABLE
    # discord.py and the health server load only for `run`.
    from bot.adapters.discord.runner import run_bot
    from bot.adapters.health import HealthPortError

    async def work(store: Store) -> int:
        if store.readonly:  # it could post digests but never record them: duplicates
            raise StoreError(
                f"the database {settings.database_path} is read-only: the bot records every"
                " digest it posts; make the file and its folder writable for the bot's user"
            )
        if damage := await store.quick_check():
            raise StoreError(
                f"the database {settings.database_path} is damaged ({damage[0]}): restore"
                " the latest backup (README, Operating) or move the file away to rebuild it"
            )
        try:
            report = await ingest(store, settings.notes_dir)
        except MassRemoval as refusal:
            log.error("notes not ingested: %s", refusal)
            return await run_bot(settings, store, ("refused", None))
        for line in report.lines()[:2]:
            log.info("%s", line)
        for problem in report.problems:
            log.warning("notes problem: %s", problem)
        for why in report.skipped:
            log.warning("notes file skipped: %s", why)
        return await run_bot(settings, store, ("ok", len(report.problems)))

    try:
        return asyncio.run(_writing(settings, "paper-digest-bot run", work))
    except HealthPortError as error:
        print(f"error: {error}", file=sys.stderr)
        return exitcodes.UNUSABLE


def cmd_sandbox(options: Sequence[str]) -> int:
    """Hand over to the stand-in's own entry point; the bot never imports it."""
    argv = [sys.executable, "-m", "bot.sandbox", *options]
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(sys.executable, argv)


# ---- wiring ------------------------------------------------------------------


def program_name(argv0: str = sys.argv[0]) -> str:
    """`paper-digest-bot` when run as the console script, `python -m bot` otherwise."""
    name = Path(argv0).name
    return "python -m bot" if name in ("__main__.py", "") else name


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (also used by tests to check every command has --help)."""
    parser = argparse.ArgumentParser(
        prog=program_name(),
        description="Paper notes → Discord digest and searchable library.",
        epilog="Exit codes: 0 ok; 1 failed or found problems; 2 bad configuration or an"
        " unusable database or notes folder; 3 token rejected; 4 another process holds the"
        " database.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("parse", help="parse notes files or folders (the store is not touched)")
    p.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    p.add_argument("--json", action="store_true", help="print JSON")

    p = sub.add_parser(
        "lint",
        help="only the problems of notes files or folders, one line each (for editors and hooks)",
    )
    p.add_argument("paths", nargs="+", type=Path, metavar="PATH")

    p = sub.add_parser("ingest", help="build or update the store from NOTES_DIR")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument(
        "--allow-removal",
        action="store_true",
        help="let this run remove more than half of the papers (refused otherwise)",
    )

    sub.add_parser("reindex", help="rebuild the search indexes from the stored notes")

    p = sub.add_parser("backup", help="a consistent copy of the database (safe while the bot runs)")
    p.add_argument("path", type=Path, metavar="PATH", help="the copy's file (or a folder)")

    add_check_parser(sub)
    add_export_parser(sub)
    add_sync_parser(sub)

    p = sub.add_parser("run", help="ingest, then run the bot until SIGTERM/SIGINT")
    p.add_argument(
        "--sandbox-without-token",
        action="store_true",
        help="without DISCORD_TOKEN, start the local Discord stand-in instead of failing",
    )

    sub.add_parser(
        "sandbox",
        help="run the bot against the local Discord stand-in (sandbox --help)",
        add_help=False,
    )

    def lookup(name: str, help_text: str, arg_help: str, limit: bool) -> None:
        p = sub.add_parser(name, help=help_text)
        # Words, so a query may start with `-` (`search -x` searches for "-x").
        p.add_argument("query", nargs="*", metavar="QUERY", help=arg_help)
        if limit:
            p.add_argument("--limit", type=int, default=25, help="at most this many results")
        p.add_argument("--json", action="store_true", help="print JSON")
        p.add_argument("--no-ingest", action="store_true", help="do not refresh the store first")

    lookup("paper", "title suggestions, as /paper autocomplete shows them", "title text", False)
    lookup("search", "full-text search over titles, authors, abstracts, commentary", "words", True)
    lookup("tag", "papers with a tag, newest first", "tag, e.g. vq or #VQ", True)

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
    "reindex": cmd_reindex,
    "backup": cmd_backup,
    "check": cmd_check,
    "export": cmd_export,
    "sync": cmd_sync,
    "run": cmd_run,
    "paper": cmd_paper,
    "search": cmd_search,
    "tag": cmd_tag,
    "tags": cmd_tags,
    "digest": cmd_digest,
}
LOOKUPS = ("paper", "search", "tag")


def _failure(error: BaseException) -> int:
    """One line for a failure an operator can act on, and its exit code."""
    print(f"error: {error}", file=sys.stderr)
    if isinstance(error, DatabaseLocked):
        return exitcodes.LOCKED
    if isinstance(error, MassRemoval):
        return exitcodes.FAILURE
    return exitcodes.UNUSABLE


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the process exit code."""
    parser = build_parser()
    args, rest = parser.parse_known_args(argv)
    if args.command == "sandbox":  # the stand-in parses its own options
        return cmd_sandbox(rest)
    if args.command in LOOKUPS:
        args.query += rest  # words that look like options are part of the query
        if not args.query:
            parser.error(f"{args.command}: give the words to look up")
    elif rest:
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    if args.command == "parse":
        return cmd_parse(args)
    if args.command == "lint":
        return cmd_lint(args)
    try:
        settings = load_settings()
    except ConfigError as error:
        print(error, file=sys.stderr)
        return exitcodes.UNUSABLE
    from bot.adapters.logs import setup_logging

    setup_logging(settings.log_level, [settings.discord_token or ""], settings.log_format)
    try:
        return COMMANDS[args.command](args, settings)
    except (NotesDirError, StoreError, DatabaseLocked, LockUnavailable, MassRemoval) as error:
        return _failure(error)
    except OSError as error:  # the disk: full, read-only, gone
        where = f" ({error.filename})" if error.filename else ""
        print(
            f"error: {error.strerror or error}{where}: check the disk and the paths in"
            " NOTES_DIR and DATABASE_PATH",
            file=sys.stderr,
        )
        return exitcodes.UNUSABLE
    except KeyboardInterrupt:
        return 130
