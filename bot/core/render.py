"""Embed and message layout for papers and digests, pure.

Discord rejects a whole message when one limit is broken, so every size here is
checked by construction: text is cut visibly with `…`, a commentary too long for
one embed continues in the next, embeds are packed into as few messages as the
per-message limits allow, and a URL too long for a url field is left out of it.
Notes text is shown as written: wherever Discord renders markdown it is escaped
(`escape`), measured and cut after escaping. Adapters turn `Embed.to_dict()` into
discord.Embed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal
from urllib.parse import quote_plus

from bot.core.notes import Entry
from bot.core.papers import own_link
from bot.core.text import ARXIV_ABS, extract_urls

# Discord's limits (docs: resources/message, "Embed Limits").
TITLE_MAX = 256
DESCRIPTION_MAX = 4096
FIELD_VALUE_MAX = 1024
EMBEDS_PER_MESSAGE = 10
EMBED_TOTAL_MAX = 6000
CONTENT_MAX = 2000
URL_MAX = 2048  # an embed's `url`
ELLIPSIS = "…"
# Below this, a description would be a stub: the commentary moves to a continuation.
MIN_DESCRIPTION = 200
# Room for notes text inside lines the bot writes (the rest of each line is its own).
ORG_MAX = 100
LINE_MAX = 1000  # one link or earlier paper in a field, leaving room for `… +N`
COMPACT_TITLE_MAX = 150
COMPACT_TAGS_MAX = 100
ARXIV_SEARCH = "https://arxiv.org/search/?query={}&searchtype=title"

# Discord markdown, as notes text could trigger it: http(s) URLs autolink (trailing
# punctuation left out); emphasis, code, spoilers, masked links and `<…>` mentions,
# emoji and timestamps render anywhere; quotes, headings and lists at a line's start.
_URL = r"(?i:https?)://[^\s<>]*[^\s<>.,:;\"')\]]"
_SCHEME = r"(?P<scheme>(?i:https?)):(?=//)"
_INLINE = r"(?P<char>[\\*_~`|\[\]<])|(?P<at>@)(?=everyone|here)"
_LINE_START = r"^(?P<indent>[ \t]*)(?:(?P<mark>[>#-])(?=[>#]*\s)|(?P<number>\d+)\.(?=\s))"
# Where links render (descriptions, field values, content), a URL becomes `<url>`: one
# explicit link, its characters untouched and nothing around it drawn into it. What is
# not one (`https://>`) but Discord could still link gets its scheme's colon escaped.
_LINKED_RE = re.compile(f"(?P<url>{_URL})|{_SCHEME}|{_INLINE}|{_LINE_START}", re.MULTILINE)
# Where links must not render (titles, masked-link text, snippets), every scheme's colon
# is escaped: nothing autolinks, so the markers around the text stay the bot's own.
_UNLINKED_RE = re.compile(f"{_SCHEME}|{_INLINE}|{_LINE_START}", re.MULTILINE)
# What would end a masked link's target early or make a url field invalid.
_URL_UNSAFE_RE = re.compile(r"[\s()<>\\\"'`\x00-\x1f\x7f]")
_HTTP_RE = re.compile(r"(?i:https?)://[^/\s]")

Language = Literal["ko", "en", "both"]
LANGUAGES: tuple[Language, ...] = ("ko", "en", "both")

# Colours are stable per primary tag: the same topic always looks the same.
PALETTE = (
    0x5865F2,
    0x57F287,
    0xFEE75C,
    0xEB459E,
    0xED4245,
    0x3BA55C,
    0xFAA61A,
    0x00B0F4,
    0x9B59B6,
    0x1ABC9C,
    0xE67E22,
    0x95A5A6,
)
DEFAULT_COLOUR = 0x4F545C

LABELS: dict[str, dict[str, str]] = {
    "en": {
        "authors": "Authors",
        "tags": "Tags",
        "abstract": "Abstract",
        "links": "Links",
        "earlier": "Earlier in your notes",
        "continued": "continued",
        "papers": "papers",
        "paper": "paper",
        "more": "more",
        "and": "and",
        "late": "posted late",
    },
    "ko": {
        "authors": "저자",
        "tags": "태그",
        "abstract": "초록",
        "links": "링크",
        "earlier": "예전 노트에서",
        "continued": "계속",
        "papers": "편",
        "paper": "편",
        "more": "명",
        "and": "외",
        "late": "늦게 게시됨",
    },
}


def truncate(text: str, limit: int) -> str:
    """`text` within `limit` characters, cut visibly with `…` at a word boundary if near.

    For plain text (select options, autocomplete names, footers); `escape_within` is its
    counterpart for text Discord renders as markdown.
    """
    text = text.strip()
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit * 0.8:
        cut = cut[:space]
    return cut.rstrip() + ELLIPSIS


def _escaped(match: re.Match[str]) -> str:
    kind = match.lastgroup  # the alternative that matched (its last group, for line starts)
    if kind == "char":
        return "\\" + match[0]
    if kind == "url":
        return f"<{match[0]}>"
    if kind == "scheme":
        return match["scheme"] + "\\:"
    if kind == "at":
        return "@\u200b"  # `@everyone` and `@here` show as written but mention no one
    if kind == "number":
        return f"{match['indent']}{match['number']}\\."
    return f"{match['indent']}\\{match['mark']}"


def escape(text: str, *, links: bool = True) -> str:
    """Notes text shown as written where Discord renders markdown: every character that
    would format, link, quote or mention is escaped. URLs stay links (`<url>`) unless
    `links` is False, for titles, masked-link text and snippets, where they are text.
    """
    return (_LINKED_RE if links else _UNLINKED_RE).sub(_escaped, text)


def _fitting(text: str, limit: int, links: bool) -> int:
    """The length of a longest prefix of `text` whose escaped form fits `limit`.

    One pass adds up what escaping adds before each point. A cut only changes the escape
    it falls in (and can only shorten the ones before it), so the prefix ends before the
    first escape that does not fit whole, or inside it (a long URL) when part of it does.
    """
    grown, limit = 0, max(limit, 0)  # `grown`: characters escaping added so far
    for match in (_LINKED_RE if links else _UNLINKED_RE).finditer(text, 0, limit):
        start, end = match.span()
        if start + grown > limit:
            return limit - grown
        added = len(_escaped(match)) - (end - start)
        if end + grown + added > limit:
            return _fitting_inside(text, start, end, limit, links)
        grown += added
    return min(len(text), limit - grown)


def _fitting_inside(text: str, low: int, high: int, limit: int, links: bool) -> int:
    """`_fitting` when the cut falls in the escape `text[low:high]`: a binary search of it,
    from `low`, which fits."""
    while low < high - 1:
        middle = (low + high) // 2
        if len(escape(text[:middle], links=links)) <= limit:
            low = middle
        else:
            high = middle
    return low


def _cut(text: str, end: int, keep: float) -> int:
    """`end`, moved back to the last space or line break before it when that keeps at
    least `keep` of it: a cut between words reads better than one inside a word."""
    space = max(text.rfind(" ", 0, end), text.rfind("\n", 0, end))
    return space if space > 0 and space >= end * keep else end


def escape_within(text: str, limit: int, *, links: bool = True) -> str:
    """`escape(text)`, cut visibly with `…` (at a word boundary if near) so that the
    escaped form fits `limit`: escaping first and cutting after could split an escape."""
    text = text.strip()
    if len(text) <= limit and len(escaped := escape(text, links=links)) <= limit:
        return escaped  # (escaping never shortens text: a longer one is cut unescaped)
    end = _cut(text, _fitting(text, limit - 1, links), 0.8)
    return escape(text[:end].rstrip(), links=links) + ELLIPSIS


def split_escaped(text: str, first: int, rest: int = DESCRIPTION_MAX) -> list[str]:
    """Notes text escaped in chunks (the first ≤ `first`, others ≤ `rest`, both ≥ 2) cut at
    line or word breaks, each escaped on its own: a chunk starts a line wherever it shows.

    Nothing is lost: unescaped and joined, the chunks give the text back, bar the spaces
    at the breaks.
    """
    chunks: list[str] = []
    text = text.strip()
    limit = first
    while text:
        end = len(text)
        if end > limit or len(escape(text)) > limit:  # escaping never shortens text
            end = _cut(text, max(1, _fitting(text, limit, True)), 0.5)
        chunks.append(escape(text[:end].rstrip()))
        text = text[end:].lstrip()
        limit = rest
    return chunks


def safe_url(url: str, limit: int = URL_MAX) -> str | None:
    """`url` as a url field or a masked link's `(…)` takes it: characters that would end
    the link or that Discord refuses are percent-encoded. None when it is not http(s) or
    is longer than `limit`: Discord rejects the whole message for one such URL.
    """
    if not _HTTP_RE.match(url):
        return None
    encoded = _URL_UNSAFE_RE.sub(lambda m: "".join(f"%{b:02X}" for b in m[0].encode()), url)
    return encoded if len(encoded) <= limit else None


def tag_colour(tag: str | None) -> int:
    """A palette colour chosen by the tag's CRC, stable across runs and machines."""
    if not tag:
        return DEFAULT_COLOUR
    return PALETTE[zlib.crc32(tag.encode("utf-8")) % len(PALETTE)]


def arxiv_title_search(title: str) -> str | None:
    """An arXiv title search URL, the best link when the notes give none: with as many of
    the title's whole words as fit in an embed's `url` once percent-encoded (a Hangul
    syllable takes 9 characters, an emoji 12); None when not even the first word does.
    """
    room = URL_MAX - len(ARXIV_SEARCH.format(""))
    query = quote_plus(title.strip())
    if len(query) > room:
        words: list[str] = []
        used = -1  # the `+` joining the words
        for word in title.split():
            used += 1 + len(encoded := quote_plus(word))
            if used > room:
                break
            words.append(encoded)
        query = "+".join(words)
    return ARXIV_SEARCH.format(query) if query else None


def shorten_authors(authors: Sequence[str], org: str | None, lang: str, limit: int) -> str:
    """`A, B, C … and 76 more`, escaped, within `limit` characters; every name shown is
    whole, except a first one too long to fit alone, which is cut with `…`."""
    label = LABELS[lang]
    prefix = f"{escape_within(org, ORG_MAX)}: " if org and org.strip() else ""
    names = [escape(name.strip()) for name in authors]
    full = prefix + ", ".join(names)
    if len(full) <= limit:
        return full

    def more(rest: int) -> str:
        return f" {ELLIPSIS} {label['and']} {rest} {label['more']}" if rest else ""

    shown: list[str] = []
    size = len(prefix)
    for count, name in enumerate(names, start=1):
        grown = size + (2 if shown else 0) + len(name)
        if grown + len(more(len(names) - count)) > limit:
            break
        shown.append(name)
        size = grown
    if not shown:
        shown = [escape_within(authors[0], limit - size - len(more(len(names) - 1)))]
    return prefix + ", ".join(shown) + more(len(names) - len(shown))


@dataclass(frozen=True, slots=True)
class EmbedField:
    """One embed field."""

    name: str
    value: str
    inline: bool = False


@dataclass(frozen=True, slots=True)
class Embed:
    """An embed as Discord's JSON describes it; sizes are checked by the renderer."""

    title: str | None = None
    description: str | None = None
    url: str | None = None
    colour: int | None = None
    fields: tuple[EmbedField, ...] = ()
    footer: str | None = None

    def size(self) -> int:
        """Characters counted toward the 6000-per-message total."""
        return (
            len(self.title or "")
            + len(self.description or "")
            + sum(len(f.name) + len(f.value) for f in self.fields)
            + len(self.footer or "")
        )

    def to_dict(self) -> dict[str, Any]:
        """Discord's embed object."""
        data: dict[str, Any] = {"type": "rich"}
        if self.title:
            data["title"] = self.title
        if self.description:
            data["description"] = self.description
        if self.url:
            data["url"] = self.url
        if self.colour is not None:
            data["color"] = self.colour
        if self.fields:
            data["fields"] = [
                {"name": f.name, "value": f.value, "inline": f.inline} for f in self.fields
            ]
        if self.footer:
            data["footer"] = {"text": self.footer}
        return data


@dataclass(frozen=True, slots=True)
class Message:
    """One message's worth: content and up to ten embeds within 6000 characters."""

    content: str | None = None
    embeds: tuple[Embed, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The create-message payload; mentions are never parsed from notes text."""
        data: dict[str, Any] = {"allowed_mentions": {"parse": []}}
        if self.content:
            data["content"] = self.content
        data["embeds"] = [e.to_dict() for e in self.embeds]
        return data


@dataclass(frozen=True, slots=True)
class Earlier:
    """A past paper connected to this one (shared tag or cited link)."""

    date: date
    title: str


@dataclass(frozen=True, slots=True)
class PaperView:
    """Everything the renderer needs about one paper on one day: the entry and its place."""

    entry: Entry
    date: date
    position: int
    total: int
    earlier: tuple[Earlier, ...] = field(default=())

    @classmethod
    def of(
        cls,
        entry: Entry,
        day: dt.date,
        position: int,
        total: int,
        earlier: Sequence[tuple[dt.date, str]] = (),
    ) -> PaperView:
        """The view of one notes entry at its place in a day."""
        return cls(entry, day, position, total, tuple(Earlier(d, t) for d, t in earlier))


def labels_for(language: Language) -> dict[str, str]:
    """The renderer's own words: Korean for a Korean-only server, else English."""
    return LABELS["ko" if language == "ko" else "en"]


def commentary(view: PaperView, language: Language) -> str:
    """The commentary in the chosen language, falling back to what exists."""
    ko, en = view.entry.commentary_ko.strip(), view.entry.commentary_en.strip()
    if language == "ko":
        return ko or en
    if language == "en":
        return en or ko
    return "\n\n".join(part for part in (ko, en) if part)


def paper_url(view: PaperView) -> str | None:
    """The paper's own arXiv page (a vault note's header link, or an arXiv link in the
    abstract), else an arXiv title search; None when neither fits in an embed's `url`
    (the title is then plain text). Any other own link stays in the Links field."""
    e = view.entry
    own = own_link(e.links, (e.commentary_ko, e.commentary_en))
    pages = [own, *extract_urls(e.abstract or "")]
    arxiv = [url for url in pages if url and url.startswith(ARXIV_ABS)]
    return next(filter(None, map(safe_url, arxiv)), None) or arxiv_title_search(e.title)


def _lines_within(lines: Sequence[str], limit: int) -> str:
    """Whole lines (each ≤ `LINE_MAX`); any that do not fit are counted, visibly: `… +3`."""
    shown: list[str] = []
    size = -1  # no line break before the first line
    for index, line in enumerate(lines):
        more = len(lines) - index - 1
        tail = len(f"\n{ELLIPSIS} +{more}") if more else 0
        if size + 1 + len(line) + tail > limit:
            shown.append(f"{ELLIPSIS} +{len(lines) - index}")
            break
        shown.append(line)
        size += 1 + len(line)
    return "\n".join(shown)


def _link_line(url: str) -> str:
    """A cited link as a line of the Links field: a link, or cut text when too long."""
    line = escape(url)
    return line if len(line) <= LINE_MAX else escape_within(url, LINE_MAX, links=False)


def _earlier_line(paper: Earlier) -> str:
    """`2024-06-12 · Title`: one line, whatever spaces the title holds."""
    title = escape_within(" ".join(paper.title.split()), TITLE_MAX, links=False)
    return f"{paper.date.isoformat()} · {title}"


def paper_embeds(view: PaperView, language: Language = "both") -> list[Embed]:
    """One paper as embeds: the main one, plus continuations for a long commentary."""
    e = view.entry
    label = labels_for(language)
    lang = "ko" if language == "ko" else "en"
    colour = tag_colour(e.tags[0] if e.tags else None)
    footer = f"{view.date.isoformat()} · {view.position}/{view.total}"
    fields: list[EmbedField] = []
    if e.authors:
        fields.append(
            EmbedField(
                label["authors"],
                shorten_authors(e.authors, e.org, lang, FIELD_VALUE_MAX),
            )
        )
    if e.tags:
        tags = " ".join(f"#{t}" for t in e.tags)
        fields.append(EmbedField(label["tags"], escape_within(tags, FIELD_VALUE_MAX), True))
    if e.abstract:
        fields.append(EmbedField(label["abstract"], escape_within(e.abstract, FIELD_VALUE_MAX)))
    if e.links:
        links = [_link_line(url) for url in e.links]
        fields.append(EmbedField(label["links"], _lines_within(links, FIELD_VALUE_MAX)))
    if view.earlier:
        lines = [_earlier_line(paper) for paper in view.earlier]
        fields.append(EmbedField(label["earlier"], _lines_within(lines, FIELD_VALUE_MAX)))
    # Discord rejects an empty field value, and notes can hold whitespace-only text.
    fields = [f for f in fields if f.value.strip()]
    title = escape_within(e.title, TITLE_MAX, links=False)
    used = len(title) + len(footer) + sum(len(f.name) + len(f.value) for f in fields)
    budget = min(DESCRIPTION_MAX, EMBED_TOTAL_MAX - used)
    text = commentary(view, language)
    # With little room left beside long fields, the commentary starts in the next embed.
    chunks = split_escaped(text, budget if budget >= MIN_DESCRIPTION else DESCRIPTION_MAX)
    lead = chunks.pop(0) if chunks and budget >= MIN_DESCRIPTION else None
    main = Embed(
        title=title,
        description=lead,
        url=paper_url(view),
        colour=colour,
        fields=tuple(fields),
        footer=footer,
    )
    embeds = [main]
    for index, chunk in enumerate(chunks, start=2):
        embeds.append(
            Embed(
                description=chunk,
                colour=colour,
                footer=f"{footer} · {label['continued']} ({index}/{len(chunks) + 1})",
            )
        )
    return embeds


def pack(embed_groups: Sequence[Sequence[Embed]], content: str | None = None) -> list[Message]:
    """Pack embeds into as few messages as Discord's per-message limits allow.

    A group (one paper's embeds) stays in one message when it fits in an empty one;
    `content` (≤ 2000, cut with `…`) leads the first message.
    """
    messages: list[Message] = []
    current: list[Embed] = []
    size = 0
    lead = truncate(content, CONTENT_MAX) if content else None

    def flush() -> None:
        nonlocal current, size, lead
        if current or lead:
            messages.append(Message(lead, tuple(current)))
        current, size, lead = [], 0, None

    for group in embed_groups:
        group_size = sum(e.size() for e in group)
        fits_whole = len(group) <= EMBEDS_PER_MESSAGE and group_size <= EMBED_TOTAL_MAX
        if fits_whole and (
            len(current) + len(group) > EMBEDS_PER_MESSAGE or size + group_size > EMBED_TOTAL_MAX
        ):
            flush()
        for embed in group:
            if len(current) == EMBEDS_PER_MESSAGE or size + embed.size() > EMBED_TOTAL_MAX:
                flush()
            current.append(embed)
            size += embed.size()
    flush()
    return messages


def digest_header(
    day: date, papers: int, tags: Sequence[str], language: Language, late: bool = False
) -> str:
    """The line that opens a day's digest: date, number of papers, the day's tags."""
    label = labels_for(language)
    noun = label["paper"] if papers == 1 else label["papers"]
    when = f"{day.year}년 {day.month}월 {day.day}일" if language == "ko" else day.isoformat()
    head = f"📚 **{when}** · {papers} {noun}" + (f" · ⏰ {label['late']}" if late else "")
    tag_line = escape_within(" ".join(f"#{t}" for t in tags), CONTENT_MAX - len(head) - 1)
    return f"{head}\n{tag_line}" if tag_line else head


def digest_messages(
    day: date,
    views: Sequence[PaperView],
    language: Language = "both",
    late: bool = False,
    header: bool = True,
) -> list[Message]:
    """A whole day's digest in the `full` style: header, then one embed group per paper."""
    tags = list(dict.fromkeys(tag for v in views for tag in v.entry.tags))
    lead = digest_header(day, len(views), tags, language, late) if header else None
    return pack([paper_embeds(v, language) for v in views], content=lead)


def compact_messages(
    day: date, views: Sequence[PaperView], language: Language = "both", late: bool = False
) -> list[Message]:
    """The `compact` style's lead: one line per paper (full embeds go in a thread)."""
    tags = list(dict.fromkeys(tag for v in views for tag in v.entry.tags))
    header = digest_header(day, len(views), tags, language, late)
    chunks = _line_chunks([compact_line(v) for v in views], DESCRIPTION_MAX)
    return pack([[Embed(description=c, colour=DEFAULT_COLOUR)] for c in chunks], content=header)


def compact_line(view: PaperView) -> str:
    """`3. [Title](url) — #tag #tag`: the title a masked link whose text cannot close the
    bracket or hold a link, and whose target cannot end early; under 2,400 characters."""
    title = escape_within(view.entry.title, COMPACT_TITLE_MAX, links=False)
    url = paper_url(view)
    line = f"{view.position}. " + (f"[{title}]({url})" if url and title else title)
    tags = " ".join(f"#{t}" for t in view.entry.tags[:3])
    return f"{line} — {escape_within(tags, COMPACT_TAGS_MAX)}" if tags else line


def _line_chunks(lines: Sequence[str], limit: int) -> list[str]:
    """Whole lines (each ≤ `limit`) joined into as few chunks of ≤ `limit` as they fill."""
    chunks: list[list[str]] = []
    size = limit  # no chunk open yet
    for line in lines:
        if size + 1 + len(line) > limit:
            chunks.append([])
            size = -1
        chunks[-1].append(line)
        size += 1 + len(line)
    return ["\n".join(chunk) for chunk in chunks]


def payload_hash(message: Message) -> str:
    """A digest of a message's payload: equal hashes mean nothing to edit."""
    canonical = json.dumps(message.to_dict(), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def fingerprint(payload: dict[str, Any]) -> str:
    """What identifies a posted message, from either our payload or Discord's copy of it.

    Discord trims text and adds fields of its own, so only trimmed content and the
    embeds' title, description and footer are compared.
    """
    parts = [str(payload.get("content") or "").strip()]
    for embed in payload.get("embeds") or []:
        footer = (embed.get("footer") or {}).get("text") or ""
        parts += [str(embed.get(k) or "").strip() for k in ("title", "description")]
        parts.append(footer.strip())
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()
