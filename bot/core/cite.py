"""Citations from the notes: a paper as a BibTeX entry and as an APA-style reference. Pure.

Only what the notes hold goes in. A note's date is when the paper was read, not when
it appeared, so it is never the year: year and month come from the paper's arXiv id,
which encodes them, and the id only from a link to the paper's *own* arXiv page. An
entry's own link is its first link when its commentary does not cite it: the vault
puts a note's header link first, the daily files their abstract lines' links, and a
link the commentary cites ("Griffin (https://arxiv.org/abs/2402.19427)") is another
paper's. Entries of one paper naming different arXiv pages give none. Whatever the
notes do not hold is left out and named in `Reference.missing`, never guessed.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from bot.core.i18n import t
from bot.core.pages import Button, File, Page
from bot.core.papers import paper_key
from bot.core.render import CONTENT_MAX, truncate
from bot.core.text import ARXIV_ABS

MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
# Identifiers since April 2007 (`2406.07522`) and before (`hep-th/9901001`): YYMM first.
_NEW_ID_RE = re.compile(r"(?P<yy>\d{2})(?P<mm>\d{2})\.\d{4,5}")
_OLD_ID_RE = re.compile(r"[a-z-]++(?:\.[a-z]{2})?/(?P<yy>\d{2})(?P<mm>\d{2})\d{3}", re.IGNORECASE)
_OLD_ID_FIRST_YEAR = 91  # the old scheme ran from 1991 to March 2007

# LaTeX's special characters as text; a brace stays balanced (`\{` would count as one).
_LATEX = {
    "\\": r"\textbackslash{}",
    "{": r"\textbraceleft{}",
    "}": r"\textbraceright{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}
_LATEX_RE = re.compile("[" + re.escape("".join(_LATEX)) + "]")

# A name with one of these words is an organisation or group (`Qwen Team`, `DeepSeek-AI`);
# `AI` only in capitals, since `Ai` is also a given name.
_GROUP_WORDS = frozenset(
    {
        "team",
        "group",
        "lab",
        "labs",
        "laboratory",
        "consortium",
        "collaboration",
        "project",
        "community",
        "committee",
        "initiative",
        "institute",
        "university",
        "foundation",
        "research",
        "inc",
        "inc.",
        "ltd",
        "ltd.",
        "llc",
        "corp",
        "corp.",
        "corporation",
    }
)
# Lower-case words that belong to the family name (`Maer Rodrigues de Melo` → `de Melo`).
_PARTICLES = frozenset(
    {"al", "bin", "da", "das", "de", "del", "della", "den", "der", "di", "do", "dos", "du"}
    | {"el", "la", "le", "st.", "ten", "ter", "van", "von", "zu"}
)
_SUFFIXES = frozenset({"jr", "jr.", "sr", "sr.", "ii", "iii", "iv"})
_NAME_SPLIT_RE = re.compile(r"[\s\-]++")
_NOT_KEY_RE = re.compile(r"[^a-z0-9]++")
# Title words a citation key skips (`An Image is Worth…` → `image`).
_KEY_SKIP = frozenset({"a", "an", "the", "on", "of", "in", "for", "to", "and", "is", "are"})
APA_MAX_AUTHORS = 20
# Custom ids of the citation buttons: `ct1:c:<paper>` shows the citation privately to
# whoever clicks (the Cite button), `ct1:s:<paper>` shares it in the channel. Any
# version matches the family, so an id from an older version is answered, not dropped.
CITE_ID_FAMILY = re.compile(r"ct[0-9]*:.*", re.DOTALL)
_CITE_ID_RE = re.compile(r"ct1:(?P<verb>[cs]):(?P<paper>[0-9]{1,19})")
CiteVerb = Literal["c", "s"]
CITE, SHARE = "c", "s"
FENCE = "```"  # APA 7: up to 20 names; more are the first 19, ". . .", the last


def arxiv_year_month(arxiv_id: str) -> tuple[int, int] | None:
    """The year and month an arXiv id encodes (`2406.07522` → 2024, 6); None if it does not."""
    if match := _NEW_ID_RE.fullmatch(arxiv_id):
        year = 2000 + int(match["yy"])
    elif match := _OLD_ID_RE.fullmatch(arxiv_id):
        yy = int(match["yy"])
        year = (1900 if yy >= _OLD_ID_FIRST_YEAR else 2000) + yy
    else:
        return None
    month = int(match["mm"])
    return (year, month) if 1 <= month <= 12 else None


def own_arxiv_id(own_links: Iterable[str]) -> str | None:
    """The paper's arXiv id from its entries' own links (any version, abs or pdf, is
    stored as the abs page); None when none is an arXiv page, or two name different ones."""
    ids = {url[len(ARXIV_ABS) :] for url in own_links if url.startswith(ARXIV_ABS)}
    return ids.pop() if len(ids) == 1 else None


def is_group(name: str) -> bool:
    """Whether an author is an organisation or group rather than a person: a group word
    (`Qwen Team`), or a single word (`OpenAI`, or a name written without spaces), which
    has no given and family name to tell apart either."""
    words = [w for w in _NAME_SPLIT_RE.split(name.strip()) if w]
    return len(words) <= 1 or "AI" in words or any(w.casefold() in _GROUP_WORDS for w in words)


def _name_parts(name: str) -> tuple[list[str], str, str | None]:
    """A person's (given names, family name with its particles, suffix)."""
    words = name.split()
    suffix = words.pop() if len(words) > 2 and words[-1].casefold() in _SUFFIXES else None
    start = len(words) - 1
    while start > 1 and words[start - 1] in _PARTICLES:
        start -= 1
    return words[:start], " ".join(words[start:]), suffix


def _initials(given: str) -> str:
    """`Liang-Chieh` → `L.-C.`, `T` or `T.` → `T.`."""
    return "-".join(part[0] + "." for part in given.split("-") if part)


def apa_name(name: str) -> str:
    """`Liliang Ren` → `Ren, L.`; a group stays as written (`Qwen Team`)."""
    if is_group(name):
        return name
    given, family, suffix = _name_parts(name)
    initials = " ".join(_initials(g) for g in given)
    return ", ".join(part for part in (family, initials, suffix) if part)


def apa_authors(names: Sequence[str]) -> str:
    """APA 7's author list: `A, B, & C`; more than 20 names: the first 19, `. . .`, the last."""
    shown = [apa_name(n) for n in names]
    if len(shown) <= 1:
        return "".join(shown)
    if len(shown) > APA_MAX_AUTHORS:
        return ", ".join(shown[: APA_MAX_AUTHORS - 1]) + ", . . . " + shown[-1]
    return ", ".join(shown[:-1]) + ", & " + shown[-1]


def latex_escape(text: str) -> str:
    """Text as LaTeX prints it literally, braces kept balanced for BibTeX."""
    return _LATEX_RE.sub(lambda m: _LATEX[m[0]], text)


def bibtex_name(name: str) -> str:
    """An author as BibTeX reads it: a group braced whole (else `Qwen Team` would be
    "Team, Q."), a person as written unless a suffix needs `Family, Jr., Given`, or a
    lone `and` would split them in two."""
    text = latex_escape(name.strip())
    if is_group(name) or "and" in (w.casefold() for w in name.split()):
        return "{" + text + "}"
    given, family, suffix = _name_parts(text)
    if suffix:
        return f"{family}, {suffix}, {' '.join(given)}"
    return text


def _ascii_word(text: str) -> str:
    """Letters and digits of `text` as lower-case ASCII (`André` → `andre`)."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return _NOT_KEY_RE.sub("", folded.casefold())


@dataclass(frozen=True, slots=True)
class Reference:
    """What the notes hold to cite a paper."""

    title: str
    authors: tuple[str, ...]
    org: str | None
    arxiv_id: str | None

    @classmethod
    def of(
        cls, title: str, authors: Sequence[str], org: str | None, own_links: Iterable[str]
    ) -> Reference:
        """A paper's reference from its stored fields and its entries' own links."""
        return cls(title.strip(), tuple(authors), org, own_arxiv_id(own_links))

    @property
    def url(self) -> str | None:
        """The paper's own arXiv page."""
        return ARXIV_ABS + self.arxiv_id if self.arxiv_id else None

    @property
    def published(self) -> tuple[int, int] | None:
        """(year, month) of the arXiv id."""
        return arxiv_year_month(self.arxiv_id) if self.arxiv_id else None

    @property
    def missing(self) -> tuple[str, ...]:
        """BibTeX fields a full reference has and the notes do not hold."""
        fields = [] if self.authors else ["author"]
        if self.published is None:
            fields += ["year", "month"]
        if self.arxiv_id is None:
            fields += ["eprint", "url"]
        return tuple(fields)

    def key_base(self) -> str:
        """`ren2024samba`: first author's family name, year, first title word (ASCII)."""
        author = ""
        if self.authors:
            first = self.authors[0]
            author = _ascii_word(first if is_group(first) else _name_parts(first)[1])
        year = str(self.published[0]) if self.published else ""
        words = [w for w in (_ascii_word(w) for w in self.title.split()) if w]
        word = next((w for w in words if w not in _KEY_SKIP), words[0] if words else "")
        return author + year + word or "paper"


def citation_keys(references: Sequence[Reference]) -> list[str]:
    """Keys unique within `references` and stable: a paper's key depends on its own fields,
    never on order or database ids. Papers that would share a key each get a suffix from
    their title's identity (`ren2024samba-1f3a9c02`)."""
    bases = [r.key_base() for r in references]
    titles: dict[str, set[str]] = {}
    for base, ref in zip(bases, references, strict=True):
        titles.setdefault(base, set()).add(paper_key(ref.title))
    counts = Counter(bases)
    keys = []
    for base, ref in zip(bases, references, strict=True):
        shared = counts[base] > 1 and len(titles[base]) > 1
        digest = hashlib.sha256(paper_key(ref.title).encode()).hexdigest()[:8]
        keys.append(f"{base}-{digest}" if shared else base)
    return keys


def bibtex_entry(ref: Reference, key: str, extra: Sequence[tuple[str, str]] = ()) -> str:
    """An `@misc` entry with only the fields the notes hold; `extra` (name, plain text)
    fields follow, escaped. The title is braced whole so styles keep its capitals."""
    fields: list[tuple[str, str]] = []
    if ref.authors:
        fields.append(("author", "{" + " and ".join(bibtex_name(a) for a in ref.authors) + "}"))
    fields.append(("title", "{{" + latex_escape(ref.title) + "}}"))
    if ref.published:
        year, month = ref.published
        fields += [("year", f"{{{year}}}"), ("month", MONTHS[month - 1])]
    if ref.arxiv_id and ref.url:
        fields += [
            ("eprint", "{" + ref.arxiv_id + "}"),
            ("archivePrefix", "{arXiv}"),
            ("url", "{" + ref.url + "}"),
        ]
    if ref.org:
        fields.append(("organization", "{" + latex_escape(ref.org) + "}"))
    fields += [(name, "{" + latex_escape(value) + "}") for name, value in extra if value]
    body = ",\n".join(f"  {name} = {value}" for name, value in fields)
    return f"@misc{{{key},\n{body}\n}}"


def apa_reference(ref: Reference) -> str:
    """APA 7 style for a preprint: `Authors. (2024). Title (arXiv:ID). arXiv. URL`; without
    an arXiv id, `(n.d.)` and the title alone; without authors the title leads. The title
    is kept as written."""
    published = f"({ref.published[0]})" if ref.published else "(n.d.)"
    title = f"{ref.title} (arXiv:{ref.arxiv_id})" if ref.arxiv_id else ref.title
    if not title.endswith((".", "?", "!")):
        title += "."
    source = f" arXiv. {ref.url}" if ref.url else ""
    authors = apa_authors(ref.authors)
    if not authors:  # APA: the title moves to the author's place
        return f"{title} {published}.{source}"
    return f"{authors if authors.endswith('.') else authors + '.'} {published}. {title}{source}"


def cite_custom_id(verb: CiteVerb, paper_id: int) -> str:
    """The custom id of a button citing (`c`) or sharing (`s`) a paper's citation."""
    return f"ct1:{verb}:{paper_id}"


def decode_cite_id(custom_id: str) -> tuple[CiteVerb, int] | None:
    """(verb, paper id) from `cite_custom_id`; None for anything else."""
    match = _CITE_ID_RE.fullmatch(custom_id)
    if match is None:
        return None
    verb: CiteVerb = "s" if match["verb"] == SHARE else "c"
    return verb, int(match["paper"])


def citation_page(
    ref: Reference, paper_id: int, locale: object, shared_by: str | None = None
) -> Page:
    """The /cite answer: the BibTeX entry and the APA reference each in a code block that
    copies cleanly, what is missing, and Share; a shared copy is credited to `shared_by`
    and has no Share. A reference that does not fit in a message (hundreds of authors)
    or would break out of its code block is attached as files instead."""
    key = ref.key_base()
    entry, apa = bibtex_entry(ref, key), apa_reference(ref)
    notes = []
    if ref.missing:
        notes.append(t("cite.incomplete", locale, fields=", ".join(ref.missing)))
    if ref.arxiv_id is None:
        notes.append(t("cite.add_link", locale))
    credit = t("lookup.shared_by", locale, member=shared_by) if shared_by else ""
    share = Button(t("lookup.share", locale), cite_custom_id("s", paper_id), "success")
    rows = () if shared_by else ((share,),)
    blocks = f"{FENCE}bibtex\n{entry}\n{FENCE}\n{FENCE}\n{apa}\n{FENCE}"
    content = "\n".join(filter(None, (credit, blocks, *notes)))
    if len(content) <= CONTENT_MAX and FENCE not in entry + apa:
        return Page(content=content, rows=rows)
    files = (
        File(f"{key}.bib", entry.encode() + b"\n", "BibTeX"),
        File(f"{key}.txt", apa.encode() + b"\n", "APA"),
    )
    attached = t("cite.attached", locale, files=", ".join(f.filename for f in files))
    content = "\n".join(filter(None, (credit, attached, *notes)))
    return Page(content=truncate(content, CONTENT_MAX), rows=rows, files=files)
