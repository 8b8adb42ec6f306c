"""The /tags chart: drawn with a system font that has Hangul, or not drawn at all.

The Hangul test must run wherever `make test` does: `.ci/run` and the container
install fonts-nanum, and a machine without a Hangul font fails here, saying so.
"""

from __future__ import annotations

import shlex
from io import BytesIO
from pathlib import Path

import pytest
from PIL import Image, ImageFont

from bot.adapters.discord.cogs.lookup._screens import Screens
from bot.adapters.fonts import HANGUL_FONTS, chart_fonts, find_fonts, hangul_candidates
from bot.core.chart import (
    BACKGROUND,
    ELLIPSIS,
    LABEL_MAX,
    MISSING,
    PAD,
    Font,
    bar_chart,
    load_font,
)
from bot.core.screens import Kind, Screen
from bot.services.digest import DigestComposer
from bot.services.lookup import LookupService
from bot.store import Store
from tests.test_deploy import instruction
from tests.test_lookup_screens import EN, KO, screens_for

RED, BLUE = 0xED4245, 0x5865F2


@pytest.fixture(scope="module")
def fonts() -> tuple[Font, ...]:
    found = chart_fonts()
    assert found, "no font with Hangul on this machine: install fonts-nanum (.ci/run does)"
    return found


def aileron() -> bytes:
    """Pillow's own default font: ASCII only, so neither Hangul nor accents."""
    default = ImageFont.load_default(size=16)
    assert isinstance(default.path, BytesIO)  # built in: loaded from bytes, not a file
    return default.path.getvalue()


def image(png: bytes) -> Image.Image:
    opened = Image.open(BytesIO(png))
    assert opened.format == "PNG"
    return opened.convert("RGB")


def pixels(png: bytes) -> bytes:
    return image(png).tobytes()


def one_bar(label: str, fonts: tuple[Font, ...]) -> bytes:
    return pixels(bar_chart([(label, 3, RED)], fonts))


def assert_drawn_not_boxes(label: str, fonts: tuple[Font, ...]) -> None:
    """Each character, put in place of a code point no font has, changes the picture.

    A character drawn as the missing-glyph box would not: it is that same box.
    """
    drawn = one_bar(label, fonts)
    for at, char in enumerate(label):
        boxed = label[:at] + MISSING + label[at + 1 :]
        assert one_bar(boxed, fonts) != drawn, f"{char!r} of {label} is drawn as a box"


@pytest.mark.parametrize("tag", ["#한국어-모델", "#café-modèle"])
def test_korean_and_accented_tags_are_drawn_not_boxes(fonts: tuple[Font, ...], tag: str) -> None:
    assert_drawn_not_boxes(tag, fonts)


def test_letters_a_font_lacks_come_from_the_next(fonts: tuple[Font, ...]) -> None:
    assert_drawn_not_boxes("#kv-캐시", (load_font(aileron()), fonts[0]))


def test_chart_is_a_png_of_proportional_bars(fonts: tuple[Font, ...]) -> None:
    chart = image(bar_chart([("#llm", 100, RED), ("#코드북", 50, BLUE)], fonts))
    assert chart.size == (720, 16 * 2 + 30 * 2)
    rows = [[chart.getpixel((x, y)) for x in range(chart.width)] for y in range(chart.height)]
    first = max(row.count((0xED, 0x42, 0x45)) for row in rows)
    second = max(row.count((0x58, 0x65, 0xF2)) for row in rows)
    assert first > 100 and abs(second - first / 2) <= 2
    assert chart.getpixel((0, 0)) == BACKGROUND
    assert image(bar_chart([], fonts)).size == (720, 16 * 2 + 30)  # still a picture


def test_long_tags_are_cut_with_an_ellipsis(fonts: tuple[Font, ...]) -> None:
    tag = "#" + "아주-긴-태그-" * 6
    chart = image(bar_chart([(tag, 3, RED)], fonts))
    row = [chart.getpixel((x, PAD + 15)) for x in range(chart.width)]
    assert row.index((0xED, 0x42, 0x45)) <= PAD + LABEL_MAX + PAD  # the bar keeps its room
    # What is drawn is a beginning of the tag and an ellipsis (one that fits: it is not cut again).
    cuts = (tag[:keep] + ELLIPSIS for keep in range(1, len(tag)))
    cuts = (cut for cut in cuts if fonts[0].getlength(cut) <= LABEL_MAX)
    assert any(one_bar(cut, fonts) == chart.tobytes() for cut in cuts)


def test_finder_wants_hangul_and_survives_missing_or_bad_files(
    fonts: tuple[Font, ...], tmp_path: Path
) -> None:
    latin, missing, not_a_font = tmp_path / "Aileron.otf", tmp_path / "none.ttf", Path(__file__)
    latin.write_bytes(aileron())
    assert find_fonts([], [(latin, 0)]) == ()
    assert find_fonts([(missing, 0), (not_a_font, 0), (latin, 0)], [(latin, 0)]) == ()
    found = find_fonts([(latin, 0), *hangul_candidates()], [(missing, 0), (latin, 0)])
    assert [f.getname() for f in found] == [fonts[0].getname(), ("Aileron", "Regular")]


def test_the_image_installs_the_font_looked_for_first() -> None:
    installs = [shlex.split(run) for run in instruction("RUN") if "apt-get install" in run]
    assert any("fonts-nanum" in words for words in installs)
    assert HANGUL_FONTS[0] == Path("/usr/share/fonts/truetype/nanum/NanumGothic.ttf")


async def test_tags_without_a_hangul_font_shows_the_list_and_says_why(
    seeded_store: Store,
) -> None:
    drawn = await screens_for(seeded_store).render(Screen(Kind.TAGS), EN)
    assert [f.filename for f in drawn.files] == ["tags.png"] and drawn.content is None
    fontless = Screens(
        LookupService(seeded_store), DigestComposer(seeded_store), fonts=lambda: find_fonts([], [])
    )
    listed = await fontless.render(Screen(Kind.TAGS), EN)
    assert listed.files == () and listed.embeds == drawn.embeds and listed.rows == drawn.rows
    assert listed.content and "no font that can draw Korean" in listed.content
    korean = await fontless.render(Screen(Kind.TAGS), KO)
    assert korean.files == () and korean.content and "한글을 그릴 글꼴이 없어요" in korean.content
