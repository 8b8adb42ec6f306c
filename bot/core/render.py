"""Embed and message layout for papers and digests, pure.

Discord rejects a whole message when one limit is broken, so every size here is
checked by construction: text is cut visibly with `…`, a commentary too long for
one embed continues in the next, and embeds are packed into as few messages as
the per-message limits allow. Adapters turn `Embed.to_dict()` into discord.Embed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal
from urllib.parse import quote_plus

from bot.core.notes import Entry
from bot.core.text import ARXIV_ABS, extract_urls

# Discord's limits (docs: resources/message, "Embed Limits").
TITLE_MAX = 256
DESCRIPTION_MAX = 4096
FIELD_VALUE_MAX = 1024
EMBEDS_PER_MESSAGE = 10
EMBED_TOTAL_MAX = 6000
CONTENT_MAX = 2000
ELLIPSIS = "…"
# Below this, a description would be a stub: the commentary moves to a continuation.
MIN_DESCRIPTION = 200

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
    """`text` within `limit` characters, cut visibly with `…` at a word boundary if near."""
    text = text.strip()
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit * 0.8:
        cut = cut[:space]
    return cut.rstrip() + ELLIPSIS


def split_text(text: str, first: int, rest: int = DESCRIPTION_MAX) -> list[str]:
    """Split text into chunks (first ≤ `first`, others ≤ `rest`) at line or word breaks.

    Nothing is lost: joining the chunks gives the text back, bar the break spaces.
    """
    chunks: list[str] = []
    text = text.strip()
    limit = max(1, first)
    while len(text) > limit:
        window = text[:limit]
        cut = max(window.rfind("\n"), window.rfind(" "))
        if cut < limit // 2:
            cut = limit
        chunks.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
        limit = rest
    if text:
        chunks.append(text)
    return chunks


def tag_colour(tag: str | None) -> int:
    """A palette colour chosen by the tag's CRC, stable across runs and machines."""
    if not tag:
        return DEFAULT_COLOUR
    return PALETTE[zlib.crc32(tag.encode("utf-8")) % len(PALETTE)]


def arxiv_title_search(title: str) -> str:
    """An arXiv title search URL: the best link when the notes give none."""
    return f"https://arxiv.org/search/?query={quote_plus(title)}&searchtype=title"


def shorten_authors(authors: Sequence[str], org: str | None, lang: str, limit: int) -> str:
    """`A, B, C … and 76 more` within `limit` characters, every name whole."""
    label = LABELS[lang]
    prefix = f"{org}: " if org else ""
    full = prefix + ", ".join(authors)
    if len(full) <= limit:
        return full
    shown: list[str] = []
    for count, name in enumerate(authors, start=1):
        rest = len(authors) - count
        tail = f" … {label['and']} {rest} {label['more']}" if rest else ""
        candidate = prefix + ", ".join([*shown, name]) + tail
        if len(candidate) > limit:
            break
        shown.append(name)
    rest = len(authors) - len(shown)
    return prefix + ", ".join(shown) + f" … {label['and']} {rest} {label['more']}"


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


def paper_url(view: PaperView) -> str:
    """The paper's own arXiv link when the abstract gives one, else an arXiv title search."""
    own = [url for url in extract_urls(view.entry.abstract or "") if url.startswith(ARXIV_ABS)]
    return own[0] if own else arxiv_title_search(view.entry.title)


def _link_lines(links: Sequence[str], limit: int) -> str:
    """Whole links, one per line; any that do not fit are counted, visibly."""
    lines: list[str] = []
    for index, link in enumerate(links):
        more = len(links) - index - 1
        tail = f"\n{ELLIPSIS} +{more}" if more else ""
        if len("\n".join([*lines, link])) + len(tail) > limit:
            lines.append(f"{ELLIPSIS} +{len(links) - index}")
            break
        lines.append(link)
    return "\n".join(lines)


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
        fields.append(
            EmbedField(label["tags"], truncate(" ".join(f"#{t}" for t in e.tags), 1024), True)
        )
    if e.abstract:
        fields.append(EmbedField(label["abstract"], truncate(e.abstract, FIELD_VALUE_MAX)))
    if e.links:
        fields.append(EmbedField(label["links"], _link_lines(e.links, FIELD_VALUE_MAX)))
    if view.earlier:
        lines = [f"{e.date.isoformat()} · {e.title}" for e in view.earlier]
        fields.append(EmbedField(label["earlier"], truncate("\n".join(lines), FIELD_VALUE_MAX)))
    # Discord rejects an empty field value, and notes can hold whitespace-only text.
    fields = [f for f in fields if f.value.strip()]
    title = truncate(e.title, TITLE_MAX)
    used = len(title) + len(footer) + sum(len(f.name) + len(f.value) for f in fields)
    budget = min(DESCRIPTION_MAX, EMBED_TOTAL_MAX - used)
    text = commentary(view, language)
    # With little room left beside long fields, the commentary starts in the next embed.
    chunks = split_text(text, budget if budget >= MIN_DESCRIPTION else DESCRIPTION_MAX)
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
    tag_line = " ".join(f"#{t}" for t in tags)
    return truncate(f"{head}\n{tag_line}" if tag_line else head, CONTENT_MAX)


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
    lines = [
        f"{v.position}. [{truncate(v.entry.title, 150)}]({paper_url(v)})"
        + (f" — {' '.join('#' + t for t in v.entry.tags[:3])}" if v.entry.tags else "")
        for v in views
    ]
    chunks = split_text("\n".join(lines), DESCRIPTION_MAX)
    return pack([[Embed(description=c, colour=DEFAULT_COLOUR)] for c in chunks], content=header)


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
