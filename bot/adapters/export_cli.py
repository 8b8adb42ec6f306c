"""`paper-digest-bot export`: the papers of the notes as one file, for the operator and scripts.

The same filters and formats as `/export`, without Discord's size limit: the whole
export goes to a file or to stdout (bytes as they are, so a pipe gets valid UTF-8 and
the CSV its byte-order mark), and a one-line summary to stderr. It reads the store as
the last ingest left it (the running bot keeps it current) and never writes it.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any

from bot.adapters import exitcodes
from bot.config import Settings
from bot.core.export import (
    EXTENSIONS,
    FILE_STEM,
    FORMATS,
    BadFilter,
    ExportPaper,
    Filters,
    Format,
    filters_from,
    without_arxiv,
)
from bot.services.export import ExportService
from bot.store import Store

STDOUT = "-"


def add_export_parser(sub: Any) -> None:
    """Register `export` on the CLI's subcommands (`sub` from `add_subparsers`)."""
    p = sub.add_parser(
        "export",
        help="papers as Markdown, CSV, BibTeX or JSON, to a file or stdout",
        description="Export papers from the store (as the last ingest left it).",
    )
    p.add_argument("--tag", help="only papers with this tag, e.g. vq or #VQ")
    p.add_argument("--since", help="from this day, month or year, e.g. 2024-06")
    p.add_argument("--until", help="up to this day, month or year, e.g. 2024-12-31")
    p.add_argument("--format", choices=FORMATS, default="markdown", help="default: markdown")
    p.add_argument(
        "--output",
        "-o",
        default=STDOUT,
        metavar="PATH",
        help="the file to write (a folder: papers.<ext> in it); - or nothing for stdout",
    )


def _problem(bad: BadFilter, args: argparse.Namespace) -> str:
    if bad.what == "tag":
        return f"--tag {bad.value!r} is not a tag: give one like vq or #vision-language"
    if bad.what == "day":
        return f"{bad.value!r} is not a date: use a day (2024-06-12), a month (2024-06) or a year"
    return f"--since {args.since} comes after --until {args.until}: nothing is in between"


def _summary(count: int, fmt: Format, filters: Filters, where: str, incomplete: int) -> str:
    line = f"{count} paper{'' if count == 1 else 's'} ({filters.describe()}) as {fmt} to {where}"
    if fmt == "bibtex" and incomplete:
        line += (
            f"; {incomplete} reference{'' if incomplete == 1 else 's'} incomplete"
            " (no link to the paper's own arXiv page in the notes: no year or URL)"
        )
    return line


def cmd_export(args: argparse.Namespace, settings: Settings) -> int:
    """Write the export; exit 2 for unusable filters or a missing database."""
    try:
        filters = filters_from(args.tag, args.since, args.until)
    except BadFilter as bad:
        print(f"error: {_problem(bad, args)}", file=sys.stderr)
        return exitcodes.UNUSABLE
    if not settings.database_path.exists():
        print(
            f"error: no database at {settings.database_path}: run `paper-digest-bot ingest`"
            " first (or set DATABASE_PATH)",
            file=sys.stderr,
        )
        return exitcodes.UNUSABLE
    fmt: Format = args.format

    async def read() -> tuple[bytes, list[ExportPaper]]:
        async with Store.open(settings.database_path, readonly=True) as store:
            return await ExportService(store).document(filters, fmt)

    data, papers = asyncio.run(read())
    if str(args.output) == STDOUT:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        where = "stdout"
    else:
        path = Path(args.output)
        if path.is_dir():
            path = path / f"{FILE_STEM}.{EXTENSIONS[fmt]}"
        path.write_bytes(data)
        where = str(path)
    print(_summary(len(papers), fmt, filters, where, without_arxiv(papers)), file=sys.stderr)
    return exitcodes.OK
