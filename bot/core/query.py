"""Search query building and title ranking, pure.

User text never reaches FTS5 syntax as-is: it is reduced to words (letters and
digits only) and each word is emitted as a quoted string, so quotes, `*`, `NEAR`,
`-`, parentheses or `column:` in a query are just text. Queries are bounded in
length and word count so a 10,000-character paste costs no more than a sentence.
"""

from __future__ import annotations

import heapq
import itertools
from collections import Counter
from collections.abc import Sequence
from difflib import SequenceMatcher
from functools import lru_cache
from typing import Literal

from bot.core.text import fold, hangul_bigrams, is_hangul_word, squash, words

MAX_QUERY_CHARS = 200
MAX_QUERY_WORDS = 12
# Shortest squashed query worth a trigram substring probe (the tokenizer's unit).
MIN_SUBSTRING_CHARS = 3
# Shortest word worth a typo correction: shorter words have too many neighbours.
MIN_FUZZY_CHARS = 4


def quote(term: str) -> str:
    """An FTS5 string literal: the only escape FTS5 has is doubling `"`."""
    return '"' + term.replace('"', '""') + '"'


def query_words(text: str) -> list[str]:
    """The searchable words of user text, bounded and de-duplicated."""
    return list(dict.fromkeys(words(text[:MAX_QUERY_CHARS])))[:MAX_QUERY_WORDS]


def _term(word: str, prefix: bool) -> str:
    if is_hangul_word(word):
        grams = hangul_bigrams(word)
        # One syllable: any bigram starting with it. More: the bigram phrase, which
        # matches the word anywhere, particles attached or not (`코드북` in `코드북을`).
        return quote(grams[0]) + "*" if len(word) == 1 else quote(" ".join(grams))
    return quote(word) + ("*" if prefix else "")


Prefix = Literal["all", "last", "none"]


def match_expression(text: str, column: str | None = None, prefix: Prefix = "all") -> str | None:
    """An FTS5 MATCH expression requiring every word; None when there are no words.

    `prefix` says which words may be word beginnings: all of them, only the last
    (what someone is still typing — far cheaper on a big index, since a prefix
    reads every matching word's posting list), or none.
    """
    words = query_words(text)
    terms = [
        _term(word, prefix == "all" or (prefix == "last" and i == len(words) - 1))
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
    """
    return SequenceMatcher(None, a, b, autojunk=False).ratio()


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
        fuzzy = sum(max((similarity(qw, tw) for tw in t_words), default=0) for qw in q_words)
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
