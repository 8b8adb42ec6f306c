"""Property tests: the parser never raises, never drops a well-formed entry, and never
loses a line without saying so (`bench.fuzz_notes.assert_sound`)."""

from __future__ import annotations

from datetime import date
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.fuzz_notes import assert_sound
from bot.core.notes import decode_notes, parse_bytes, parse_text, split_lines

LATIN = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
HANGUL = "가나다라마바사아자차카타파하논문모델학습데이터코드북게임합의"


def phrase(alphabet: str, punctuation: str = " .,:-") -> st.SearchStrategy[str]:
    """A line starting with a letter of `alphabet` (so it is not a tag, date or authors line)."""
    return st.builds(
        lambda head, tail: (head + tail).strip(),
        st.sampled_from(alphabet[:52] if alphabet is LATIN else alphabet),
        st.text(alphabet + punctuation, max_size=60),
    )


name = st.text(LATIN[:52] + " .", min_size=1, max_size=20).map(str.strip).filter(bool)
tag = st.text(LATIN + "-", min_size=1, max_size=12).filter(lambda t: t[0].isalpha())
korean = st.builds(lambda a, b: a + b, st.text(HANGUL, min_size=1, max_size=20), phrase(LATIN))

entry = st.fixed_dictionaries(
    {
        "title": phrase(LATIN),
        "authors": st.lists(name, min_size=1, max_size=5),
        "abstract": st.none() | phrase(LATIN),
        "ko": st.lists(korean, min_size=1, max_size=3),
        "en": st.lists(phrase(LATIN), max_size=2),
        "tags": st.lists(tag, min_size=1, max_size=3),
        "blank_after": st.integers(0, 2),
    }
)


def render(entries: list[dict[str, Any]], drop_last_tags: bool) -> str:
    lines = ["2024년 6월 12일"]
    for index, e in enumerate(entries):
        lines.append(str(e["title"]))
        lines.append("(" + ", ".join(e["authors"]) + ")")
        if e["abstract"] is not None:
            lines.append(str(e["abstract"]))
        lines += e["ko"]
        lines += e["en"]
        if not (drop_last_tags and index == len(entries) - 1):
            lines.append(" ".join("#" + t for t in e["tags"]))
        lines += [""] * int(e["blank_after"])
    return "\n".join(lines)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.text())
def test_never_raises_on_any_text(text: str) -> None:
    assert_sound(split_lines(text), "any.txt", parse_text(text, "any.txt"))


@settings(max_examples=200)
@given(st.binary())
def test_never_raises_on_any_bytes(data: bytes) -> None:
    assert_sound(split_lines(decode_notes(data).text), "any.bin", parse_bytes(data, "any.bin"))


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(entry, min_size=1, max_size=6), st.booleans())
def test_well_formed_entries_are_all_kept(entries: list[dict[str, Any]], drop: bool) -> None:
    result = parse_text(render(entries, drop), "gen.txt")
    assert result.problems == []
    assert [d.date for d in result.days] == [date(2024, 6, 12)]
    parsed = result.days[0].entries
    assert [e.title for e in parsed] == [e["title"] for e in entries]
    for got, want in zip(parsed, entries, strict=True):
        assert list(got.authors) == want["authors"]
        assert got.abstract == want["abstract"]
        assert got.commentary_ko == "\n".join(want["ko"])
        assert got.commentary_en == "\n".join(want["en"])
    expected_tags = [tuple(dict.fromkeys(t.lower() for t in e["tags"])) for e in entries]
    if drop:
        expected_tags[-1] = ()
    assert [e.tags for e in parsed] == expected_tags


# Lines real notes hold that are easy to misread: asides in parentheses, `#` in prose,
# tag lines with a stray word, dates and date typos, damage.
ODD_LINES = st.sampled_from(
    [
        "(though I doubt it.)",
        "(e.g. GPT-4)",
        "#1 위치의 모델이 좋네요.",
        "#llm 좋네요",
        "#vq #llm F",
        "C# 코드를 생성합니다.",
        "2024년 6월 13일",
        "2024년 13월 1일",
        "2024-6-",
        "(A. Author)",
        "#orphan",
        "",
        "\ufffd",
    ]
)
person = st.builds(
    lambda first, last: f"{first} {last}",
    st.sampled_from(["Bo", "Niket", "Dong H.", "André", "Yann"]),
    st.sampled_from(["Adler", "Agarwal", "Anh", "Susano Pinto", "LeCun", "van Dijk"]),
)
messy_entry = st.fixed_dictionaries(
    {
        "title": phrase(LATIN).map(lambda t: t.rstrip(" .")),
        "authors": st.lists(person, min_size=1, max_size=4),
        "ko": st.lists(korean, min_size=1, max_size=2),
        "en": st.lists(phrase(LATIN), max_size=2),
        "tags": st.lists(tag, min_size=1, max_size=3),
        "odd": st.lists(ODD_LINES, max_size=2),  # after the commentary
        "tag_line": st.sampled_from(["tags", "none", "stray word"]),
        "blank_after": st.integers(0, 1),
    }
)


def render_messy(entries: list[dict[str, Any]]) -> str:
    lines = ["2024년 6월 12일"]
    for e in entries:
        lines += [e["title"], "(" + ", ".join(e["authors"]) + ")", *e["ko"], *e["en"], *e["odd"]]
        tags = " ".join("#" + t for t in e["tags"])
        if e["tag_line"] != "none":
            lines.append(tags + (" F" if e["tag_line"] == "stray word" else ""))
        lines += [""] * int(e["blank_after"])
    return "\n".join(lines)


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(messy_entry, min_size=1, max_size=6))
def test_every_line_lands_in_an_entry_or_a_problem(entries: list[dict[str, Any]]) -> None:
    text = render_messy(entries)
    result = parse_text(text, "messy.txt")
    assert_sound(split_lines(text), "messy.txt", result)
    titles = {e.title for day in result.days for e in day.entries}
    odd_dates = any(line[:1].isdigit() for e in entries for line in e["odd"])
    if not odd_dates:  # a date typo rightly skips what follows it
        assert {e["title"] for e in entries} <= titles
