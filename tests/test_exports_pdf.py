"""The printable report: Khmer in the PDF is shaped (glyph ids = HarfBuzz's), and translations
are compiled."""

from __future__ import annotations

import re
import subprocess
import zlib
from pathlib import Path

import pytest

from hub.i18n import LOCALE_DIR
from hub.report_pdf import render_html, render_pdf
from tests.hub_fixture import NOW

KHMER_TITLE = "សៀវភៅណែនាំអ្នកជាប់ឃុំ"  # coeng + subscript forms and pre-base vowels
FIGS = {
    "month": "2026-03", "prison_id": "P01", "readers": 120, "anonymous_sessions": "<5",
    "loans": 310, "returns": 280, "renewals": 12, "overdue_loans": 9, "reading_sessions": 75,
    "reading_minutes": 1830, "reading_pages": 900, "suppressed": True,
    "attendance": {"literacy_class": {"participants": 40, "attendances": 180},
                   "vocational_training": {"participants": 22, "attendances": 60},
                   "vocational_orientation": {"participants": "<5", "attendances": 7},
                   "library_visit": {"participants": 90, "attendances": 200}},
    "top_titles": [{"title": KHMER_TITLE, "loans": 41}, {"title": "Khmer Folk Tales", "loans": 9}],
    "top_content": [],
}  # fmt: skip
SERIES = [{"month": f"2026-{m:02d}", "loans": 100 + 10 * m, "reading_sessions": 3 * m,
           "returns": 0, "attendances": 0} for m in range(1, 13)]  # fmt: skip


def font_file(family: str) -> Path:
    out = subprocess.run(["fc-match", "-f", "%{file}", family], capture_output=True, text=True)
    return Path(out.stdout.strip())


def shaped_gids(text: str, path: Path) -> list[int]:
    import uharfbuzz as hb

    face = hb.Face(path.read_bytes())
    buf = hb.Buffer()
    buf.add_str(text)
    buf.guess_segment_properties()
    hb.shape(hb.Font(face), buf, {})
    return [info.codepoint for info in buf.glyph_infos]


def unshaped_gids(text: str, path: Path) -> list[int]:
    from fontTools.ttLib import TTFont

    cmap = TTFont(path).getBestCmap()
    return [cmap.get(ord(ch), 0) for ch in text]


def pdf_glyph_runs(pdf: bytes) -> list[list[int]]:
    """Glyph ids of every TJ array in the PDF's content streams (Identity-H: 2 bytes each)."""
    runs = []
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            content = zlib.decompress(match.group(1))
        except zlib.error:
            continue
        for array in re.findall(rb"\[([^\]]*)\]\s*TJ", content):
            hexes = b"".join(re.findall(rb"<([0-9a-fA-F]*)>", array))
            runs.append([int(hexes[i : i + 4], 16) for i in range(0, len(hexes), 4)])
    return runs


def contains(run: list[int], part: list[int]) -> bool:
    return any(run[i : i + len(part)] == part for i in range(len(run) - len(part) + 1))


@pytest.fixture(scope="module")
def pdf() -> bytes:
    return render_pdf(FIGS, SERIES, "km", "P01", NOW)


def test_khmer_in_the_pdf_is_shaped_by_harfbuzz(pdf):
    path = font_file("Khmer OS Battambang")
    assert path.is_file(), "fonts-khmeros is needed"
    shaped, unshaped = shaped_gids(KHMER_TITLE, path), unshaped_gids(KHMER_TITLE, path)
    assert shaped != unshaped  # this text needs shaping: the check below means something
    runs = pdf_glyph_runs(pdf)
    assert any(contains(run, shaped) for run in runs), "shaped Khmer glyphs not found in the PDF"
    assert not any(contains(run, unshaped) for run in runs), "unshaped Khmer found in the PDF"


def test_chart_labels_are_shaped_too(pdf):
    """WeasyPrint draws SVG text glyph by glyph, unshaped: a Khmer label inside an SVG chart would
    not contain HarfBuzz's glyph sequence (this failed when the attendance chart was SVG)."""
    path = font_file("Khmer OS Battambang")
    label = "ថ្នាក់អក្ខរកម្ម"  # a chart label with coeng subscripts
    runs = pdf_glyph_runs(pdf)
    assert sum(contains(run, shaped_gids(label, path)) for run in runs) >= 2  # table and chart


def test_pdf_page_renders_with_ink(pdf, tmp_path):
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(pdf)
    assert len(doc) >= 1
    image = doc[0].render(scale=1).to_pil().convert("L")
    dark = sum(1 for v in image.getdata() if v < 128)
    assert dark > 2000  # text, tables and charts were drawn


def test_report_html_escapes_titles_and_translates():
    figs = {**FIGS, "top_titles": [{"title": "<script>x</script>", "loans": 6}]}
    html = render_html(figs, SERIES, "km", "P01", NOW)
    assert "<script>x</script>" not in html and "&lt;script&gt;" in html
    assert "របាយការណ៍" in html  # the Khmer catalogue was used
    assert "Monthly library report" in render_html(figs, SERIES, "en", "P01", NOW)


def test_compiled_catalogues_match_their_sources():
    from babel.messages.mofile import read_mo
    from babel.messages.pofile import read_po

    for lang in ("km", "fr"):
        folder = LOCALE_DIR / lang / "LC_MESSAGES"
        with open(folder / "messages.po", "rb") as f:
            po = {m.id: m.string for m in read_po(f) if m.id and m.string and not m.fuzzy}
        with open(folder / "messages.mo", "rb") as f:
            mo = {m.id: m.string for m in read_mo(f) if m.id}
        assert po == mo, f"run: pybabel compile -d hub/locale ({lang} .mo is stale)"
        assert len(po) > 60, f"{lang} catalogue is nearly empty"


def test_every_dashboard_string_is_translated():
    from babel.messages.extract import extract_from_dir
    from babel.messages.pofile import read_po

    root = LOCALE_DIR.parent  # the hub package
    method_map = [("i18n.py", "python"), ("web/**.py", "python"),
                  ("web/templates/**.html", "jinja2"), ("templates/**.html", "jinja2")]  # fmt: skip
    wanted = {
        msg[2] if isinstance(msg[2], str) else msg[2][0]
        for msg in extract_from_dir(
            str(root), method_map, keywords={"_": None, "gettext": None, "N_": None}
        )
    }  # fmt: skip
    assert "Readers" in wanted and "Log in" in wanted
    for lang in ("km", "fr"):
        with open(LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po", "rb") as f:
            have = {m.id for m in read_po(f) if m.id and m.string}
        assert not wanted - have, f"{lang}: untranslated {sorted(wanted - have)[:5]}"
