"""Bar charts as PNG images for the Word document, drawn with Pillow on the server.

Pillow rather than matplotlib: it is already installed as a dependency of WeasyPrint, it draws a
chart in a few milliseconds with no import cost worth mentioning (matplotlib takes ~0.5 s to
import and ~40 MB), and a horizontal bar with its label and its numbers is all a programme needs.
Each bar carries its numbers beside it ("12 · 34,29 %"), so the chart reads without the table and
the table stays the accessible source of the same figures.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

DPI = 200
INK = (27, 31, 36)
MUTED = (74, 85, 96)
BAR = (0, 74, 135)  # the print stylesheet's brand blue: 8.9:1 against white
TRACK = (227, 233, 239)
FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"))


@dataclass(frozen=True)
class Bar:
    label: str
    value: float  # the bar's length, against `scale`
    text: str  # the numbers printed beside the bar


def px(cm: float) -> int:
    return round(cm / 2.54 * DPI)


@cache
def font(size_pt: float, bold: bool = False) -> ImageFont.FreeTypeFont:
    """DejaVu Sans (Debian's fonts-dejavu-core), else Pillow's own scalable font."""
    size = round(size_pt * DPI / 72)
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    for folder in FONT_DIRS:
        if (folder / name).exists():
            return ImageFont.truetype(str(folder / name), size)
    return ImageFont.load_default(size)


def wrap(text: str, fnt, width: int) -> list[str]:
    """Lines of whole words that fit `width` pixels (a word longer than a line stays whole)."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        candidate = f"{line} {word}".strip()
        if line and fnt.getlength(candidate) > width:
            lines.append(line)
            line = word
        else:
            line = candidate
    if line:
        lines.append(line)
    return lines or [""]


def bar_chart(bars: list[Bar], scale: float, *, width_cm: float = 16.0) -> bytes:
    """Horizontal bars, one per row: the label (wrapped) on the left, the bar, its numbers."""
    label_font, number_font = font(7.5), font(7.5, bold=True)
    width = px(width_cm)
    pad = px(0.15)
    label_width = round(width * 0.38)
    number_width = max((round(number_font.getlength(b.text)) for b in bars), default=0) + 2 * pad
    bar_left = label_width + 2 * pad
    bar_room = max(width - bar_left - number_width, px(2))
    line_height = round(label_font.size * 1.25)
    bar_height = round(label_font.size * 1.1)
    rows = [wrap(b.label, label_font, label_width) for b in bars]
    heights = [max(len(lines) * line_height, bar_height) + 2 * pad for lines in rows]
    image = Image.new("RGB", (width, sum(heights) + 2 * pad), "white")
    draw = ImageDraw.Draw(image)
    y = pad
    for bar, lines, height in zip(bars, rows, heights, strict=True):
        text_top = y + (height - len(lines) * line_height) // 2
        for i, line in enumerate(lines):
            draw.text((0, text_top + i * line_height), line, font=label_font, fill=INK)
        top = y + (height - bar_height) // 2
        draw.rectangle((bar_left, top, bar_left + bar_room, top + bar_height), fill=TRACK)
        length = round(bar_room * (bar.value / scale)) if scale > 0 else 0
        if length > 0:
            draw.rectangle((bar_left, top, bar_left + length, top + bar_height), fill=BAR)
        draw.text(
            (bar_left + bar_room + pad, top + bar_height // 2),
            bar.text,
            font=number_font,
            fill=INK,
            anchor="lm",
        )
        y += height
    return png(image)


def png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    # Flat colours and antialiased text: a 32-colour palette compresses far better than RGB.
    # Quantized without dithering, so the white stays white (no speckled grey background).
    image.quantize(colors=32, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(
        out, "PNG", compress_level=6, dpi=(DPI, DPI)
    )
    return out.getvalue()
