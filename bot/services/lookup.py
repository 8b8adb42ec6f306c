"""Looking papers up: title suggestions, full-text search, tags, days, related papers.

The store finds candidates cheaply (bounded FTS queries and index walks); this
service decides which probes to run and ranks what they find with `bot.core.ranking`,
so autocomplete, `/paper` and the CLI's `paper` command agree on order. Papers that
hold every typed word come first; when they are fewer than a page, papers holding
most of the words follow (`_covering`), so one word the notes lack (`llm`, `72b`) or
a misspelt one (`exprets`) does not empty the answer. User text is made safe here
(words only, quoted) before it reaches the store, and bounded first (`bounded`,
`bounded_tag`): however long the input, each lookup ranks at most 200 characters.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, replace
from datetime import date

from bot.core.days import day_range
from bot.core.papers import Appearance
from bot.core.query import (
    MAX_EXPANSIONS,
    TEXT_INDEX_PREFIX,
    TITLE_INDEX_PREFIX,
    Prefix,
    Term,
    all_of,
    bounded,
    bounded_tag,
    correctable,
    match_expression,
    phrase_key,
    prefixed_words,
    query_words,
    regroup,
    regroupings,
    substring_expression,
    terms,
    trigram_any_expression,
    with_endings,
    without_stop_words,
)
from bot.core.ranking import (
    corrections,
    cover_sets,
    coverage,
    fill,
    minimum_cover,
    rank_titles,
    similarity,
    title_hits_first,
    title_score,
    title_weight,
    transpositions,
)
from bot.core.render import LANGUAGES, Language, PaperView
from bot.core.snippet import snippet
from bot.store import PaperSummary, Store, TagCount
from bot.store.store import SEARCH_WINDOW, Index

MAX_SUGGESTIONS = 25  # Discord's autocomplete limit.
CANDIDATES = 50
# The coverage fallback reads at most this many newest matches per probe (`_covering`),
# and corrects a word from this many title words sharing trigrams with it.
PARTIAL = 50
NEIGHBOURS = 50
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


@dataclass(frozen=True, slots=True)
class _Covered:
    """What `LookupService._covering` found: paper ids in tiers with their weight, best
    first, and the typed terms (corrected) with their weights."""

    tiers: list[tuple[float, list[int]]]
    typed: list[Term]
    weights: list[float]


class _TitleProbes:
    """One title lookup's probes of the title index: each expression runs once, and each
    long prefix is spelt out once (see `LookupService._title_candidates`)."""

    def __init__(self, store: Store, query: str) -> None:
        self._store = store
        self._found: dict[str, list[PaperSummary]] = {}
        self._spelt: dict[str, list[str]] = {}
        # The query as titles spell it: regrouped (`deep seek` → `deepseek`) when titles
        # hold that, so the coverage fallback does not correct the split words again.
        self.spelt_as_titles = query

    async def spelt_out(self, text: str, prefix: Prefix) -> dict[str, list[str]]:
        """The title words each prefix of `text` longer than the index keeps begins."""
        for word in prefixed_words(text, prefix, TITLE_INDEX_PREFIX):
            if word not in self._spelt:
                self._spelt[word] = await self._store.words_beginning(word, MAX_EXPANSIONS)
        return self._spelt

    @property
    def tried(self) -> set[str]:
        """The expressions probed so far."""
        return set(self._found)

    async def match(self, expression: str) -> list[PaperSummary]:
        """The newest `CANDIDATES` titles matching `expression`."""
        if expression not in self._found:
            self._found[expression] = await self._store.match_titles(expression, CANDIDATES)
        return self._found[expression]


class LookupService:
    """Read-only queries over the store, with user text made safe and ranked."""

    def __init__(self, store: Store) -> None:
        self._store = store

    async def suggest_titles(self, query: str, limit: int = MAX_SUGGESTIONS) -> list[PaperSummary]:
        """Titles for what the user typed, best first; the newest papers for no text.

        Titles holding every word first (`_title_candidates`, ranked by `rank_titles`);
        when they are fewer than `limit`, titles holding most of the words follow
        (`_covering`), misspelt words corrected. Only when neither finds a title is the
        costliest probe tried: any substring of the squashed title.
        """
        query = bounded(query)
        limit = min(limit, MAX_SUGGESTIONS)
        if not query_words(query):
            return await self._store.recent_papers(limit)
        probes = _TitleProbes(self._store, query)
        strict = await self._title_candidates(query, probes)
        ranked = [strict[i] for i in rank_titles(query, [p.title for p in strict], limit)]
        if len(ranked) < limit:
            seen = {paper.id for paper in strict}
            ranked += await self._covering_titles(query, probes, seen, limit - len(ranked))
        if not ranked and (expression := substring_expression(query)) is not None:
            found = await self._store.substring_titles(expression, CANDIDATES)
            ranked = [found[i] for i in rank_titles(query, [p.title for p in found], limit)]
        return ranked

    async def _covering_titles(
        self, query: str, probes: _TitleProbes, seen: set[int], room: int
    ) -> list[PaperSummary]:
        """Up to `room` titles not `seen` that hold most of the words (`_covering`), by
        their weight, then as `rank_titles` ranks them."""
        text = without_stop_words(probes.spelt_as_titles)
        typed = terms(text, "last", await probes.spelt_out(text, "last"))
        covered = await self._covering(typed, "title_fts", probes.tried)
        tiers = fill([[i for i in t if i not in seen] for _, t in covered.tiers], room, CANDIDATES)
        rows = await self._store.summaries([i for tier in tiers for i in tier])
        ranked: list[PaperSummary] = []
        for tier in tiers:
            papers = [rows[i] for i in tier if i in rows]
            titles = [paper.title for paper in papers]
            ranked += [papers[i] for i in rank_titles(query, titles, room - len(ranked))]
            if len(ranked) >= room:
                break
        return ranked

    async def _title_candidates(self, query: str, probes: _TitleProbes) -> list[PaperSummary]:
        """Titles holding every word, cheapest probe first; costlier ones only when those
        found too few.

        Whole words with the last one as a prefix (what is being typed) answer most
        queries; words regrouped against the title vocabulary find split or joined
        words (`deep seek` → `deepseek`); then every word as a prefix (a half-typed
        earlier word).

        A prefix longer than the title index's prefixes is spelt out as the title words
        it begins (see `TITLE_INDEX_PREFIX`). Titles hold nothing else, so that finds
        what the prefix would, bar two rare cases: words past the `MAX_EXPANSIONS`
        shortest, and spellings only the index folds (`schrodinger` for `Schrödinger`).
        A prefix no title word begins stays a prefix, which then reads next to nothing.
        """
        found: dict[int, PaperSummary] = {}

        async def probe(text: str, prefix: Prefix) -> bool:
            spelt = await probes.spelt_out(text, prefix)
            expression = match_expression(text, prefix=prefix, expansions=spelt)
            matched = await probes.match(expression) if expression is not None else []
            for paper in matched:
                found.setdefault(paper.id, paper)
            return bool(matched)

        await probe(query, "last")
        if len(found) < MAX_SUGGESTIONS:
            words = query_words(query)
            known = await self._store.known_words(regroupings(words))
            regrouped = regroup(words, known)
            if regrouped is not None and await probe(" ".join(regrouped), "last"):
                probes.spelt_as_titles = " ".join(regrouped)
        if not found:
            await probe(query, "all")
        return list(found.values())

    async def _covering(self, typed: list[Term], index: Index, listed: set[str]) -> _Covered:
        """Papers holding most of the typed words (`minimum_cover`), in tiers by the words'
        weight, heaviest first (`coverage`): for when fewer papers hold every word than a
        page shows. `listed`: expressions whose every match is listed already.

        Each word is looked up alone in `index` (the newest `PARTIAL` matches, whose
        density gives its `rarity`), and every set of all the words but one
        (`cover_sets`) in the titles: one statement of bounded newest-first index walks.
        Sets go to the title index even for a search: ANDs of common words over a million
        papers' full text cost milliseconds each, their newest matches rarely reach the
        paper whose title holds them, and members take their words from titles (on a real
        vault, asking the text index too found no paper more). Only when some word
        matches nothing is there a second statement: such a word is corrected against
        the title vocabulary (`corrections`), or else left out, and the sets are made
        again.
        """
        typed = list(typed)
        every = list(range(len(typed)))
        probed: dict[tuple[Index, str], list[int]] = {}
        found = await self._probe(index, typed, every, every, listed, probed)
        unmatched = [i for i in every if not found[(i,)]]
        if unmatched:
            fixed = []
            for i in unmatched:
                if correctable(word := typed[i].word):
                    near = await self._store.similar_words(trigram_any_expression(word), NEIGHBOURS)
                    near += await self._store.known_words(transpositions(word))
                    if fixes := corrections(word, near):
                        typed[i] = replace(typed[i], corrections=tuple(fixes))
                        fixed.append(i)
            matchable = [i for i in every if i not in unmatched or i in fixed]
            found |= await self._probe(index, typed, fixed, matchable, listed, probed)
        tiers, weights = coverage(found, len(typed), PARTIAL)
        return _Covered(tiers, typed, weights)

    async def _probe(
        self,
        index: Index,
        typed: list[Term],
        alone: list[int],
        words: list[int],
        listed: set[str],
        probed: dict[tuple[Index, str], list[int]],
    ) -> dict[tuple[int, ...], list[int]]:
        """The newest matches of each word of `alone` by itself in `index`, and in the
        titles of each set of `words` that `cover_sets` makes but those `listed`, by the
        words each holds; one statement for what is not `probed` yet (kept there)."""
        wanted: dict[tuple[int, ...], tuple[Index, str]] = {
            (i,): (index, typed[i].expression()) for i in alone
        }
        for held in cover_sets(words, minimum_cover(len(words))):
            expression = all_of([typed[i] for i in held])
            if expression not in listed:
                wanted[held] = ("title_fts", expression)
        missing = list(dict.fromkeys(probe for probe in wanted.values() if probe not in probed))
        probed.update(zip(missing, await self._store.newest_matches(missing, PARTIAL), strict=True))
        return {held: probed[probe] for held, probe in wanted.items()}

    async def search(self, query: str, limit: int = 10, offset: int = 0) -> list[PaperSummary]:
        """Full-text hits over titles, authors, abstracts and both commentaries.

        Every word must match, except English function words (`of`, `via`) in a phrase
        (`without_stop_words`); titles a phrase begins come first, so a pasted title
        finds its paper (`phrase_key`). Whole words first (cheap, precise); when they
        find fewer than a page, the last word also matches with a few endings and as
        the beginning of title words (`model` finds `models`, `instruct` finds
        `instruction`; `with_endings`), or as any beginning when it is short enough for
        the index's prefixes (`lo`). Only the last word, since each expansion costs
        lookups. Still fewer than a page, and papers holding most of the words follow,
        misspelt words corrected (`_search_covering`). The choice depends only on the
        query, so every page of one search uses the same one.
        """
        query = bounded(query)
        text = without_stop_words(query)
        exact = match_expression(text, prefix="none")
        if exact is None:
            return []
        ranked = await self._title_hits_first(exact, await self._store.search_ids(exact))
        if len(ranked) < SEARCH_PAGE_MIN:
            expansions = {
                word: with_endings(word, await self._store.words_beginning(word, MAX_EXPANSIONS))
                for word in prefixed_words(text, "last", TEXT_INDEX_PREFIX)
            }
            prefixed = match_expression(text, prefix="last", expansions=expansions)
            if prefixed is not None and prefixed != exact:
                ranked = await self._title_hits_first(
                    prefixed, await self._store.search_ids(prefixed)
                )
            if len(ranked) < SEARCH_PAGE_MIN:
                ranked += await self._search_covering(
                    text, expansions, {exact, prefixed or exact}, set(ranked)
                )
        if (key := phrase_key(query)) is not None:
            leading = await self._store.titles_beginning(key, PHRASE_TITLES)
            first = set(leading)
            ranked = leading + [i for i in ranked if i not in first]
        page = ranked[offset : offset + limit]
        summaries = await self._store.summaries(page)
        return [summaries[i] for i in page if i in summaries]

    async def _search_covering(
        self, text: str, expansions: dict[str, list[str]], listed: set[str], held: set[int]
    ) -> list[int]:
        """Papers holding most of the searched words (`_covering`) and not `held` yet, the
        words a title holds counting twice (a member's words mostly come from titles),
        then the newest."""
        covered = await self._covering(terms(text, "last", expansions), "paper_fts", listed)
        tiers = [[i for i in tier if i not in held] for _, tier in covered.tiers]
        found = [i for tier in fill(tiers, SEARCH_WINDOW, SEARCH_WINDOW) for i in tier]
        weight = {i: w for w, tier in covered.tiers for i in tier}
        rows = await self._store.summaries(found)

        def best(paper: int) -> tuple[float, int]:
            title = rows[paper].title if paper in rows else ""
            return -weight[paper] - title_weight(title, covered.typed, covered.weights), -paper

        return sorted(found, key=best)[:PARTIAL]

    async def _title_hits_first(self, expression: str, found: list[int]) -> list[int]:
        """Full-text hits of `expression` (newest first) with those whose title matches
        too first: for a notes archive "in the title, then newest" is the order people
        expect. The title index answers the same expression (one column)."""
        if not found:
            return []
        in_title = await self._store.title_ids(expression, found[-1], len(found))
        return title_hits_first(found, set(in_title))

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
