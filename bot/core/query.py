"""Search query building and title ranking, pure.

User text never reaches FTS5 syntax as-is: it is reduced to words (letters and
digits only) and each word is emitted as a quoted string, so quotes, `*`, `NEAR`,
`-`, parentheses or `column:` in a query are just text. Queries are bounded in
length and word count so a 10,000-character paste costs no more than a sentence.
"""

from __future__ import annotations

from difflib import SequenceMatcher

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


def _term(word: str) -> str:
    if is_hangul_word(word):
        grams = hangul_bigrams(word)
        # One syllable: any bigram starting with it. More: the bigram phrase, which
        # matches the word anywhere, particles attached or not (`코드북` in `코드북을`).
        return quote(grams[0]) + "*" if len(word) == 1 else quote(" ".join(grams))
    return quote(word) + "*"


def match_expression(text: str, column: str | None = None) -> str | None:
    """An FTS5 MATCH expression requiring every word (as a prefix); None when no words."""
    terms = [_term(word) for word in query_words(text)]
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


def similarity(a: str, b: str) -> float:
    """0..1 similarity of two folded strings (difflib's ratio)."""
    return SequenceMatcher(None, a, b, autojunk=False).ratio()


def best_correction(word: str, candidates: list[str], threshold: float = 0.75) -> str | None:
    """The vocabulary word closest to a misspelt one, if close enough."""
    scored = [(similarity(word, c), -abs(len(c) - len(word)), c) for c in candidates if c != word]
    if not scored:
        return None
    score, _, best = max(scored)
    return best if score >= threshold else None


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
    score = 0.0
    if t.startswith(q):
        score += 40
    elif q in t:
        score += 25
    q_words, t_words = query_words(query), words(title)
    if q_words:
        covered = sum(any(tw.startswith(qw) for tw in t_words) for qw in q_words)
        score += 25 * covered / len(q_words)
        fuzzy = sum(max((similarity(qw, tw) for tw in t_words), default=0) for qw in q_words)
        score += 15 * fuzzy / len(q_words)
    score += 20 * similarity(q, t[: len(q) + 2])
    return min(score, 99.0)


def rank_titles(query: str, titles: list[str]) -> list[int]:
    """Indices of `titles` ordered best first (stable for equal scores)."""
    folded = fold(query)
    scores = [title_score(folded, title) for title in titles]
    return sorted(range(len(titles)), key=lambda i: -scores[i])
