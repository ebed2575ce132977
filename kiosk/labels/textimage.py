"""Khmer (and any other) text for printed labels: shaped by HarfBuzz, drawn as an image.

ReportLab places glyphs one by one and does not shape Khmer: subscript consonants and vowels come
out detached or on dotted circles. So every human text run (titles, names, the library's name)
is shaped and drawn by Pillow's raqm layout (HarfBuzz + FriBiDi) at print resolution and placed
as an image; only the ASCII code under a barcode is drawn by ReportLab. A run too long for its
box is cut at a word break (ICU), never inside a grapheme cluster, and ends with "…".

``dotted_circles`` shapes a text with uharfbuzz and counts the dotted-circle and missing glyphs a
printer would put on paper: text typed with marks in the wrong order shows up here.
Never imports ReportLab or Kivy; never writes files.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont, ImageOps, features

from kiosk.errors import KioskError
from kiosk.khmer import cluster_boundaries, line_break_opportunities

PRINT_DPI = 600
ELLIPSIS = "…"
FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/khmeros/KhmerOSbattambang.ttf",
    "/usr/share/fonts/truetype/khmeros/KhmerOS.ttf",
    "/usr/share/fonts/truetype/khmeros/KhmerOSsiemreap.ttf",
)


@dataclass(frozen=True)
class TextRun:
    text: str  # what was drawn (maybe shortened)
    image: Image.Image  # mode "L", black on white, PRINT_DPI, cropped to the ink vertically
    width_mm: float
    height_mm: float  # the font's line box (ascent + descent): what layouts stack
    ink_bottom_mm: float  # from the bottom of the line box to the bottom of ``image``
    shortened: bool

    @property
    def ink_height_mm(self) -> float:
        return self.image.height / PRINT_DPI * 25.4


def label_font(settings=None) -> Path:
    """The Khmer font with Latin letters used on labels: ``extra["label_font"]`` or a default."""
    chosen = (getattr(settings, "extra", None) or {}).get("label_font")
    for candidate in (chosen, *FONT_CANDIDATES):
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    raise KioskError("no Khmer font for labels: install fonts-khmeros or set label_font")


def require_shaping() -> None:
    if not features.check("raqm"):
        raise KioskError("Pillow has no raqm layout: Khmer labels would print unshaped")


@lru_cache(maxsize=16)
def _font(path: str, pixels: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, pixels, layout_engine=ImageFont.Layout.RAQM)


def _pixels(size_pt: float, dpi: int) -> int:
    return max(4, round(size_pt / 72 * dpi))


def _prefix_widths(text: str, font_path: str, pixels: int) -> dict[int, float]:
    """Width in pixels of ``text[:i]`` for every cluster start ``i``, from one HarfBuzz run."""
    import uharfbuzz as hb

    font, _ = _hb_font(font_path)
    buf = hb.Buffer()
    buf.add_str(text)
    buf.guess_segment_properties()
    hb.shape(font, buf, {})
    scale = pixels / font.face.upem
    widths: dict[int, float] = {}
    total = 0.0
    for info, position in zip(buf.glyph_infos, buf.glyph_positions, strict=True):
        widths.setdefault(info.cluster, total)
        total += position.x_advance * scale
    widths[len(text)] = total
    return widths


def fit(text: str, font: ImageFont.FreeTypeFont, max_px: float) -> tuple[str, bool, float]:
    """``text`` or its longest prefix (cut at a word, else a cluster) + "…" within ``max_px``,
    whether it was cut, and its width in pixels."""
    text = " ".join(text.split())
    width = font.getlength(text)
    if width <= max_px:
        return text, False, width
    widths = _prefix_widths(text, font.path, font.size)
    room = max_px - _ellipsis_px(font.path, font.size)

    def longest(cuts: list[int]) -> int:
        return max((c for c in cuts if widths.get(c, math.inf) <= room), default=0)

    by_cluster = longest(cluster_boundaries(text))
    by_word = longest(line_break_opportunities(text))
    cut = by_word if by_word >= 0.6 * by_cluster else by_cluster
    clusters = [c for c in cluster_boundaries(text) if c <= cut]
    while clusters:
        drawn = text[: clusters[-1]].rstrip() + ELLIPSIS
        width = font.getlength(drawn)
        if width <= max_px:
            return drawn, True, width
        clusters.pop()  # shaped as a prefix it came out wider: give up one cluster
    return ELLIPSIS, True, _ellipsis_px(font.path, font.size)


@lru_cache(maxsize=16)
def _ellipsis_px(path: str, pixels: int) -> float:
    return _font(path, pixels).getlength(ELLIPSIS)


def render_run(
    text: str, font_path: Path, size_pt: float, max_width_mm: float, dpi: int = PRINT_DPI
) -> TextRun:
    """``text`` shaped and drawn at ``size_pt`` in one line no wider than ``max_width_mm``."""
    font = _font(str(font_path), _pixels(size_pt, dpi))
    drawn, shortened, width_px = fit(text, font, max_width_mm / 25.4 * dpi)
    ascent, descent = font.getmetrics()
    line = ascent + descent
    image = Image.new("L", (max(1, math.ceil(width_px)), line), 255)
    ImageDraw.Draw(image).text((0, 0), drawn, font=font, fill=0)
    ink = ImageOps.invert(image).getbbox()
    top, bottom = (ink[1], ink[3]) if ink else (0, 1)
    image = image.crop((0, top, image.width, bottom))
    to_mm = 25.4 / dpi
    return TextRun(
        drawn, image, image.width * to_mm, line * to_mm, (line - bottom) * to_mm, shortened
    )


@lru_cache(maxsize=4)
def _hb_font(path: str):
    import uharfbuzz as hb

    blob = hb.Blob.from_file_path(path)
    font = hb.Font(hb.Face(blob))
    return font, font.get_nominal_glyph(0x25CC)


def dotted_circles(text: str, font_path: Path) -> int:
    """How many dotted circles or missing glyphs HarfBuzz puts in ``text`` with this font."""
    import uharfbuzz as hb

    font, dotted = _hb_font(str(font_path))
    buf = hb.Buffer()
    buf.add_str(text)
    buf.guess_segment_properties()
    hb.shape(font, buf, {})
    return sum(1 for info in buf.glyph_infos if info.codepoint in (0, dotted))
