"""Hostile notes files cost the parser time and memory in proportion to their size.

Work is measured deterministically, never by the clock. A regex's work is counted by
`RegexWork`, a backtracking matcher that runs the pattern's own parse tree the way
Python's engine does (every start position, each alternative and each way to split a
run retried on failure) and counts its steps; it must find exactly the matches `re`
finds, so it is measuring the real pattern. A linear pattern does 4 times the work
on an input 4 times as long; the old date-header pattern did 40 times and more
(`test_the_measure_catches_a_backtracking_pattern`). The parser's own Python work is
counted in executed lines (`sys.settrace`), memory by `tracemalloc`.
"""

from __future__ import annotations

import random
import re
import sys
import tracemalloc
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from re import _constants as C  # type: ignore[attr-defined]
from re import _parser as P  # type: ignore[attr-defined]
from types import FrameType
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.fuzz_notes import Case, cases, check
from bot.core import notes, text
from bot.core.notes import MAX_PROBLEMS, parse_bytes, parse_date, parse_text

# Every compiled pattern of the parser and the text helpers, found rather than listed,
# so a pattern added later is measured too.
PATTERNS = {
    f"{module.__name__}.{name}": value
    for module in (notes, text)
    for name, value in vars(module).items()
    if isinstance(value, re.Pattern)
}
# The date-header pattern that took minutes on a line with a few thousand spaces.
OLD_DATEISH = re.compile(r"^\d{4}\s*(?:년|-|\.|/)\s*\d{1,2}\s*(?:월|-|\.|/)?\s*\d{0,2}\s*일?$")
GROWTH_LIMIT = 6  # work on 4× the input; linear is 4, quadratic 16, the old pattern ~40
# Steps per character past which a match is abandoned as super-linear (linear ones take
# well under 100), so a backtracking pattern fails fast instead of running for minutes.
STEP_BUDGET = 1000
SPACES = [chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()]

_CHAR_OPS = {C.LITERAL, C.NOT_LITERAL, C.ANY, C.IN}
_CATEGORIES: dict[Any, Callable[[str], bool]] = {
    C.CATEGORY_DIGIT: str.isdecimal,
    C.CATEGORY_NOT_DIGIT: lambda c: not c.isdecimal(),
    C.CATEGORY_SPACE: str.isspace,
    C.CATEGORY_NOT_SPACE: lambda c: not c.isspace(),
    C.CATEGORY_WORD: lambda c: c.isalnum() or c == "_",
    C.CATEGORY_NOT_WORD: lambda c: not (c.isalnum() or c == "_"),
}


class TooMuchWork(Exception):
    """The matcher went over `STEP_BUDGET`."""


class RegexWork:
    """Steps a backtracking engine takes to find every match of a pattern in a text, and
    to match the whole text (`fullmatch`, which can backtrack where searching does not).
    """

    def __init__(self, pattern: re.Pattern[str], subject: str) -> None:
        self.items = P.parse(pattern.pattern, pattern.flags).data
        self.fold = bool(pattern.flags & re.IGNORECASE)
        self.subject = subject
        self.steps = 0
        self.spans = self._finditer()
        assert self.spans == [m.span() for m in pattern.finditer(subject)], pattern.pattern
        whole = next((e for e in self._seq(self.items, 0, 0) if e == len(subject)), None)
        assert (whole is not None) == bool(pattern.fullmatch(subject)), pattern.pattern

    def _same(self, ch: str, code: int) -> bool:
        return ch == chr(code) or (self.fold and ch.lower() == chr(code).lower())

    def _char(self, op: Any, av: Any, ch: str) -> bool:
        if op is C.ANY:
            return ch != "\n"
        if op in (C.LITERAL, C.NOT_LITERAL):
            return self._same(ch, av) == (op is C.LITERAL)
        negate = False
        forms = {ch, ch.lower(), ch.upper()} if self.fold else {ch}
        for o, a in av:
            if o is C.NEGATE:
                negate = True
            elif (
                (o is C.LITERAL and self._same(ch, a))
                or (o is C.RANGE and any(a[0] <= ord(f) <= a[1] for f in forms if len(f) == 1))
                or (o is C.CATEGORY and _CATEGORIES[a](ch))
            ):
                return not negate
        return negate

    def _seq(self, items: list[Any], i: int, pos: int) -> Iterator[int]:
        if i == len(items):
            yield pos
            return
        for end in self._node(items[i], pos):
            yield from self._seq(items, i + 1, end)

    def _node(self, item: tuple[Any, Any], pos: int) -> Iterator[int]:
        op, av = item
        self.steps += 1
        subject = self.subject
        if self.steps > STEP_BUDGET * (len(subject) + 1):
            raise TooMuchWork
        if op in _CHAR_OPS:
            if pos < len(subject) and self._char(op, av, subject[pos]):
                yield pos + 1
        elif op is C.AT:
            end = (len(subject), len(subject) - (subject[-1:] == "\n"))  # `$`: before a last \n
            if (av is C.AT_BEGINNING and pos == 0) or (av is C.AT_END and pos in end):
                yield pos
        elif op is C.SUBPATTERN:
            yield from self._seq(av[3].data, 0, pos)
        elif op is C.BRANCH:
            for alternative in av[1]:
                yield from self._seq(alternative.data, 0, pos)
        elif op is C.ATOMIC_GROUP:
            yield from self._first(self._seq(av.data, 0, pos))
        elif op in (C.MAX_REPEAT, C.POSSESSIVE_REPEAT):
            low, high, sub = av
            ends = self._repeat(sub.data, low, high, pos)
            yield from (self._first(ends) if op is C.POSSESSIVE_REPEAT else ends)
        else:
            raise NotImplementedError(f"RegexWork does not know {op}: teach it")

    @staticmethod
    def _first(ends: Iterator[int]) -> Iterator[int]:
        """Only the first way to match: no backtracking into it (atomic, possessive)."""
        for end in ends:
            yield end
            return

    def _repeat(self, items: list[Any], low: int, high: int, pos: int) -> Iterator[int]:
        """Greedy repetition, longest first, giving back one repetition at a time."""
        if len(items) == 1 and items[0][0] in _CHAR_OPS:  # a run of one character class
            op, av = items[0]
            end = pos
            while end - pos < high and end < len(self.subject):
                if not self._char(op, av, self.subject[end]):
                    break
                self.steps += 1
                end += 1
            for stop in range(end, pos + low - 1, -1):
                self.steps += 1
                yield stop
            return
        yield from self._greedy(items, low, high, pos, 0)

    def _greedy(self, items: list[Any], low: int, high: int, pos: int, count: int) -> Iterator[int]:
        if count < high:
            for end in self._seq(items, 0, pos):
                if end != pos:
                    yield from self._greedy(items, low, high, end, count + 1)
        if count >= low:
            self.steps += 1
            yield pos

    def _finditer(self) -> list[tuple[int, int]]:
        """Match spans as `finditer` gives them, trying every start position."""
        spans: list[tuple[int, int]] = []
        pos = 0
        while pos <= len(self.subject):
            after_empty = bool(spans) and spans[-1] == (pos, pos)
            ends = (
                end for end in self._seq(self.items, 0, pos) if not (after_empty and end == pos)
            )
            end = next(ends, None)
            if end is None:
                pos += 1
            else:
                spans.append((pos, end))
                pos = end
        return spans


def growth(pattern: re.Pattern[str], prefix: str, run: str, suffix: str) -> float:
    """How much more work the pattern does when the run in the line is 4 times longer."""
    try:
        small, large = (RegexWork(pattern, prefix + run * k + suffix).steps for k in (8, 32))
    except TooMuchWork:
        return float("inf")
    return large / small


def test_the_measure_catches_a_backtracking_pattern() -> None:
    header = ("2024년 1", " ", "2월 17일")
    assert growth(OLD_DATEISH, *header) > 3 * GROWTH_LIMIT
    assert growth(PATTERNS["bot.core.notes._DATEISH_RE"], *header) <= GROWTH_LIMIT


def test_the_measure_finds_what_re_finds() -> None:
    work = RegexWork(PATTERNS["bot.core.text._URL_RE"], "see HTTPS://a.io/x, (http://b.io)")
    assert work.spans == [(4, 19), (21, 32)]  # the comma is part of the URL here
    assert RegexWork(PATTERNS["bot.core.notes._KO_DATE_RE"], "2024년 6월 12일 (수)").spans


# Hostile lines as (prefix, run, suffix): the run repeated makes the line long, the
# prefix starts a pattern and the suffix makes it fail, where backtracking hurts most.
HOSTILE = [
    *(("2024년 1", space, "2월 17일") for space in SPACES),  # the header that hung the bot
    *(("2024-06-", space, "x") for space in ("\t", "\u2003", "\u3000")),
    ("2024년 ", "1", "x"),
    ("", "2", "x"),
    ("2024", "년 1월 2일", "x"),
    ("2024", "년", "x"),
    ("2024년 1", "월", "x"),
    ("2024년 6월 12일", " ", "(수"),
    ("#", "#", " !"),
    ("#", "a", "!"),
    ("#a ", "#a ", "F x"),
    ("(", "(", ""),
    ("(", "A, ", ")x"),
    ("(Org", ":", " "),
    ("", ":", "x"),
    ("https://arxiv.org/abs/", "a", "!"),
    ("https://arxiv.org/abs/", "a-", ".pdf!"),
    ("https://arxiv.org/abs/2406.", "0", "v"),
    ("", "http://", "x"),
    ("https://", "/", "!"),
    ("", "가a", ""),
    ("", "\u200b", "x"),
]


@pytest.mark.parametrize("name", sorted(PATTERNS))
def test_every_pattern_is_linear_on_hostile_lines(name: str) -> None:
    """Long runs of every kind of space, digits, 년월일, #, (, :, URL-ish text."""
    for line in HOSTILE:
        assert growth(PATTERNS[name], *line) <= GROWTH_LIMIT, line


PIECES = [
    *SPACES,
    *"09٣년월일#():,.-/_aZ가\u1100\u200b!",
    "요일",
    "http://",
    "arxiv.org/abs/",
    "v1",
]
pieces = st.lists(st.sampled_from(PIECES), max_size=3).map("".join)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from([prefix for prefix, _, _ in HOSTILE]), pieces.filter(bool), pieces)
def test_every_pattern_is_linear_on_mixed_runs(prefix: str, run: str, suffix: str) -> None:
    for name, pattern in PATTERNS.items():
        assert growth(pattern, prefix, run, suffix) <= GROWTH_LIMIT, name


@pytest.mark.parametrize("space", ["\u0020", "\t", "\u2003", "\u3000", "\u00a0"])
def test_long_runs_of_spaces_in_date_headers(space: str) -> None:
    run = space * 500
    assert parse_date("2024년 1" + run + "2월 17일") is None  # digits apart: no date
    assert parse_date("2024년" + run + "6월" + run + "12일") == date(2024, 6, 12)
    result = parse_text("2024년 13월" + run + "1일\nA Paper\n(A)\n#a\n", "t.txt")
    assert result.problems[0].message.startswith("invalid date '2024년 13월")
    assert len(result.problems[0].message) < 150


def python_work(parse: Callable[[], object]) -> int:
    """Python lines executed while `parse` runs (C functions such as str.split count 0)."""
    executed = 0

    def trace(frame: FrameType, event: str, arg: object) -> Any:
        nonlocal executed
        executed += event == "line"
        return trace

    previous = sys.gettrace()
    sys.settrace(trace)
    try:
        parse()
    finally:
        sys.settrace(previous)
    return executed


def lines_work(unit: list[str]) -> tuple[int, int]:
    """Python work parsing a day of `unit` repeated 8 times, and 32 times."""

    def notes_of(k: int) -> Callable[[], object]:
        return lambda: parse_text("2024-06-12\n" + "\n".join(unit * k), "t.txt")

    return python_work(notes_of(8)), python_work(notes_of(32))


LINES = [
    "",
    "",
    "A Paper Title",
    "(Bo Adler, Niket Agarwal)",
    "(though I doubt it.)",
    "#vq #llm",
    "#vq #llm F",
    "#1 위치의 모델은 좋네요.",
    "한국어 코멘트입니다.",
    "English translation.",
    "2024년 6월 13일",
    "2024년 13월 1일",
    "2024년 1" + " " * 50 + "2월 17일",
    "\ufffd\ufffd",
]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.sampled_from(LINES), min_size=1, max_size=6))
def test_parser_work_is_linear_in_the_lines(unit: list[str]) -> None:
    small, large = lines_work(unit)
    assert large <= GROWTH_LIMIT * small


def test_the_work_measure_catches_a_quadratic_parser(monkeypatch: pytest.MonkeyPatch) -> None:
    starts_entry = notes._starts_entry

    def looking_to_the_end_of_the_day(lines: list[str], index: int, stop: int) -> bool:
        for _ in range(index, stop):
            pass
        return starts_entry(lines, index, stop)

    unit = ["A Paper Title", "(Bo Adler)", "한국어 코멘트입니다."]
    small, large = lines_work(unit)
    assert large <= GROWTH_LIMIT * small
    monkeypatch.setattr(notes, "_starts_entry", looking_to_the_end_of_the_day)
    small, large = lines_work(unit)
    assert large > GROWTH_LIMIT * small


def peak_memory(data: bytes) -> float:
    """Memory held at most while one file is parsed, over what was held before, per byte."""
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        parse_bytes(data, "big.txt")
        return (tracemalloc.get_traced_memory()[1] - before) / len(data)
    finally:
        tracemalloc.stop()


def test_memory_is_a_small_multiple_of_the_file(seeds: Path) -> None:
    random_bytes = random.Random(0).randbytes(2 << 20)
    notes_bytes = b"\n".join(path.read_bytes() for path in sorted(seeds.iterdir())) * 25
    assert peak_memory(random_bytes) < 5  # was 18 with one Problem per line, whole-text copies
    assert peak_memory(notes_bytes) < 4


def test_problems_per_file_are_capped() -> None:
    result = parse_text("2024-06-12\n" + "#orphan\n" * 500, "t.txt")  # and no entries: 501
    assert len(result.problems) == MAX_PROBLEMS + 1
    assert [p.line for p in result.problems[:-1]] == list(range(2, MAX_PROBLEMS + 2))
    last = result.problems[-1]
    assert last.line == 1
    assert last.message.startswith(f"and {501 - MAX_PROBLEMS} more problems, not listed")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_damaged_seed_files_keep_every_promise(case: Case) -> None:
    """Re-encoded, damaged seed files: see `bench.fuzz_notes` (which runs many more)."""
    check(case)
