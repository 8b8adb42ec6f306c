"""Lookup answers on a real store: the service's new queries and every screen's page."""

from __future__ import annotations

import random
from datetime import date
from pathlib import Path

import pytest

from bot.adapters.discord.cogs.lookup._screens import Screens, search_words
from bot.adapters.discord.errors import UserFacingError
from bot.core.cite import decode_cite_id
from bot.core.pages import PER_PAGE, Page, Select, Viewer
from bot.core.screens import Kind, Screen, Verb, decode, room_for_arg
from bot.sandbox.limits import check_message, require_something_to_send
from bot.services.digest import DigestComposer
from bot.services.ingest import ingest
from bot.services.lookup import Found, LookupService
from bot.store import Store

OWNER = 1_200_000_000_000_000_401
EN = Viewer(OWNER, "en-US")
KO = Viewer(OWNER, "ko")


def screens_for(store: Store, seed: int = 0) -> Screens:
    return Screens(LookupService(store), DigestComposer(store), random.Random(seed))


def assert_sendable(page: Page) -> None:
    payload = {"content": page.content, "embeds": [e.to_dict() for e in page.embeds]}
    assert not check_message(payload), check_message(payload).to_dict()
    require_something_to_send(payload)
    assert len(page.rows) <= 5
    for row in page.rows:
        if isinstance(row, Select):
            assert 1 <= len(row.options) <= 25
        else:
            assert 1 <= len(row) <= 5
            for button in row:  # every button is answered: a screen's, or a citation's
                assert decode_cite_id(button.custom_id) or decode(button.custom_id)


def buttons(page: Page) -> dict[str, str]:
    return {b.label: b.custom_id for row in page.rows if isinstance(row, tuple) for b in row}


async def paper_id(store: Store, title: str) -> int:
    [found] = await LookupService(store).suggest_titles(title, limit=1)
    return found.id


# ---- the service -------------------------------------------------------------------------


async def test_paper_detail_is_numbered_as_in_its_digest(seeded_store: Store) -> None:
    lookup = LookupService(seeded_store)
    detail = await lookup.paper(await paper_id(seeded_store, "samba"))
    assert detail is not None
    assert detail.view.entry.title.startswith("Samba") and detail.view.date == date(2024, 6, 12)
    views = await DigestComposer(seeded_store).views(date(2024, 6, 12))
    [same] = [v for v in views if v.entry.title == detail.view.entry.title]
    assert (detail.view.position, detail.view.total) == (same.position, same.total)
    assert detail.other_days == ()
    assert await lookup.paper(10**9) is None


async def test_a_paper_noted_on_two_days_shows_the_latest(store: Store, tmp_path: Path) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    entry = "Twice Noted Paper\n(A. Author)\n{text}\n#{tag}\n"
    (notes / "a.txt").write_text("2024-01-02\n" + entry.format(text="처음 노트.", tag="first"))
    (notes / "b.txt").write_text("2024-03-04\n" + entry.format(text="두 번째 노트.", tag="second"))
    await ingest(store, notes)
    lookup = LookupService(store)
    detail = await lookup.paper(await paper_id(store, "twice noted"))
    assert detail is not None and detail.view.date == date(2024, 3, 4)
    assert detail.view.entry.commentary_ko == "두 번째 노트." and detail.other_days == (
        date(2024, 1, 2),
    )
    page = await screens_for(store).render(Screen(Kind.PAPER, str(detail.id)), EN)
    assert page.content == "Also in your notes on 2024-01-02."


@pytest.mark.parametrize(
    ("typed", "opens"),
    [
        ("samba", "Samba"),
        ("deep seek coder", "DeepSeek-Coder-V2"),
        ("SoftVQ", "SoftVQ-VAE"),
        ("paligema", "PaliGemma 2"),  # a typo with a single candidate
        ("scaling", "Scaling the Codebook"),
    ],
)
async def test_typed_titles_open_the_paper(seeded_store: Store, typed: str, opens: str) -> None:
    found = await LookupService(seeded_store).find_paper(typed)
    assert found.paper_id is not None
    detail = await LookupService(seeded_store).paper(found.paper_id)
    assert detail is not None and detail.view.entry.title.startswith(opens)


async def test_a_weak_match_asks_did_you_mean(seeded_store: Store) -> None:
    found = await LookupService(seeded_store).find_paper("tokenizr")
    assert found.paper_id is None and len(found.suggestions) > 1
    assert found.suggestions[0].title.startswith("WavTokenizer")
    ambiguous = await LookupService(seeded_store).find_paper("process reward")
    assert ambiguous.paper_id is None and len(ambiguous.suggestions) == 2
    assert await LookupService(seeded_store).find_paper("xqzzv") == Found(None)


async def test_tag_pages_and_choices(seeded_store: Store) -> None:
    lookup = LookupService(seeded_store)
    count, papers = await lookup.tag_page("#VQ", 0, 2)
    assert count == 5 and len(papers) == 2
    _, rest = await lookup.tag_page("vq", 2, 2)
    assert len(rest) == 1
    assert (await lookup.tag_page("nope", 0, 2)) == (0, [])
    choices = [c.tag for c in await lookup.tag_choices("v")]
    assert choices[:2] == ["vision-language", "vq"] and "video-language" in choices
    assert "autoregressive-model" in choices  # substring matches follow prefix matches
    assert len(await lookup.tag_choices("")) == 24
    assert await lookup.near_tags("diffusio") == ["diffusion"]


async def test_search_hits_carry_highlighted_snippets(seeded_store: Store) -> None:
    hits, more = await LookupService(seeded_store).search_page("코드북", 0, PER_PAGE, 180)
    assert hits and not more
    assert any(h.snippet and "**코드북**" in h.snippet for h in hits)
    assert all(h.snippet is None or len(h.snippet) <= 180 for h in hits)


async def test_phrase_snippets_do_not_bold_the_words_the_search_left_out(
    seeded_store: Store,
) -> None:
    hits, _ = await LookupService(seeded_store).search_page(
        "the efficiency of the model", 0, PER_PAGE, 300
    )
    shown = " ".join(h.snippet or "" for h in hits)
    assert "**efficiency**" in shown.lower()
    assert "**the**" not in shown.lower() and "**of**" not in shown.lower()


async def test_related_prefers_shared_links(seeded_store: Store) -> None:
    lookup = LookupService(seeded_store)
    pid = await paper_id(seeded_store, "Nemotron-4 340B")
    related = await lookup.related(pid, 10)
    assert related and pid not in {p.id for p in related}
    # Both cite https://arxiv.org/abs/2310.13798; papers sharing only a tag come after.
    assert {p.title[:8] for p in related[:2]} == {"Smaller ", "Smaller,"}
    assert all("llm" in p.tags or "alignment" in p.tags for p in related[2:])
    assert await lookup.related(10**9, 10) == []


async def test_random_is_a_real_paper_and_honours_the_tag(seeded_store: Store) -> None:
    lookup = LookupService(seeded_store)
    rng = random.Random(1)
    seen = {await lookup.random_paper(None, rng) for _ in range(40)}
    assert None not in seen and len(seen) > 10
    tagged = {await lookup.random_paper("#vq", rng) for _ in range(30)}
    _, vq = await lookup.tag_page("vq", 0, 10)
    assert tagged == {p.id for p in vq}
    assert await lookup.random_paper("nope", rng) is None


async def test_days_newest_first_with_counts(seeded_store: Store) -> None:
    lookup = LookupService(seeded_store)
    days = await lookup.days("")
    assert [d.isoformat() for d, _ in days] == [
        "2024-12-17",
        "2024-12-05",
        "2024-08-30",
        "2024-06-18",
        "2024-06-12",
    ]
    assert dict(days)[date(2024, 6, 18)] == 9
    assert [d for d, _ in await lookup.days("2024-12")] == [date(2024, 12, 17), date(2024, 12, 5)]
    assert await lookup.days("1999") == []
    assert await lookup.nearest_days(date(2024, 6, 15), 2) == [date(2024, 6, 12), date(2024, 6, 18)]


async def test_commentary_language_follows_the_server(seeded_store: Store) -> None:
    lookup = LookupService(seeded_store)
    assert await lookup.commentary_language(None) == "both"
    assert await lookup.commentary_language(5) == "both"
    await seeded_store.digests.update_guild(5, language="ko")
    assert await lookup.commentary_language(5) == "ko"


# ---- screens -------------------------------------------------------------------------------


async def test_every_screen_renders_within_limits(seeded_store: Store) -> None:
    screens = screens_for(seeded_store)
    pid = str(await paper_id(seeded_store, "Nemotron-4 340B"))
    for screen in [
        Screen(Kind.PAPER, pid),
        Screen(Kind.PAPER, pid, 0, "ko"),
        Screen(Kind.TAG, "vq"),
        Screen(Kind.SEARCH, "token"),
        Screen(Kind.DIGEST, "2024-06-18"),
        Screen(Kind.DIGEST, "2024-06-18", 1, "en"),
        Screen(Kind.TAGS),
        Screen(Kind.RELATED, pid),
        Screen(Kind.RANDOM, ""),
        Screen(Kind.RANDOM, "vq"),
    ]:
        for viewer in (EN, KO, Viewer(OWNER, "en-US", shared_by=f"<@{OWNER}>")):
            assert_sendable(await screens.render(screen, viewer))


async def test_paper_page_buttons(seeded_store: Store) -> None:
    pid = str(await paper_id(seeded_store, "samba"))
    page = await screens_for(seeded_store).render(Screen(Kind.PAPER, pid), EN)
    ids = buttons(page)
    assert list(ids) == ["한/EN", "Related", "Share", "Cite"]
    assert decode_cite_id(ids["Cite"]) == ("c", int(pid))
    assert decode(ids["한/EN"]) == (Verb.VIEW, Screen(Kind.PAPER, pid, 0, "en"), OWNER)
    assert decode(ids["Related"]) == (Verb.NEW, Screen(Kind.RELATED, pid), OWNER)
    korean = await screens_for(seeded_store).render(Screen(Kind.PAPER, pid, 0, "ko"), KO)
    assert list(buttons(korean)) == ["한/EN", "관련 논문", "공유", "인용"]
    assert korean.embeds[0].description and "Mamba" in korean.embeds[0].description


async def test_tag_screen_pages_and_select(seeded_store: Store) -> None:
    page = await screens_for(seeded_store).render(Screen(Kind.TAG, "vq"), EN)
    [embed] = page.embeds
    assert embed.title == "#vq · 5 papers" and embed.footer == "Page 1/1"
    select = page.rows[0]
    assert isinstance(select, Select) and len(select.options) == 5
    assert decode(select.custom_id)[0] is Verb.OPEN


async def test_gone_pages_answer_politely(seeded_store: Store) -> None:
    screens = screens_for(seeded_store)
    for screen in [
        Screen(Kind.TAG, "vq", 7),
        Screen(Kind.PAPER, str(10**9)),
        Screen(Kind.DIGEST, "2001-01-01"),
        Screen(Kind.SEARCH, "token", 50),
        Screen(Kind.TAGS, "", 5),
        Screen(Kind.RELATED, str(10**9)),
    ]:
        with pytest.raises(UserFacingError, match="no longer exists"):
            await screens.render(screen, EN)
    with pytest.raises(UserFacingError, match="더 이상 없어요"):
        await screens.render(Screen(Kind.TAG, "vq", 7), KO)


async def test_typed_input_resolves_or_explains(seeded_store: Store) -> None:
    screens = screens_for(seeded_store)
    resolved = await screens.paper_screen("samba", "both", EN)
    assert isinstance(resolved, Screen) and resolved.kind is Kind.PAPER
    guess = await screens.paper_screen("tokenizr", "both", EN)
    assert isinstance(guess, Page) and isinstance(guess.rows[0], Select)
    assert guess.embeds[0].title == "No paper like “tokenizr”. Did you mean one of these?"
    with pytest.raises(UserFacingError, match="No paper like"):
        await screens.paper_screen("xqzzv wplk", "both", EN)
    with pytest.raises(UserFacingError, match="Type a few words"):
        await screens.paper_screen("\u200b?!", "both", EN)
    with pytest.raises(UserFacingError, match="Did you mean #diffusion"):
        await screens.tag_screen("diffusio", "both", EN.locale)
    with pytest.raises(UserFacingError, match="is not a date"):
        await screens.digest_screen("soon", "both", EN.locale)
    with pytest.raises(UserFacingError, match="Nearest days: 2024-06-12, 2024-06-18"):
        await screens.digest_screen("2024-06-15", "both", EN.locale)
    related = await screens.related_screen("id:3", "ko", EN)
    assert related == Screen(Kind.RELATED, "3", 0, "ko")
    samba = str(await paper_id(seeded_store, "samba"))  # its one tag is its own
    with pytest.raises(UserFacingError, match="Nothing shares a tag or a link"):
        await screens.render(Screen(Kind.RELATED, samba), EN)


def test_long_queries_keep_whole_words_that_fit_an_id() -> None:
    words, cut = search_words("tokenizer " * 3 + " ".join(f"word{i}" for i in range(30)), EN)
    assert cut and len(words) <= room_for_arg(OWNER) and words.startswith("tokenizer word0 ")
    assert search_words("코드북 tokenizer", EN) == ("코드북 tokenizer", False)
    with pytest.raises(UserFacingError, match="Type some words"):
        search_words("*** \u200b", EN)


async def naive_recent(store: Store, limit: int) -> list[int]:
    rows = await store._rows(
        "SELECT id FROM papers ORDER BY last_date DESC, id DESC LIMIT ?", (limit,)
    )
    return [row[0] for row in rows]


async def test_recent_papers_matches_sorting_the_whole_table(
    seeded_store: Store, tmp_path: Path
) -> None:
    for limit in (1, 5, 25, 100):
        found = [p.id for p in await seeded_store.recent_papers(limit)]
        assert found == await naive_recent(seeded_store, limit)
    # One paper noted on each of the newest days: the window holds too few papers.
    notes = tmp_path / "daily"
    notes.mkdir()
    for day in range(1, 29):
        (notes / f"{day:02d}.txt").write_text(f"2024-02-{day:02d}\nDaily Paper\n(A)\n매일.\n#d\n")
    (notes / "old.txt").write_text(
        "2024-01-01\n" + "".join(f"Old Paper {n}\n(B)\n예전.\n#o\n" for n in range(5))
    )
    await ingest(seeded_store, notes, allow_removal=True)  # another folder: the seeds go
    found = [p.id for p in await seeded_store.recent_papers(3)]
    assert found == await naive_recent(seeded_store, 3)


REFERENCE_EARLIER = (
    "SELECT q.first_date, q.title FROM ("
    "  SELECT l.paper_id, 3 AS weight FROM paper_links l"
    "  WHERE l.url IN (SELECT url FROM paper_links WHERE paper_id = ?)"
    "  UNION ALL"
    "  SELECT t.paper_id, 1 FROM paper_tags t"
    "  WHERE t.tag IN (SELECT tag FROM paper_tags WHERE paper_id = ?) AND t.last_date < ?"
    ") s JOIN papers q ON q.id = s.paper_id"
    " WHERE q.id != ? AND q.first_date < ?"
    " GROUP BY q.id ORDER BY sum(s.weight) DESC, q.first_date DESC, q.id DESC LIMIT ?"
)


def tangled_notes(folder: Path, seed: int) -> None:
    """Many papers sharing few tags and links, some noted again later: ties everywhere."""
    rng = random.Random(seed)
    titles: list[str] = []
    for day in range(1, 61):
        lines = [f"2024-{(day - 1) // 28 + 1:02d}-{(day - 1) % 28 + 1:02d}"]
        for n in range(rng.randint(1, 8)):
            title = rng.choice(titles) if titles and rng.random() < 0.15 else f"Paper {day} {n}"
            titles.append(title)
            link = (
                f" https://arxiv.org/abs/2401.{rng.randint(0, 9):05d}" if rng.random() < 0.4 else ""
            )
            tags = " ".join(f"#t{t}" for t in rng.sample(range(6), rng.randint(1, 3)))
            lines += [title, "(A. Author)", f"노트{link}", tags]
        (folder / f"{day:02d}.txt").write_text("\n".join(lines) + "\n")


@pytest.mark.parametrize("seed", [1, 2])
async def test_earlier_papers_walk_matches_the_reference_query(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    import bot.store.store as store_module

    # Small windows, and few of them before only the rarest tags are looked at.
    monkeypatch.setattr(store_module, "EARLIER_BATCH", 2)
    monkeypatch.setattr(store_module, "EARLIER_BATCH_MAX", 4)
    tangled_notes(tmp_path, seed)
    await ingest(store, tmp_path)
    rows = await store._rows("SELECT id, first_date, last_date FROM papers")
    rng = random.Random(seed)
    checked = 0
    for pid, first, last in rows:
        for before in {first, last, f"2024-0{rng.randint(1, 3)}-{rng.randint(10, 28)}"}:
            for limit in (1, 3):
                reference = await store._rows(
                    REFERENCE_EARLIER, (pid, pid, before, pid, before, limit)
                )
                expected = [(date.fromisoformat(d), title) for d, title in reference]
                found = await store.earlier_papers(pid, date.fromisoformat(before), limit)
                assert found == expected, (pid, before, limit)
                checked += 1
    assert checked > 200
