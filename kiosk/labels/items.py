"""Item labels: Code 128 with the code in clear, a short shaped Khmer title, the library's name.

From top to bottom inside the padding: the library's name (and the call number on the right),
the title on one line cut to fit, the bars, the code in ASCII. On spine labels the library's name
gives way to the call number. A label whose code would need bars thinner than the decoders read
is not drawn but reported, as is a title HarfBuzz can only draw with dotted circles (text typed
in the wrong order): a label that cannot be scanned or read must not reach a book.
Never touches the store; ``kiosk.labels.printed`` chooses the copies.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from reportlab.lib.units import mm

from kiosk.labels.sheet import code128_module, draw_code128, place_run, write_sheets
from kiosk.labels.templates import Template
from kiosk.labels.textimage import dotted_circles, render_run, require_shaping

GAP = 0.8  # mm between lines


@dataclass(frozen=True)
class ItemLabel:
    barcode: str
    title: str
    call_number: str = ""


@dataclass
class LabelSheet:
    printed: list[str] = field(default_factory=list)  # barcodes drawn, in order
    problems: list[str] = field(default_factory=list)  # one line per label not drawn
    warnings: list[str] = field(default_factory=list)  # drawn, but look at them
    pages: int = 0


@lru_cache(maxsize=64)  # the library's name and call numbers repeat; 600 dpi runs are big
def _run(text: str, font: Path, size_pt: float, width_mm: float):
    return render_run(text, font, size_pt, width_mm)


def draw_item_label(
    canvas, template: Template, x: float, y: float, label: ItemLabel, library: str, font: Path
) -> None:
    pad = template.padding
    left, inner = x + pad, template.width - 2 * pad
    top = y + template.height - pad
    if template.show_library:
        header = _run(library, font, template.small_pt, inner * 0.62)
        top -= header.height_mm
        place_run(canvas, header, left, top)
    if label.call_number:
        call = _run(label.call_number, font, template.small_pt, inner * 0.36)
        if not template.show_library:
            top -= call.height_mm
        place_run(canvas, call, left + inner - call.width_mm, top)
    title = _run(label.title, font, template.title_pt, inner)
    top -= title.height_mm
    place_run(canvas, title, left + (inner - title.width_mm) / 2, top)
    text_height = template.code_pt * 0.3528
    bottom = y + pad
    canvas.setFont("Courier-Bold", template.code_pt)
    canvas.drawCentredString((left + inner / 2) * mm, bottom * mm, label.barcode)
    bars_bottom = bottom + text_height + GAP * 0.6
    draw_code128(canvas, label.barcode, left, bars_bottom, inner, top - GAP - bars_bottom)


def render_item_labels(
    out: Path,
    template: Template,
    labels: list[ItemLabel],
    library_name: str,
    font: Path,
    offset: tuple[float, float] = (0.0, 0.0),
    skip: int = 0,
) -> LabelSheet:
    """Write ``labels`` to a PDF of ``template`` sheets; labels that cannot scan are left out."""
    require_shaping()
    sheet = LabelSheet()
    drawable = []
    inner = template.width - 2 * template.padding
    for label in labels:
        if code128_module(label.barcode, inner) is None:
            sheet.problems.append(
                f"{label.barcode}: code too long for a {template.name} label to scan"
            )
            continue
        if dotted_circles(label.title, font):
            sheet.warnings.append(
                f"{label.barcode}: the title has misordered Khmer marks (prints dotted circles)"
            )
        drawable.append(label)
    if drawable:

        def draw(canvas, x, y, label):
            draw_item_label(canvas, template, x, y, label, library_name, font)

        sheet.pages = write_sheets(
            out, template, drawable, draw, offset, skip, title="Bannalai labels"
        )
    sheet.printed = [label.barcode for label in drawable]
    return sheet
