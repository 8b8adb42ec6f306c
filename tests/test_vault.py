"""Vault notes (one Markdown file per paper) in every shape the issue lists, beside daily files.

The fixtures under tests/fixtures/vault are invented notes, one per variation; a daily
file sits beside them (`daily/`), as a notes folder may hold both shapes.
"""

from __future__ import annotations

import re
import shutil
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core import vault
from bot.core.export import Filters
from bot.core.notes import Entry, ParseResult, parse_bytes
from bot.core.papers import Appearance, fold, merge
from bot.core.render import paper_url
from bot.core.shapes import parse_notes
from bot.core.vault import NoteName, note_link, note_name
from bot.services.digest import DigestComposer
from bot.services.ingest import ingest
from bot.services.lookup import LookupService
from bot.store import Store
from bot.store.export import ExportStore
from tests.test_cli import bot
from tests.test_notes_hostile import GROWTH_LIMIT, growth, python_work

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "vault"
NOTES = FIXTURES / "arXiv"


def parsed(relative: str) -> ParseResult:
    """A fixture parsed under its path below the fixtures folder, as ingest names it."""
    return parse_notes((FIXTURES / relative).read_bytes(), relative)


def only(relative: str) -> Entry:
    """The one paper of a fixture note that parses without problems."""
    result = parsed(relative)
    assert result.problems == []
    assert len(result.days) == 1 and len(result.days[0].entries) == 1
    return result.days[0].entries[0]


def problems(result: ParseResult) -> list[tuple[int, str]]:
    return [(p.line, p.message) for p in result.problems]


# ---- the modern shape (2024-2025) --------------------------------------------------------


def test_modern_note_every_part() -> None:
    result = parsed("arXiv/2025/250107 Tiny Mixers.md")
    assert result.problems == []
    (day,) = result.days
    assert (day.date, day.source, day.line) == (
        date(2025, 1, 7),
        "arXiv/2025/250107 Tiny Mixers.md",
        1,
    )
    assert day.entries[0] == Entry(
        title="Tiny Mixers: Sparse Token Mixing for Small Language Models",
        authors=("Ada Park", "Min-jun Kim", "Sora Lee"),
        org=None,
        abstract="We study token mixing in small language models. Sparse mixers match"
        " attention at a fraction of the cost.\nCode is available at"
        " https://github.com/example/tiny-mixers.",
        commentary_ko="작은 언어 모델에서 토큰 믹싱을 희소하게 만드는 시도네요. 예전 연구와"
        " 비교하면 비용이 훨씬 적습니다.\n다만 긴 문맥에서의 성능은 더 확인이 필요할 것"
        " 같습니다.",
        commentary_en="An attempt to make token mixing sparse in small language models. It"
        " costs far less than the earlier study.",
        tags=("efficiency", "llm"),
        links=(
            "https://arxiv.org/abs/2501.01234",  # its own link first, version dropped
            "https://github.com/example/tiny-mixers",
            "https://example.org/tiny-mixers-blog",  # under `# Links`
            note_link("241120 Dense Mixers"),  # `[[241120 Dense Mixers|…]]`, `[[….md]]`
        ),
        line=1,
    )


def test_italic_title_wrapped_with_an_organisation_and_a_pdf_link() -> None:
    entry = only("arXiv/2024/241120 Dense Mixers.md")
    assert entry.title == "Dense Mixers: Revisiting Token Mixing for Efficient Transformers"
    assert (entry.org, entry.authors) == ("Example Lab", ("Jun Seo", "Hana Choi"))
    assert entry.links == ("https://arxiv.org/abs/2411.05555",)
    assert entry.abstract is None


def test_same_paper_in_both_shapes_reads_the_same() -> None:
    """A vault note and the daily export of it give one Entry, but for the note's own link."""
    daily = (
        parse_bytes(
            b"2024-06-12\nSamples of Thought: A Study\n(Ann Lee, Bo Kim)\n"
            b"We sample thoughts. Code at https://github.com/example/sot\n"
            b"\xec\x83\x98\xed\x94\x8c\xeb\xa7\x81 \xec\x97\xb0\xea\xb5\xac.\n"  # 샘플링 연구.
            b"Sampling study.\n#reasoning #llm\n",
            "2024-06-12.txt",
        )
        .days[0]
        .entries[0]
    )
    note = (
        parse_notes(
            "https://arxiv.org/abs/2406.00001\n\n"
            "*Samples of Thought: A Study* (Ann Lee, Bo Kim)\n\n"
            "> We sample thoughts. Code at https://github.com/example/sot\n\n샘플링 연구.\n\n"
            "Sampling study.\n\n#reasoning #llm\n\n# Links\n".encode(),
            "2024/240611 Samples of Thought.md",
        )
        .days[0]
        .entries[0]
    )
    assert note.links == ("https://arxiv.org/abs/2406.00001", *daily.links)
    assert note.line == 1 and daily.line == 2
    assert {**vars_of(note), "links": None, "line": None} == {
        **vars_of(daily),
        "links": None,
        "line": None,
    }


def vars_of(entry: Entry) -> dict[str, object]:
    return {name: getattr(entry, name) for name in Entry.__slots__}


# ---- older shapes ---------------------------------------------------------------------


def test_plain_title_line_with_authors_markdown_link_and_a_list() -> None:
    entry = only("arXiv/2023/230315 Plain Routing.md")
    assert entry.title == "Plain Routing: A Simple Baseline for Mixture of Experts"
    assert entry.authors == ("Dana Cho", "Eli Moon")
    assert entry.commentary_ko == (
        "라우팅을 단순하게 만든 베이스라인. 자세한 내용은 저자 블로그"
        " (https://example.org/plain-routing) 참고.\n1. 라우터 없이 해시로 분배\n"
        "\t2. load balancing loss 제거"
    )
    assert entry.links == ("https://arxiv.org/abs/2303.00001", "https://example.org/plain-routing")


def test_title_and_authors_wrapped_as_arxiv_listings_wrap_them() -> None:
    entry = only("arXiv/2020/200214 Wrapped Titles.md")
    assert entry.title == (
        "Learning to Wrap Long Titles Across Lines in Listings of Papers: A Case Study"
    )
    assert entry.authors == (
        "Grace Han",
        "Ivan Petrov",
        "Julia Novak",
        "Kai Sato",
        "Lena Fischer",
        "Marco Rossi",
    )
    assert entry.commentary_ko == "긴 제목이 줄바꿈된 경우."


def test_link_and_tags_only_takes_the_file_names_title() -> None:
    entry = only("arXiv/2020/200128 Scaling Notes.md")
    assert (entry.title, entry.authors, entry.commentary_ko) == ("Scaling Notes", (), "")
    assert entry.tags == ("language_model", "scaling-law")
    assert entry.links == ("https://arxiv.org/abs/2001.00003",)


def test_title_and_link_on_one_line() -> None:
    entry = only("arXiv/2020/200103 CornerMix.md")
    assert (entry.title, entry.links) == ("CornerMix", ("https://arxiv.org/abs/2001.00004",))
    assert entry.commentary_ko == "코너를 섞는 augmentation. 간단하지만 효과가 있다."
    assert entry.tags == ("augmentation",)


def test_link_with_commentary_on_its_line() -> None:
    entry = only("arXiv/2019/190620 MaskNet.md")
    assert (entry.title, entry.links) == ("MaskNet", ("https://arxiv.org/abs/1906.00005",))
    assert entry.commentary_ko == "새로운 프리트레이닝 방법. 마스킹을 다르게 한다.\n두 번째 줄."


def test_commentary_alone_is_a_paper_titled_by_the_file() -> None:
    entry = only("arXiv/2019/191022 WaveGAN Notes.md")
    assert entry.title == "WaveGAN Notes"
    assert entry.links == ("https://arxiv.org/abs/1910.00006",)  # cited, not its own
    assert entry.commentary_ko.startswith("음성 합성 모델에 대한 정리.")
    assert entry.tags == ("tts", "gan")


def test_several_papers_in_one_note_each_with_its_commentary() -> None:
    result = parsed("arXiv/2021/210121 Papers.md")
    assert result.problems == []
    first, second = result.days[0].entries
    assert (first.title, first.line) == ("PlainNet: Going Back to Simple Convolutions", 3)
    assert first.links == ("https://arxiv.org/abs/2101.00007",)
    # The note's opening line belongs to no paper of its own: it goes with the first.
    assert first.commentary_ko == "이번 주에 읽은 논문 두 편.\n단순한 합성곱만 쌓은 모델."
    assert (second.title, second.line) == ("Is Mixing Better Than Attention?", 8)
    assert second.links == ("https://openreview.net/forum?id=abc123",)
    assert second.commentary_ko == "어텐션 대신 믹싱을 쓰는 모듈."


def test_title_link_lines_in_a_row_share_the_notes_tags() -> None:
    result = parsed("arXiv/2020/200129 LM Notes.md")
    assert result.problems == []
    assert [(e.title, e.links, e.tags, e.line) for e in result.days[0].entries] == [
        ("SpanNet", ("https://arxiv.org/abs/1907.00008",), ("pretraining", "nlp"), 1),
        ("ShareNet", ("https://arxiv.org/abs/1909.00009",), ("pretraining", "nlp"), 2),
    ]


def test_heading_title_and_an_english_translation_after_the_korean() -> None:
    entry = only("arXiv/2025/250523 Example Model 4.md")
    assert (entry.title, entry.authors) == ("Introducing Example Model 4", ("Example AI",))
    assert entry.commentary_ko == (
        "새 모델이 나왔네요.\nhttps://example.com/model-4-card.pdf\n시스템 카드도 공개됐습니다."
    )
    assert entry.commentary_en == "A new model is out.\nThe system card is out too."
    assert entry.links == (
        "https://example.com/news/model-4",
        "https://example.com/model-4-card.pdf",
    )


@pytest.mark.parametrize(
    ("body", "ko", "en"),
    [
        ("한국어.\n\nhttps://example.com/x\n", "한국어.\nhttps://example.com/x", ""),  # no prose
        ("English only.\n\nMore.\n", "", "English only.\nMore."),
        ("First.\n\n한국어.\n\nSecond.\n", "First.\n한국어.", "Second."),
    ],
)
def test_which_paragraphs_are_the_translation(body: str, ko: str, en: str) -> None:
    result = parse_notes(f"https://a.io/p\n\n*P* (A B)\n\n{body}".encode(), "240101 P.md")
    entry = result.days[0].entries[0]
    assert (entry.commentary_ko, entry.commentary_en) == (ko, en)


@pytest.mark.parametrize("line", ["1. Data first", "2) Then", "- item", "* item", "+ item"])
def test_a_list_below_the_link_is_no_title(line: str) -> None:
    entry = parse_notes(f"https://a.io/p\n{line}\n".encode(), "240101 File Title.md").days[0]
    assert (entry.entries[0].title, entry.entries[0].commentary_en) == ("File Title", line)


def test_abstract_is_the_quote_right_after_the_title_only() -> None:
    text = "https://a.io/p\n\n*P* (A B)\n\n설명.\n\n> 인용.\n"
    entry = parse_notes(text.encode(), "240101 P.md").days[0].entries[0]
    assert (entry.abstract, entry.commentary_ko) == (None, "설명.\n> 인용.")


# ---- Obsidian conventions and front matter ------------------------------------------------


def test_front_matter_date_and_tags_are_honoured() -> None:
    result = parsed("arXiv/2025/250301 Front Matter.md")
    assert result.problems == []
    (day,) = result.days
    assert day.date == date(2025, 3, 2)  # the front matter's, not the file name's
    entry = day.entries[0]
    assert (entry.title, entry.line) == ("Front Matter Paper", 7)
    assert entry.tags == ("extra", "rl", "reasoning")


def test_front_matter_dates_a_markdown_file_without_a_dated_name() -> None:
    result = parsed("arXiv/2024/Undated With Date.md")
    assert result.problems == []
    assert result.days[0].date == date(2024, 1, 5)
    assert result.days[0].entries[0].tags == ("vq",)


@pytest.mark.parametrize(
    ("front", "found"),
    [
        ("---\ndate: '2024-02-03'\ntags: a, b\n---\n", (date(2024, 2, 3), ("x", "a", "b"))),
        ("---\ntags: a b\n---\n", (date(2024, 1, 1), ("x", "a", "b"))),
        ("---\ntitle: T\n---\n", (date(2024, 1, 1), ("x",))),
    ],
)
def test_front_matter_forms(front: str, found: tuple[date, tuple[str, ...]]) -> None:
    result = parse_notes(f"{front}https://a.io/p\n\n#x\n".encode(), "240101 T.md")
    assert result.problems == []
    assert (result.days[0].date, result.days[0].entries[0].tags) == found


def test_unreadable_front_matter_is_reported() -> None:
    result = parse_notes(b"---\ndate: someday\nnot a pair\n---\nhttps://a.io\n", "240101 T.md")
    assert problems(result) == [
        (2, "front matter date 'someday' is no YYYY-MM-DD"),
        (3, "front matter line 'not a pair' is no 'key: value'"),
    ]
    assert result.days[0].date == date(2024, 1, 1)
    unclosed = parse_notes(b"---\ntags: a\nhttps://a.io\n", "240101 T.md")
    assert problems(unclosed)[0] == (
        1,
        "front matter opened with '---' is never closed: add a '---' line",
    )


@pytest.mark.parametrize(
    ("line", "shown", "links"),
    [
        ("[[240102 Other]]", "240102 Other", (note_link("240102 Other"),)),
        ("[[240102 Other|that one]]", "that one", (note_link("240102 Other"),)),
        ("[[sub/240102 Other.md#Part]]", "sub/240102 Other > Part", (note_link("240102 Other"),)),
        ("[[A concept]]", "A concept", ()),  # not another note: only its text
        ("[text](https://b.io/x)", "text (https://b.io/x)", ("https://b.io/x",)),
    ],
)
def test_wiki_and_markdown_links_become_their_text(
    line: str, shown: str, links: tuple[str, ...]
) -> None:
    text = f"https://a.io/p\n\n*P* (A B)\n\n설명 {line} 끝.\n"
    entry = parse_notes(text.encode(), "240101 P.md").days[0].entries[0]
    assert entry.commentary_ko == f"설명 {shown} 끝."
    assert entry.links == ("https://a.io/p", *links)


def test_note_links_name_the_note_as_obsidian_opens_it() -> None:
    assert note_link("241202 Free Rewards") == "obsidian://open?file=241202%20Free%20Rewards"
    assert note_link("240101 a/b?") == "obsidian://open?file=240101%20a%2Fb%3F"


def test_embeds_are_left_out_with_a_problem() -> None:
    result = parsed("arXiv/2024/240502 Embeds.md")
    assert problems(result) == [
        (5, "'![[figure1.png]]' embeds a file the bot cannot show: left out"),
        (6, "'![[figure2.png]]' embeds a file the bot cannot show: left out"),
    ]
    assert result.days[0].entries[0].commentary_ko == "그림을 보면  이렇게 됩니다."


# ---- what cannot be read is a problem, and the rest is kept -------------------------------


def test_english_parts_that_are_not_closed_or_misspelt() -> None:
    result = parsed("arXiv/2024/241010 Broken English.md")
    assert problems(result) == [
        (7, "unknown tag '<enligsh>': did you mean <english>?"),
        (9, "</english> without an <english> above it"),
        (11, "<english> is never closed: add </english> after its last line"),
    ]
    entry = result.days[0].entries[0]
    assert entry.commentary_ko == "한국어 설명.\n<enligsh>\nAn English line."  # shown, not lost
    assert (entry.commentary_en, entry.tags) == ("Never closed.", ("diffusion",))


def test_an_english_part_opened_twice() -> None:
    text = "https://a.io/p\n\n한국어.\n\n<english>\nOne.\n<english>\nTwo.\n"
    result = parse_notes(text.encode(), "240101 P.md")
    assert problems(result) == [
        (5, "<english> is never closed: add </english> after its last line"),
        (7, "<english> inside an English part: close it first"),
    ]
    assert result.days[0].entries[0].commentary_en == "One.\nTwo."


def test_text_stuck_to_the_link() -> None:
    result = parsed("arXiv/2025/251003 Stuck Prefix.md")
    assert problems(result) == [(1, "'z' stuck to the link: delete it or add a space")]
    entry = result.days[0].entries[0]
    assert (entry.title, entry.authors) == ("Stuck Prefix Paper", ("Eun Ji",))
    assert entry.links == ("https://arxiv.org/abs/2510.00014",)


def test_authors_never_closed_and_stray_words_after_tags() -> None:
    text = "https://a.io/p\n\nA Title (Ann Lee, Bo Kim,\nCy Park\n\n설명.\n\n#a #b x\n"
    result = parse_notes(text.encode(), "240101 P.md")
    assert problems(result) == [
        (3, "the list of authors is never closed: add ')'"),
        (8, "stray 'x' after the tags: delete it"),
    ]
    entry = result.days[0].entries[0]
    assert (entry.title, entry.authors, entry.tags) == (
        "A Title",
        ("Ann Lee", "Bo Kim", "Cy Park"),
        ("a", "b"),
    )


@pytest.mark.parametrize(
    "text",
    [
        "설명 (괄호가 열린 채, 끝나는 문장\n",  # commentary alone, tried as a title
        "https://a.io/p\n\n*P* (A B)\n\n설명.\n\nhttps://a.io/q\nWe note (one, two\n",
    ],
)
def test_an_open_parenthesis_outside_titles_is_no_problem(text: str) -> None:
    result = parse_notes(text.encode(), "240101 P.md")
    assert result.problems == [] and len(result.days[0].entries) == 1


def test_impossible_date_in_the_file_name() -> None:
    assert problems(parsed("arXiv/2024/241341 Bad Date.md")) == [
        (
            1,
            "the file name's date '241341' is no date (YYMMDD): name the note 'YYMMDD Short"
            " title.md' (the date of the note) or give it a 'date:' in its front matter",
        )
    ]


def test_an_empty_note_is_a_problem_naming_it() -> None:
    result = parsed("arXiv/2024/240101 Empty.md")
    assert (result.days, problems(result)) == ([], [(1, "an empty note: no paper to store")])
    assert result.problems[0].source == "arXiv/2024/240101 Empty.md"


def test_a_dated_name_without_a_title() -> None:
    entry = only("arXiv/2025/250311.md")
    assert entry.title == '"Quoted" Components Make a Language of Images'
    untitled = parse_notes(b"https://a.io/p\n\n#x\n", "n/250312.md")
    assert problems(untitled) == [(1, "no title: name the note 'YYMMDD Short title.md'")]
    assert untitled.days[0].entries[0].title == "250312"


def test_damaged_bytes_in_a_note_are_reported_by_line() -> None:
    data = "https://a.io/p\n\n*P* (A B)\n\n설명".encode() + b"\xff\n"
    result = parse_notes(data, "240101 P.md")
    assert problems(result) == [(5, "bytes that are not valid UTF-8 text, shown as �: retype them")]
    assert result.days[0].entries[0].commentary_ko == "설명\ufffd"


def test_line_endings_bom_and_nfd_names() -> None:
    text = "\ufeffhttps://a.io/p\r\n\r\n*P* (A B)\r\n\r\n설명.\r\n"
    nfd = "2024/240101 \u1112\u1161\u11ab.md"  # 한 in NFD, as macOS writes names
    result = parse_notes(text.encode(), nfd)
    assert result.problems == []
    assert result.days[0].entries[0].commentary_ko == "설명."
    assert note_name(nfd) == NoteName(date(2024, 1, 1), "한", True)


# ---- recognising the shape -------------------------------------------------------------


def test_file_names() -> None:
    assert note_name("a/b/240611 Samba.md") == NoteName(date(2024, 6, 11), "Samba", True)
    assert note_name("991231 Old.MD") == NoteName(date(1999, 12, 31), "Old", True)
    assert note_name("240611.md") == NoteName(date(2024, 6, 11), "", True)
    assert note_name("Loose Idea.md") == NoteName("no date in its file name", "Loose Idea", False)
    assert note_name("2406112 Seven.md") == NoteName(
        "no date in its file name", "2406112 Seven", False
    )
    assert note_name("240611 Samba.txt") is None


def test_each_file_is_read_in_its_own_shape() -> None:
    daily = (FIXTURES / "daily/2025-01-08.md").read_bytes()
    assert parse_notes(daily, "daily/2025-01-08.md") == parse_bytes(daily, "daily/2025-01-08.md")
    as_text = (NOTES / "2020/200128 Scaling Notes.md").read_bytes()
    assert parse_notes(as_text, "200128 Scaling Notes.txt") == parse_bytes(
        as_text, "200128 Scaling Notes.txt"
    )
    assert problems(parsed("arXiv/2024/Loose Idea.md")) == [
        (
            1,
            "a Markdown note without a date: name it 'YYMMDD Short title.md' (the date of the"
            " note), or start a file of daily notes with a date header ('2024-06-12')",
        )
    ]
    assert parsed("arXiv/2024/Untitled.md") == ParseResult()  # empty: nothing to lose


def test_every_dated_fixture_note_becomes_papers_with_date_and_tags() -> None:
    notes = sorted(p for p in NOTES.rglob("*.md") if note_name(p.name) and note_name(p.name).dated)
    unreadable = {"240101 Empty.md", "241341 Bad Date.md"}
    for path in notes:
        result = parsed(str(path.relative_to(FIXTURES)))
        if path.name in unreadable:
            assert result.days == [] and result.problems, path.name
            continue
        assert result.days and all(day.entries for day in result.days), path.name
        assert all(e.title for day in result.days for e in day.entries), path.name
    assert len(notes) - len(unreadable) == 16


# ---- linear in the input ---------------------------------------------------------------------

PATTERNS = {name: value for name, value in vars(vault).items() if isinstance(value, re.Pattern)}
HOSTILE = [
    ("[[", "a", ""),
    ("![[", "a ", "|"),
    ("[[", "[", "]]"),
    ("", "[[a", "|"),
    ("![[", "a|", "]"),
    ("[", "a", "](https://x"),
    ("[a](https://", "a", " )"),
    ("", "!", "["),
    ("</", "a", ">x"),
    ("", "1", ". "),
    ("", "1", "x"),
    ("", "#", "x"),
    ("a", ", ", "x"),
    ("", " ", ","),
]


@pytest.mark.parametrize("name", sorted(PATTERNS))
def test_every_vault_pattern_is_linear_on_hostile_lines(name: str) -> None:
    for line in HOSTILE:
        assert growth(PATTERNS[name], *line) <= GROWTH_LIMIT, line


LINES = [
    "",
    "https://a.io/x",
    "<https://a.io/y>",
    "Title Like Line",
    "*Italic Title* (Ann Lee)",
    "*Open italic",
    "Title (Ann Lee, Bo Kim",
    "  Continued (Cy Park)",
    "(Ann Lee)",
    "> quoted",
    "한국어 설명.",
    "English prose.",
    "<english>",
    "</english>",
    "# Links",
    "[[240101 Note]] and [[x|y]] ![[e.png]]",
    "#tag #other",
    "T https://a.io/z",
]


def vault_work(unit: list[str]) -> tuple[int, int]:
    """Python work parsing a note of `unit` repeated 8 times, and 32 times."""

    def note_of(k: int) -> object:
        data = "\n".join(["https://a.io/p", "", "*P* (A B)", "", "설명.", "", *unit * k]).encode()
        return lambda: parse_notes(data, "240101 P.md")

    return python_work(note_of(8)), python_work(note_of(32))  # type: ignore[arg-type]


# Where a parser would look ahead: runs of link lines, titles and authors left open.
HOSTILE_UNITS = [
    ["", "https://a.io/x"],
    ["", "<https://a.io/y>", ""],
    ["", "https://a.io/x", "Title Like Line"],
    ["*Open italic"],
    ["Title (Ann Lee, Bo Kim"],
    ["  Continued (Cy Park)"],
    ["<english>", "English prose."],
    ["# Links", "https://a.io/x"],
    ["[[240101 Note]] and [[x|y]] ![[e.png]]"],
]


@pytest.mark.parametrize("unit", HOSTILE_UNITS)
def test_parser_work_is_linear_on_hostile_notes(unit: list[str]) -> None:
    small, large = vault_work(unit)
    assert large <= GROWTH_LIMIT * small


@settings(max_examples=40, deadline=None)
@given(st.lists(st.sampled_from(LINES), min_size=1, max_size=6))
def test_parser_work_is_linear_in_the_lines(unit: list[str]) -> None:
    small, large = vault_work(unit)
    assert large <= GROWTH_LIMIT * small


# ---- in the store, beside daily files ------------------------------------------------------


async def titled(store: Store, title: str) -> int:
    """The id of the paper with this exact title."""
    found = [p for p in await LookupService(store).suggest_titles(title) if p.title == title]
    assert len(found) == 1, title
    return found[0].id


async def test_a_folder_with_both_shapes(store: Store) -> None:
    report = await ingest(store, FIXTURES)
    assert report.files_seen == 22
    assert {p.source for p in report.problems} == {
        "arXiv/2024/240101 Empty.md",
        "arXiv/2024/240502 Embeds.md",
        "arXiv/2024/241010 Broken English.md",
        "arXiv/2024/241341 Bad Date.md",
        "arXiv/2024/Loose Idea.md",
        "arXiv/2025/251003 Stuck Prefix.md",
    }
    # 19 papers from 17 readable notes (two hold two papers each) and the daily file,
    # whose one paper, Tiny Mixers, is also a note.
    assert report.changes.added == 19
    tiny = await titled(store, "Tiny Mixers: Sparse Token Mixing for Small Language Models")
    dense = await titled(store, "Dense Mixers: Revisiting Token Mixing for Efficient Transformers")
    assert dense != tiny


TINY = "Tiny Mixers: Sparse Token Mixing for Small Language Models"
TINY_NOTE = "arXiv/2025/250107 Tiny Mixers.md"
TINY_ARXIV = "https://arxiv.org/abs/2501.01234"  # the note's own link; the daily file has none


async def shown(store: Store, paper_id: int) -> list[tuple[str, date]]:
    """Where and when a paper appears, as digests and lookups show it."""
    return [(a.source, a.date) for a in await store.paper_appearances(paper_id)]


async def test_a_paper_in_both_shapes_within_a_week_is_one_appearance(store: Store) -> None:
    await ingest(store, FIXTURES)
    tiny = await titled(store, TINY)
    assert await shown(store, tiny) == [("daily/2025-01-08.md", date(2025, 1, 8))]
    assert (await store.summaries([tiny]))[tiny].date == date(2025, 1, 8)
    # The note's day holds nothing else: it is no day of notes (no digest, no export).
    assert await store.day_entries(date(2025, 1, 7)) == []
    assert await store.day_after(date(2025, 1, 6)) == date(2025, 1, 8)
    assert await store.days("2025-01-01", "2025-02-01", 5) == [(date(2025, 1, 8), 1)]
    for near in (date(2025, 1, 6), date(2025, 1, 8)):
        assert date(2025, 1, 7) not in await store.nearest_days(near, 3)
    assert (await store.stats()).days == len(await store.days("", "9", 100))
    assert await store.days_after(date(2025, 1, 6)) == len(await store.days("2025-01-07", "9", 100))
    exports = ExportStore(store)
    assert await exports.count(Filters(since=date(2025, 1, 7), until=date(2025, 1, 7))) == 0
    assert await exports.nth_newest_day(Filters(until=date(2025, 1, 7)), 0) != date(2025, 1, 7)
    # The note's own link is the paper's, and the title of its embeds links there.
    exported = await exports.paper(tiny)
    assert exported is not None
    assert TINY_ARXIV in exported.links and exported.own_links == (TINY_ARXIV,)
    assert [n.date for n in exported.notes] == [date(2025, 1, 8)]
    (view,) = await DigestComposer(store).views(date(2025, 1, 8))
    assert (view.entry.title, paper_url(view)) == (TINY, TINY_ARXIV)
    detail = await LookupService(store).paper(tiny)
    assert detail is not None and detail.other_days == ()
    assert (detail.view.date, detail.view.position, detail.view.total) == (date(2025, 1, 8), 1, 1)
    assert paper_url(detail.view) == TINY_ARXIV


def tiny_notes(folder: Path, day: str | None = None, *titles: str) -> Path:
    """A notes folder with the Tiny Mixers note (2025-01-07) and, for a `day`, the daily
    file of that day with the fixture's daily entry under each of `titles`."""
    (folder / "arXiv/2025").mkdir(parents=True, exist_ok=True)
    shutil.copy(FIXTURES / TINY_NOTE, folder / TINY_NOTE)
    if day is not None:
        entry = (FIXTURES / "daily/2025-01-08.md").read_text(encoding="utf-8").split("\n", 1)[1]
        (folder / "daily").mkdir(exist_ok=True)
        text = "".join(entry.replace(TINY, title) + "\n" for title in titles)
        (folder / f"daily/{day}.md").write_text(f"{day}\n{text}", encoding="utf-8")
    return folder


@pytest.mark.parametrize(
    ("day", "folded"),
    [
        ("2025-01-07", True),
        ("2025-01-14", True),  # seven days after the note
        ("2024-12-31", True),  # seven days before
        ("2025-01-15", False),
        ("2024-12-30", False),
    ],
)
async def test_a_note_folds_into_a_daily_file_within_seven_days(
    store: Store, tmp_path: Path, day: str, folded: bool
) -> None:
    await ingest(store, tiny_notes(tmp_path, day, "Warm-up Paper", TINY))
    tiny = await titled(store, TINY)
    daily = (f"daily/{day}.md", date.fromisoformat(day))
    note = (TINY_NOTE, date(2025, 1, 7))
    places = [daily] if folded else sorted([daily, note], key=lambda place: place[1])
    assert await shown(store, tiny) == places
    on_its_day = [e.appearance.source for e in await store.day_entries(date(2025, 1, 7))]
    assert (TINY_NOTE in on_its_day) is not folded
    # Days of notes, with their entries: the daily file's two, the note's one.
    counts = {daily[1]: 2} if folded else {daily[1]: 2, note[1]: 1}
    assert dict(await store.days("2024-01-01", "2026-01-01", 5)) == counts
    assert (await store.stats()).latest_day == max(counts)
    detail = await LookupService(store).paper(tiny)
    assert detail is not None and detail.view.date == places[-1][1]
    assert detail.view.total == counts[detail.view.date]
    assert len(detail.other_days) == len(places) - 1
    if folded:  # search snippets quote the daily entry (no English), not the note
        assert (await store.paper_texts([tiny]))[tiny].commentary_en == ""


async def test_the_note_unfolds_when_the_daily_file_no_longer_notes_the_paper(
    store: Store, tmp_path: Path
) -> None:
    notes = tiny_notes(tmp_path)
    await ingest(store, notes)
    tiny = await titled(store, TINY)
    assert await shown(store, tiny) == [(TINY_NOTE, date(2025, 1, 7))]  # alone: its own
    tiny_notes(tmp_path, "2025-01-08", TINY)
    report = await ingest(store, notes)
    assert (report.changes.added, report.changes.updated) == (0, 1)
    assert await shown(store, tiny) == [("daily/2025-01-08.md", date(2025, 1, 8))]
    tiny_notes(tmp_path, "2025-01-08", "Another Paper")
    report = await ingest(store, notes)
    assert (report.changes.added, report.changes.updated, report.changes.removed) == (1, 1, 0)
    assert date(2025, 1, 7) in report.changes.days  # its digest shows the paper again
    assert await titled(store, TINY) == tiny  # the same paper: its buttons keep working
    assert await shown(store, tiny) == [(TINY_NOTE, date(2025, 1, 7))]
    assert (await store.summaries([tiny]))[tiny].date == date(2025, 1, 7)
    assert [e.paper_id for e in await store.day_entries(date(2025, 1, 7))] == [tiny]


async def test_recent_papers_are_dated_by_what_is_shown(store: Store, tmp_path: Path) -> None:
    """An empty /paper autocomplete walks the newest appearances: a note folded into an
    older daily file must not make its paper look recent."""
    for day in range(10, 18):  # the newest 8 appearances (the window for 2 papers): Alpha
        (tmp_path / f"06-{day}.txt").write_text(f"2024-06-{day}\nAlpha Paper\n(Ann Lee)\n")
    (tmp_path / "06-05.txt").write_text("2024-06-05\nYankee Paper\n(Bo Kim)\n")
    (tmp_path / "06-03.txt").write_text("2024-06-03\nXray Paper\n(Cy Park)\n")
    (tmp_path / "240610 Xray.md").write_text("https://a.io/x\n\n*Xray Paper* (Cy Park)\n")
    await ingest(store, tmp_path)
    assert [p.title for p in await store.recent_papers(2)] == ["Alpha Paper", "Yankee Paper"]


def test_only_vault_notes_fold_and_only_into_daily_files() -> None:
    """Two notes, or two daily files, of a paper in one week stay two appearances; the
    paper is worded and dated as shown, its tags come from every appearance."""

    def noted(source: str, day: str, title: str, tag: str) -> Appearance:
        entry = Entry(title, (), None, None, "", "", (tag,), (), 1)
        return Appearance(source, date.fromisoformat(day), 1, entry)

    note = noted("2024/240613 Samba.md", "2024-06-13", "samba: simple", "note")
    other = noted("2024/240611 Samba.md", "2024-06-11", "SAMBA: Simple", "other")
    daily = noted("2024-06-12.md", "2024-06-12", "Samba: Simple", "daily")
    assert [a.folded for a in fold([note, other])] == [False, False]
    assert [a.folded for a in fold([daily, daily])] == [False, False]
    folded = fold([note, daily, other])
    assert [a.folded for a in folded] == [True, False, True]
    paper = merge(folded)
    assert (paper.title, paper.first_date, paper.last_date) == (
        "Samba: Simple",
        date(2024, 6, 12),
        date(2024, 6, 12),
    )
    assert paper.tags == ("other", "daily", "note")
    assert [a.folded for a in fold([folded[0]])] == [False]  # alone again


def test_lint_treats_notes_like_daily_files() -> None:
    proc = bot("lint", str(NOTES / "2024"))
    assert proc.returncode == 1
    lines = proc.stdout.splitlines()
    assert (
        f"{NOTES / '2024/240502 Embeds.md'}:5: '![[figure1.png]]' embeds a file the bot"
        " cannot show: left out" in lines
    )
    assert len(lines) == 8
    assert bot("lint", str(NOTES / "2023")).stdout == ""


async def test_a_renamed_note_is_an_edit(store: Store, tmp_path: Path) -> None:
    notes = tmp_path / "notes"
    shutil.copytree(NOTES / "2024", notes / "2024")
    await ingest(store, notes)
    title = "Dense Mixers: Revisiting Token Mixing for Efficient Transformers"
    before = await titled(store, title)
    (notes / "2024/241120 Dense Mixers.md").rename(notes / "2024/241120 Dense Token Mixers.md")
    report = await ingest(store, notes)
    assert report.files_removed == ("2024/241120 Dense Mixers.md",)
    assert report.files_changed == ("2024/241120 Dense Token Mixers.md",)
    assert (report.changes.added, report.changes.updated, report.changes.removed) == (0, 1, 0)
    assert await titled(store, title) == before  # the same paper: its buttons keep working


async def test_a_wiki_link_relates_the_two_papers(store: Store, tmp_path: Path) -> None:
    """`[[241120 B]]` makes B "earlier in your notes" for A, with no tag or URL shared."""
    notes = tmp_path / "notes"
    (notes / "2024").mkdir(parents=True)
    (notes / "2024/241120 Base Paper.md").write_text(
        "https://a.io/base\n\n*Base Paper* (Ann Lee)\n\n#alpha\n", encoding="utf-8"
    )
    (notes / "2024/241121 Unrelated.md").write_text(
        "https://a.io/other\n\n*Unrelated* (Bo Kim)\n\n#beta\n", encoding="utf-8"
    )
    (notes / "2024/241201 Follow Up.md").write_text(
        "https://a.io/follow\n\n*Follow Up* (Cy Park)\n\n[[241120 Base Paper|그 논문]]의 후속.\n"
        "\n#gamma\n",
        encoding="utf-8",
    )
    await ingest(store, notes)
    follow = await titled(store, "Follow Up")
    assert await store.earlier_papers(follow, date(2024, 12, 1)) == [
        (date(2024, 11, 20), "Base Paper")
    ]
    (follow_up,) = await store.paper_appearances(follow)
    assert follow_up.entry.links == ("https://a.io/follow", note_link("241120 Base Paper"))
    base = await titled(store, "Base Paper")
    (base_note,) = await store.paper_appearances(base)
    assert base_note.entry.links == ("https://a.io/base",)  # its own note link is not shown
