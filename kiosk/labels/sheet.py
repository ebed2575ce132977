"""Lay cells (labels or cards) out on PDF pages of a template, and place text runs and codes.

The drawing primitives every label kind shares live here: a shaped text image at a position, a
Code 128 symbol sized to its box (or refused when its bars would be too thin to scan), and a
QR code drawn as vector squares. The PDF is written to a temporary file and renamed, so a
half-written sheet is never left where the printer dialogue looks. Never touches the store.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path

from reportlab.graphics.barcode.code128 import Code128
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas

from kiosk.labels.templates import Template
from kiosk.labels.textimage import TextRun

# Narrowest bar we print: 0.19 mm is 2.2 px at 300 dpi, the least the decoders read reliably
# off a printed and rasterised sheet; wider when the box allows, up to 0.33 mm (Code 128's
# nominal 13 mil).
MIN_MODULE_MM = 0.19
MAX_MODULE_MM = 0.33
QUIET_MODULES = 10


def place_run(canvas: Canvas, run: TextRun, x: float, y: float) -> None:
    """Draw ``run`` with the bottom-left corner of its line box at (x, y) mm."""
    canvas.drawImage(
        ImageReader(run.image),
        x * mm,
        (y + run.ink_bottom_mm) * mm,
        width=run.width_mm * mm,
        height=run.ink_height_mm * mm,
    )


def code128_module(code: str, width_mm: float) -> float | None:
    """The bar width (mm) that fits ``code`` with quiet zones in ``width_mm``; None if too thin."""
    modules = Code128(code, barWidth=1, quiet=0).width + 2 * QUIET_MODULES
    module = min(MAX_MODULE_MM, width_mm / modules)
    return module if module >= MIN_MODULE_MM else None


def draw_code128(
    canvas: Canvas, code: str, x: float, y: float, width: float, height: float
) -> bool:
    """Code 128 centred in the box (mm); False (nothing drawn) when it cannot fit scannably."""
    module = code128_module(code, width)
    if module is None:
        return False
    symbol = Code128(
        code,
        barWidth=module * mm,
        barHeight=height * mm,
        quiet=1,
        lquiet=QUIET_MODULES * module * mm,
        rquiet=QUIET_MODULES * module * mm,
    )
    left = x + (width - symbol.width / mm) / 2
    symbol.drawOn(canvas, left * mm, y * mm)
    return True


def draw_qr(canvas: Canvas, text: str, x: float, y: float, size: float) -> None:
    """A QR code (error level M) filling a ``size`` mm square whose bottom-left is (x, y)."""
    import segno

    qr = segno.make(text, error="m", micro=False)
    rows = [list(row) for row in qr.matrix]
    count = len(rows) + 8  # four modules of quiet zone on each side
    module = size / count
    canvas.setFillColorRGB(0, 0, 0)
    for r, row in enumerate(rows):
        start = None
        for c, dark in enumerate([*row, 0]):
            if dark and start is None:
                start = c
            elif not dark and start is not None:
                left = x + (start + 4) * module
                bottom = y + size - (r + 5) * module
                canvas.rect(left * mm, bottom * mm, (c - start) * module * mm, module * mm, 0, 1)
                start = None


def write_sheets(
    out: Path,
    template: Template,
    cells: Sequence,
    draw: Callable[[Canvas, float, float, object], None],
    offset: tuple[float, float] = (0.0, 0.0),
    skip: int = 0,
    title: str = "",
) -> int:
    """Draw every cell in template order after ``skip`` used cells; returns the page count."""
    from reportlab import rl_config

    rl_config.useA85 = 0  # binary streams: ReportLab's pure-Python ASCII85 took 60 % of the time
    out = Path(out)
    temporary = out.with_name(out.name + ".part")
    width, height = template.page
    canvas = Canvas(str(temporary), pagesize=(width * mm, height * mm), pageCompression=1)
    canvas.setTitle(title or out.stem)
    canvas.setCreator("Bannalai")
    pages = 1
    for index, cell in enumerate(cells, start=skip):
        if index > skip and index % template.per_page == 0:
            canvas.showPage()
            pages += 1
        x, y = template.cell_origin(index, offset)
        draw(canvas, x, y, cell)
    canvas.showPage()
    canvas.save()
    os.replace(temporary, out)
    return pages
