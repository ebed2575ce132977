"""Paginate a chapter with ICU line breaks and HarfBuzz-shaped widths.

Kivy measures Khmer unshaped and wraps only at spaces, so the reader lays out pages itself
and paints them itself (``kiosk.reading.render``): widths come from HarfBuzz (uharfbuzz, about
0.02 ms a segment) and painting from Pillow's raqm, which is HarfBuzz too, on the same font
file and pixel size; per-segment widths agree within 0.1 px and a test checks every painted
line fits. (Pillow's own ``getlength`` costs ~1 ms a call, too slow to paginate with.) Lines
end only at the block's ICU break offsets, or at a cluster boundary when one word is wider
than the line. Pages partition the chapter's text exactly; a position finds its page by
bisection, whatever the font size. This module must never import Kivy or write files.
"""

from __future__ import annotations

import bisect
import threading
from dataclasses import dataclass, field
from functools import cache

import uharfbuzz as hb
from PIL import ImageFont

from kiosk import khmer
from kiosk.reading.model import Block, Chapter

FONT_SIZES = (24, 28, 34, 40, 48)
LINE_SPACINGS = (1.05, 1.35)
HEADING_SCALE = 1.3


@dataclass(frozen=True)
class Style:
    font_path: str
    font_size: int = 34
    line_spacing: float = 1.05
    width: int = 1024
    height: int = 600
    margin_x: int = 48
    margin_y: int = 28
    para_gap: float = 0.35  # extra space after a paragraph, in lines

    @property
    def text_width(self) -> int:
        return self.width - 2 * self.margin_x

    @property
    def bottom(self) -> int:
        return self.height - self.margin_y


class Measurer:
    """One font at one size: HarfBuzz widths (cached per segment), Pillow font for painting."""

    def __init__(self, font_path: str, size: int) -> None:
        self.font = ImageFont.truetype(font_path, size, layout_engine=ImageFont.Layout.RAQM)
        ascent, descent = self.font.getmetrics()
        self.ascent, self.descent = ascent, descent
        self.lock = threading.RLock()  # FreeType faces are not thread-safe: paint under it
        self._hb, self._scale = _harfbuzz(font_path)
        self._scale *= size
        self._widths: dict[str, float] = {}

    def width(self, text: str) -> float:
        width = self._widths.get(text)
        if width is None and not text:
            return 0.0
        if width is None:
            buffer = hb.Buffer()
            buffer.add_str(text)
            buffer.guess_segment_properties()
            hb.shape(self._hb, buffer, {})
            width = sum(p.x_advance for p in buffer.glyph_positions or ()) * self._scale
            self._widths[text] = width
        return width

    def line_height(self, spacing: float) -> int:
        return int(round((self.ascent + self.descent) * spacing))


@cache
def _harfbuzz(font_path: str) -> tuple[hb.Font, float]:
    face = hb.Face(hb.Blob.from_file_path(font_path))
    return hb.Font(face), 1.0 / face.upem


@cache
def measurer(font_path: str, size: int) -> Measurer:
    return Measurer(font_path, size)


@dataclass(frozen=True)
class Line:
    block: int
    start: int
    end: int
    y: int
    size: int  # font size of this line (headings are larger)
    kind: str = "text"  # text | image
    width: int = 0  # image lines: drawn size
    height: int = 0


@dataclass(frozen=True)
class Page:
    chapter: int
    start: tuple[int, int]  # (block, offset) of the first character
    end: tuple[int, int]  # (block, offset) just after the last character
    lines: tuple[Line, ...] = field(default=())


def _block_font(block: Block, style: Style) -> Measurer:
    size = style.font_size
    if block.kind == "heading":
        size = int(round(style.font_size * HEADING_SCALE))
    return measurer(style.font_path, size)


def _split_long(text: str, start: int, end: int, font: Measurer, max_width: float) -> int:
    """The furthest cluster boundary in (start, end] whose prefix fits; at least one cluster."""
    piece = text[start:end]
    best = None
    for boundary in khmer.cluster_boundaries(piece):
        if best is not None and font.width(piece[:boundary]) > max_width:
            break
        best = boundary
    return start + (best or len(piece))


def next_line_end(block: Block, start: int, font: Measurer, max_width: float) -> int:
    """Where the line starting at ``start`` ends: the last break that still fits."""
    text, breaks = block.text, block.breaks
    i = bisect.bisect_right(breaks, start)
    used, end = 0.0, start
    while i < len(breaks):
        candidate = breaks[i]
        segment = text[end:candidate]
        full = font.width(segment)
        visible = full if segment[-1:] != " " else font.width(segment.rstrip(" "))
        if used + visible > max_width:
            if end == start:
                return _split_long(text, start, candidate, font, max_width)
            return end
        used += full
        end = candidate
        i += 1
    return end if end > start else len(text)


def _image_size(block: Block, style: Style) -> tuple[int, int]:
    max_h = style.bottom - style.margin_y
    scale = min(style.text_width / max(block.width, 1), max_h / max(block.height, 1), 2.0)
    return max(1, int(block.width * scale)), max(1, int(block.height * scale))


class _PageBuilder:
    def __init__(self, chapter_index: int, style: Style) -> None:
        self.chapter, self.style = chapter_index, style
        self.pages: list[Page] = []
        self.lines: list[Line] = []
        self.start = (0, 0)
        self.y = style.margin_y

    def room_for(self, height: int) -> bool:
        return not self.lines or self.y + height <= self.style.bottom

    def close(self, end: tuple[int, int]) -> None:
        if self.lines:
            self.pages.append(Page(self.chapter, self.start, end, tuple(self.lines)))
        self.lines, self.start, self.y = [], end, self.style.margin_y


def paginate(chapter: Chapter, chapter_index: int, style: Style) -> list[Page]:
    """All pages of one chapter; together they hold every character exactly once."""
    build = _PageBuilder(chapter_index, style)
    for b, block in enumerate(chapter.blocks):
        if block.kind == "image":
            w, h = _image_size(block, style)
            if not build.room_for(h):
                build.close((b, 0))
            build.lines.append(Line(b, 0, 0, build.y, 0, "image", w, h))
            build.y += h + int(style.font_size * style.para_gap)
            continue
        font = _block_font(block, style)
        height = font.line_height(style.line_spacing)
        offset = 0
        while offset < len(block.text):
            if not build.room_for(height):
                build.close((b, offset))
            end = next_line_end(block, offset, font, style.text_width)
            build.lines.append(Line(b, offset, end, build.y, font.font.size))
            build.y += height
            offset = end
        build.y += int(height * style.para_gap)
    build.close((len(chapter.blocks), 0))
    return build.pages


def page_index_for(pages: list[Page], block: int, offset: int) -> int:
    """Index of the page holding (block, offset); clamps to the first/last page."""
    starts = [p.start for p in pages]
    return max(0, min(len(pages) - 1, bisect.bisect_right(starts, (block, offset)) - 1))
