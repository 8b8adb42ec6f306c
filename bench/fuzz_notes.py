"""Fuzzing the notes parser: `python -m bench.fuzz_notes --examples N`.

Each case is a seed file (`seeds/`) written the ways notes files arrive — UTF-8 with
or without BOM, cp949, CRLF or CR line endings, NFD Korean — then damaged in one
stretch of a few lines: bytes flipped, inserted (a NUL, a stray lead byte) or deleted
(a double-byte character cut in two), lines inserted, deleted or doubled, or the
file cut short there. `check` holds the parser to what it promises for any input:
it never raises; the undamaged file reads as cleanly as the seed; problems are few
and name the file and a line it has; every entry has a title; every entry clear of
the damage reads exactly as in the undamaged file; unreadable bytes are reported on
a damaged line; and no non-blank line is lost without a word (`unaccounted`).

tests/test_notes_hostile.py runs `check` on 150 cases in seconds;
this runs as many as asked and prints what they covered.
"""

from __future__ import annotations

import argparse
import bisect
import time
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st

from bot.core.notes import (
    MAX_PROBLEMS,
    Entry,
    ParseResult,
    decode_notes,
    parse_bytes,
    split_lines,
)
from bot.core.text import normalise_tag

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
SEED_TEXT = {path.name: path.read_text("utf-8") for path in sorted(SEEDS.glob("*.txt"))}
CODECS = ("utf-8", "utf-8-sig", "cp949")
NEWLINES = {"LF": b"\n", "CRLF": b"\r\n", "CR": b"\r"}
# Bytes that damage real files: NUL, invalid in both encodings, cp949/UTF-8 lead bytes.
STRAY_BYTES = (0x00, 0xFF, 0x80, 0xB0, 0xA1, 0xC3, 0xEA, 0x0D, 0x0A)


def line_breaks(data: bytes) -> int:
    """Line breaks as the parser counts them: LF, CRLF and a lone CR."""
    return data.count(b"\n") + data.count(b"\r") - data.count(b"\r\n")


@dataclass(frozen=True, slots=True)
class Case:
    """A seed file written one way (`clean`), its lines `first`..`last` damaged (`damaged`).

    Those lines became `stretch` (bytes); the damaged file ends there when `cut`.
    """

    seed: str
    codec: str  # utf-8, utf-8-sig (with a BOM) or cp949
    newline: str  # a key of NEWLINES
    nfd: bool
    first: int
    last: int
    stretch: bytes
    cut: bool
    kinds: tuple[str, ...]  # the kinds of damage done, for the summary

    def lines(self) -> list[bytes]:
        """The seed's lines, encoded (what cp949 lacks, such as `é`, becomes `?`)."""
        text = SEED_TEXT[self.seed]
        text = unicodedata.normalize("NFD", text) if self.nfd else text
        codec = "utf-8" if self.codec == "utf-8-sig" else self.codec
        return [line.encode(codec, "replace") for line in text.split("\n")]

    def _parts(self) -> tuple[bytes, bytes]:
        """The damaged file's bytes before and after the stretch."""
        lines, newline = self.lines(), NEWLINES[self.newline]
        head = b"".join(line + newline for line in lines[: self.first - 1])
        tail = b"" if self.cut else b"".join(newline + line for line in lines[self.last :])
        return self._bom() + head, tail

    def _bom(self) -> bytes:
        return b"\xef\xbb\xbf" if self.codec == "utf-8-sig" else b""

    @property
    def clean(self) -> bytes:
        """The seed file written this case's way, undamaged."""
        return self._bom() + NEWLINES[self.newline].join(self.lines())

    @property
    def damaged(self) -> bytes:
        """The file with the stretch in place of its lines."""
        head, tail = self._parts()
        return head + self.stretch + tail

    @property
    def damaged_span(self) -> tuple[int, int]:
        """The first and last line numbers of the stretch in the damaged file."""
        head, tail = self._parts()
        through = head + self.stretch
        last = line_breaks(through + NEWLINES[self.newline]) if tail else line_breaks(through) + 1
        return line_breaks(head) + 1, last


@st.composite
def cases(draw: st.DrawFn) -> Case:
    """A seed file written one way and damaged in a stretch of one to three lines."""
    seed = draw(st.sampled_from(sorted(SEED_TEXT)))
    codec = draw(st.sampled_from(CODECS))
    newline = draw(st.sampled_from(sorted(NEWLINES)))
    nfd = codec != "cp949" and draw(st.booleans())  # cp949 has no conjoining jamo
    kinds = [codec, newline, *(["NFD"] if nfd else [])]
    lines = Case(seed, codec, newline, nfd, 1, 1, b"", False, ()).lines()
    first = draw(st.integers(0, len(lines) - 1))
    last = min(len(lines), first + draw(st.integers(1, 3)))
    stretch = lines[first:last]
    for _ in range(draw(st.integers(0, 2))):
        kind = draw(st.sampled_from(("insert line", "delete line", "double line")))
        at = draw(st.integers(0, len(stretch)))
        if kind == "insert line":
            garbage = draw(st.binary(max_size=40).filter(lambda b: not b.lstrip()[:1].isdigit()))
            stretch.insert(at, garbage)
        elif at < len(stretch):
            stretch[at : at + 1] = [stretch[at]] * (2 if kind == "double line" else 0)
        kinds.append(kind)
    garbled = bytearray(NEWLINES[newline].join(stretch))
    for _ in range(draw(st.integers(0 if len(kinds) > 3 else 1, 3))):
        kind = draw(st.sampled_from(("flip byte", "insert byte", "delete byte")))
        at = draw(st.integers(0, max(0, len(garbled) - 1)))
        if kind == "insert byte":
            garbled.insert(at, draw(st.sampled_from(STRAY_BYTES) | st.integers(0, 255)))
        elif garbled and kind == "flip byte":
            garbled[at] ^= draw(st.integers(1, 255))
        elif garbled:
            del garbled[at]
        kinds.append(kind)
    cut = draw(st.sampled_from([False] * 9 + [True]))
    if cut:
        del garbled[draw(st.integers(0, len(garbled))) :]
        kinds.append("cut short")
    return Case(seed, codec, newline, nfd, first + 1, last, bytes(garbled), cut, tuple(kinds))


def _holds(entry: Entry, text: str) -> bool:
    """Whether an entry holds a line's text (stripped) in one of its fields."""
    fields = (entry.abstract or "", entry.commentary_ko, entry.commentary_en)
    return (
        text == entry.title
        or any(text == line.strip() for field_text in fields for line in field_text.split("\n"))
        or (
            text.startswith("(")
            and text.endswith(")")
            and all(name in text for name in entry.authors)
            and (entry.org or "") in text
        )
        or (
            text.startswith("#")
            and {tag for tag in map(normalise_tag, text.split()) if tag} <= set(entry.tags)
        )
    )


def unaccounted(lines: Sequence[str], result: ParseResult) -> list[int]:
    """Numbers of the non-blank lines that are in no entry and no problem: lost silently.

    A line is accounted for by a problem on it; by a problem above it that says its
    lines are skipped (up to where the next entry or day starts); by being a date
    header; by the entry it falls in (the last one starting at or above it) holding
    its text; or by standing after the point where a file's problems stopped being
    listed.
    """
    reported = {problem.line for problem in result.problems}
    unlisted = min(
        (p.line for p in result.problems if p.message.startswith("and ")), default=len(lines) + 1
    )
    skipped = {p.line for p in result.problems if p.message.endswith("are skipped")}
    owners: dict[int, Entry | None] = dict.fromkeys([*(day.line for day in result.days), *skipped])
    owners.update({entry.line: entry for day in result.days for entry in day.entries})
    starts = sorted(owners)
    lost = []
    for number, line in enumerate(lines, start=1):
        if not line.strip() or number in reported or number in owners or number >= unlisted:
            continue
        at = bisect.bisect_right(starts, number) - 1
        start = starts[at] if at >= 0 else 0
        entry = owners.get(start)
        if start not in skipped and not (entry is not None and _holds(entry, line.strip())):
            lost.append(number)
    return lost


def assert_sound(lines: Sequence[str], source: str, result: ParseResult) -> None:
    """What a parse of any file must be: few problems, each naming the file and one of
    its lines; entries with titles at lines of the file; no line lost without a word."""
    assert len(result.problems) <= MAX_PROBLEMS + 1, len(result.problems)
    for problem in result.problems:
        assert problem.source == source and 1 <= problem.line <= len(lines), problem
    for day in result.days:
        assert day.source == source and 1 <= day.line <= len(lines), day
        assert all(entry.title and day.line < entry.line <= len(lines) for entry in day.entries)
    assert unaccounted(lines, result) == [], unaccounted(lines, result)


def _entry_spans(result: ParseResult, line_count: int) -> list[tuple[Entry, int]]:
    """Each entry with the last line it can reach: the line before the next entry or day."""
    starts = sorted(
        {e.line for day in result.days for e in day.entries} | {d.line for d in result.days}
    )
    spans = []
    for day in result.days:
        for entry in day.entries:
            following = bisect.bisect_right(starts, entry.line)
            spans.append((entry, starts[following] - 1 if following < len(starts) else line_count))
    return spans


@dataclass(slots=True)
class Outcome:
    """What one case came to, for the summary."""

    problems: int
    clear: int = 0  # entries clear of the damage (each read exactly as undamaged)
    touched: int = 0  # entries in the stretch, or cut off, or under a damaged date header
    touched_kept: int = 0  # of those, the ones still read exactly as undamaged
    unreadable: bool = False  # the damage left bytes that do not decode


def check(case: Case) -> Outcome:
    """Parse the case's files; an AssertionError says which promise broke."""
    clean = parse_bytes(case.clean, case.seed)
    assert clean.problems == [], clean.problems
    assert clean.entry_count == parse_bytes(SEED_TEXT[case.seed].encode(), case.seed).entry_count
    result = parse_bytes(case.damaged, case.seed)
    assert_sound(split_lines(decode_notes(case.damaged).text), case.seed, result)
    parsed = {entry for day in result.days for entry in day.entries}
    first, last = case.damaged_span
    shift = (last - first + 1) - (case.last - case.first + 1)
    headers_clear = all(day.line < case.first for day in clean.days)
    outcome = Outcome(problems=len(result.problems))
    for entry, end in _entry_spans(clean, len(split_lines(decode_notes(case.clean).text))):
        moved = replace(entry, line=entry.line + shift)
        if end < case.first:
            assert entry in parsed, f"lost {entry.title!r} above the damage"
        elif entry.line > case.last and headers_clear and not case.cut:
            assert moved in parsed, f"lost {entry.title!r} below the damage"
        else:
            outcome.touched += 1
            outcome.touched_kept += entry in parsed or moved in parsed
            continue
        outcome.clear += 1
    outcome.unreadable = b"\0" in case.stretch or _undecodable(case.stretch, case.codec)
    if outcome.unreadable:
        near = range(first - 1, last + 2)
        assert any(p.line in near for p in result.problems), (near, result.problems)
    return outcome


def _undecodable(data: bytes, codec: str) -> bool:
    try:
        data.decode("utf-8" if codec == "utf-8-sig" else codec)
    except UnicodeDecodeError:
        return True
    return False


@dataclass(slots=True)
class Summary:
    """Counts over a run, printed at its end."""

    cases: int = 0
    totals: Counter[str] = field(default_factory=Counter)
    problems: Counter[int] = field(default_factory=Counter)
    kinds: Counter[str] = field(default_factory=Counter)

    def add(self, case: Case, outcome: Outcome) -> None:
        """Count one case."""
        self.cases += 1
        self.totals.update(
            clear=outcome.clear,
            touched=outcome.touched,
            touched_kept=outcome.touched_kept,
            unreadable=outcome.unreadable,
        )
        self.problems[outcome.problems] += 1
        self.kinds.update(case.kinds)

    def lines(self, seconds: float) -> list[str]:
        """The summary as text."""
        most, totals = max(self.problems, default=0), self.totals
        return [
            f"{self.cases} cases in {seconds:.1f} s: every check held",
            f"entries clear of the damage: {totals['clear']}, all read exactly as undamaged",
            f"entries in the damaged stretch, cut off, or under a damaged date header:"
            f" {totals['touched']}, of which {totals['touched_kept']} still read exactly",
            f"cases with unreadable bytes, all reported on the damaged lines:"
            f" {totals['unreadable']}",
            f"problems per case: at most {most}, {sum(self.problems.values()) - self.problems[0]}"
            " cases with any",
            "what the cases did: "
            + ", ".join(f"{kind} {count}" for kind, count in self.kinds.most_common()),
        ]


def run(examples: int, seed: int) -> Summary:
    """Check `examples` generated cases; Hypothesis shrinks a failure before raising it."""
    summary = Summary()

    @hypothesis_seed(seed)
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        phases=(Phase.generate, Phase.shrink),
        suppress_health_check=list(HealthCheck),
    )
    @given(cases())
    def fuzz(case: Case) -> None:
        summary.add(case, check(case))

    fuzz()
    return summary


def build_parser() -> argparse.ArgumentParser:
    """Command-line options."""
    parser = argparse.ArgumentParser(prog="python -m bench.fuzz_notes", description=__doc__)
    parser.add_argument("--examples", type=int, default=2000, help="cases to check")
    parser.add_argument("--seed", type=int, default=0, help="Hypothesis seed")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the fuzzer; 1 when a check broke (the shrunk case is printed)."""
    args = build_parser().parse_args(argv)
    started = time.perf_counter()
    try:
        summary = run(args.examples, args.seed)
    except AssertionError as error:
        print(f"a check broke: {error}")
        return 1
    print("\n".join(summary.lines(time.perf_counter() - started)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
