"""Exports: real files of each format (golden files on the seed notes), split within a byte
limit into whole files, filtered by tag and period, and the command-line export.

Regenerate the golden files after an intended change with ``UPDATE_GOLDEN=1``.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import re
from datetime import date
from pathlib import Path

import bibtexparser
import pytest
from bibtexparser.bparser import BibTexParser

from bot.adapters import exitcodes
from bot.adapters.export_cli import add_export_parser, cmd_export
from bot.config import Settings, load_settings
from bot.core.export import (
    CSV_COLUMNS,
    FORMATS,
    BadFilter,
    ExportPaper,
    Filters,
    Format,
    TooLarge,
    document,
    filters_from,
    period,
    split,
)
from bot.services.export import ExportService, TooMany
from bot.services.ingest import ingest
from bot.store import Store
from tests.conftest import SEEDS
from tests.test_cite import latex_text
from tests.test_cli import bot as run_bot

GOLDEN = Path(__file__).parent / "golden" / "export"
GOLDEN_NAMES: dict[Format, str] = {
    "markdown": "papers.md",
    "csv": "papers.csv",
    "bibtex": "papers.bib",
    "json": "papers.json",
}
SEED_PAPERS = 37
# A paper noted twice, and a day whose notes would format, link or quote if not escaped.
LATER_NOTES = """2024-07-01
Samba: Simple Hybrid State Space Models for Efficient Unlimited Context Language Modeling
(Liliang Ren, Yang Liu, Yadong Lu, Yelong Shen, Chen Liang, Weizhu Chen)
다시 읽어 보니 Sliding Window 크기가 중요하네요.
On a second reading, the sliding window size matters.
#state-space-model #long-context
*Bold* _Claims_ <b>HTML</b> [a](https://evil.example) & More
(Ada Lovelace)
# not a heading, > not a quote
- not a list, 1. not a list
`not code` | not a table | $not math$ &amp; ~~not struck~~
한국어 "인용" 과 쉼표, 그리고 줄바꿈이 있는 코멘트.
둘째 줄입니다.
A comment with "quotes", commas, and two lines.
The second line.
#escaping
"""


def parse_bibtex(text: str) -> list[dict[str, str]]:
    return list(bibtexparser.loads(text, parser=BibTexParser(common_strings=True)).entries)


def csv_rows(data: bytes) -> list[dict[str, str]]:
    assert data.startswith("\ufeff".encode())  # spreadsheets then read Korean as UTF-8
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def html(data: bytes) -> str:
    """Markdown as a CommonMark renderer shows it."""
    markdown_it = pytest.importorskip("markdown_it", reason="markdown-it-py (a dev extra)")
    rendered: str = markdown_it.MarkdownIt("commonmark").render(data.decode())
    return rendered


def titles_in(fmt: Format, data: bytes) -> list[str]:
    """The papers' titles a file holds, read back with each format's own reader."""
    if fmt == "csv":
        return [row["title"] for row in csv_rows(data)]
    if fmt == "json":
        return [paper["title"] for paper in json.loads(data)]
    if fmt == "bibtex":
        return [latex_text(entry["title"][1:-1]) for entry in parse_bibtex(data.decode())]
    return re.findall(r"<h2>(.*?)</h2>", html(data))


@pytest.fixture
async def seed_papers(seeded_store: Store) -> list[ExportPaper]:
    return await ExportService(seeded_store).papers(Filters())


@pytest.fixture
async def later_store(store: Store, tmp_path: Path) -> Store:
    notes = tmp_path / "notes"
    notes.mkdir()
    for seed in SEEDS.glob("*.txt"):
        (notes / seed.name).write_bytes(seed.read_bytes())
    (notes / "later.txt").write_text(LATER_NOTES, encoding="utf-8")
    await ingest(store, notes)
    return store


# ---- the formats -------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_golden_files_on_the_seed_notes(fmt: Format, seed_papers: list[ExportPaper]) -> None:
    data = document(seed_papers, fmt, Filters())
    golden = GOLDEN / GOLDEN_NAMES[fmt]
    if os.environ.get("UPDATE_GOLDEN"):
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_bytes(data)
    assert data == golden.read_bytes()


def test_bibtex_parses_one_entry_per_paper(seed_papers: list[ExportPaper]) -> None:
    entries = parse_bibtex(document(seed_papers, "bibtex", Filters()).decode())
    assert [latex_text(e["title"][1:-1]) for e in entries] == [p.title for p in seed_papers]
    assert len({e["ID"] for e in entries}) == SEED_PAPERS
    qwen = next(e for e in entries if e["title"].startswith("{Qwen2-VL"))
    assert qwen["author"] == "{Qwen Team}"
    assert qwen["keywords"] == "vision-language, video-language"
    # The daily files link no paper's own arXiv page: no year, month or eprint anywhere.
    assert not any({"year", "month", "eprint", "url"} & set(e) for e in entries)
    for entry, paper in zip(entries, seed_papers, strict=True):
        assert ("abstract" in entry) is bool(paper.abstract) and "annote" in entry


def test_bibtex_keys_are_unique_over_the_export() -> None:
    twins = [
        ExportPaper(title, ("Liliang Ren",), None, None, (), ()) for title in ("Samba", "Samba 2")
    ]
    entries = parse_bibtex(document(twins, "bibtex", Filters()).decode())
    keys = [e["ID"] for e in entries]
    assert len(set(keys)) == 2 and all(k.startswith("rensamba-") for k in keys)


def test_csv_has_one_row_per_paper_with_korean_intact(seed_papers: list[ExportPaper]) -> None:
    rows = csv_rows(document(seed_papers, "csv", Filters()))
    assert len(rows) == SEED_PAPERS and list(rows[0]) == list(CSV_COLUMNS)
    for row, paper in zip(rows, seed_papers, strict=True):
        assert row["title"] == paper.title
        assert row["authors"].split("; ") == list(paper.authors)
        assert row["commentary_ko"] == paper.notes[0].commentary_ko  # Hangul, lines, quotes
        assert row["abstract"] == (paper.abstract or "")
    assert "픽셀 패치 기반 VQ" in rows[0]["commentary_ko"]


def test_json_is_one_array_of_every_field(seed_papers: list[ExportPaper]) -> None:
    papers = json.loads(document(seed_papers, "json", Filters()))
    assert len(papers) == SEED_PAPERS
    first, paper = papers[0], seed_papers[0]
    assert first["title"] == paper.title and first["authors"] == list(paper.authors)
    assert first["tags"] == list(paper.tags) and first["links"] == list(paper.links)
    assert first["notes"] == [
        {"date": "2024-06-12", "commentary_ko": n.commentary_ko, "commentary_en": n.commentary_en}
        for n in paper.notes
    ]


def test_markdown_renders_headings_and_links(seed_papers: list[ExportPaper]) -> None:
    rendered = html(document(seed_papers, "markdown", Filters()))
    assert rendered.count("<h1>") == 1
    assert titles_in("markdown", document(seed_papers, "markdown", Filters())) == [
        p.title for p in seed_papers
    ]
    for link in {link for p in seed_papers for link in p.links}:
        assert f'<a href="{link}">' in rendered


async def test_markdown_shows_notes_as_written(later_store: Store) -> None:
    papers = await ExportService(later_store).papers(Filters(tag="escaping"))
    rendered = html(document(papers, "markdown", Filters(tag="escaping")))
    for tag in ("<em>", "<code>", "<blockquote>", "<ol>", "<del>", "<table>", ">a</a>"):
        assert tag not in rendered
    assert rendered.count("<h2>") == 1 and rendered.count("<ul>") == 1  # the facts only
    # A URL in the notes is a link to itself, never a masked link hiding where it goes.
    link = '<a href="https://evil.example">https://evil.example</a>'
    assert f"<h2>*Bold* _Claims_ &lt;b&gt;HTML&lt;/b&gt; [a]({link}) &amp; More</h2>" in rendered
    assert "# not a heading, &gt; not a quote" in rendered
    assert "`not code` | not a table | $not math$ &amp;amp; ~~not struck~~" in rendered


async def test_a_paper_noted_twice_keeps_both_notes_in_order(later_store: Store) -> None:
    [samba] = await ExportService(later_store).papers(Filters(tag="long-context"))
    assert [n.date for n in samba.notes] == [date(2024, 6, 12), date(2024, 7, 1)]
    assert samba.tags == ("state-space-model", "long-context")
    [row] = csv_rows(document([samba], "csv", Filters()))
    assert row["dates"] == "2024-06-12; 2024-07-01"
    assert row["commentary_ko"].startswith("[2024-06-12] Mamba + Sliding Window Attention.")
    assert "\n\n[2024-07-01] 다시 읽어 보니" in row["commentary_ko"]
    # The June note has no English: only July's, still dated as one of several notes.
    assert (
        row["commentary_en"] == "[2024-07-01] On a second reading, the sliding window size matters."
    )


# ---- filters -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-06-12", (date(2024, 6, 12), date(2024, 6, 12))),
        ("2024년 6월 12일", (date(2024, 6, 12), date(2024, 6, 12))),
        ("2024-06", (date(2024, 6, 1), date(2024, 6, 30))),
        ("2024.2", (date(2024, 2, 1), date(2024, 2, 29))),
        ("2024년 12월", (date(2024, 12, 1), date(2024, 12, 31))),
        ("2024", (date(2024, 1, 1), date(2024, 12, 31))),
        ("2024-13", None),
        ("2024-02-30", None),
        ("last week", None),
        ("", None),
    ],
)
def test_periods_as_members_type_them(text: str, expected: tuple[date, date] | None) -> None:
    assert period(text) == expected


def test_filters_from_what_was_typed() -> None:
    assert filters_from("#VQ", "2024-06", "2024-06") == Filters(
        "vq", date(2024, 6, 1), date(2024, 6, 30)
    )
    assert filters_from(None, None, None) == Filters()
    for args, what in (
        (("#", None, None), "tag"),
        ((None, "June", None), "day"),
        ((None, None, "2024-02-30"), "day"),
        ((None, "2024-07", "2024-06"), "backwards"),
    ):
        with pytest.raises(BadFilter) as raised:
            filters_from(*args)
        assert raised.value.what == what


async def test_tag_and_period_choose_papers_and_notes(later_store: Store) -> None:
    service = ExportService(later_store)
    vq = await service.papers(Filters(tag="vq"))
    assert len(vq) == 5 and all("vq" in p.tags for p in vq)
    june = await service.papers(Filters(since=date(2024, 6, 1), until=date(2024, 6, 30)))
    assert {n.date for p in june for n in p.notes} == {date(2024, 6, 12), date(2024, 6, 18)}
    later = await service.papers(Filters(tag="state-space-model", since=date(2024, 7, 1)))
    [samba] = later  # noted in June too, but only its July note is in July's export
    assert [n.date for n in samba.notes] == [date(2024, 7, 1)]
    assert await service.papers(Filters(tag="no-such-tag")) == []


# ---- splitting within a byte limit ------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_parts_are_whole_files_within_the_limit(
    fmt: Format, seed_papers: list[ExportPaper]
) -> None:
    limit = 20_000
    parts = split(seed_papers, fmt, Filters(), limit, max_parts=10)
    assert len(parts) > 2
    assert all(len(part.data) <= limit for part in parts)
    assert [p.filename for p in parts][:2] == [
        f"papers-1-of-{len(parts)}.{'md' if fmt == 'markdown' else GOLDEN_NAMES[fmt][7:]}",
        f"papers-2-of-{len(parts)}.{'md' if fmt == 'markdown' else GOLDEN_NAMES[fmt][7:]}",
    ]
    read = [titles_in(fmt, part.data) for part in parts]
    assert [len(titles) for titles in read] == [part.papers for part in parts]
    assert [title for titles in read for title in titles] == [p.title for p in seed_papers]
    if fmt == "bibtex":  # keys are unique over the whole export, not per part
        keys = [e["ID"] for part in parts for e in parse_bibtex(part.data.decode())]
        assert len(set(keys)) == SEED_PAPERS


def test_an_export_that_fits_is_one_file(seed_papers: list[ExportPaper]) -> None:
    [part] = split(seed_papers, "json", Filters(), 10 * 1024 * 1024, max_parts=5)
    assert part.filename == "papers.json" and part.papers == SEED_PAPERS
    assert part.data == document(seed_papers, "json", Filters())


def test_too_many_files_is_refused_with_a_start_that_fits(seed_papers: list[ExportPaper]) -> None:
    limit, most = 20_000, 2
    with pytest.raises(TooLarge) as raised:
        split(seed_papers, "markdown", Filters(), limit, most)
    assert raised.value.papers == SEED_PAPERS and raised.value.files > most
    since = raised.value.since
    assert since is not None
    newer = [p for p in seed_papers if p.notes[-1].date >= since]
    assert 0 < len(newer) < SEED_PAPERS
    assert len(split(newer, "markdown", Filters(since=since), limit, most)) <= most


def test_a_paper_larger_than_a_file_is_refused(seed_papers: list[ExportPaper]) -> None:
    with pytest.raises(TooLarge) as raised:
        split(seed_papers, "csv", Filters(), 1000, max_parts=100)
    assert raised.value.files == 0


async def test_more_papers_than_an_export_holds_are_refused_before_loading(
    seeded_store: Store,
) -> None:
    service = ExportService(seeded_store)
    with pytest.raises(TooMany) as raised:
        await service.files(Filters(), "csv", 10_000_000, max_papers=10)
    assert (raised.value.papers, raised.value.most) == (SEED_PAPERS, 10)
    since = raised.value.since
    assert since is not None
    export = await service.files(Filters(since=since), "csv", 10_000_000, max_papers=10)
    assert 0 < export.papers <= 10 and export.without_arxiv == export.papers


async def test_nothing_matching_is_no_files(seeded_store: Store) -> None:
    export = await ExportService(seeded_store).files(Filters(tag="nothing"), "json", 1000)
    assert (export.papers, export.parts) == (0, ())


# ---- the command line ----------------------------------------------------------------------


def export_args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_export_parser(parser.add_subparsers(dest="command"))
    return parser.parse_args(["export", *argv])


@pytest.fixture
def settings(seeded_store: Store, tmp_path: Path) -> Settings:
    database = next((tmp_path / "db").glob("*.sqlite3"))
    environ = {"NOTES_DIR": str(SEEDS), "DATABASE_PATH": str(database)}
    return load_settings(environ, dotenv_path=None)


def test_the_command_writes_a_file_or_a_folders_papers_file(
    settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    assert cmd_export(export_args("--format", "bibtex", "-o", str(out)), settings) == 0
    assert (out / "papers.bib").read_bytes() == (GOLDEN / "papers.bib").read_bytes()
    err = capsys.readouterr().err
    assert err.startswith("37 papers (all papers) as bibtex to ")
    assert "37 references incomplete (no link to the paper's own arXiv page" in err
    assert (
        cmd_export(
            export_args("--tag", "VQ", "-o", str(out / "vq.csv"), "--format", "csv"), settings
        )
        == 0
    )
    assert len(csv_rows((out / "vq.csv").read_bytes())) == 5


def test_the_command_writes_stdout_as_bytes(
    settings: Settings, capfdbinary: pytest.CaptureFixture[bytes]
) -> None:
    assert cmd_export(export_args("--since", "2024-12", "--format", "json"), settings) == 0
    out, err = capfdbinary.readouterr()
    papers = json.loads(out.decode("utf-8"))
    assert {d for p in papers for d in p["dates"]} == {"2024-12-05", "2024-12-17"}
    assert err.decode().startswith(f"{len(papers)} papers (2024-12-01 – …) as json to stdout")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("--since", "yesterday"), "'yesterday' is not a date"),
        (("--since", "2024-07", "--until", "2024-06"), "--since 2024-07 comes after --until"),
        (("--tag", "#"), "--tag '#' is not a tag"),
    ],
)
def test_the_command_refuses_unusable_filters(
    settings: Settings, argv: tuple[str, ...], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cmd_export(export_args(*argv), settings) == exitcodes.UNUSABLE
    assert message in capsys.readouterr().err


def test_python_m_bot_export_as_an_operator_runs_it(settings: Settings, tmp_path: Path) -> None:
    env = {"NOTES_DIR": str(SEEDS), "DATABASE_PATH": str(settings.database_path)}
    out = tmp_path / "papers.md"
    proc = run_bot("export", "--until", "2024-06", "-o", str(out), env=env, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.startswith("15 papers (… – 2024-06-30) as markdown to ")
    assert html(out.read_bytes()).count("<h2>") == 15


def test_the_command_needs_a_database(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = load_settings({"DATABASE_PATH": str(tmp_path / "none.sqlite3")}, dotenv_path=None)
    assert cmd_export(export_args(), missing) == exitcodes.UNUSABLE
    assert "run `paper-digest-bot ingest` first" in capsys.readouterr().err
    assert not (tmp_path / "none.sqlite3").exists()
