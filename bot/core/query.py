"""Search query building, pure (ranking is `bot.core.ranking`).

User text never reaches FTS5 syntax as-is: it is reduced to words (letters and
digits only) and each word is emitted as a quoted string, so quotes, `*`, `NEAR`,
`-`, parentheses or `column:` in a query are just text. Queries are bounded in
length and word count so a 10,000-character paste costs no more than a sentence:
every lookup starts with `bounded` (or `bounded_tag`), before any ranking.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from bot.core.text import fold, hangul_bigrams, is_hangul_word, normalise_tag, squash, words

MAX_QUERY_CHARS = 200
MAX_QUERY_WORDS = 12
# Tags are picked from autocomplete, whose values Discord caps at 100 characters.
MAX_TAG_CHARS = 100
# Shortest squashed query worth a trigram substring probe (the tokenizer's unit).
MIN_SUBSTRING_CHARS = 3
# Shortest word worth a typo correction: shorter words have too many neighbours.
MIN_FUZZY_CHARS = 4
# The longest prefixes each FTS5 index keeps (`prefix = …` in bot/store/schema.py). A
# longer prefix term makes FTS5 merge the whole posting list of every word it begins
# before it returns one row (5-50 ms on a million papers, whatever the LIMIT), so such
# prefixes are spelt out as an OR of whole words instead (`expansions` below), which
# FTS5 walks newest first and stops early, like any other term.
TITLE_INDEX_PREFIX = 6  # title_fts
TEXT_INDEX_PREFIX = 3  # paper_fts
# At most this many whole words stand for one prefix: each costs FTS5 a lookup (~30 µs).
MAX_EXPANSIONS = 64
# Endings a search's last word is also tried with, besides the title words it begins:
# the inflections and derivations that make up most of what a prefix found in
# abstracts and commentary (`model` → `models`, `generat` → `generation`).
ENDINGS = (
    "s", "es", "e", "ed", "d", "ing", "er", "ers", "or", "ors", "ion", "ions",
    "ation", "ations", "al", "ly", "ive", "ity", "ment", "ments",
)  # fmt: skip
# A search of this many words or more is taken as a phrase, often a pasted title.
PHRASE_WORDS = 3
# English function words dropped from phrase searches while 2 others remain: a pasted
# title ANDs them in, and they occur in nearly every abstract, so FTS5 walks most of
# the archive to intersect them (`… via Mixture of Experts`: 26 ms → 4 ms) while they
# narrow nothing down.
STOP_WORDS = frozenset({
    "a", "an", "and", "are", "as", "at", "be", "by", "can", "do", "does", "for", "from",
    "how", "in", "into", "is", "it", "its", "of", "on", "or", "our", "than", "that", "the",
    "their", "this", "to", "via", "vs", "we", "what", "when", "which", "why", "with",
})  # fmt: skip
MIN_CONTENT_WORDS = 2


def bounded(text: str) -> str:
    """What of user text a lookup looks at, folded: its first `MAX_QUERY_CHARS` characters,
    and no more once folded (NFKC turns some characters into up to 18).

    Word-based steps also keep `MAX_QUERY_WORDS` words (`query_words`); ranking and
    difflib see at most these characters, whatever was pasted.
    """
    return fold(text[:MAX_QUERY_CHARS])[:MAX_QUERY_CHARS]


def bounded_tag(text: str) -> str:
    """A typed tag as tags are stored (`normalise_tag`), from its first `MAX_TAG_CHARS`
    characters: "did you mean" compares it with every tag."""
    return normalise_tag(text[:MAX_TAG_CHARS])[:MAX_TAG_CHARS]


def quote(term: str) -> str:
    """An FTS5 string literal: the only escape FTS5 has is doubling `"`."""
    return '"' + term.replace('"', '""') + '"'


def query_words(text: str) -> list[str]:
    """The searchable words of user text, bounded and de-duplicated."""
    return list(dict.fromkeys(words(text[:MAX_QUERY_CHARS])))[:MAX_QUERY_WORDS]


def without_stop_words(text: str) -> str:
    """The query's words without `STOP_WORDS` and lone Latin letters or digits (the `1`
    and `5` of `Kimi-Coder-1.5`, in most titles' version numbers), when it is a phrase
    and 2 other words remain.

    For search only: title ranking and snippets still see every word typed.
    """
    words = query_words(text)
    kept = [w for w in words if w not in STOP_WORDS and (len(w) > 1 or is_hangul_word(w))]
    phrase = len(words) >= PHRASE_WORDS and len(kept) >= MIN_CONTENT_WORDS
    return " ".join(kept if phrase else words)


def phrase_key(text: str) -> str | None:
    """A phrase query squashed as paper keys are (`squash`): the keys of the titles it
    begins start with it. None for a query of fewer than `PHRASE_WORDS` words.

    Dropping stop words lets a pasted title match many more papers, so the paper it
    was pasted from may be older than the newest matches a search ranks; looking up
    the titles it begins finds that paper whatever its age.
    """
    if len(query_words(text)) < PHRASE_WORDS:
        return None
    return squash(text[:MAX_QUERY_CHARS])


def _term(word: str, prefix: bool, expansion: Sequence[str]) -> str:
    if is_hangul_word(word):
        grams = hangul_bigrams(word)
        # One syllable: any bigram starting with it. More: the bigram phrase, which
        # matches the word anywhere, particles attached or not (`코드북` in `코드북을`).
        return quote(grams[0]) + "*" if len(word) == 1 else quote(" ".join(grams))
    if not prefix:
        return quote(word)
    if not expansion:
        return quote(word) + "*"
    if len(expansion) == 1:
        return quote(expansion[0])
    return "(" + " OR ".join(quote(w) for w in expansion) + ")"


Prefix = Literal["all", "last", "none"]


def _is_prefixed(prefix: Prefix, index: int, count: int) -> bool:
    return prefix == "all" or (prefix == "last" and index == count - 1)


def prefixed_words(text: str, prefix: Prefix, longer_than: int) -> list[str]:
    """The words `match_expression` makes prefix terms that are longer than `longer_than`
    characters: those to look up `expansions` for (Hangul words are never prefixes)."""
    words = query_words(text)
    return [
        word
        for i, word in enumerate(words)
        if _is_prefixed(prefix, i, len(words))
        and len(word) > longer_than
        and not is_hangul_word(word)
    ]


def with_endings(word: str, title_words: Sequence[str]) -> list[str]:
    """What a search's last word stands for: itself with each of `ENDINGS`, then the
    title words it begins (shortest first), at most `MAX_EXPANSIONS` in all.

    Not every word it begins: the text index has no vocabulary table (FTS5's own
    counts documents: 13-38 ms on a million papers), so a word found only in
    abstracts or commentary with another ending is missed; titles cover the
    library's own terms.
    """
    words = dict.fromkeys([word, *(word + ending for ending in ENDINGS), *title_words])
    return list(words)[:MAX_EXPANSIONS]


@dataclass(frozen=True, slots=True)
class Term:
    """One typed word as FTS5 looks it up: the word, a prefix (`prefix`: what is being
    typed) spelt out as `expansion` when the index keeps no prefix that long, or any
    of its `corrections` (misspellings fixed against the title vocabulary)."""

    word: str
    prefix: bool = False
    expansion: tuple[str, ...] = ()
    corrections: tuple[str, ...] = ()

    def expression(self) -> str:
        """The word's FTS5 term, ORed with its corrections."""
        terms = [_term(self.word, self.prefix, self.expansion), *map(quote, self.corrections)]
        return terms[0] if len(terms) == 1 else "(" + " OR ".join(terms) + ")"

    def found_in(self, title_words: Sequence[str]) -> bool:
        """Whether a title of these words (`words`) holds the term, as its index would:
        the word, a word it begins when it is a prefix, a correction, or a Hangul word
        inside a longer run (particles attached)."""
        if is_hangul_word(self.word):
            return any(self.word in w for w in title_words)
        if self.prefix and not self.expansion:
            return any(w.startswith(self.word) for w in title_words)
        return any(w in (self.word, *self.expansion, *self.corrections) for w in title_words)


def terms(
    text: str, prefix: Prefix = "all", expansions: Mapping[str, Sequence[str]] | None = None
) -> list[Term]:
    """The query's words as `Term`s: `prefix` says which may be word beginnings (all,
    only the last — what someone is still typing, far cheaper on a big index, since
    a prefix reads every matching word's posting list — or none); a prefix word with
    a non-empty entry in `expansions` matches those whole words instead."""
    words = query_words(text)
    expansions = expansions or {}
    return [
        Term(word, _is_prefixed(prefix, i, len(words)), tuple(expansions.get(word, ())))
        for i, word in enumerate(words)
    ]


def all_of(found: Sequence[Term]) -> str:
    """An FTS5 MATCH expression requiring every term (empty without terms)."""
    return " AND ".join(t.expression() for t in found)


def match_expression(
    text: str,
    column: str | None = None,
    prefix: Prefix = "all",
    expansions: Mapping[str, Sequence[str]] | None = None,
) -> str | None:
    """An FTS5 MATCH expression requiring every word (`terms`); None when there are no
    words."""
    expression = all_of(terms(text, prefix, expansions))
    if not expression:
        return None
    return f"{column} : ({expression})" if column else expression


def substring_expression(text: str) -> str | None:
    """A trigram MATCH for the squashed query: `deep seek coder` finds `DeepSeek-Coder`."""
    squashed = squash(text[:MAX_QUERY_CHARS])
    return quote(squashed) if len(squashed) >= MIN_SUBSTRING_CHARS else None


def correctable(word: str) -> bool:
    """Whether a word nothing matches as typed is worth correcting: long enough, and
    not Hangul (whose words are matched as syllable bigrams, particles and all)."""
    return len(word) >= MIN_FUZZY_CHARS and not is_hangul_word(word)


def trigram_any_expression(word: str) -> str:
    """A trigram MATCH for words sharing any trigram with `word` (typo candidates)."""
    grams = dict.fromkeys(word[i : i + 3] for i in range(len(word) - 2))
    return " OR ".join(quote(gram) for gram in grams)


def regroupings(words: Sequence[str]) -> list[str]:
    """Joins of neighbouring words and two-way splits of each word (parts ≥ 2 letters).

    `deep seek coder` may mean the title word `deepseek`; `deepseekcoder` may mean
    `deepseek` + `coder`. The caller keeps the ones that are real title words.
    """
    joins = [a + b for a, b in itertools.pairwise(words)]
    splits = [w[:i] for w in words for i in range(2, len(w) - 1)]
    splits += [w[i:] for w in words for i in range(2, len(w) - 1)]
    return list(dict.fromkeys([*words, *joins, *splits]))


def regroup(words: Sequence[str], known: set[str]) -> list[str] | None:
    """`words` with unknown ones joined to a neighbour or split in two, using `known`
    title words; None when nothing changes."""
    out: list[str] = []
    i = 0
    while i < len(words):
        word = words[i]
        if i + 1 < len(words) and word + words[i + 1] in known:
            out.append(word + words[i + 1])
            i += 2
            continue
        if word not in known:
            split = next(
                (
                    (word[:k], word[k:])
                    for k in range(len(word) - 2, 1, -1)
                    if word[:k] in known and word[k:] in known
                ),
                None,
            )
            if split:
                out.extend(split)
                i += 1
                continue
        out.append(word)
        i += 1
    return out if out != list(words) else None
