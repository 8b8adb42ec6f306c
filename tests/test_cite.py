"""Citations: only what the notes hold, in BibTeX a BibTeX parser reads and APA 7 style."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import bibtexparser
import pytest
from bibtexparser.bparser import BibTexParser
from bibtexparser.customization import splitname

from bot.core.cite import (
    CITE_ID_FAMILY,
    Reference,
    apa_authors,
    apa_name,
    apa_reference,
    arxiv_year_month,
    bibtex_entry,
    citation_keys,
    citation_page,
    cite_custom_id,
    decode_cite_id,
    is_group,
    own_arxiv_id,
)
from bot.core.export import ExportPaper, Filters, Note
from bot.core.papers import own_link
from bot.core.render import CONTENT_MAX
from bot.services.export import ExportService
from bot.services.ingest import ingest
from bot.store import Store

# A day of notes for the cases the seeds lack: the paper's own arXiv link in its abstract
# lines (versioned) beside another paper's in the commentary, every LaTeX special character
# in a title, an organisation, a group author, and a bare pdf link as the only abstract line.
OWN_LINK_NOTES = """2025-01-15
Griffin-Lite: A {Braced} & 100% Hybrid_Model for $5 #1 ~Costs^ \\o/
(Google DeepMind: Soham De, Samuel L. Smith, Anushan Fernando)
We study hybrids. The paper: https://arxiv.org/abs/2402.19427v2
Griffin 논문 (https://arxiv.org/abs/2404.07839) 과 비교하면 재미있네요.
Compared with another paper (https://arxiv.org/abs/2404.07839).
#state-space-model
Qwen2.5 Technical Report
(Qwen Team)
https://arxiv.org/pdf/2412.15115
큐웬 팀의 보고서.
Qwen team's report.
#llm
"""
GRIFFIN = "Griffin-Lite: A {Braced} & 100% Hybrid_Model for $5 #1 ~Costs^ \\o/"
# The LaTeX the escaping writes → the character it prints (the test's own decoder).
LATEX_TEXT = {
    r"\textbackslash{}": "\\",
    r"\textbraceleft{}": "{",
    r"\textbraceright{}": "}",
    r"\textasciitilde{}": "~",
    r"\textasciicircum{}": "^",
    r"\&": "&",
    r"\%": "%",
    r"\$": "$",
    r"\#": "#",
    r"\_": "_",
}
LATEX_TEXT_RE = re.compile("|".join(re.escape(k) for k in LATEX_TEXT))


def parse_bibtex(text: str) -> list[dict[str, str]]:
    parser = BibTexParser(common_strings=True)
    return list(bibtexparser.loads(text, parser=parser).entries)


def bibtex_names(field: str) -> list[dict[str, list[str]]]:
    """The names of an author field, split as BibTeX splits them: at ` and ` outside braces."""
    names, depth, start = [], 0, 0
    for index, char in enumerate(field):
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth == 0 and field.startswith(" and ", index):
            names.append(field[start:index])
            start = index + len(" and ")
    return [splitname(name) for name in [*names, field[start:]]]


def latex_text(value: str) -> str:
    return LATEX_TEXT_RE.sub(lambda m: LATEX_TEXT[m[0]], value)


def samba(own: str | None = "https://arxiv.org/abs/2406.07522") -> Reference:
    return Reference.of(
        "Samba: Simple Hybrid State Space Models",
        ("Liliang Ren", "Yang Liu", "Yadong Lu"),
        None,
        [own] if own else [],
    )


@pytest.mark.parametrize(
    ("arxiv_id", "expected"),
    [
        ("2406.07522", (2024, 6)),
        ("2412.15115", (2024, 12)),
        ("0704.0001", (2007, 4)),  # the first new-style id
        ("1501.00001", (2015, 1)),  # five-digit numbers
        ("hep-th/9901001", (1999, 1)),
        ("math.GT/0309136", (2003, 9)),
        ("2413.00001", None),  # no 13th month: nothing is guessed
        ("not-an-id", None),
    ],
)
def test_the_arxiv_id_encodes_year_and_month(
    arxiv_id: str, expected: tuple[int, int] | None
) -> None:
    assert arxiv_year_month(arxiv_id) == expected


GRIFFIN_ABS = "https://arxiv.org/abs/2402.19427"
SAMBA_ABS = "https://arxiv.org/abs/2406.07522"
CODE = "https://github.com/microsoft/Samba"


@pytest.mark.parametrize(
    ("links", "commentary", "own"),
    [
        # The vault: the note's header link first, whatever the commentary cites.
        ((SAMBA_ABS, GRIFFIN_ABS), ("Griffin (https://arxiv.org/abs/2402.19427) 과",), SAMBA_ABS),
        # The daily files: the abstract lines' links first.
        ((CODE, GRIFFIN_ABS), ("Griffin (https://arxiv.org/abs/2402.19427v2) 과", ""), CODE),
        # The first link is one the commentary cites (any version): another paper's.
        (
            (GRIFFIN_ABS, SAMBA_ABS),
            ("", "Like Griffin (https://arxiv.org/pdf/2402.19427v1)."),
            None,
        ),
        ((), ("",), None),
    ],
)
def test_an_entrys_own_link_is_its_first_unless_the_commentary_cites_it(
    links: tuple[str, ...], commentary: tuple[str, ...], own: str | None
) -> None:
    assert own_link(links, commentary) == own


@pytest.mark.parametrize(
    ("own_links", "expected"),
    [
        ([SAMBA_ABS], "2406.07522"),
        ([CODE, SAMBA_ABS, SAMBA_ABS], "2406.07522"),  # two entries, one arXiv page
        ([SAMBA_ABS, GRIFFIN_ABS], None),  # two entries disagree: which one is it?
        ([CODE], None),
        ([], None),
    ],
)
def test_the_arxiv_id_comes_from_the_own_links_when_they_agree(
    own_links: list[str], expected: str | None
) -> None:
    assert own_arxiv_id(own_links) == expected


TWO_MONTHS = """2024-06-01
Mamba: Linear-Time Sequence Modeling with Selective State Spaces
(Albert Gu, Tri Dao)
https://arxiv.org/abs/2312.00752
선택적 상태 공간 모델.
#state-space-model
Hawk and Griffin
(Soham De)
Griffin (https://arxiv.org/abs/2402.19427) 과 비교해 보세요.
#state-space-model
2024-07-01
Mamba: Linear-Time Sequence Modeling with Selective State Spaces
(Albert Gu, Tri Dao)
다시 읽었어요. Griffin (https://arxiv.org/abs/2402.19427) 과 비교하면 재미있네요.
#state-space-model
Disputed Paper
(Ada Lovelace)
https://arxiv.org/abs/2401.00001
첫 번째 링크.
#disputed
2024-07-02
Disputed Paper
(Ada Lovelace)
https://arxiv.org/abs/2401.00002
두 번째 링크.
#disputed
"""


async def test_the_citation_is_the_same_whichever_days_are_exported(
    store: Store, tmp_path: Path
) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "two-months.txt").write_text(TWO_MONTHS, encoding="utf-8")
    await ingest(store, notes)
    service = ExportService(store)
    papers = {p.title.split(":")[0]: p for p in await service.papers(Filters())}
    assert papers["Mamba"].reference.arxiv_id == "2312.00752"
    assert papers["Hawk and Griffin"].reference.arxiv_id is None  # the commentary's link
    assert papers["Disputed Paper"].reference.arxiv_id is None  # two own links disagree
    [july] = await service.papers(Filters(tag="state-space-model", since=date(2024, 7, 1)))
    assert [n.date for n in july.notes] == [date(2024, 7, 1)]  # June's note is not exported
    assert july.reference == papers["Mamba"].reference  # but its own link still counts
    cited = await service.paper(1)
    assert cited is not None and cited.reference == july.reference


# A vault note (one Markdown file per paper): its header link is the paper's own, its
# commentary cites another paper first.
VAULT_NOTE = """https://arxiv.org/pdf/2411.05555v2.pdf

*Dense Mixers: Revisiting Token Mixing for
Efficient Transformers* (Example Lab: Jun Seo, Hana Choi)

> We revisit token mixing.

토큰 믹싱을 밀집 행렬로 바꾼 연구. MLP-Mixer (https://arxiv.org/abs/2105.01601) 와 비교.

#efficiency
"""


async def test_a_vault_notes_header_link_is_the_papers_own(store: Store, tmp_path: Path) -> None:
    year = tmp_path / "vault" / "2025"
    year.mkdir(parents=True)
    (year / "250103 Dense Mixers.md").write_text(VAULT_NOTE, encoding="utf-8")
    await ingest(store, tmp_path / "vault")
    [paper] = await ExportService(store).papers(Filters())
    [entry] = parse_bibtex(bibtex_entry(paper.reference, paper.reference.key_base()))
    assert entry["ID"] == "seo2024dense" and entry["organization"] == "Example Lab"
    assert (entry["eprint"], entry["year"], entry["month"]) == ("2411.05555", "2024", "November")
    assert [n.date for n in paper.notes] == [date(2025, 1, 3)]  # read in 2025, not its year


@pytest.mark.parametrize(
    ("name", "group"),
    [
        ("Qwen Team", True),
        ("DeepSeek-AI", True),
        ("Meta AI", True),
        ("OpenAI", True),  # one word: no given and family name to tell apart
        ("Allen Institute for AI", True),
        ("Liliang Ren", False),
        ("Ai Han", False),  # `Ai` is a given name; only `AI` marks a group
    ],
)
def test_groups_and_people(name: str, group: bool) -> None:
    assert is_group(name) is group


@pytest.mark.parametrize(
    ("name", "apa"),
    [
        ("Liliang Ren", "Ren, L."),
        ("Justin T Chiu", "Chiu, J. T."),
        ("Alexandros G. Dimakis", "Dimakis, A. G."),
        ("Liang-Chieh Chen", "Chen, L.-C."),
        ("Maer Rodrigues de Melo", "de Melo, M. R."),
        ("Martin Luther King Jr.", "King, M. L., Jr."),
        ("Qwen Team", "Qwen Team"),
    ],
)
def test_apa_names(name: str, apa: str) -> None:
    assert apa_name(name) == apa


def test_apa_author_lists() -> None:
    assert apa_authors(["Liliang Ren"]) == "Ren, L."
    assert apa_authors(["Liliang Ren", "Yang Liu"]) == "Ren, L., & Liu, Y."
    many = [f"Grace Family{n:02d}" for n in range(1, 23)]
    first = ", ".join(f"Family{n:02d}, G." for n in range(1, 20))
    assert apa_authors(many) == first + ", . . . Family22, G."  # no `&` after the ellipsis
    assert apa_authors(many[:20]).endswith("Family19, G., & Family20, G.")


def test_apa_reference_with_and_without_an_arxiv_id() -> None:
    assert apa_reference(samba()) == (
        "Ren, L., Liu, Y., & Lu, Y. (2024). Samba: Simple Hybrid State Space Models"
        " (arXiv:2406.07522). arXiv. https://arxiv.org/abs/2406.07522"
    )
    assert apa_reference(samba(None)) == (
        "Ren, L., Liu, Y., & Lu, Y. (n.d.). Samba: Simple Hybrid State Space Models."
    )
    group = Reference("Qwen2-VL: To See the World More Clearly", ("Qwen Team",), None, None)
    assert apa_reference(group) == "Qwen Team. (n.d.). Qwen2-VL: To See the World More Clearly."
    nobody = Reference("Untitled?", (), None, "2406.07522")
    assert apa_reference(nobody) == (
        "Untitled? (arXiv:2406.07522). (2024). arXiv. https://arxiv.org/abs/2406.07522"
    )


def test_bibtex_with_an_arxiv_id_parses_with_every_field() -> None:
    [entry] = parse_bibtex(bibtex_entry(samba(), "ren2024samba"))
    assert entry["ID"] == "ren2024samba" and entry["ENTRYTYPE"] == "misc"
    assert entry["title"] == "{Samba: Simple Hybrid State Space Models}"  # capitals kept
    assert entry["author"] == "Liliang Ren and Yang Liu and Yadong Lu"
    assert (entry["year"], entry["month"]) == ("2024", "June")
    assert entry["eprint"] == "2406.07522" and entry["archiveprefix"] == "arXiv"
    assert entry["url"] == "https://arxiv.org/abs/2406.07522"


def test_bibtex_without_an_arxiv_id_leaves_out_what_the_notes_do_not_hold() -> None:
    ref = samba(None)
    [entry] = parse_bibtex(bibtex_entry(ref, "rensamba"))
    assert set(entry) == {"ID", "ENTRYTYPE", "author", "title"}
    assert ref.missing == ("year", "month", "eprint", "url")


def test_the_year_is_never_the_date_of_the_note() -> None:
    noted = date(2025, 1, 15)
    for own, year in (((), None), ((GRIFFIN_ABS,), "2024")):
        paper = ExportPaper(
            "Griffin", ("Soham De",), None, None, (), (), (Note(noted, "", ""),), own
        )
        [entry] = parse_bibtex(bibtex_entry(paper.reference, "key"))
        assert entry.get("year") == year


def test_special_characters_and_braces_survive_bibtex() -> None:
    ref = Reference(GRIFFIN, ("Research and Development Team", "Ana {X} Perez"), "AT&T", None)
    [entry] = parse_bibtex(bibtex_entry(ref, "key", [("annote", "50% of {it} } {")]))
    assert latex_text(entry["title"][1:-1]) == GRIFFIN
    assert latex_text(entry["annote"]) == "50% of {it} } {"
    assert latex_text(entry["organization"]) == "AT&T"
    names = bibtex_names(entry["author"])
    assert len(names) == 2  # the `and` inside the group's name does not split it
    assert names[0]["last"] == ["{Research and Development Team}"]


def test_bibtex_names_people_and_groups_as_bibtex_expects() -> None:
    people = ("Maer Rodrigues de Melo", "Martin Luther King Jr.", "Qwen Team", "DeepSeek-AI")
    [entry] = parse_bibtex(bibtex_entry(Reference("T", people, None, None), "key"))
    melo, king, qwen, deepseek = bibtex_names(entry["author"])
    assert (melo["first"], melo["von"], melo["last"]) == (["Maer", "Rodrigues"], ["de"], ["Melo"])
    assert (king["first"], king["last"], king["jr"]) == (["Martin", "Luther"], ["King"], ["Jr."])
    assert qwen == {"first": [], "last": ["{Qwen Team}"], "von": [], "jr": []}
    assert deepseek["last"] == ["{DeepSeek-AI}"] and deepseek["first"] == []


def test_citation_keys_are_readable_unique_and_stable() -> None:
    a = Reference("Samba: Hybrid", ("Liliang Ren",), None, "2406.07522")
    b = Reference("Samba!! Hybrid models", ("Liliang Ren",), None, "2406.07522")
    c = Reference("André's Paper", ("José Núñez",), None, None)
    d = Reference("모델 비교", ("김철수",), None, None)
    keys = citation_keys([a, b, c, d])
    assert keys[2] == "nunezandres" and keys[3] == "paper"  # ASCII, and a last resort
    assert keys[0].startswith("ren2024samba-") and keys[1].startswith("ren2024samba-")
    assert len(set(keys)) == 4
    assert citation_keys([d, c, b, a]) == keys[::-1]  # order does not matter
    assert citation_keys([a]) == ["ren2024samba"]
    assert citation_keys([a, a]) == ["ren2024samba", "ren2024samba"]  # the same paper


def test_cite_ids_round_trip_and_refuse_anything_else() -> None:
    for verb in ("c", "s"):
        custom_id = cite_custom_id(verb, 12345)
        assert CITE_ID_FAMILY.fullmatch(custom_id) and decode_cite_id(custom_id) == (verb, 12345)
    for garbage in ("ct1:x:1", "ct1:s:", "ct2:s:1", "ct1:s:1a", "pd1:s:1", "ct1:s:" + "9" * 20):
        assert decode_cite_id(garbage) is None


def test_the_citation_message_copies_cleanly_and_says_what_is_missing() -> None:
    page = citation_page(samba(None), 7, "en")
    content = page.content or ""
    assert len(content) <= CONTENT_MAX and not page.files
    entry, apa = re.findall(r"```(?:bibtex)?\n(.*?)\n```", content, re.DOTALL)
    assert parse_bibtex(entry)[0]["ID"] == "rensamba"
    assert apa.startswith("Ren, L., Liu, Y., & Lu, Y. (n.d.).")
    assert "Incomplete: the notes hold no year, month, eprint, url" in content
    assert "arXiv link on a line after its authors" in content
    [[share]] = page.rows
    assert share.label == "Share" and decode_cite_id(share.custom_id) == ("s", 7)
    complete = citation_page(samba(), 7, "ko").content or ""
    assert "불완전" not in complete and "Incomplete" not in complete


def test_a_shared_citation_is_credited_and_has_no_share() -> None:
    page = citation_page(samba(), 7, "en", shared_by="<@42>")
    assert (page.content or "").startswith("Shared by <@42>\n```bibtex") and page.rows == ()


@pytest.mark.parametrize(
    "ref",
    [
        Reference("Gemini", tuple(f"Author{n} Name{n}" for n in range(300)), None, None),
        Reference("A ``` fence", ("Liliang Ren",), None, None),  # would end its code block
    ],
)
def test_a_citation_too_long_or_unsafe_for_a_code_block_is_attached(ref: Reference) -> None:
    page = citation_page(ref, 7, "en")
    content = page.content or ""
    assert "```" not in content and len(content) <= CONTENT_MAX
    bib, txt = page.files
    [entry] = parse_bibtex(bib.data.decode())
    assert entry["ID"] == ref.key_base() and bib.filename == f"{ref.key_base()}.bib"
    assert txt.data.decode().strip() == apa_reference(ref)


async def test_a_stored_paper_cites_its_own_arxiv_id_not_its_commentarys(
    store: Store, tmp_path: Path
) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "extra.txt").write_text(OWN_LINK_NOTES, encoding="utf-8")
    await ingest(store, notes)
    service = ExportService(store)
    griffin = await service.paper(1)
    qwen = await service.paper(2)
    assert griffin is not None and qwen is not None and await service.paper(3) is None
    assert griffin.reference == Reference(
        GRIFFIN,
        ("Soham De", "Samuel L. Smith", "Anushan Fernando"),
        "Google DeepMind",
        "2402.19427",
    )
    [entry] = parse_bibtex(bibtex_entry(qwen.reference, "key"))
    assert (entry["author"], entry["eprint"], entry["year"]) == (
        "{Qwen Team}",
        "2412.15115",
        "2024",
    )
    assert entry["month"] == "December"
