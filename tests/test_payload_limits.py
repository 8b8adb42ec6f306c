"""Any notes content gives payloads Discord accepts, shows it as written, and loses nothing.

Hypothesis writes entries no notes author would: titles of thousands of characters, huge
author lists and commentary, markdown and mention syntax everywhere, URLs of any length.
Every message, embed and component the renderer and the lookup layouts produce is checked
against Discord's documented limits (`bot.sandbox.limits`) and its OpenAPI description
(`bot.sandbox.spec`); components are the real discord.py ones the cog sends. Markdown is
checked by an independent reader of what Discord would render (`live_markup`, `unescape`):
nothing from the notes may format, link or mention, and every cut ends with `…` while the
rest continues in the next embed or is counted.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from typing import Any
from urllib.parse import unquote_plus

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.adapters.discord.cogs.lookup._components import frozen_view
from bot.core.i18n import t
from bot.core.notes import Entry
from bot.core.pages import (
    PER_PAGE,
    SNIPPET_MAX,
    Listed,
    Viewer,
    controls,
    list_embed,
    open_select,
    rows_of,
    tag_index_embed,
)
from bot.core.render import (
    ELLIPSIS,
    ORG_MAX,
    URL_MAX,
    Earlier,
    Language,
    Message,
    PaperView,
    commentary,
    compact_line,
    compact_messages,
    digest_messages,
    escape,
    escape_within,
    paper_embeds,
    split_escaped,
)
from bot.core.screens import Kind, Screen
from bot.core.snippet import snippet
from bot.core.text import nfc
from bot.sandbox.limits import check_message, require_something_to_send
from bot.sandbox.spec import OpenApiSpec

DAY = date(2024, 6, 18)
OWNER = 1_200_000_000_000_000_401
LANGUAGES: tuple[Language, ...] = ("ko", "en", "both")
BIG = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# ---- what Discord would render ------------------------------------------------------------

# Discord's escape rule (a backslash before any character but letters, digits and spaces),
# `<url>` links, and the zero-width space that keeps `@everyone` from being a mention.
_UNESCAPE_RE = re.compile(
    r"<((?i:https?)://[^\s<>]+)>|\\([^0-9A-Za-z\s])|(@)\u200b(?=everyone|here)"
)
_LIVE_LINE_RE = re.compile(r"^[ \t]*(?:[>#-](?=[>#]*\s)|\d+\.\s)", re.MULTILINE)
# At each place, in Discord's order: an escape, a `<url>` link (where links render), a
# bare URL as Discord autolinks it (its pattern as discord.py's `escape_markdown` knows
# it), a mention, a markup character.
_LIVE = (
    r"(?P<escape>\\[^0-9A-Za-z\s])|{link}(?P<url>(?i:https?)://[^\s<]+[^<.,:;\"'\]\s])"
    r"|(?P<mention>@(?:everyone|here))|(?P<char>[\\*_~`|\[\]<])"
)
_LIVE_RE = {
    True: re.compile(_LIVE.replace("{link}", r"(?P<link><(?i:https?)://[^\s<>]+>)|")),
    False: re.compile(_LIVE.replace("{link}", "")),
}


def unescape(markdown: str) -> str:
    """The text Discord shows for escaped markdown (links as their URL)."""
    return _UNESCAPE_RE.sub(lambda m: m[1] or m[2] or m[3], markdown)


def same_text(text: str) -> str:
    """Text as `unescape` can give it back: a zero-width space after `@` is the escape."""
    return text.replace("@\u200b", "@")


def live_markup(markdown: str, links: bool = True) -> list[tuple[int, str]]:
    """What Discord would act on, with where: unescaped markup characters, bare URLs and
    mentions outside `<url>` links (which only count as links where `links`), and line
    starts that quote, head or list."""
    live = [
        (m.start(), m["char"] or m.lastgroup or "")
        for m in _LIVE_RE[links].finditer(markdown)
        if m.lastgroup in ("url", "mention", "char")
    ]
    return live + [(m.start(), "line") for m in _LIVE_LINE_RE.finditer(markdown)]


def assert_shown_as_written(markdown: str, raw: str, links: bool = True) -> None:
    """`markdown` is `raw`, inert, whole or cut visibly with `…` after a prefix of it."""
    assert live_markup(markdown, links) == [], (markdown[:200], live_markup(markdown, links))
    shown, raw = same_text(unescape(markdown)).strip(), same_text(raw.strip())
    if shown != raw:
        assert shown.endswith(ELLIPSIS) and raw.startswith(shown[:-1].rstrip()), (shown, raw)


def squeezed(text: str) -> str:
    return re.sub(r"\s+", "", same_text(text))


# ---- what Discord accepts -------------------------------------------------------------------

SPEC = OpenApiSpec.load()
SAFE_URL_RE = re.compile(r"https?://[^\s()<>\\\"'`]+", re.IGNORECASE)
TITLE_SEARCH_RE = re.compile(r"https://arxiv\.org/search/\?query=(.*)&searchtype=title")


def assert_accepted(payload: dict[str, Any]) -> None:
    """Discord's documented limits, its OpenAPI description, and every URL field."""
    errors = check_message(payload)
    assert not errors, errors.to_dict()
    errors = SPEC.request_errors("POST", "/channels/{channel_id}/messages", payload)
    assert not errors, errors.to_dict()
    require_something_to_send(payload)
    for embed in payload.get("embeds") or []:
        if "url" in embed:
            assert len(embed["url"]) <= URL_MAX and SAFE_URL_RE.fullmatch(embed["url"])
    for row in payload.get("components") or []:
        for component in row["components"]:
            assert len(component["custom_id"]) <= 100
            assert len(component.get("label") or "") <= 80
            for option in component.get("options") or []:
                assert 1 <= len(option["label"]) <= 100 and len(option["value"]) <= 100
                assert len(option.get("description") or "") <= 100


# ---- notes no one would write -----------------------------------------------------------------

PIECES = [
    "*", "**", "_", "__", "~~", "`", "```", "||", "\\", "[", "]", "(", ")", ">", "#", "-",
    "[x](https://evil.example/)", "](javascript:alert(1))", "javascript:", "<@123>", "<@&1>",
    "<#1>", "<t:1:R>", "</about:1>", "<:e:1>", "@everyone", "@here", "\n> ", "\n>>> ",
    "\n# ", "\n## ", "\n- ", "\n-# ", "\n1. ", "\n", " ", "  ", "https://", "HTTPS://Y.IO/a_b*c",
    ":", "…", "가", "🦙", "\u200b", "\u3000",
]  # fmt: skip
URL_CHARS = st.characters(blacklist_categories=("Z", "C"))
urls = st.one_of(
    st.builds(
        "{}{}/{}".format,
        st.sampled_from(["https://", "http://", "HTTPS://"]),
        st.sampled_from(["arxiv.org/abs", "example.com", "a.io"]),
        st.text(URL_CHARS, max_size=60),
    ),
    st.builds(lambda n: f"https://example.com/{'a' * n}", st.integers(0, 5000)),
    st.builds(lambda n: f"https://arxiv.org/abs/2406.07550?{'q' * n}", st.integers(0, 3000)),
)
runs = st.builds(
    lambda piece, count: piece * count,
    st.sampled_from(["가", "🦙", "word ", "a*", "@everyone ", "_", "x"]),
    st.integers(1, 2500),
)


def notes_text(pieces: int) -> st.SearchStrategy[str]:
    parts = st.one_of(st.text(max_size=40), st.sampled_from(PIECES), urls, runs)
    return st.lists(parts, max_size=pieces).map("".join)


entries = st.builds(
    Entry,
    title=notes_text(12).map(lambda s: s[:5000]),
    authors=st.one_of(
        st.lists(notes_text(3), max_size=30).map(tuple),
        st.builds(lambda n: tuple(f"Author_{i}" for i in range(n)), st.integers(0, 3000)),
    ),
    org=st.none() | notes_text(3),
    abstract=st.none() | notes_text(8),
    commentary_ko=notes_text(20),
    commentary_en=notes_text(8),
    tags=st.lists(notes_text(2), max_size=40).map(tuple),
    links=st.lists(urls, max_size=30).map(tuple),
    line=st.just(1),
)
earlier = st.lists(st.builds(Earlier, st.just(date(2024, 1, 2)), notes_text(4)), max_size=25).map(
    tuple
)


# ---- escaping, on any text ----------------------------------------------------------------------


@settings(max_examples=300)
@given(notes_text(10), st.booleans())
def test_escaped_text_is_inert_and_reads_as_written(text: str, links: bool) -> None:
    escaped = escape(text, links=links)
    assert same_text(unescape(escaped)) == same_text(text)
    assert live_markup(escaped, links) == []


@settings(max_examples=200)
@given(notes_text(10), st.integers(2, 300), st.booleans())
def test_cut_escaped_text_fits_and_ends_visibly(text: str, limit: int, links: bool) -> None:
    cut = escape_within(text, limit, links=links)
    assert len(cut) <= limit
    assert_shown_as_written(cut, text, links)


@settings(max_examples=200)
@given(notes_text(20), st.integers(2, 500), st.integers(2, 500))
def test_split_escaped_text_loses_nothing(text: str, first: int, rest: int) -> None:
    chunks = split_escaped(text, first, rest)
    limits = [first] + [rest] * len(chunks)
    assert all(len(c) <= limit for c, limit in zip(chunks, limits[: len(chunks)], strict=True))
    assert all(live_markup(c) == [] for c in chunks)
    assert squeezed("".join(unescape(c) for c in chunks)) == squeezed(text)


# ---- a paper, a day ------------------------------------------------------------------------------


def assert_lines_counted(value: str, raws: list[str], links: bool) -> None:
    """A field of whole lines (or one line cut visibly), the rest counted as `… +N`."""
    lines = value.split("\n")
    hidden = 0
    if lines and (more := re.fullmatch(f"{ELLIPSIS} \\+(\\d+)", lines[-1])):
        hidden = int(more[1])
        lines.pop()
    assert len(lines) + hidden == len(raws)
    for line, raw in zip(lines, raws[: len(lines)], strict=True):
        assert_shown_as_written(line, raw, links)


def assert_authors(value: str, entry: Entry, lang: str) -> None:
    more = re.search(f" {ELLIPSIS} (?:and|외) (\\d+) (?:more|명)$", value)
    hidden = int(more[1]) if more else 0
    shown = value[: more.start()] if more else value
    assert 0 <= hidden <= len(entry.authors)
    org = entry.org.strip() if entry.org else ""
    prefix = f"{unescape(escape_within(org, ORG_MAX))}: " if org else ""
    names = [name.strip() for name in entry.authors[: len(entry.authors) - hidden]]
    assert live_markup(shown) == []
    if len(names) == 1 and shown.endswith(ELLIPSIS):  # a first name too long alone, cut
        assert same_text(prefix + names[0]).startswith(same_text(unescape(shown))[:-1])
    else:
        assert same_text(unescape(shown)) == same_text(prefix + ", ".join(names))


def assert_paper(embeds: list[Any], view: PaperView, language: Language) -> None:
    entry, main = view.entry, embeds[0]
    assert_shown_as_written(main.title or "", entry.title, links=False)
    if main.url and (search := TITLE_SEARCH_RE.fullmatch(main.url)):
        words = unquote_plus(search[1]).split()  # whole words of the title, as many as fit
        assert words and words == entry.title.split()[: len(words)]
    fields = {f.name: f.value for f in main.fields}
    labels = ("저자", "태그", "초록", "링크", "예전 노트에서") if language == "ko" else (
        "Authors", "Tags", "Abstract", "Links", "Earlier in your notes"
    )  # fmt: skip
    if labels[0] in fields:
        assert_authors(fields[labels[0]], entry, "ko" if language == "ko" else "en")
    if labels[1] in fields:
        assert_shown_as_written(fields[labels[1]], " ".join(f"#{t}" for t in entry.tags))
    if labels[2] in fields:
        assert_shown_as_written(fields[labels[2]], entry.abstract or "")
    if labels[3] in fields:
        assert_lines_counted(fields[labels[3]], list(entry.links), links=True)
    if labels[4] in fields:
        raws = [f"{p.date.isoformat()} · {' '.join(p.title.split())}" for p in view.earlier]
        assert_lines_counted(fields[labels[4]], raws, links=False)
    descriptions = [e.description or "" for e in embeds]
    assert all(live_markup(d) == [] for d in descriptions)
    assert squeezed("".join(map(unescape, descriptions))) == squeezed(commentary(view, language))


@BIG
@given(entries, earlier, st.integers(1, 4))
def test_any_paper_fits_shows_as_written_and_loses_nothing(
    entry: Entry, before: tuple[Earlier, ...], count: int
) -> None:
    view = PaperView(entry, DAY, 1, count, before)
    for language in LANGUAGES:
        embeds = paper_embeds(view, language)
        assert_paper(embeds, view, language)
        messages = digest_messages(DAY, [view] * count, language)
        for message in messages:
            assert_accepted(message.to_dict())
        assert sum(len(m.embeds) for m in messages) == count * len(embeds)  # nothing dropped
        header = (messages[0].content or "").split("\n", 1)
        if len(header) == 2:
            assert_shown_as_written(header[1], " ".join(f"#{t}" for t in dict.fromkeys(entry.tags)))
    for message in compact_messages(DAY, [view] * count):
        assert_accepted(message.to_dict())


@BIG
@given(st.lists(entries, min_size=1, max_size=30))
def test_compact_lines_hold_one_masked_link_of_the_bots_own(papers: list[Entry]) -> None:
    views = [PaperView(e, DAY, n, len(papers)) for n, e in enumerate(papers, start=1)]
    messages = compact_messages(DAY, views)
    for message in messages:
        assert_accepted(message.to_dict())
    lines = [compact_line(v) for v in views]
    shown = [e.description or "" for m in messages for e in m.embeds]
    assert "\n".join(shown) == "\n".join(lines)  # every paper, in order
    for line, view in zip(lines, views, strict=True):
        head = f"{view.position}. "
        assert line.startswith(head)
        rest = line[len(head) :]
        if not rest.startswith("["):  # no URL fits: the title is plain text
            assert live_markup(rest) == []
            continue
        live = live_markup(rest)  # `[title](url)` is the only markup, its target safe
        close = next(i for i, c in live if c == "]")
        end = rest.index(")", close)
        assert [c for i, c in live if i < close] == ["["] and rest[close + 1] == "("
        assert SAFE_URL_RE.fullmatch(rest[close + 2 : end])
        assert_shown_as_written(rest[1:close], view.entry.title, links=False)
        assert live_markup(rest[end + 1 :]) == []


# ---- lookup answers ------------------------------------------------------------------------------

listed = st.builds(
    Listed,
    id=st.integers(1, 2**63 - 1),
    title=notes_text(8),
    date=st.just(DAY),
    tags=st.lists(notes_text(2), max_size=20).map(tuple),
    snippet=st.none(),
)


@BIG
@given(
    st.lists(listed, min_size=1, max_size=PER_PAGE + 3),
    st.lists(notes_text(12), max_size=3),
    notes_text(4),
    st.sampled_from(["en-US", "ko"]),
)
def test_any_list_page_fits_with_its_components(
    items: list[Listed], texts: list[str], query: str, locale: str
) -> None:
    hit = snippet(texts, query, SNIPPET_MAX)
    items = [replace(item, snippet=hit) for item in items]
    tag = items[0].tags[0] if items[0].tags else "vq"
    printable = tag.strip().isprintable()
    screen = Screen(Kind.TAG, tag.strip() or "vq") if printable else Screen(Kind.TAGS)
    viewer = Viewer(OWNER, locale)
    heading = t("lookup.tag_title", locale, tag=escape_within(tag, 100, links=False), papers="x")
    embed = list_embed(heading, items, 1, "Page 1/3", 0)
    rows = rows_of(open_select(items, screen, viewer), controls(screen, viewer, pages=3))
    payload = Message(None, (embed,)).to_dict()
    payload["components"] = frozen_view(rows).to_components()
    assert_accepted(payload)
    counts = [(item.title, len(item.title)) for item in items]
    assert_accepted(Message(None, (tag_index_embed(counts, 0, 1, len(counts), locale),)).to_dict())


# A snippet's text: escapes undone, the bot's bold markers removed.
_SNIPPET_TEXT_RE = re.compile(r"\\([^0-9A-Za-z\s])|(@)\u200b(?=everyone|here)|\*\*")


@settings(max_examples=300, deadline=None)
@given(st.lists(notes_text(12), max_size=3), notes_text(4), st.integers(20, 400))
def test_snippets_show_notes_as_written_bold_only_the_bots_own(
    texts: list[str], query: str, limit: int
) -> None:
    shown = snippet(texts, query, limit)
    if shown is None:
        return
    assert len(shown) <= limit
    live = live_markup(shown, links=False)
    assert {c for _, c in live} <= {"*"} and len(live) % 4 == 0  # `**hit**` pairs only
    plain = _SNIPPET_TEXT_RE.sub(lambda m: m[1] or m[2] or "", shown)
    plain = plain.removeprefix(ELLIPSIS).removesuffix(ELLIPSIS)
    assert any(squeezed(plain) in squeezed(nfc(text)) for text in texts if text)
