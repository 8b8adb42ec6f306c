"""Looking papers up: title suggestions, full-text search, tags, days, related papers.

The store finds candidates cheaply (bounded FTS queries and index walks); this
service ranks them with `bot.core.query.rank_titles`, so autocomplete, `/paper`
and the CLI's `paper` command agree on order. User text is made safe here (words
only, quoted) before it reaches the store, and bounded first (`bounded`,
`bounded_tag`): however long the input, each lookup ranks at most 200 characters.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass
from datetime import date

from bot.core.days import day_range
from bot.core.papers import Appearance
from bot.core.query import (
    MAX_EXPANSIONS,
    TEXT_INDEX_PREFIX,
    TITLE_INDEX_PREFIX,
    Prefix,
    best_correction,
    bounded,
    bounded_tag,
    fuzzy_words,
    match_expression,
    phrase_key,
    prefixed_words,
    query_words,
    rank_titles,
    regroup,
    regroupings,
    similarity,
    substring_expression,
    title_score,
    trigram_any_expression,
    with_endings,
    without_stop_words,
)
from bot.core.render import LANGUAGES, Language, PaperView
from bot.core.snippet import snippet
from bot.store import PaperSummary, Store, TagCount

MAX_SUGGESTIONS = 25  # Discord's autocomplete limit.
CANDIDATES = 50
# Fewer whole-word hits than this and a search also matches word beginnings.
SEARCH_PAGE_MIN = 10
PHRASE_TITLES = 50  # at most this many titles beginning with a searched phrase go first
# Typed text opens the best title when it scores at least CONFIDENT (of 100) and leads
# the next by MARGIN; otherwise members are asked "did you mean…". A prefix or whole-word
# match scores ~70-99, a lone typo (`tokenizr`) ~30; "models" matches many titles equally.
CONFIDENT = 50.0
MARGIN = 10.0
RELATED_PER_TAG = 100  # newest papers per shared tag considered for /related
LINK_WEIGHT = 3  # a shared cited link says more than a shared tag


@dataclass(frozen=True, slots=True)
class PaperDetail:
    """A paper as /paper shows it: its latest entry, numbered as in that day's digest."""

    id: int
    view: PaperView
    other_days: tuple[date, ...]


@dataclass(frozen=True, slots=True)
class Found:
    """What free text typed into /paper resolves to: a paper, or suggestions to pick from."""

    paper_id: int | None
    suggestions: tuple[PaperSummary, ...] = ()


@dataclass(frozen=True, slots=True)
class Hit:
    """A search result with a snippet of the text it matched (markdown, hits in bold)."""

    paper: PaperSummary
    snippet: str | None


def view_of(
    appearance: Appearance, position: int, total: int, earlier: list[tuple[date, str]]
) -> PaperView:
    """The renderer's view of one appearance."""
    return PaperView.of(appearance.entry, appearance.date, position, total, earlier)


class LookupService:
    """Read-only queries over the store, with user text made safe and ranked."""

    def __init__(self, store: Store) -> None:
        self._store = store

    async def suggest_titles(self, query: str, limit: int = MAX_SUGGESTIONS) -> list[PaperSummary]:
        """Titles for what the user typed, best first; the newest papers for no text."""
        query = bounded(query)
        limit = min(limit, MAX_SUGGESTIONS)
        if not query_words(query):
            return await self._store.recent_papers(limit)
        candidates = await self._title_candidates(query)
        if not candidates and (corrected := await self._correct(query)) is not None:
            candidates = await self._title_candidates(corrected)
        if not candidates:  # the costliest probe: any substring of the squashed title
            expression = substring_expression(query)
            if expression is not None:
                candidates = await self._store.substring_titles(expression, CANDIDATES)
        titles = [paper.title for paper in candidates]
        return [candidates[i] for i in rank_titles(query, titles, limit)]

    async def _title_candidates(self, query: str) -> list[PaperSummary]:
        """Candidates, cheapest probe first; costlier ones only when those found too few.

        Whole words with the last one as a prefix (what is being typed) answer most
        queries; words regrouped against the title vocabulary find split or joined
        words (`deep seek` → `deepseek`); then every word as a prefix (a half-typed
        earlier word). `suggest_titles` then corrects typos, and only then tries the
        costliest probe, any substring of the squashed title.

        A prefix longer than the title index's prefixes is spelt out as the title words
        it begins (see `TITLE_INDEX_PREFIX`). Titles hold nothing else, so that finds
        what the prefix would, bar two rare cases: words past the `MAX_EXPANSIONS`
        shortest, and spellings only the index folds (`schrodinger` for `Schrödinger`).
        A prefix no title word begins stays a prefix, which then reads next to nothing.
        """
        found: dict[int, PaperSummary] = {}
        vocabulary: dict[str, list[str]] = {}
        tried: set[str] = set()  # a one-word query's probes are often the same expression

        async def probe(text: str, prefix: Prefix) -> None:
            for word in prefixed_words(text, prefix, TITLE_INDEX_PREFIX):
                if word not in vocabulary:
                    vocabulary[word] = await self._store.words_beginning(word, MAX_EXPANSIONS)
            expression = match_expression(text, prefix=prefix, expansions=vocabulary)
            if expression is not None and expression not in tried:
                tried.add(expression)
                for paper in await self._store.match_titles(expression, CANDIDATES):
                    found.setdefault(paper.id, paper)

        await probe(query, "last")
        if len(found) < MAX_SUGGESTIONS:
            words = query_words(query)
            known = await self._store.known_words(regroupings(words))
            if (regrouped := regroup(words, known)) is not None:
                await probe(" ".join(regrouped), "last")
        if not found:
            await probe(query, "all")
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
        """Full-text hits over titles, authors, abstracts and both commentaries.

        Every word must match, except English function words (`of`, `via`) in a phrase
        (`without_stop_words`); titles a phrase begins come first, so a pasted title
        finds its paper (`phrase_key`). Whole words first (cheap, precise); when they
        find fewer than a page, the last word also matches with a few endings and as
        the beginning of title words (`model` finds `models`, `instruct` finds
        `instruction`; `with_endings`), or as any beginning when it is short enough for
        the index's prefixes (`lo`). Only the last word, since each expansion costs
        lookups. The choice depends only on the query, so every page of one search
        uses the same one.
        """
        query = bounded(query)
        text = without_stop_words(query)
        exact = match_expression(text, prefix="none")
        if exact is None:
            return []
        ranked = await self._store.search_ids(exact)
        if len(ranked) < SEARCH_PAGE_MIN:
            expansions = {
                word: with_endings(word, await self._store.words_beginning(word, MAX_EXPANSIONS))
                for word in prefixed_words(text, "last", TEXT_INDEX_PREFIX)
            }
            prefixed = match_expression(text, prefix="last", expansions=expansions)
            if prefixed is not None and prefixed != exact:
                ranked = await self._store.search_ids(prefixed)
        if (key := phrase_key(query)) is not None:
            leading = await self._store.titles_beginning(key, PHRASE_TITLES)
            first = set(leading)
            ranked = leading + [i for i in ranked if i not in first]
        page = ranked[offset : offset + limit]
        summaries = await self._store.summaries(page)
        return [summaries[i] for i in page if i in summaries]

    async def by_tag(self, tag: str, limit: int = 10, offset: int = 0) -> list[PaperSummary]:
        """Papers with a tag, newest first; `#VQ`, `vq` and `VQ` are one tag."""
        name = bounded_tag(tag)
        return await self._store.papers_by_tag(name, limit, offset) if name else []

    async def tags(self) -> list[TagCount]:
        """Every tag with its paper count, most used first."""
        return await self._store.tag_counts()

    # ---- what the Discord answers need --------------------------------------------

    async def commentary_language(self, guild_id: int | None) -> Language:
        """The server's commentary language (its digest setting); "both" in DMs or unset."""
        row = await self._store.digests.guild(guild_id) if guild_id is not None else None
        language = row.language if row else None
        for known in LANGUAGES:
            if language == known:
                return known
        return "both"

    async def paper(self, paper_id: int) -> PaperDetail | None:
        """A paper's latest entry with its place in that day, and the other days it was noted."""
        appearances = await self._store.paper_appearances(paper_id)
        if not appearances:
            return None
        latest = appearances[-1]
        position, total = await self._store.day_position(latest)
        earlier = await self._store.earlier_papers(paper_id, latest.date)
        others = tuple(dict.fromkeys(a.date for a in appearances if a.date != latest.date))
        return PaperDetail(paper_id, view_of(latest, position, total, earlier), others)

    async def find_paper(self, text: str) -> Found:
        """The paper a typed title means, when the best match is convincing; else suggestions."""
        text = bounded(text)
        suggestions = await self.suggest_titles(text, limit=5)
        if not suggestions:
            return Found(None)
        if len(suggestions) == 1:
            return Found(suggestions[0].id)
        best, second = (title_score(text, p.title) for p in suggestions[:2])
        if best >= CONFIDENT and best - second >= MARGIN:
            return Found(suggestions[0].id)
        return Found(None, tuple(suggestions))

    async def tag_page(self, tag: str, page: int, per_page: int) -> tuple[int, list[PaperSummary]]:
        """(papers with the tag, one page of them newest first)."""
        name = bounded_tag(tag)
        count = await self._store.tag_count(name) if name else 0
        if not count:
            return 0, []
        return count, await self._store.papers_by_tag(name, per_page, page * per_page)

    async def search_page(
        self, query: str, page: int, per_page: int, snippet_max: int
    ) -> tuple[list[Hit], bool]:
        """(one page of full-text hits with snippets, whether another page follows)."""
        query = bounded(query)
        found = await self.search(query, per_page + 1, page * per_page)
        papers = found[:per_page]
        texts = await self._store.paper_texts([p.id for p in papers])
        hits = []
        for paper in papers:
            text = texts.get(paper.id)
            parts = (
                (text.abstract, text.commentary_ko, text.commentary_en, text.authors)
                if text
                else ()
            )
            hits.append(Hit(paper, snippet(parts, without_stop_words(query), snippet_max)))
        return hits, len(found) > per_page

    async def summary(self, paper_id: int) -> PaperSummary | None:
        """A paper as a result row (title, latest date, tags), if it exists."""
        return (await self._store.summaries([paper_id])).get(paper_id)

    async def related(self, paper_id: int, limit: int) -> list[PaperSummary]:
        """Papers sharing cited links (weigh most) or tags with this one, closest first."""
        me = await self.summary(paper_id)
        if me is None:
            return []
        scores: Counter[int] = Counter()
        for other, shared in await self._store.papers_sharing_links(paper_id, CANDIDATES):
            scores[other] += LINK_WEIGHT * shared
        known: dict[int, PaperSummary] = {}
        for tag in me.tags:
            for other_paper in await self._store.papers_by_tag(tag, RELATED_PER_TAG):
                if other_paper.id != paper_id:
                    scores[other_paper.id] += 1
                    known[other_paper.id] = other_paper
        missing = [pid for pid in scores if pid not in known]
        known.update(await self._store.summaries(missing))
        ranked = sorted(
            (pid for pid in scores if pid in known),
            key=lambda pid: (-scores[pid], -known[pid].date.toordinal(), -pid),
        )
        return [known[pid] for pid in ranked[:limit]]

    async def random_paper(self, tag: str | None, rng: random.Random) -> int | None:
        """A paper id picked at random (among those with `tag`, if given)."""
        if tag and (name := bounded_tag(tag)):
            count = await self._store.tag_count(name)
            return await self._store.tag_paper_at(name, rng.randrange(count)) if count else None
        bounds = await self._store.paper_id_range()
        if bounds is None:
            return None
        low, high = bounds
        start = rng.randint(low, high)
        return await self._store.paper_id_from(start) or await self._store.paper_id_from(low)

    async def days(self, text: str, limit: int = MAX_SUGGESTIONS) -> list[tuple[date, int]]:
        """Days of notes matching what was typed (`2024-06`, `2024년 6월`), newest first."""
        low, high = day_range(bounded(text))
        return await self._store.days(low, high, min(limit, MAX_SUGGESTIONS))

    async def nearest_days(self, day: date, limit: int = 3) -> list[date]:
        """Days with notes closest to one without."""
        return await self._store.nearest_days(day, limit)

    async def tag_choices(self, text: str, limit: int = MAX_SUGGESTIONS) -> list[TagCount]:
        """Tags for what was typed: prefix matches, then substring matches, most used first."""
        wanted = bounded_tag(text)
        counts = await self._store.tag_counts()
        if not wanted:
            return counts[:limit]
        prefix = [c for c in counts if c.tag.startswith(wanted)]
        inner = [c for c in counts if wanted in c.tag and not c.tag.startswith(wanted)]
        return (prefix + inner)[:limit]

    async def near_tags(self, text: str, limit: int = 3) -> list[str]:
        """Existing tags closest to one that does not exist (for "did you mean")."""
        wanted = bounded_tag(text)
        if not wanted:
            return []
        scored = [
            (similarity(wanted, c.tag), c.papers, c.tag) for c in await self._store.tag_counts()
        ]
        close = sorted((s for s in scored if s[0] >= 0.6 or wanted in s[2]), reverse=True)
        return [tag for _, _, tag in close[:limit]]
