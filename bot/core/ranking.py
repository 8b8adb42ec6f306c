"""Ranking lookup results and correcting typed words, pure.

Titles are ranked by `title_score` (exact, prefix, word coverage, then character
similarity, which carries typos). When too few papers hold every word, lookups fall
back to ranking by coverage: papers that hold most of the query's words, rarer words
worth more (`coverage`), so a query with one word the notes lack (`llm`, `72b`)
still finds its paper. Misspelt words are corrected against the title vocabulary
(`corrections`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from itertools import repeat

from rapidfuzz.distance import Indel

from bot.core.query import Term, query_words
from bot.core.text import fold, squash, words

# A correction must be at least this similar to the typed word (`similarity`):
# `exprets` → `experts` 0.86, `tokenizr` → `tokenizer` 0.94, `lwas` → `laws` 0.75.
MIN_SIMILARITY = 0.75
# At most this many corrections stand for one typed word (each costs FTS5 a lookup).
MAX_CORRECTIONS = 3


def similarity(a: str, b: str) -> float:
    """0..1 similarity of two folded strings: twice their longest common subsequence
    over their total length (rapidfuzz's normalised Indel similarity, in C: difflib's
    ratio, which approximates the same, was most of an autocomplete's cost)."""
    return Indel.normalized_similarity(a, b)


def best_similarity(word: str, candidates: Sequence[str]) -> float:
    """`max(similarity(word, c) for c in candidates)`, 0 without candidates."""
    return max(map(Indel.normalized_similarity, repeat(word), candidates), default=0.0)


def title_score(query: str, title: str) -> float:
    """How well a title answers what the user typed, 0..100.

    Exact match beats prefix beats substring; then how many typed words begin a
    title word (word order ignored); then character similarity, which carries
    typos (`paligema`) and split or joined words (`deep seek coder`).
    """
    return _score(squash(query), query_words(query), squash(title), words(title))


def _score(q: str, q_words: list[str], t: str, t_words: list[str]) -> float:
    if not q:
        return 0.0
    if q == t:
        return 100.0
    score = 0.0
    if t.startswith(q):
        score += 40
    elif q in t:
        score += 25
    if q_words:
        covered = sum(any(tw.startswith(qw) for tw in t_words) for qw in q_words)
        fuzzy = sum(best_similarity(qw, t_words) for qw in q_words)
        score += (25 * covered + 15 * fuzzy) / len(q_words)
    return min(score + 20 * similarity(q, t[: len(q) + 2]), 99.0)


def rank_titles(query: str, titles: list[str], limit: int | None = None) -> list[int]:
    """Indices of `titles` ordered best first (stable for equal scores), at most `limit`."""
    folded = fold(query)
    q, q_words = squash(folded), query_words(folded)
    scores = [_score(q, q_words, squash(title), words(title)) for title in titles]
    return sorted(range(len(titles)), key=lambda i: -scores[i])[:limit]


# ---- corrections -------------------------------------------------------------------


def transpositions(word: str) -> list[str]:
    """`word` with each pair of neighbouring letters swapped (`lwas` → `laws`).

    Trigram neighbours miss these in short words: `lwas` and `laws` share no trigram.
    """
    swapped = (word[:i] + word[i + 1] + word[i] + word[i + 2 :] for i in range(len(word) - 1))
    return list(dict.fromkeys(w for w in swapped if w != word))


def corrections(word: str, candidates: Sequence[str]) -> list[str]:
    """The vocabulary words closest to a misspelt one, closest first, if close enough."""
    scored = sorted(
        ((similarity(word, c), -abs(len(c) - len(word)), c) for c in set(candidates) if c != word),
        reverse=True,
    )
    return [c for score, _, c in scored[:MAX_CORRECTIONS] if score >= MIN_SIMILARITY]


# ---- coverage ----------------------------------------------------------------------


def minimum_cover(matchable: int) -> int:
    """How many of a query's words a paper must hold to be shown at all: more than half
    of those some paper holds. A word no paper holds (`100k`) says nothing about which
    paper is meant; fewer would list papers sharing one common word with the query."""
    return matchable // 2 + 1


def cover_sets(matchable: Sequence[int], minimum: int) -> list[tuple[int, ...]]:
    """The sets of words whose papers a coverage fallback looks up (all of them ANDed):
    every matchable word, then every one but one, as far as they hold `minimum` words.
    Single words are looked up on their own anyway (`rarity`), so no set is shorter
    than 2. At most one set more than there are words: linear, where every subset would
    not be.
    """
    found = [tuple(matchable)] if len(matchable) >= max(2, minimum) else []
    if len(matchable) - 1 >= max(2, minimum):
        found += [tuple(w for w in matchable if w != left) for left in matchable]
    return found


def rarity(found: Sequence[int], window: int, newest: int) -> float:
    """How much matching a word says, from the ids of its newest `window` matches
    (newest first) among papers numbered up to `newest`: log(papers / matches).

    Counting every match costs a walk of its whole posting list (milliseconds for a
    common word in a million papers); the density of the newest `window` estimates it
    from one bounded walk. Fewer than `window` matches are all of them.
    """
    if not found:
        return 0.0
    matches = float(len(found))
    if len(found) >= window:
        matches = window * newest / max(1, newest - found[-1] + 1)
    return math.log(1 + max(newest, 1) / matches)


def coverage(
    found: Mapping[tuple[int, ...], Sequence[int]], count: int, window: int
) -> tuple[list[tuple[float, list[int]]], list[float]]:
    """Papers by how much of a query of `count` words they hold, from the newest `window`
    matches (paper ids, newest first) of single words (`(i,)`) and sets of words.

    Returns the paper ids grouped by the weight of the words each holds (each word's
    `rarity`), heaviest first, each group in the order found, with that weight; and the
    words' weights. Papers holding fewer words than `minimum_cover` of those that match
    at all are left out.
    """
    newest = max((paper for papers in found.values() for paper in papers), default=0)
    alone = [found.get((i,), ()) for i in range(count)]
    weights = [rarity(papers, window, newest) for papers in alone]
    minimum = minimum_cover(sum(1 for papers in alone if papers))
    covers: dict[int, set[int]] = {}
    for words_held, papers in found.items():
        for paper in papers:
            covers.setdefault(paper, set()).update(words_held)
    tiers: dict[float, list[int]] = {}
    for paper, held in covers.items():
        if len(held) >= minimum:
            tiers.setdefault(round(sum(weights[w] for w in held), 9), []).append(paper)
    return [(weight, tiers[weight]) for weight in sorted(tiers, reverse=True)], weights


def fill(tiers: Sequence[list[int]], room: int, most: int) -> list[list[int]]:
    """The first tiers, as many as it takes to hold `room` papers (all, if they hold
    fewer), cut to `most` papers in all: only those need ranking, and ranking costs
    what it is given."""
    kept: list[list[int]] = []
    held = 0
    for tier in tiers:
        if held >= room or held >= most:
            break
        kept.append(tier[: most - held])
        held += len(kept[-1])
    return kept


def title_hits_first(found: Sequence[int], in_title: set[int]) -> list[int]:
    """Search hits with those matched in the title first, each part in its own order."""
    return [i for i in found if i in in_title] + [i for i in found if i not in in_title]


def title_weight(title: str, typed: Sequence[Term], weights: Sequence[float]) -> float:
    """The weight of the typed terms a title holds (`Term.found_in`)."""
    held = words(title)
    return sum(weight for term, weight in zip(typed, weights, strict=True) if term.found_in(held))
