"""Search-hit snippets: a short window of the notes around the first match, matches in bold.

Pure. Notes text is escaped for Discord markdown with links left as text
(`bot.core.render.escape`): a `*` or `_` in an abstract must not start italics, a `>`
must not quote, a URL must not link (it would draw the bold markers into itself), so
the only markup is the bot's own `**`. Matching follows the index: a Latin query word
matches words it begins (`token` → `Tokens`), a Hangul one matches anywhere inside a
word, particles attached (`코드북` → `코드북을`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.core.query import query_words
from bot.core.render import ELLIPSIS, escape
from bot.core.text import fold, is_hangul_word, nfc

_HANGUL = "\uac00-\ud7a3\u1100-\u11ff\u3130-\u318f"
# The same word runs as `bot.core.text.words`, found in the original (unfolded) text.
_TOKEN_RE = re.compile(f"[{_HANGUL}]+|[^\\W{_HANGUL}_]+")
_SPACE_RE = re.compile(r"\s+")


def _text(text: str) -> str:
    """Snippet text: escaped, URLs included, so that the bold markers stay the bot's own."""
    return escape(text, links=False)


def matches(text: str, query: str) -> list[tuple[int, int]]:
    """Spans of `text` that the query's words match, in order, not overlapping."""
    wanted = query_words(query)
    latin = [w for w in wanted if not is_hangul_word(w)]
    hangul = [w for w in wanted if is_hangul_word(w)]
    spans: list[tuple[int, int]] = []
    for token in _TOKEN_RE.finditer(text):
        folded = fold(token.group())
        if is_hangul_word(folded):
            # Hangul folds to itself (NFC syllables), so offsets carry over.
            for word in hangul:
                start = folded.find(word)
                while start != -1:
                    spans.append((token.start() + start, token.start() + start + len(word)))
                    start = folded.find(word, start + len(word))
        elif any(folded.startswith(word) for word in latin):
            spans.append(token.span())
    spans.sort()
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _window(text: str, first: int, width: int) -> tuple[int, int]:
    """About `width` characters around position `first`, cut at spaces where possible."""
    start = max(0, first - width // 3)
    if start:
        space = text.find(" ", start, first)
        start = space + 1 if space != -1 else start
    end = min(len(text), start + width)
    if end < len(text):
        space = text.rfind(" ", start + width // 2, end)
        end = space if space != -1 else end
    return start, end


def _render(text: str, start: int, end: int, spans: Sequence[tuple[int, int]]) -> str:
    out = [ELLIPSIS] if start else []
    cursor = start
    for span_start, span_end in spans:
        s, e = max(span_start, start), min(span_end, end)
        if s >= e:
            continue
        out += [_text(text[cursor:s]), "**", _text(text[s:e]), "**"]
        cursor = e
    out.append(_text(text[cursor:end]))
    if end < len(text):
        out.append(ELLIPSIS)
    return "".join(out)


def snippet(texts: Sequence[str | None], query: str, limit: int = 300) -> str | None:
    """The first text the query matches, cut around the first match, matches bold.

    At most `limit` characters once escaped; None when no text matches (the hit
    was on a title or author shown elsewhere).
    """
    for raw in texts:
        if not raw:
            continue
        text = _SPACE_RE.sub(" ", nfc(raw)).strip()
        spans = matches(text, query)
        if not spans:
            continue
        width = limit
        while width > 8:
            start, end = _window(text, spans[0][0], width)
            shown = _render(text, start, end, spans)
            if len(shown) <= limit:
                return shown
            width = width * 3 // 4
        return None
    return None
