"""Label and card sheet templates: where each cell sits on the page, in millimetres.

A template is data, not code: adding a sheet a prison buys is one entry in ``TEMPLATES``. The
per-printer offset (``--offset-mm X,Y`` or ``settings.extra["label_offset_mm"]``) moves every
cell, because cheap printers feed paper a few millimetres off. Never draws anything.
"""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.errors import KioskError

A4 = (210.0, 297.0)


@dataclass(frozen=True)
class Template:
    name: str
    kind: str  # "item" or "card"
    columns: int
    rows: int
    width: float  # one cell, mm
    height: float
    left: float  # page margin to the first cell, mm
    top: float
    gap_x: float = 0.0
    gap_y: float = 0.0
    padding: float = 3.0  # inside each cell, mm
    title_pt: float = 9.0
    small_pt: float = 6.5
    code_pt: float = 8.0
    show_library: bool = True
    symbology: str = "code128"  # cards: "code128" or "qr"
    page: tuple[float, float] = A4

    @property
    def per_page(self) -> int:
        return self.columns * self.rows

    def cell_origin(self, index: int, offset: tuple[float, float]) -> tuple[float, float]:
        """Bottom-left corner (mm, PDF coordinates) of cell ``index`` on its page."""
        position = index % self.per_page
        row, column = divmod(position, self.columns)
        x = self.left + column * (self.width + self.gap_x) + offset[0]
        top = self.top + row * (self.height + self.gap_y) + offset[1]
        return x, self.page[1] - top - self.height


TEMPLATES: dict[str, Template] = {
    t.name: t
    for t in (
        # 24 labels 70 x 36 mm (Avery 3475 and the like)
        Template("a4-3x8", "item", 3, 8, 70.0, 36.0, 0.0, 4.5, padding=4.0),
        # 14 labels 99.1 x 38.1 mm (Avery L7163)
        Template(
            "a4-2x7", "item", 2, 7, 99.1, 38.1, 4.65, 15.15, gap_x=2.5, title_pt=11, padding=4
        ),
        # 65 spine labels 38.1 x 21.2 mm (Avery L7651): code, short title, call number
        Template(
            "spine",
            "item",
            5,
            13,
            38.1,
            21.2,
            4.75,
            10.7,
            gap_x=2.5,
            padding=1.5,
            title_pt=6.5,
            small_pt=5.5,
            code_pt=6.5,
            show_library=False,
        ),
        # 10 ID-1 cards 85.6 x 54 mm per A4 sheet, to cut or to slip into sleeves
        Template("card", "card", 2, 5, 85.6, 54.0, 16.4, 13.5, gap_x=6.0, padding=4.0),
        Template(
            "card-qr", "card", 2, 5, 85.6, 54.0, 16.4, 13.5, gap_x=6.0, padding=4.0, symbology="qr"
        ),
    )
}


def template_named(name: str, kind: str) -> Template:
    template = TEMPLATES.get(name)
    if template is None or template.kind != kind:
        names = ", ".join(n for n, t in TEMPLATES.items() if t.kind == kind)
        raise KioskError(f"no {kind} template {name!r}; choose one of {names}")
    return template


def parse_offset(text: str | None, settings=None) -> tuple[float, float]:
    """``"X,Y"`` in mm (positive = right, down); else the printer's offset from settings."""
    if text is None:
        text = str((getattr(settings, "extra", None) or {}).get("label_offset_mm", "0,0"))
    try:
        x, y = (float(part) for part in text.split(","))
    except ValueError:
        raise KioskError(f"offset {text!r}: write it as X,Y in millimetres, e.g. 1.5,-2") from None
    if abs(x) > 20 or abs(y) > 20:
        raise KioskError(f"offset {text!r} is more than 20 mm: check the printer instead")
    return x, y
