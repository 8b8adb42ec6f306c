"""A horizontal bar chart as a PNG, in pure Python (zlib + struct). Pure.

`/tags` shows the most used tags as a picture: people compare bar lengths at a
glance where a column of numbers has to be read. A chart library (matplotlib,
Pillow) would be a large dependency for a dozen rectangles and short labels, so
this draws them itself: a 5×8 bitmap font (tags are folded to lower case; any
other character is drawn as a box) scaled 2×, on Discord's dark background.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Sequence

Colour = tuple[int, int, int]

BACKGROUND: Colour = (0x2B, 0x2D, 0x31)  # Discord's dark theme
TEXT: Colour = (0xDB, 0xDE, 0xE1)
MUTED: Colour = (0x94, 0x9B, 0xA4)
SCALE = 2
GLYPH_W, GLYPH_H = 5, 8
ADVANCE = (GLYPH_W + 1) * SCALE
ROW_H = 30
BAR_H = 18
PAD = 16
LABEL_CHARS = 24  # longer labels are cut with `..`
WIDTH = 720

# Column-major 5×8 glyphs (bit 0 = top row; row 7 holds descenders), the classic LCD font.
_FONT: dict[str, tuple[int, ...]] = {
    " ": (0x00, 0x00, 0x00, 0x00, 0x00),
    "#": (0x14, 0x7F, 0x14, 0x7F, 0x14),
    "+": (0x08, 0x08, 0x3E, 0x08, 0x08),
    ",": (0x00, 0x50, 0x30, 0x00, 0x00),
    "-": (0x08, 0x08, 0x08, 0x08, 0x08),
    ".": (0x00, 0x60, 0x60, 0x00, 0x00),
    "/": (0x20, 0x10, 0x08, 0x04, 0x02),
    "_": (0x40, 0x40, 0x40, 0x40, 0x40),
    "0": (0x3E, 0x51, 0x49, 0x45, 0x3E),
    "1": (0x00, 0x42, 0x7F, 0x40, 0x00),
    "2": (0x42, 0x61, 0x51, 0x49, 0x46),
    "3": (0x21, 0x41, 0x45, 0x4B, 0x31),
    "4": (0x18, 0x14, 0x12, 0x7F, 0x10),
    "5": (0x27, 0x45, 0x45, 0x45, 0x39),
    "6": (0x3C, 0x4A, 0x49, 0x49, 0x30),
    "7": (0x01, 0x71, 0x09, 0x05, 0x03),
    "8": (0x36, 0x49, 0x49, 0x49, 0x36),
    "9": (0x06, 0x49, 0x49, 0x29, 0x1E),
    "a": (0x20, 0x54, 0x54, 0x54, 0x78),
    "b": (0x7F, 0x48, 0x44, 0x44, 0x38),
    "c": (0x38, 0x44, 0x44, 0x44, 0x20),
    "d": (0x38, 0x44, 0x44, 0x48, 0x7F),
    "e": (0x38, 0x54, 0x54, 0x54, 0x18),
    "f": (0x08, 0x7E, 0x09, 0x01, 0x02),
    "g": (0x18, 0xA4, 0xA4, 0xA4, 0x7C),
    "h": (0x7F, 0x08, 0x04, 0x04, 0x78),
    "i": (0x00, 0x44, 0x7D, 0x40, 0x00),
    "j": (0x40, 0x80, 0x84, 0x7D, 0x00),
    "k": (0x7F, 0x10, 0x28, 0x44, 0x00),
    "l": (0x00, 0x41, 0x7F, 0x40, 0x00),
    "m": (0x7C, 0x04, 0x18, 0x04, 0x78),
    "n": (0x7C, 0x08, 0x04, 0x04, 0x78),
    "o": (0x38, 0x44, 0x44, 0x44, 0x38),
    "p": (0xFC, 0x24, 0x24, 0x24, 0x18),
    "q": (0x18, 0x24, 0x24, 0x18, 0xFC),
    "r": (0x7C, 0x08, 0x04, 0x04, 0x08),
    "s": (0x48, 0x54, 0x54, 0x54, 0x20),
    "t": (0x04, 0x3F, 0x44, 0x40, 0x20),
    "u": (0x3C, 0x40, 0x40, 0x20, 0x7C),
    "v": (0x1C, 0x20, 0x40, 0x20, 0x1C),
    "w": (0x3C, 0x40, 0x30, 0x40, 0x3C),
    "x": (0x44, 0x28, 0x10, 0x28, 0x44),
    "y": (0x1C, 0xA0, 0xA0, 0xA0, 0x7C),
    "z": (0x44, 0x64, 0x54, 0x4C, 0x44),
}
_BOX = (0x7F, 0x41, 0x41, 0x41, 0x7F)


class Canvas:
    """An RGB image in memory, filled with the background colour."""

    def __init__(self, width: int, height: int) -> None:
        self.width, self.height = width, height
        self.pixels = bytearray(bytes(BACKGROUND) * (width * height))

    def rect(self, x: int, y: int, w: int, h: int, colour: Colour) -> None:
        """Fill a rectangle, clipped to the canvas."""
        x0, x1 = max(0, x), min(self.width, x + w)
        if x1 <= x0:
            return
        run = bytes(colour) * (x1 - x0)
        for row in range(max(0, y), min(self.height, y + h)):
            start = (row * self.width + x0) * 3
            self.pixels[start : start + len(run)] = run

    def text(self, x: int, y: int, text: str, colour: Colour) -> int:
        """Draw `text` with its top-left corner at (x, y); returns the x after it."""
        for char in text:
            glyph = _FONT.get(char.lower(), _BOX)
            for column, bits in enumerate(glyph):
                for row in range(GLYPH_H):
                    if bits >> row & 1:
                        self.rect(x + column * SCALE, y + row * SCALE, SCALE, SCALE, colour)
            x += ADVANCE
        return x

    def png(self) -> bytes:
        """The image as a PNG file (8-bit RGB, no filtering)."""
        stride = self.width * 3
        raw = b"".join(
            b"\x00" + bytes(self.pixels[row * stride : (row + 1) * stride])
            for row in range(self.height)
        )
        header = struct.pack(">IIBBBBB", self.width, self.height, 8, 2, 0, 0, 0)
        return b"\x89PNG\r\n\x1a\n" + b"".join(
            _chunk(kind, data)
            for kind, data in ((b"IHDR", header), (b"IDAT", zlib.compress(raw, 6)), (b"IEND", b""))
        )


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _label(text: str) -> str:
    return text if len(text) <= LABEL_CHARS else text[: LABEL_CHARS - 2] + ".."


def bar_chart(bars: Sequence[tuple[str, int, int]]) -> bytes:
    """A PNG of horizontal bars, one per (label, value, RGB colour as 0xRRGGBB), in order."""
    label_w = max((len(_label(label)) for label, _, _ in bars), default=1) * ADVANCE
    value_w = max((len(f"{value:,}") for _, value, _ in bars), default=1) * ADVANCE
    height = PAD * 2 + ROW_H * max(1, len(bars))
    canvas = Canvas(WIDTH, height)
    bar_x = PAD + label_w + PAD
    room = WIDTH - bar_x - PAD - value_w - PAD // 2
    top = max((value for _, value, _ in bars), default=0)
    for index, (label, value, rgb) in enumerate(bars):
        y = PAD + index * ROW_H
        text_y = y + (ROW_H - GLYPH_H * SCALE) // 2
        canvas.text(PAD, text_y, _label(label), TEXT)
        length = max(2, room * value // top) if top else 2
        colour = (rgb >> 16 & 255, rgb >> 8 & 255, rgb & 255)
        canvas.rect(bar_x, y + (ROW_H - BAR_H) // 2, length, BAR_H, colour)
        canvas.text(bar_x + length + PAD // 2, text_y, f"{value:,}", MUTED)
    return canvas.png()
