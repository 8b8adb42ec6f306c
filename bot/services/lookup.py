"""Looking papers up: title suggestions, full-text search, tags.

The store finds candidates cheaply (bounded FTS queries); this service ranks them
with `bot.core.query.rank_titles`, so autocomplete, `/paper` and the CLI's
`paper` command agree on order.
"""

from __future__ import annotations

from bot.core.query import (
    best_correction,
    fuzzy_words,
    match_expression,
    query_words,
    rank_titles,
    substring_expression,
    trigram_any_expression,
)
from bot.core.text import normalise_tag
from bot.store import PaperSummary, Store, TagCount

MAX_SUGGESTIONS = 25  # Discord's autocomplete limit.
CANDIDATES = 200


class LookupService:
    """Read-only queries over the store, with user text made safe and ranked."""

    def __init__(self, store: Store) -> None:
        self._store = store

    async def suggest_titles(self, query: str, limit: int = MAX_SUGGESTIONS) -> list[PaperSummary]:
        """Titles for what the user typed, best first; the newest papers for no text."""
        limit = min(limit, MAX_SUGGESTIONS)
        if not query_words(query):
            return await self._store.recent_papers(limit)
        candidates = await self._title_candidates(query)
        if not candidates:
            corrected = await self._correct(query)
            if corrected is not None:
                candidates = await self._title_candidates(corrected)
        titles = [paper.title for paper in candidates]
        return [candidates[i] for i in rank_titles(query, titles)[:limit]]

    async def _title_candidates(self, query: str) -> list[PaperSummary]:
        found: dict[int, PaperSummary] = {}
        if expression := match_expression(query, column="title"):
            for paper in await self._store.match_titles(expression, CANDIDATES):
                found[paper.id] = paper
        if expression := substring_expression(query):
            for paper in await self._store.substring_titles(expression, CANDIDATES):
                found.setdefault(paper.id, paper)
        return list(found.values())

    async def _correct(self, query: str) -> str | None:
        """The query with misspelt words replaced by the closest title words, if any."""
        words = query_words(query)
        changed = False
        for index, word in enumerate(words):
            if word not in fuzzy_words(query):
                continue
            neighbours = await self._store.similar_words(trigram_any_expression(word), 50)
            if (fix := best_correction(word, neighbours)) is not None:
                words[index], changed = fix, True
        return " ".join(words) if changed else None

    async def search(self, query: str, limit: int = 10, offset: int = 0) -> list[PaperSummary]:
        """Full-text hits over titles, authors, abstracts and both commentaries."""
        expression = match_expression(query)
        if expression is None:
            return []
        return await self._store.search(expression, limit, offset)

    async def by_tag(self, tag: str, limit: int = 10, offset: int = 0) -> list[PaperSummary]:
        """Papers with a tag, newest first; `#VQ`, `vq` and `VQ` are one tag."""
        name = normalise_tag(tag)
        return await self._store.papers_by_tag(name, limit, offset) if name else []

    async def tags(self) -> list[TagCount]:
        """Every tag with its paper count, most used first."""
        return await self._store.tag_counts()
