"""A horizontal bar chart as a PNG, drawn with Pillow. Pure: the fonts are passed in.

`/tags` shows the most used tags as a picture: people compare bar lengths at a
glance where a column of numbers has to be read. Tags are Korean as often as not,
and Pillow ships no font with Hangul, so the caller finds one on the system
(`bot.adapters.fonts`, which also says where it looks) and hands it over loaded;
without one there is no chart. Each character is drawn with the first font that
has it, so letters the Hangul font lacks (NanumGothic has no `ã`, `å`, `ő`…) come
from the next font rather than showing as the missing-glyph box.
"""

from __future__ import annotations

from collections.abc import Sequence
from io import BytesIO

from PIL import Image, ImageDraw, ImageFont

Colour = tuple[int, int, int]
Font = ImageFont.FreeTypeFont

BACKGROUND: Colour = (0x2B, 0x2D, 0x31)  # Discord's dark theme
TEXT: Colour = (0xDB, 0xDE, 0xE1)
MUTED: Colour = (0x94, 0x9B, 0xA4)
FONT_SIZE = 16
ROW_H = 30
BAR_H = 18
PAD = 16
LABEL_MAX = 260  # pixels; longer labels are cut and end with ELLIPSIS
ELLIPSIS = "…"
WIDTH = 720
MISSING = "\U0010ffff"  # a noncharacter: no font has it, every font draws its .notdef box


def load_font(data: bytes, index: int = 0) -> Font:
    """A font file's contents at the chart's size; `index` picks a face of a collection (.ttc)."""
    return ImageFont.truetype(BytesIO(data), FONT_SIZE, index=index)


def _bitmap(font: Font, char: str) -> tuple[tuple[int, int], bytes]:
    mask = font.getmask(char)
    return mask.size, bytes(mask)


def has_glyph(font: Font, char: str) -> bool:
    """Whether `font` draws `char` as itself rather than as its missing-glyph box.

    Pillow does not expose a font's character map; the rendered bitmaps tell.
    """
    return _bitmap(font, char) != _bitmap(font, MISSING)


class _Text:
    """Text drawn with the first of `fonts` that has each character (the first when none has)."""

    def __init__(self, fonts: Sequence[Font]) -> None:
        if not fonts:
            raise ValueError("a chart needs at least one font")
        self.fonts = fonts
        self._chosen: dict[str, Font] = {}
        ascent, descent = fonts[0].getmetrics()
        self.baseline = (ROW_H + ascent - descent) // 2  # centres the first font in a row

    def _font(self, char: str) -> Font:
        if char not in self._chosen:
            found = (font for font in self.fonts if has_glyph(font, char))
            self._chosen[char] = next(found, self.fonts[0])
        return self._chosen[char]

    def _runs(self, text: str) -> list[tuple[Font, str]]:
        runs: list[tuple[Font, str]] = []
        for char in text:
            font = self._font(char)
            if runs and runs[-1][0] is font:
                runs[-1] = (font, runs[-1][1] + char)
            else:
                runs.append((font, char))
        return runs

    def width(self, text: str) -> int:
        return round(sum(font.getlength(run) for font, run in self._runs(text)))

    def fit(self, text: str) -> str:
        """`text`, or as much of it as fits in LABEL_MAX followed by ELLIPSIS."""
        if self.width(text) <= LABEL_MAX:
            return text
        keep = len(text) - 1
        while keep and self.width(text[:keep] + ELLIPSIS) > LABEL_MAX:
            keep -= 1
        return text[:keep] + ELLIPSIS

    def draw(
        self, canvas: ImageDraw.ImageDraw, x: int, row_y: int, text: str, fill: Colour
    ) -> None:
        """Draw `text` from x on the baseline of the row starting at `row_y`."""
        left = float(x)
        for font, run in self._runs(text):
            canvas.text((left, row_y + self.baseline), run, font=font, fill=fill, anchor="ls")
            left += font.getlength(run)


def bar_chart(bars: Sequence[tuple[str, int, int]], fonts: Sequence[Font]) -> bytes:
    """A PNG of horizontal bars, one per (label, value, RGB colour as 0xRRGGBB), in order.

    `fonts`: at least one, the first with Hangul (`load_font`).
    """
    text = _Text(fonts)
    labels = [text.fit(label) for label, _, _ in bars]
    values = [f"{value:,}" for _, value, _ in bars]
    label_w = max((text.width(label) for label in labels), default=0)
    value_w = max((text.width(value) for value in values), default=0)
    image = Image.new("RGB", (WIDTH, PAD * 2 + ROW_H * max(1, len(bars))), BACKGROUND)
    canvas = ImageDraw.Draw(image)
    bar_x = PAD + label_w + PAD
    room = WIDTH - bar_x - PAD - value_w - PAD // 2
    top = max((value for _, value, _ in bars), default=0)
    for index, (label, value, (_, count, rgb)) in enumerate(zip(labels, values, bars, strict=True)):
        y = PAD + index * ROW_H
        text.draw(canvas, PAD, y, label, TEXT)
        length = max(2, room * count // top) if top else 2
        colour = (rgb >> 16 & 255, rgb >> 8 & 255, rgb & 255)
        bar_y = y + (ROW_H - BAR_H) // 2
        canvas.rectangle((bar_x, bar_y, bar_x + length - 1, bar_y + BAR_H - 1), fill=colour)
        text.draw(canvas, bar_x + length + PAD // 2, y, value, MUTED)
    out = BytesIO()
    image.save(out, "PNG")
    return out.getvalue()
