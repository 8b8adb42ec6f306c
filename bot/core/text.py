"""Text normalisation shared by the parser, the store's index and queries.

Korean needs care in a full-text index: particles attach to words (`코드북을`), so a
word tokenizer misses `코드북`, while a trigram tokenizer misses two-syllable words
(`게임`). We index Hangul as overlapping syllable bigrams (the classic CJK approach)
and query it the same way, which finds both; Latin text keeps word tokens.

Every pattern here runs in time linear in its input, because notes and queries come
from people and files we do not control: each unbounded run is possessive (`++`), so
a failed match never gives characters back to try another split of the same run
(tests/test_notes_hostile.py measures every pattern's work on hostile input).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import time

# Zero-width and byte-order characters carry no meaning in notes or queries.
_INVISIBLE_RE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_HANGUL = "\uac00-\ud7a3\u1100-\u11ff\u3130-\u318f"
_HANGUL_RE = re.compile(f"[{_HANGUL}]")
_HANGUL_RUN_RE = re.compile(f"[{_HANGUL}]++")
# A word is a run of letters/digits of one script: Hangul runs and other runs are
# split apart so `ViT에` indexes as `vit` + `에`.
_WORD_RE = re.compile(f"[{_HANGUL}]++|[^\\W{_HANGUL}_]++")
_SQUASH_RE = re.compile(r"[\W_]++")
_NON_WORD_RE = re.compile(f"[^\\w\\s\\x00-\\x7f{_HANGUL}]")
_URL_RE = re.compile(r"https?://[^\s<>()\[\]{}\"'`]++", re.IGNORECASE)
_ARXIV_RE = re.compile(
    r"^https?://(?:www\.|export\.)?arxiv\.org/(?:abs|pdf|html)/"
    r"(?P<id>\d{4}\.\d{4,5}|[a-z-]++(?:\.[a-z]{2})?/\d{7})(?:v\d++)?(?:\.pdf)?/?$",
    re.IGNORECASE,
)


ARXIV_ABS = "https://arxiv.org/abs/"
_HHMM_RE = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


def parse_hhmm(text: str) -> time | None:
    """A 24-hour `HH:MM` time (`9:05` too), or None when it is not one (`25:00`)."""
    match = _HHMM_RE.match(text.strip())
    return time(int(match[1]), int(match[2])) if match else None


def nfc(text: str) -> str:
    """NFC form without invisible characters: notes written on macOS arrive as NFD."""
    return _INVISIBLE_RE.sub("", unicodedata.normalize("NFC", text))


def fold(text: str) -> str:
    """Comparison form: NFKC (full-width → ASCII), case-folded, invisibles removed."""
    return unicodedata.normalize("NFKC", _INVISIBLE_RE.sub("", text)).casefold()


def has_hangul(text: str) -> bool:
    """Whether the text holds any Hangul; it separates commentary from English text."""
    return _HANGUL_RE.search(text) is not None


def words(text: str) -> list[str]:
    """Folded words, Hangul and non-Hangul runs split apart."""
    return _WORD_RE.findall(fold(text))


def is_hangul_word(word: str) -> bool:
    """Whether a word from `words` is a Hangul run."""
    return _HANGUL_RE.match(word) is not None


def hangul_bigrams(word: str) -> list[str]:
    """Overlapping syllable bigrams of a Hangul run; a single syllable stays itself."""
    if len(word) < 2:
        return [word]
    return [word[i : i + 2] for i in range(len(word) - 1)]


def _bigram_run(match: re.Match[str]) -> str:
    return " " + " ".join(hangul_bigrams(match[0])) + " "


def index_form(text: str) -> str:
    """The text as the full-text index takes it: Hangul runs as syllable bigrams.

    Hot on ingest (every paper's full text), so it does only what FTS5's unicode61
    tokenizer cannot: NFKC (full-width letters, compatibility jamo), the bigrams, and
    separating at the non-ASCII characters the tokenizer's Unicode 6.1 tables keep in
    words but `words` does not (newer emoji, private use). Splitting, case and
    diacritics are the tokenizer's, so ASCII text (most abstracts) passes as it is.
    """
    if text.isascii():
        return text
    return _HANGUL_RUN_RE.sub(_bigram_run, _NON_WORD_RE.sub(" ", fold(text)))


def squash(text: str) -> str:
    """Letters and digits only, folded: `Deep Seek-Coder` → `deepseekcoder`.

    Used both as the paper identity key and to match split or joined words.
    """
    return _SQUASH_RE.sub("", fold(text))


def normalise_tag(tag: str) -> str:
    """`#VQ`, `vq` and `VQ` are the same tag: stored lower-case without `#`."""
    return fold(tag).strip().lstrip("#").strip()


def normalise_url(url: str) -> str:
    """Canonical link form; arXiv abs/pdf/versioned links become `https://arxiv.org/abs/ID`."""
    url = url.rstrip(".,;:!?")
    if match := _ARXIV_RE.match(url):
        return ARXIV_ABS + match["id"]
    return url


def extract_urls(*texts: str) -> list[str]:
    """Every URL in the texts, normalised, in order of first appearance, without repeats.

    Several texts (an entry's abstract and commentaries) are read in turn rather than
    joined, which would copy them all once more.
    """
    seen: dict[str, None] = {}
    for text in texts:
        for raw in _URL_RE.findall(text):
            url = normalise_url(raw)
            if len(url) > len("https://"):
                seen.setdefault(url, None)
    return list(seen)
