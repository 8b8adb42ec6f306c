"""Messages as readable terminal text: embeds with colour names, fields, buttons, and length
markers near Discord's limits so truncation decisions are visible at a glance."""

from __future__ import annotations

import textwrap
import unicodedata
from collections.abc import Mapping
from typing import Any

from bot.sandbox import limits
from bot.sandbox.world import FLAG_CROSSPOSTED, FLAG_EPHEMERAL, FLAG_HAS_THREAD, FLAG_LOADING

# discord.Colour's named colours (discord.py colour.py).
COLOUR_NAMES = {
    0x1ABC9C: "teal",
    0x11806A: "dark teal",
    0x57F287: "brand green",
    0x2ECC71: "green",
    0x1F8B4C: "dark green",
    0x3498DB: "blue",
    0x206694: "dark blue",
    0x9B59B6: "purple",
    0x71368A: "dark purple",
    0xE91E63: "magenta",
    0xAD1457: "dark magenta",
    0xF1C40F: "gold",
    0xC27C0E: "dark gold",
    0xE67E22: "orange",
    0xA84300: "dark orange",
    0xED4245: "brand red",
    0xE74C3C: "red",
    0x992D22: "dark red",
    0x95A5A6: "lighter grey",
    0x607D8B: "dark grey",
    0x979C9F: "light grey",
    0x546E7A: "darker grey",
    0x7289DA: "og blurple",
    0x5865F2: "blurple",
    0x99AAB5: "greyple",
    0x313338: "dark theme",
    0xEB459E: "fuchsia",
    0xFEE75C: "yellow",
    0xFFFFFF: "white",
    0x000000: "black",
}
NEAR_LIMIT = 0.9


def colour_name(value: int) -> str:
    """``blurple`` for an exact named colour, else ``#a1b2c3 (≈ teal)``."""
    if value in COLOUR_NAMES:
        return COLOUR_NAMES[value]

    def distance(other: int) -> int:
        return sum(((value >> s & 255) - (other >> s & 255)) ** 2 for s in (16, 8, 0))

    nearest = min(COLOUR_NAMES, key=distance)
    return f"#{value:06x} (≈ {COLOUR_NAMES[nearest]})"


def display_width(text: str) -> int:
    """Terminal columns: wide (CJK, Hangul) characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def wrap(text: str, width: int) -> list[str]:
    """Word-wrap by display width, so Korean commentary lines up like English; long words
    (URLs) stay whole."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if current and display_width(candidate) > width:
            lines.append(current)
            current = word
        else:
            current = candidate
    return [*lines, current]


def _measure(text: str, limit: int) -> str:
    """`` [250/256]`` when ``text`` is close to its limit; truncation shows as a trailing …."""
    return f" [{len(text)}/{limit}]" if len(text) >= limit * NEAR_LIMIT else ""


def render_embed(embed: Mapping[str, Any], width: int = 88) -> list[str]:
    bar = "┃ "
    lines: list[str] = []

    def add(text: str, indent: str = "") -> None:
        for paragraph in text.splitlines() or [""]:
            room = width - len(bar) - len(indent)
            wrapped = wrap(paragraph, room)
            lines.extend(bar + indent + part for part in wrapped)

    colour = embed.get("color")
    head = f"[{colour_name(colour)}]" if isinstance(colour, int) else "[no colour]"
    if isinstance(embed.get("author"), Mapping):
        name = embed["author"].get("name", "")
        add(f"{name}{_measure(name, limits.EMBED_AUTHOR_NAME)}")
    title = embed.get("title", "")
    add(f"{head} {title}{_measure(title, limits.EMBED_TITLE)}".rstrip())
    if embed.get("url"):
        lines.append(f"{bar}→ {embed['url']}")
    description = embed.get("description", "")
    if description:
        add(description)
        marker = _measure(description, limits.EMBED_DESCRIPTION)
        if marker:
            add(f"(description{marker})")
    row: list[str] = []
    for field in embed.get("fields", []):
        name, value = field.get("name", ""), field.get("value", "")
        text = (
            f"{name}{_measure(name, limits.EMBED_FIELD_NAME)}: "
            f"{value}{_measure(value, limits.EMBED_FIELD_VALUE)}"
        )
        if field.get("inline") and "\n" not in value:
            row.append(text)
            continue
        if row:
            add("  │  ".join(row))
            row = []
        add(f"{name}{_measure(name, limits.EMBED_FIELD_NAME)}")
        add(f"{value}{_measure(value, limits.EMBED_FIELD_VALUE)}", indent="  ")
    if row:
        add("  │  ".join(row))
    footer = (
        embed.get("footer", {}).get("text", "") if isinstance(embed.get("footer"), Mapping) else ""
    )
    tail = " · ".join(
        p
        for p in (footer + _measure(footer, limits.EMBED_FOOTER_TEXT), embed.get("timestamp", ""))
        if p
    )
    if tail:
        add(f"— {tail}")
    return lines


def embed_characters(embeds: list[Mapping[str, Any]]) -> int:
    """Characters counted against the 6000 total of a message."""
    total = 0
    for embed in embeds:
        total += len(embed.get("title", "")) + len(embed.get("description", ""))
        total += sum(
            len(f.get("name", "")) + len(f.get("value", "")) for f in embed.get("fields", [])
        )
        total += len((embed.get("footer") or {}).get("text", "")) + len(
            (embed.get("author") or {}).get("name", "")
        )
    return total


def render_components(message: Mapping[str, Any]) -> list[str]:
    lines = []
    for row in message.get("components", []):
        parts = []
        for item in row.get("components", []):
            label = item.get("label") or item.get("placeholder") or item.get("custom_id", "?")
            state = " (disabled)" if item.get("disabled") else ""
            if item.get("type") == 2 and item.get("style") == 5:
                parts.append(f"[{label} → {item.get('url')}]")
            elif item.get("type") == 2:
                parts.append(f"[{label}]{state} id={item.get('custom_id')}")
            else:
                options = ", ".join(o.get("label", "") for o in item.get("options", []))
                parts.append(f"[▾ {label}: {options}]{state} id={item.get('custom_id')}")
        if parts:
            lines.append("  ".join(parts))
    return lines


def render_message(message: Mapping[str, Any], channel: str, width: int = 88) -> str:
    flags = int(message.get("flags", 0))
    notes = []
    if flags & FLAG_EPHEMERAL:
        notes.append("ephemeral")
    if flags & FLAG_LOADING:
        notes.append("thinking…")
    if flags & FLAG_CROSSPOSTED:
        notes.append("published")
    if flags & FLAG_HAS_THREAD:
        notes.append(f"thread: {message.get('thread', {}).get('name', '?')}")
    if message.get("mention_everyone"):
        notes.append("PINGS @everyone")
    if message.get("edited_timestamp"):
        notes.append("edited")
    author = message.get("author", {}).get("username", "?")
    head = f"{channel} · {author} · {message.get('id')}"
    if notes:
        head += " · " + ", ".join(notes)
    lines = [head]
    content = message.get("content", "")
    if content:
        lines += ["  " + line for line in content.splitlines()]
        if len(content) >= limits.MESSAGE_CONTENT * NEAR_LIMIT:
            lines.append(f"  (content [{len(content)}/{limits.MESSAGE_CONTENT}])")
    embeds = message.get("embeds", [])
    for embed in embeds:
        lines += ["  " + line for line in render_embed(embed, width - 2)]
    total = embed_characters(embeds)
    if total >= limits.EMBED_TOTAL * 0.8:
        lines.append(f"  (embeds: {total}/{limits.EMBED_TOTAL} characters)")
    lines += ["  " + line for line in render_components(message)]
    return "\n".join(lines)


def render_answer(command: str, member: str, report: Mapping[str, Any], channel: str) -> str:
    """An interaction's outcome, as the member experienced it."""
    head = f"{member} › {command}"
    if not report["answered"]:
        if report["response_type"] is None:
            return f"{head}\n  ✗ The application did not respond (no answer within 3 s)"
        return f"{head}\n  … acknowledged after {report['ack_ms']} ms but never completed"
    timing = f"answered in {report['answer_ms']} ms"
    if report["choices"] is not None:
        choices = [f"  • {c['name']}  ({c['value']!r})" for c in report["choices"]]
        return "\n".join([f"{head}\n  ↳ {len(choices)} suggestion(s), {timing}", *choices])
    if report["modal"] is not None:
        return f"{head}\n  ↳ opened a form {report['modal'].get('title', '')!r}, {timing}"
    parts = [f"{head}\n  ↳ {timing}"]
    for message in [report["message"], *report["followups"]]:
        if message is not None:
            parts.append(textwrap.indent(render_message(message, channel), "  "))
    return "\n".join(parts)
