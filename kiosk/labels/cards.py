"""Patron cards: the prison and library, the reader's Khmer and Latin names, the card number, and
a Code 128 or QR code of that number, on ID-1 (85.6 x 54 mm) cells with a thin cutting frame.

The code holds the card number alone, which is what ``kiosk.barcodes`` accepts as a card with the
default settings. Names are shaped images (``textimage``); the number is also printed in clear so
a librarian can type it when a card is worn. Never touches the store.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from reportlab.lib.units import mm

from kiosk.labels.sheet import code128_module, draw_code128, draw_qr, place_run, write_sheets
from kiosk.labels.templates import Template
from kiosk.labels.textimage import render_run, require_shaping

QR_MM = 24.0


@dataclass(frozen=True)
class CardFace:
    card: str
    name: str
    name_latin: str = ""


@dataclass
class CardSheet:
    printed: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    pages: int = 0


def draw_card(
    canvas,
    template: Template,
    x: float,
    y: float,
    face: CardFace,
    header: str,
    font: Path,
) -> None:
    canvas.setLineWidth(0.25)
    canvas.setStrokeGray(0.6)
    canvas.roundRect(x * mm, y * mm, template.width * mm, template.height * mm, 3 * mm)
    pad = template.padding
    left, inner = x + pad, template.width - 2 * pad
    top = y + template.height - pad
    qr = template.symbology == "qr"
    text_width = inner - (QR_MM + 2 if qr else 0)
    lines = (
        (header, template.small_pt + 1),
        (face.name, 13.0),
        (face.name_latin, 9.0),
    )
    for text, size in lines:
        if text:
            run = render_run(text, font, size, text_width if text != header else inner)
            top -= run.height_mm
            place_run(canvas, run, left, top)
    canvas.setFont("Courier-Bold", 11)
    if qr:
        canvas.drawString(left * mm, (y + pad + 1) * mm, face.card)
        draw_qr(canvas, face.card, x + template.width - pad - QR_MM, y + pad - 1.5, QR_MM)
    else:
        canvas.drawCentredString((left + inner / 2) * mm, (y + pad) * mm, face.card)
        bottom = y + pad + 4.5
        draw_code128(canvas, face.card, left, bottom, inner, min(12.0, top - 1 - bottom))


def render_cards(
    out: Path,
    template: Template,
    faces: list[CardFace],
    header: str,
    font: Path,
    offset: tuple[float, float] = (0.0, 0.0),
    skip: int = 0,
) -> CardSheet:
    """Write patron cards to a PDF; a card number too long for Code 128 on a card is refused."""
    require_shaping()
    sheet = CardSheet()
    drawable = []
    for face in faces:
        if template.symbology != "qr" and code128_module(face.card, template.width - 8) is None:
            sheet.problems.append(f"{face.card}: card number too long for a Code 128 card")
            continue
        drawable.append(face)
    if drawable:

        def draw(canvas, x, y, face):
            draw_card(canvas, template, x, y, face, header, font)

        sheet.pages = write_sheets(
            out, template, drawable, draw, offset, skip, title="Bannalai cards"
        )
    sheet.printed = [face.card for face in drawable]
    return sheet
