"""The benchmark's synthetic archives must be notes the parser reads cleanly.

Otherwise the benchmark would time error handling instead of ingest. No timing here.
"""

from pathlib import Path

from bench.synth import TAGS, ArchiveSpec, generate
from bot.core.notes import parse_bytes
from bot.core.papers import paper_key


def _parse(root: Path):
    days, problems = [], []
    for path in sorted(root.rglob("*.txt")):
        result = parse_bytes(path.read_bytes(), path.name)
        days += result.days
        problems += result.problems
    return days, problems


def test_archive_parses_cleanly_with_expected_counts(tmp_path):
    spec = ArchiveSpec(entries=600, entries_per_day=10, days_per_file=3, seed=7)
    archive = generate(tmp_path / "a", spec)

    days, problems = _parse(archive.root)
    entries = [entry for day in days for entry in day.entries]

    assert problems == []
    assert len(entries) == archive.entries == 600
    assert len(days) == archive.days
    assert len(list(archive.root.rglob("*.txt"))) == archive.files == -(-archive.days // 3)
    assert len({paper_key(e.title) for e in entries}) == archive.papers < 600  # some repeats
    assert [d.date for d in days] == sorted({d.date for d in days})
    for entry in entries:
        assert 3 <= len(entry.authors) <= 80
        assert 1 <= len(entry.tags) <= 3 and set(entry.tags) <= set(TAGS)
        assert entry.commentary_ko
    assert any(e.org for e in entries)
    assert any(e.commentary_en for e in entries)
    assert any(link.startswith("https://arxiv.org/abs/") for e in entries for link in e.links)
    assert any(":" in e.title for e in entries)


def _contents(root: Path) -> list[bytes]:
    return [path.read_bytes() for path in sorted(root.rglob("*.txt"))]


def test_same_seed_same_bytes(tmp_path):
    first = generate(tmp_path / "1", ArchiveSpec(entries=120, seed=3)).root
    again = generate(tmp_path / "2", ArchiveSpec(entries=120, seed=3)).root
    other = generate(tmp_path / "3", ArchiveSpec(entries=120, seed=4)).root
    assert _contents(first) == _contents(again) != _contents(other)
