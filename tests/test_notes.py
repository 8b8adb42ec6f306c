"""The notes parser: the seed files, and every messy case real files bring."""

from __future__ import annotations

import unicodedata
from datetime import date
from pathlib import Path

import pytest

from bot.core.notes import Entry, decode_notes, parse_bytes, parse_date, parse_text, split_lines

ENTRY = """\
Samba: Simple Hybrid State Space Models
(Liliang Ren, Yang Liu)
Efficiently modeling sequences with infinite context length.
Mamba + Sliding Window Attention. Griffin (https://arxiv.org/abs/2402.19427) 과 비슷합니다.
Similar to Griffin.
#state-space-model
"""


def only_entry(text: str) -> Entry:
    result = parse_text(text, "t.txt")
    assert result.problems == []
    assert len(result.days) == 1 and len(result.days[0].entries) == 1
    return result.days[0].entries[0]


def test_seed_files_parse_cleanly(seeds: Path) -> None:
    days, entries, tags = 0, 0, set()
    for path in sorted(seeds.iterdir()):
        result = parse_bytes(path.read_bytes(), path.name)
        assert result.problems == [], result.problems
        days += len(result.days)
        entries += result.entry_count
        tags |= {t for d in result.days for e in d.entries for t in e.tags}
    assert (days, entries, len(tags)) == (5, 37, 24)


def test_seed_entry_fields(seeds: Path) -> None:
    result = parse_bytes((seeds / "001_9ef098b9bcb86a08.txt").read_bytes(), "001")
    day = result.days[0]
    assert day.date == date(2024, 6, 18)
    nemotron = next(e for e in day.entries if e.title.startswith("Nemotron-4"))
    assert nemotron.org == "Nvidia"
    assert len(nemotron.authors) == 81
    assert nemotron.authors[0] == "Bo Adler"
    assert nemotron.tags == ("llm", "alignment")
    assert nemotron.abstract and nemotron.abstract.startswith("We release the Nemotron-4")
    assert nemotron.commentary_ko.count("\n") == 3
    assert nemotron.commentary_en == ""
    assert "https://arxiv.org/abs/2406.08673" in nemotron.links


def test_group_author_and_no_abstract(seeds: Path) -> None:
    result = parse_bytes((seeds / "003_e2bda78a80f95074.txt").read_bytes(), "003")
    qwen = next(e for e in result.days[0].entries if e.title.startswith("Qwen2-VL"))
    assert qwen.authors == ("Qwen Team",)
    assert qwen.org is None
    assert qwen.abstract is None
    assert qwen.commentary_ko.startswith("Qwen2-VL이 나왔군요")


def test_korean_then_english_commentary() -> None:
    entry = only_entry("2024년 6월 12일\n" + ENTRY)
    assert entry.abstract == "Efficiently modeling sequences with infinite context length."
    assert entry.commentary_ko.startswith("Mamba + Sliding")
    assert entry.commentary_en == "Similar to Griffin."
    assert entry.links == ("https://arxiv.org/abs/2402.19427",)
    assert entry.line == 2


def test_bom_crlf_trailing_spaces_and_blank_lines() -> None:
    text = "\ufeff2024년 6월 12일  \r\n\r\n" + ENTRY.replace("\n", "   \r\n") + "\r\n\r\n"
    result = parse_bytes(text.encode("utf-8"), "t.txt")
    assert result.problems == []
    entry = result.days[0].entries[0]
    assert entry.title == "Samba: Simple Hybrid State Space Models"
    assert entry.tags == ("state-space-model",)
    assert entry.commentary_en == "Similar to Griffin."


def test_old_mac_line_endings() -> None:
    entry = only_entry(("2024-06-12\n" + ENTRY).replace("\n", "\r"))
    assert entry.tags == ("state-space-model",)


def test_last_entry_without_tag_line_or_final_newline() -> None:
    text = "2024년 6월 12일\n" + ENTRY + "Second Paper\n(A. Author)\n다음 논문입니다."
    result = parse_text(text, "t.txt")
    assert result.problems == []
    second = result.days[0].entries[1]
    assert second.title == "Second Paper"
    assert second.tags == ()
    assert second.commentary_ko == "다음 논문입니다."


def test_missing_tag_line_mid_file_splits_at_next_title() -> None:
    text = "2024-06-12\nFirst Paper\n(A. Author)\n첫 논문.\n\n" + ENTRY
    entries = parse_text(text, "t.txt").days[0].entries
    assert [e.title for e in entries] == ["First Paper", ENTRY.splitlines()[0]]
    assert entries[0].commentary_ko == "첫 논문."


def test_hash_inside_commentary_is_not_a_tag_line() -> None:
    text = (
        "2024-06-12\nA Paper\n(A. Author)\n"
        "C# 코드를 생성합니다.\n#1 위치의 모델이 좋네요.\n#Code #LLM\n"
    )
    entry = only_entry(text)
    assert entry.commentary_ko == "C# 코드를 생성합니다.\n#1 위치의 모델이 좋네요."
    assert entry.tags == ("code", "llm")


def test_mixed_case_tags_are_lowered_and_deduplicated() -> None:
    entry = only_entry("2024-06-12\nA Paper\n(A)\n설명.\n#VQ #Image-Generation #vq\n")
    assert entry.tags == ("vq", "image-generation")


def test_several_date_headers_in_one_file() -> None:
    text = "2024년 6월 12일\n" + ENTRY + "\n2024년 6월 13일\n" + ENTRY.replace("Samba", "Mamba")
    result = parse_text(text, "t.txt")
    assert [d.date for d in result.days] == [date(2024, 6, 12), date(2024, 6, 13)]
    assert result.days[1].entries[0].title.startswith("Mamba")
    assert result.days[1].line == 9


def test_nfd_korean_is_normalised_to_nfc() -> None:
    text = unicodedata.normalize("NFD", "2024년 6월 12일\n" + ENTRY)
    entry = only_entry(text)
    assert "비슷합니다" in entry.commentary_ko
    assert unicodedata.is_normalized("NFC", entry.commentary_ko)


def test_cp949_file_is_decoded() -> None:
    data = ("2024년 6월 12일\n" + ENTRY).encode("cp949")
    result = parse_bytes(data, "t.txt")
    assert result.problems == []
    assert "비슷합니다" in result.days[0].entries[0].commentary_ko


def test_undecodable_bytes_are_reported_not_fatal() -> None:
    data = ("2024-06-12\n" + ENTRY).encode("utf-8") + b"\xff\xfe\xff\n"
    result = parse_bytes(data, "bad.txt")
    assert result.days[0].entries[0].title.startswith("Samba")
    assert (result.problems[0].source, result.problems[0].line) == ("bad.txt", 8)
    assert "not valid UTF-8" in result.problems[0].message


def test_empty_file() -> None:
    assert parse_bytes(b"", "empty.txt").days == []
    assert parse_bytes(b"", "empty.txt").problems == []
    assert parse_bytes(b"\n\n  \n", "blank.txt").problems == []


def test_missing_date_is_reported_and_day_skipped() -> None:
    result = parse_text(ENTRY, "nodate.txt")
    assert result.days == []
    assert result.problems[0].line == 1
    assert "missing date header" in result.problems[0].message


def test_invalid_date_is_reported_and_later_days_kept() -> None:
    text = "2024년 2월 30일\n" + ENTRY + "2024년 3월 1일\n" + ENTRY
    result = parse_text(text, "t.txt")
    assert [d.date for d in result.days] == [date(2024, 3, 1)]
    assert result.problems[0].line == 1
    assert "invalid date" in result.problems[0].message


def test_parse_date_forms() -> None:
    assert parse_date("2024년 6월 12일") == date(2024, 6, 12)
    assert parse_date("2024년6월12일 (수)") == date(2024, 6, 12)
    assert parse_date("2024-06-12") == date(2024, 6, 12)
    assert parse_date("Samba: Simple Hybrid") is None
    assert isinstance(parse_date("2024년 13월 1일"), str)
    assert isinstance(parse_date("2024년 6월"), str)


def test_title_without_authors_is_kept_and_reported() -> None:
    result = parse_text("2024-06-12\nA Paper\n설명입니다.\n#misc\n", "t.txt")
    assert result.days[0].entries[0].title == "A Paper"
    assert result.days[0].entries[0].commentary_ko == "설명입니다."
    assert result.problems[0].line == 3
    assert "authors" in result.problems[0].message


def test_stray_tag_line_is_reported() -> None:
    result = parse_text("2024-06-12\n" + ENTRY + "#orphan\n", "t.txt")
    assert result.entry_count == 1
    assert result.problems[0].line == 8


def test_arxiv_links_are_normalised() -> None:
    text = (
        "2024-06-12\nA Paper\n(A)\n"
        "링크 https://arxiv.org/pdf/2406.07550v2.pdf 그리고 (http://arxiv.org/abs/2406.07550).\n"
        "See https://github.com/x/y.\n#misc\n"
    )
    entry = only_entry(text)
    assert entry.links == ("https://arxiv.org/abs/2406.07550", "https://github.com/x/y")


def test_org_prefix_and_plain_list() -> None:
    entry = only_entry("2024-06-12\nT\n(Nvidia: Bo Adler, Niket Agarwal)\n설명.\n#a\n")
    assert (entry.org, entry.authors) == ("Nvidia", ("Bo Adler", "Niket Agarwal"))


def parsed(text: str) -> tuple[list[Entry], list[tuple[int, str]]]:
    """A one-day text's entries, and its problems as (line, message)."""
    result = parse_text(text, "t.txt")
    return list(result.days[0].entries), [(p.line, p.message) for p in result.problems]


def test_entry_without_tags_runs_straight_into_the_next_title() -> None:
    text = (
        "2024-06-12\nFirst Paper\n(A. Author)\n첫 논문.\n"
        "Second Paper: A Title\n(Bo Adler, Niket Agarwal)\n둘째 논문.\n#b\n"
    )
    (first, second), problems = parsed(text)
    assert (first.title, first.commentary_ko, first.tags) == ("First Paper", "첫 논문.", ())
    assert (second.title, second.authors, second.tags) == (
        "Second Paper: A Title",
        ("Bo Adler", "Niket Agarwal"),
        ("b",),
    )
    assert problems == [(5, "the entry above has no tag line: this line starts a new one")]


def test_seed_entries_without_their_tag_lines_still_split(seeds: Path) -> None:
    for path in sorted(seeds.iterdir()):
        text = path.read_text()
        untagged = "\n".join(line for line in text.split("\n") if not line.startswith("#"))
        titles = [e.title for d in parse_text(text, "t").days for e in d.entries]
        result = parse_text(untagged, "t")
        assert [e.title for d in result.days for e in d.entries] == titles
        assert len(result.problems) == len(titles) - 1


def test_remarks_in_parentheses_stay_in_the_commentary() -> None:
    text = (
        "2024-06-12\nA Paper\n(A. Author)\n설명입니다.\nAn English line\n"
        "(though I doubt it.)\nAnother English line\n(Really?)\n#a\n"
    )
    entry = only_entry(text)
    assert entry.commentary_en == (
        "An English line\n(though I doubt it.)\nAnother English line\n(Really?)"
    )


def test_tag_line_with_a_stray_word_is_a_tag_line_and_a_problem() -> None:
    text = (
        "2024-06-12\nA Paper\n(A)\n설명.\n#text-to-image #vision-language #autoregressive-model F\n"
        "Next Paper\n(B)\n다음.\n#llm\n"
    )
    (first, second), problems = parsed(text)
    assert first.tags == ("text-to-image", "vision-language", "autoregressive-model")
    assert first.commentary_ko == "설명."
    assert second.title == "Next Paper"
    assert problems == [(5, "stray 'F' after the tags: delete it")]


def test_one_tag_and_a_word_is_commentary() -> None:
    entry = only_entry("2024-06-12\nA Paper\n(A)\n설명.\n#llm 좋네요\n#a #b\n")
    assert entry.commentary_ko == "설명.\n#llm 좋네요"
    assert entry.tags == ("a", "b")


def test_authors_line_without_a_title_skips_its_entry_and_says_so() -> None:
    entries, problems = parsed("2024-06-12\n(A. Author)\n설명.\n#a\n" + ENTRY)
    assert [e.title for e in entries] == [ENTRY.splitlines()[0]]
    assert problems == [(2, "authors line without a title above it; its entry's lines are skipped")]


THREE = (
    "2024년 6월 12일\n" + ENTRY + ENTRY.replace("Samba", "Mamba") + ENTRY.replace("Samba", "Zamba")
)


def damage(data: bytes, line: int, at: int, replacement: bytes, cut: int = 0) -> bytes:
    """The data with `cut` bytes at offset `at` of line `line` (1-based) replaced."""
    lines = data.split(b"\n")
    lines[line - 1] = lines[line - 1][:at] + replacement + lines[line - 1][at + cut :]
    return b"\n".join(lines)


@pytest.mark.parametrize(
    ("replacement", "cut"),
    [(b"\xff", 0), (b"\x00", 0), (b"", 1)],  # a stray byte, a NUL, half a character
    ids=["stray byte", "NUL", "character cut in two"],
)
def test_damaged_cp949_file_keeps_its_entries(replacement: bytes, cut: int) -> None:
    clean = THREE.encode("cp949")
    korean = clean.split(b"\n")[10]  # line 11, Mamba's commentary: "Mamba + … 비슷합니다."
    data = damage(clean, 11, len(korean) - 2, replacement, cut)  # into its last character
    result = parse_bytes(data, "ko.txt")
    assert [e.title.split(":")[0] for e in result.days[0].entries] == ["Samba", "Mamba", "Zamba"]
    assert "비슷합니다" in result.days[0].entries[0].commentary_ko
    assert "�" in result.days[0].entries[1].commentary_ko
    assert [str(p) for p in result.problems] == [
        "ko.txt:11: bytes that are not valid cp949 text, shown as �: retype them"
    ]


def test_damaged_utf8_file_reports_the_damaged_line() -> None:
    data = damage(THREE.encode("utf-8"), 12, 3, b"\xe0")
    result = parse_bytes(data, "u.txt")
    assert result.entry_count == 3
    assert [str(p) for p in result.problems] == [
        "u.txt:12: bytes that are not valid UTF-8 text, shown as �: retype them"
    ]


def test_decode_notes_reads_the_encoding_with_fewer_unreadable_spots() -> None:
    text = "2024년 6월 12일 비슷합니다"
    assert decode_notes(b"\xef\xbb\xbf" + text.encode()) == (text, "UTF-8", False)
    assert decode_notes(text.encode("cp949")) == (text, "cp949", False)
    assert decode_notes(text.encode() + b"\xff").encoding == "UTF-8"
    assert decode_notes(text.encode("cp949") + b"\xff") == (text + "�", "cp949", True)
    assert decode_notes(b"a\x00b") == ("a\x00b", "UTF-8", True)


def test_line_endings_of_every_kind_in_one_file() -> None:
    assert split_lines("a\r\nb\rc\n\nd  \r\n") == ["a", "b", "c", "", "d", ""]
    assert split_lines("a\r\nb\r\n") == ["a", "b", ""]
