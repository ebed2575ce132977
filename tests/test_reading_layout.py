"""Pagination properties: every character on one page, no cut cluster, stable positions."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk import khmer
from kiosk.reading.blocks import text_blocks
from kiosk.reading.fonts import reading_font
from kiosk.reading.layout import (
    FONT_SIZES,
    LINE_SPACINGS,
    Style,
    measurer,
    page_index_for,
    paginate,
)
from kiosk.reading.model import Block, Chapter
from kiosk.reading.render import THEMES, render_page

FONT = reading_font()
WORDS = ["កាលពីព្រេងនាយ", "មាន", "ក្មេងប្រុស", "ម្នាក់", "រស់នៅ", "ក្នុង", "ភូមិ", "តូច", "មួយ",
         "ជិត", "មាត់ទន្លេ", "មេគង្គ។", "ស្ត្រី", "ក្សត្រ", "book", "Library", "១២៣", " ", " "]  # fmt: skip
LONG = "ព្រះរាជាណាចក្រកម្ពុជា" * 8  # one "word" wider than a line: cut between clusters

paragraph = st.lists(st.sampled_from([*WORDS, LONG]), min_size=1, max_size=60).map("".join)
chapters = st.lists(
    st.tuples(st.sampled_from(["para", "para", "heading"]), paragraph), min_size=1, max_size=6
)
styles = st.builds(
    lambda size, spacing, w, h: Style(FONT, size, spacing, w, h),
    st.sampled_from(FONT_SIZES),
    st.sampled_from(LINE_SPACINGS),
    st.sampled_from([1024, 800, 480]),
    st.sampled_from([600, 480, 320]),
)


def make_chapter(items) -> Chapter:
    blocks = []
    for kind, text in items:
        blocks.extend(text_blocks(kind, text, max_chars=300))
    if not blocks:
        blocks = text_blocks("para", "ក")
    return Chapter("t", tuple(blocks))


def check_partition(chapter: Chapter, pages) -> None:
    assert pages[0].start == (0, 0)
    assert pages[-1].end == (len(chapter.blocks), 0)
    for before, after in zip(pages, pages[1:], strict=False):
        assert before.end == after.start
    seen = {b: [] for b in range(len(chapter.blocks))}
    for page in pages:
        for line in page.lines:
            seen[line.block].append((line.start, line.end))
    for b, block in enumerate(chapter.blocks):
        spans = seen[b]
        if block.kind == "image":
            assert spans == [(0, 0)]  # a picture is drawn once; its alt text is not page text
            continue
        text = "".join(block.text[s:e] for s, e in spans)
        assert text == block.text  # every character once, in order
        assert all(e > s for s, e in spans)


@given(chapters, styles)
@settings(max_examples=60, deadline=None)
def test_every_character_on_exactly_one_page(items, style):
    chapter = make_chapter(items)
    check_partition(chapter, paginate(chapter, 0, style))


@given(chapters, styles)
@settings(max_examples=60, deadline=None)
def test_lines_end_between_clusters_and_fit(items, style):
    chapter = make_chapter(items)
    for page in paginate(chapter, 0, style):
        assert page.lines
        for line in page.lines:
            block = chapter.blocks[line.block]
            assert line.end in khmer.cluster_boundaries(block.text)
            assert line.end in block.breaks or line.end in khmer.cluster_boundaries(block.text)
            piece = block.text[line.start : line.end].rstrip(" ")
            clusters = khmer.grapheme_clusters(piece)
            width = measurer(FONT, line.size).font.getlength(piece)
            assert len(clusters) <= 1 or width <= style.text_width + 1.0
            assert line.y + 1 <= style.height


@given(chapters, styles, styles, st.data())
@settings(max_examples=60, deadline=None)
def test_position_found_on_its_page_at_any_font_size(items, style_a, style_b, data):
    chapter = make_chapter(items)
    b = data.draw(st.integers(0, len(chapter.blocks) - 1))
    offset = data.draw(st.integers(0, len(chapter.blocks[b].text) - 1))
    for style in (style_a, style_b):
        pages = paginate(chapter, 0, style)
        page = pages[page_index_for(pages, b, offset)]
        assert page.start <= (b, offset) < page.end


def test_khmer_page_renders_with_theme_colours():
    chapter = Chapter("t", tuple(text_blocks("para", "".join(WORDS) * 10)))
    style = Style(FONT, 34)
    page = paginate(chapter, 0, style)[0]
    for theme, (paper, ink) in THEMES.items():
        image = render_page(page, chapter, style, theme)
        assert image.size == (1024, 600) and image.mode == "RGBA"
        colours = {c for _, c in image.getcolors(1 << 20)}
        assert paper in colours and ink in colours, theme


def test_images_get_their_own_space():
    picture = Block("image", "alt", src="images/x.png", width=2000, height=3000)
    text = text_blocks("para", "".join(WORDS) * 20)
    chapter = Chapter("t", (text[0], picture, *text))
    style = Style(FONT, 28)
    pages = paginate(chapter, 0, style)
    check_partition(chapter, pages)
    line = next(ln for p in pages for ln in p.lines if ln.kind == "image")
    assert line.height <= style.bottom - style.margin_y and line.width <= style.text_width
