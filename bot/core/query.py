"""Search query building and title ranking, pure.

User text never reaches FTS5 syntax as-is: it is reduced to words (letters and
digits only) and each word is emitted as a quoted string, so quotes, `*`, `NEAR`,
`-`, parentheses or `column:` in a query are just text. Queries are bounded in
length and word count so a 10,000-character paste costs no more than a sentence:
every lookup starts with `bounded` (or `bounded_tag`), before any ranking.
"""

from __future__ import annotations

import heapq
import itertools
from collections import Counter
from collections.abc import Mapping, Sequence
from difflib import SequenceMatcher
from functools import lru_cache
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


def match_expression(
    text: str,
    column: str | None = None,
    prefix: Prefix = "all",
    expansions: Mapping[str, Sequence[str]] | None = None,
) -> str | None:
    """An FTS5 MATCH expression requiring every word; None when there are no words.

    `prefix` says which words may be word beginnings: all of them, only the last
    (what someone is still typing — far cheaper on a big index, since a prefix
    reads every matching word's posting list), or none. A prefix word with a
    non-empty entry in `expansions` matches those whole words instead (any of them).
    """
    words = query_words(text)
    expansions = expansions or {}
    terms = [
        _term(word, _is_prefixed(prefix, i, len(words)), expansions.get(word, ()))
        for i, word in enumerate(words)
    ]
    if not terms:
        return None
    expression = " AND ".join(terms)
    return f"{column} : ({expression})" if column else expression


def substring_expression(text: str) -> str | None:
    """A trigram MATCH for the squashed query: `deep seek coder` finds `DeepSeek-Coder`."""
    squashed = squash(text[:MAX_QUERY_CHARS])
    return quote(squashed) if len(squashed) >= MIN_SUBSTRING_CHARS else None


def fuzzy_words(text: str) -> list[str]:
    """Words long enough to be corrected when nothing matches them as typed."""
    return [w for w in query_words(text) if len(w) >= MIN_FUZZY_CHARS]


def trigram_any_expression(word: str) -> str:
    """A trigram MATCH for words sharing any trigram with `word` (typo candidates)."""
    grams = dict.fromkeys(word[i : i + 3] for i in range(len(word) - 2))
    return " OR ".join(quote(gram) for gram in grams)


@lru_cache(maxsize=1 << 16)
def similarity(a: str, b: str) -> float:
    """0..1 similarity of two folded strings (difflib's ratio).

    Cached: ranking compares the same query and title words over and over (titles
    share their vocabulary), and difflib is most of the cost of an autocomplete.
    When one string contains the other (a typed word and the title word it begins),
    difflib's one matching block is the shorter string: its ratio without difflib.
    """
    if a in b or b in a:
        total = len(a) + len(b)
        return 2.0 * min(len(a), len(b)) / total if total else 1.0
    return SequenceMatcher(None, a, b, autojunk=False).ratio()


@lru_cache(maxsize=1 << 16)
def best_similarity(word: str, candidates: tuple[str, ...]) -> float:
    """`max(similarity(word, c) for c in candidates)`, 0 without candidates.

    Candidates are tried in order of an upper bound of their similarity, all of the
    shorter string matching (difflib's `real_quick_ratio`, from lengths alone), and
    the rest skipped once that bound cannot beat the best so far: most title words
    are never compared. Cached like `similarity`: a typed word meets the same title
    again and again while it is being typed.
    """
    n = len(word)
    bounds = sorted(
        (2.0 * min(n, len(c)) / (n + len(c)) if n + len(c) else 1.0, c) for c in candidates
    )
    best = 0.0
    for bound, candidate in reversed(bounds):
        if bound <= best:
            break
        best = max(best, similarity(word, candidate))
    return best


def best_correction(word: str, candidates: list[str], threshold: float = 0.75) -> str | None:
    """The vocabulary word closest to a misspelt one, if close enough."""
    scored = [(similarity(word, c), -abs(len(c) - len(word)), c) for c in candidates if c != word]
    if not scored:
        return None
    score, _, best = max(scored)
    return best if score >= threshold else None


def _lexical_score(q: str, t: str, q_words: list[str], t_words: list[str]) -> float:
    """The cheap part of `title_score`: prefix/substring and word coverage."""
    score = 0.0
    if t.startswith(q):
        score += 40
    elif q in t:
        score += 25
    if q_words:
        covered = sum(any(tw.startswith(qw) for tw in t_words) for qw in q_words)
        score += 25 * covered / len(q_words)
    return score


def _fuzzy_score(q: str, t: str, q_words: list[str], t_words: list[str]) -> float:
    """The costly part of `title_score` (difflib): at most 35 points."""
    score = 0.0
    if q_words:
        fuzzy = sum(best_similarity(qw, tuple(t_words)) for qw in q_words)
        score += 15 * fuzzy / len(q_words)
    return score + 20 * similarity(q, t[: len(q) + 2])


def _fuzzy_bound(q_counts: Counter[str], q_len: int, t: str, has_words: bool) -> float:
    """At least `_fuzzy_score`, in microseconds: word similarity taken as perfect, and the
    prefix similarity bounded by the characters the two share (difflib's `quick_ratio`)."""
    prefix = t[: q_len + 2]
    shared = sum((q_counts & Counter(prefix)).values())
    return (15.0 if has_words else 0.0) + 20 * (2.0 * shared / (q_len + len(prefix)))


def title_score(query: str, title: str) -> float:
    """How well a title answers what the user typed, 0..100.

    Exact match beats prefix beats substring; then how many typed words begin a
    title word (word order ignored); then character similarity, which carries
    typos (`paligema`) and split or joined words (`deep seek coder`).
    """
    q, t = squash(query), squash(title)
    if not q:
        return 0.0
    if q == t:
        return 100.0
    q_words, t_words = query_words(query), words(title)
    return min(_lexical_score(q, t, q_words, t_words) + _fuzzy_score(q, t, q_words, t_words), 99.0)


def rank_titles(query: str, titles: list[str], limit: int | None = None) -> list[int]:
    """Indices of `titles` ordered best first (stable for equal scores).

    With `limit`, only the best `limit` are returned, and the costly similarity is
    skipped for titles whose cheap score plus a bound of the similarity cannot reach
    them: the result is exactly the first `limit` of the full ranking, much faster.
    """
    folded = fold(query)
    if limit is None:
        every = [title_score(folded, title) for title in titles]
        return sorted(range(len(titles)), key=lambda i: -every[i])
    q, q_words = squash(folded), query_words(folded)
    if not q:
        return list(range(min(limit, len(titles))))
    q_counts = Counter(q)
    scores: dict[int, float] = {}
    pending: list[tuple[float, int, float, str, list[str]]] = []
    for index, title in enumerate(titles):
        t = squash(title)
        if q == t:
            scores[index] = 100.0
            continue
        t_words = words(title)
        lexical = _lexical_score(q, t, q_words, t_words)
        bound = lexical + _fuzzy_bound(q_counts, len(q), t, bool(q_words))
        pending.append((min(bound, 99.0), index, lexical, t, t_words))
    pending.sort(key=lambda p: (-p[0], p[1]))
    best = list(scores.values())[:limit]  # the `limit` best scores so far, a min-heap
    heapq.heapify(best)
    for bound, index, lexical, t, t_words in pending:
        if len(best) == limit and bound < best[0]:
            break
        score = min(lexical + _fuzzy_score(q, t, q_words, t_words), 99.0)
        scores[index] = score
        if len(best) < limit:
            heapq.heappush(best, score)
        elif score > best[0]:
            heapq.heapreplace(best, score)
    return sorted(scores, key=lambda i: (-scores[i], i))[:limit]


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
