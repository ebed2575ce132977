"""Kivy draws Khmer shaped and wraps it only where Khmer may break (no window needed).

With the recipe in ``kiosk/screens/khmer_setup.py`` Kivy's measured width of every Khmer UI
string matches HarfBuzz's shaped advance; without it (Latin shaping) the widths differ, so a Kivy
upgrade or a dropped setup fails here. Also: no dotted circles (U+25CC) or missing glyphs in any
UI string, demo title or name; no wrapped line starts with a combining mark or ends with COENG.
"""

from __future__ import annotations

import os
import unicodedata

import pytest
from babel.messages.pofile import read_po

from kiosk.i18n import LOCALE_DIR
from kiosk.khmer import COENG

FONT_SIZES = (22, 31)
RESEARCH_WORDS = ["ព្រះរាជាណាចក្រកម្ពុជា", "បណ្ណាល័យ", "សៀវភៅ", "ខ្ញុំស្រឡាញ់ការអាន", "ស្ត្រី", "ក្សត្រ"]
DEMO_TEXT = ["ទន្សាយនិងអណ្តើក", "ភាសាខ្មែរ ថ្នាក់ទី១", "គណិតវិទ្យាងាយៗ", "សុខ សំណាង", "ហេង ពិសិដ្ឋ"]


def khmer_ui_strings() -> list[str]:
    with open(LOCALE_DIR / "km" / "LC_MESSAGES" / "bannalai.po", "rb") as f:
        return [m.string for m in read_po(f, locale="km") if m.id and m.string]


ALL_TEXT = RESEARCH_WORDS + DEMO_TEXT + khmer_ui_strings()


@pytest.fixture(scope="module")
def kivy_text(tmp_path_factory):
    os.environ["KIVY_NO_ARGS"] = "1"
    os.environ.setdefault("KIVY_HOME", str(tmp_path_factory.mktemp("kivy-home")))
    from kiosk.screens import khmer_setup

    khmer_setup.setup()
    return khmer_setup


@pytest.fixture(scope="module")
def harfbuzz(kivy_text):
    import uharfbuzz as hb

    blob = hb.Blob.from_file_path(str(kivy_text.font_path()))
    face = hb.Face(blob)
    font = hb.Font(face)

    def shape(text: str, script: str = "Khmr", size: int = 0) -> tuple[float, list[int]]:
        """Shaped advance in px at ``size`` (each glyph rounded to whole pixels, as FreeType's
        hinted advances in SDL_ttf are); ``size=0``: in em units."""
        font.scale = (size * 64, size * 64) if size else (face.upem, face.upem)
        font.ppem = (size, size) if size else (0, 0)
        buf = hb.Buffer()
        buf.add_str(text)
        buf.guess_segment_properties()
        buf.script = script
        hb.shape(font, buf)
        if size:
            advance = sum(round(p.x_advance / 64) for p in buf.glyph_positions)
        else:
            advance = sum(p.x_advance for p in buf.glyph_positions) / face.upem
        return advance, [g.codepoint for g in buf.glyph_infos]

    shape.dotted_circle = font.get_nominal_glyph(0x25CC)
    return shape


def tolerance(width: float) -> float:
    return max(3.0, 0.025 * width)


@pytest.mark.parametrize("size", FONT_SIZES)
def test_kivy_widths_match_harfbuzz(kivy_text, harfbuzz, size):
    measure = kivy_text.measurer(float(size))
    wrong = []
    for text in ALL_TEXT:
        shaped = harfbuzz(text, size=size)[0]
        got = measure(text)
        if abs(got - shaped) > tolerance(shaped):
            wrong.append((text, got, round(shaped)))
    assert not wrong, f"Kivy measures these unshaped: {wrong[:5]}"


def test_latin_shaping_would_be_caught(harfbuzz):
    """The width test can fail: Latin shaping gives clearly different widths for these words."""
    size = 31
    for text in RESEARCH_WORDS[:2] + RESEARCH_WORDS[3:]:
        khmer, latin = harfbuzz(text)[0] * size, harfbuzz(text, "Latn")[0] * size
        assert abs(khmer - latin) > 2 * tolerance(khmer), text


def test_fresh_core_label_without_script_is_shaped_too(kivy_text, harfbuzz):
    """TextInput's path: a core label with default options at a font size never used before."""
    from kivy.core.text import Label as CoreLabel

    label = CoreLabel(font_size=37)
    text = RESEARCH_WORDS[0]
    shaped = harfbuzz(text, size=37)[0]
    assert abs(label.get_extents(text)[0] - shaped) <= tolerance(shaped)


def test_no_dotted_circles_or_missing_glyphs(harfbuzz):
    assert harfbuzz.dotted_circle, "the UI font must have U+25CC for the detector to work"
    _w, glyphs = harfbuzz("\u17b6")  # a lone vowel: HarfBuzz inserts a dotted circle
    assert harfbuzz.dotted_circle in glyphs  # the detector works
    for text in ALL_TEXT:
        _w, glyphs = harfbuzz(text)
        assert harfbuzz.dotted_circle not in glyphs, text
        assert 0 not in glyphs, f"missing glyph (tofu) in {text!r}"


def starts_badly(line: str) -> bool:
    return bool(line) and (unicodedata.category(line[0]) in ("Mn", "Mc") or line[0] == COENG)


@pytest.mark.parametrize("width", [60, 90, 140, 200, 300, 400])
def test_wrapped_lines_never_split_a_cluster(kivy_text, width):
    measure = kivy_text.measurer(24.0)
    long_text = " ".join(khmer_ui_strings()) + "ព្រះរាជាណាចក្រកម្ពុជាបណ្ណាល័យនេះមានសៀវភៅជាច្រើន"
    for text in [long_text] + ALL_TEXT:
        lines = kivy_text.wrap(text, width, measure)
        assert "".join(lines).replace(" ", "") == text.replace(" ", "")
        for line in lines:
            assert not starts_badly(line), (width, line)
            assert not line.endswith(COENG), (width, line)
            assert not line.startswith("ៗ"), (width, line)
        fits = [measure(line) <= width for line in lines]
        assert sum(fits) >= len(lines) - 1 or width < 100  # only an unbreakable cluster overflows


def test_without_the_global_script_kivy_measures_unshaped(harfbuzz, tmp_path):
    """Negative control: drop TTF_SetScript and the width check above would fail."""
    import subprocess
    import sys

    code = (
        "from kiosk.screens import khmer_setup as k\n"
        "k.sdl2_ttf_set_script = lambda tag='Khmr': None\n"
        "k.setup()\n"
        f"print(k.measurer(31.0)({RESEARCH_WORDS[0]!r}))\n"
    )
    env = dict(os.environ, KIVY_NO_ARGS="1", KIVY_HOME=str(tmp_path))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    unshaped = int(out.stdout.split()[-1])
    shaped = harfbuzz(RESEARCH_WORDS[0], size=31)[0]
    assert abs(unshaped - shaped) > tolerance(shaped)
