"""The fonts the /tags chart is drawn with, found on this machine once and kept.

Tags are Korean as often as English and Pillow ships no font with Hangul, so the
chart needs one from the system. It is the first of HANGUL_FONTS that loads and
draws Hangul, else what fontconfig's `fc-match :lang=ko` names (when fontconfig is
installed). After it come those of OTHER_FONTS that exist, for the accented letters
a Hangul font lacks. No Hangul font: `/tags` shows its text list without the chart
and a warning is logged. The container installs fonts-nanum and fonts-dejavu-core
(deploy/Dockerfile); elsewhere install fonts-nanum or fonts-noto-cjk.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
from collections.abc import Iterable, Iterator
from functools import cache
from pathlib import Path

from bot.core.chart import Font, has_glyph, load_font

log = logging.getLogger(__name__)

Face = tuple[Path, int]  # a font file and which face of it (collections hold several)

HANGUL_PROBE = "가한글힣"  # first and last syllable of the block, and two common ones
HANGUL_FONTS: tuple[Path, ...] = (
    Path("/usr/share/fonts/truetype/nanum/NanumGothic.ttf"),  # Debian/Ubuntu fonts-nanum
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),  # Debian fonts-noto-cjk
    Path("/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc"),  # Fedora
    Path("/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc"),  # Arch
    Path("/System/Library/Fonts/AppleSDGothicNeo.ttc"),  # macOS
)
OTHER_FONTS: tuple[Path, ...] = (
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),  # Debian/Ubuntu fonts-dejavu-core
    Path("/usr/share/fonts/dejavu-sans-fonts/DejaVuSans.ttf"),  # Fedora
    Path("/usr/share/fonts/TTF/DejaVuSans.ttf"),  # Arch
)
FC_MATCH_SECONDS = 10


def _load(face: Face) -> Font | None:
    path, index = face
    try:
        return load_font(path.read_bytes(), index)
    except OSError:  # missing, unreadable, or not a font Pillow can read
        return None


def find_fonts(hangul: Iterable[Face], others: Iterable[Face]) -> tuple[Font, ...]:
    """The first of `hangul` that draws Hangul, then every one of `others` that loads.

    Empty when no Hangul font is found: a chart without one would show boxes.
    """
    for face in hangul:
        font = _load(face)
        if font is not None and all(has_glyph(font, char) for char in HANGUL_PROBE):
            return (font, *(f for f in map(_load, others) if f is not None))
    return ()


def _fc_match(pattern: str) -> Iterator[Face]:
    """The font file fontconfig picks for `pattern`; nothing without fontconfig."""
    command = shutil.which("fc-match")
    if command is None:
        return
    try:
        found = subprocess.run(
            [command, "--format=%{file}\n%{index}", pattern],
            capture_output=True,
            text=True,
            timeout=FC_MATCH_SECONDS,
            check=True,
        ).stdout.split("\n")
    except (OSError, subprocess.SubprocessError):
        return
    if len(found) == 2 and found[0] and found[1].isdigit():
        yield Path(found[0]), int(found[1])


def hangul_candidates() -> Iterator[Face]:
    """Where a Hangul font is looked for, in order (fontconfig is asked only when needed)."""
    yield from ((path, 0) for path in HANGUL_FONTS)
    yield from _fc_match(":lang=ko")


@cache
def chart_fonts() -> tuple[Font, ...]:
    """The chart's fonts on this machine (`find_fonts`), looked for once per process."""
    fonts = find_fonts(hangul_candidates(), ((path, 0) for path in OTHER_FONTS))
    if fonts:
        log.info("the /tags chart draws with %s", ", ".join(str(f.getname()[0]) for f in fonts))
    else:
        log.warning(
            "no font with Hangul (looked at %s and fc-match :lang=ko): /tags shows no chart;"
            " install fonts-nanum",
            ", ".join(map(str, HANGUL_FONTS)),
        )
    return fonts
