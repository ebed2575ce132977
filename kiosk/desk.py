"""Adding a book at the circulation desk, without a screen: scan its ISBN, complete, print.

The Kivy screen (built elsewhere) only shows and forwards; this is the whole flow:

1. the librarian scans the cover: ``known = look_up_isbn(library, code)`` gives the ISBN-13, the
   title already in the catalogue for it (``known.title``, a dict, or None: fill the form from
   it), the barcodes of its copies, and ``known.next_barcode`` for the new copy;
2. the librarian completes the Khmer title and author on the on-screen keyboard;
3. ``outcome = add_book(library, title=..., author=..., isbn=known.isbn, label_pdf=path,
   template="a4-3x8", position=n)`` (empty fields are taken from the known title) adds the copy (``Library.add_copy``: a ``copy_added`` event)
   and writes that one label at cell ``position`` of a partly used sheet, marked printed;
4. the screen prints ``outcome.label_pdf``.

``outcome`` is ``Added`` or a ``DeskRefusal`` value with a reason code (``isbn_invalid``,
``title_missing``, ``legacy_font``, ``barcode_format``, ``barcode_taken``, ``barcode_unscannable``)
and never an exception for what a librarian typed. Nothing is added when the label cannot scan.
Never imports Kivy and never sends anything to a printer: the screen owns both.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from kiosk.barcodes import check_label, validate
from kiosk.errors import KioskError
from kiosk.isbn import isbn_variants, normalise_isbn
from kiosk.labels.items import ItemLabel, LabelSheet, render_item_labels
from kiosk.labels.printed import mark_printed
from kiosk.labels.sheet import code128_module
from kiosk.labels.templates import parse_offset, template_named
from kiosk.labels.textimage import label_font
from wire.tabular import looks_like_legacy_khmer


@dataclass(frozen=True)
class Known:
    isbn: str
    title: dict | None
    copies: list[str]
    next_barcode: str


@dataclass(frozen=True)
class Added:
    barcode: str
    title_id: str
    label_pdf: Path | None
    sheet: LabelSheet | None


@dataclass(frozen=True)
class DeskRefusal:
    reason: str
    detail: str = ""


def _find_title(library, isbn: str) -> dict | None:
    with library.locked():
        titles = library.catalog.titles
        for variant in isbn_variants(isbn):
            doc = titles.lookup_one("isbn", variant)
            if doc is not None:
                return dict(doc)
        doc = next((t for t in titles.all() if isbn in (t.get("isbns") or ())), None)
        return dict(doc) if doc else None


def look_up_isbn(library, code: str) -> Known | DeskRefusal:
    """What the catalogue knows about the book whose ISBN (10 or 13, EAN bars) was scanned."""
    isbn = normalise_isbn(code)
    if isbn is None:
        return DeskRefusal("isbn_invalid", code)
    title = _find_title(library, isbn)
    copies = []
    if title is not None:
        with library.locked():
            copies = [
                c["barcode"] for c in library.catalog.copies.lookup("title", title["title_id"])
            ]
    return Known(isbn, title, sorted(copies), next_barcode(library))


def _is_item_code(library, code: str) -> bool:
    found = validate(code, "code128", library.settings)
    return getattr(found, "kind", "") in ("item", "label") and found.code == code


def next_barcode(library, digits: int = 8) -> str:
    """The next free numeric item code after the highest one in use, in the configured format."""
    with library.locked():
        numbers = [c["barcode"] for c in library.catalog.copies.all() if c["barcode"].isdigit()]
    top = max(numbers, key=lambda b: (len(b), b), default="0" * digits)
    width, value = max(len(top), digits), int(top)
    scheme = library.settings.item_label_check
    checked = scheme not in ("", "none")
    for _ in range(1000):
        value += 1
        body = str(value).zfill(width - checked)
        for code in [body + d for d in "0123456789X"] if checked else [body]:
            usable = len(code) != 10 and check_label(code, scheme)  # 10 chars reads as ISBN-10
            if usable and _is_item_code(library, code) and library.copy(code) is None:
                return code
    raise KioskError("no free item code in the configured label format")


def _checked_fields(library, fields: dict) -> dict | DeskRefusal:
    """The form's fields normalised, empty ones filled from the title already known by ISBN."""
    fields = {k: unicodedata.normalize("NFC", v or "").strip() for k, v in fields.items()}
    known = None
    if fields["isbn"]:
        normal = normalise_isbn(fields["isbn"])
        if normal is None:
            return DeskRefusal("isbn_invalid", fields["isbn"])
        known = _find_title(library, normal) or {}
        fields["isbn"] = known.get("isbn") or normal  # the stored form keeps the same title id
        for key in ("title", "author", "title_latin", "category"):
            fields[key] = fields[key] or known.get(key, "")
    if not fields["title"]:
        return DeskRefusal("title_missing")
    for name in ("title", "author"):
        if looks_like_legacy_khmer(fields[name]):
            return DeskRefusal("legacy_font", name)
    return fields | {"known": known or {}}


def _checked_barcode(library, barcode: str | None, template) -> str | DeskRefusal:
    barcode = (barcode or next_barcode(library)).strip().upper()
    if not _is_item_code(library, barcode):
        return DeskRefusal("barcode_format", barcode)
    if library.copy(barcode) is not None:
        return DeskRefusal("barcode_taken", barcode)
    if code128_module(barcode, template.width - 2 * template.padding) is None:
        return DeskRefusal("barcode_unscannable", barcode)
    return barcode


def _keep_known(library, title_id: str, known: dict) -> None:
    """``Library.add_copy`` rewrites the whole title: put back what the form cannot carry."""
    kept = {k: known[k] for k in ("cover", "reading_level") if known.get(k)}
    if kept:
        with library.locked(), library.store.transaction():
            doc = library.catalog.titles.lookup_one("id", title_id)
            if doc is not None:
                library.catalog.titles.update(kept, doc_ids=[doc.doc_id])


def add_book(
    library,
    *,
    title: str,
    isbn: str = "",
    author: str = "",
    title_latin: str = "",
    category: str = "",
    barcode: str | None = None,
    label_pdf: Path | None = None,
    template: str = "a4-3x8",
    position: int = 0,
    offset_mm: str | None = None,
    when: datetime | None = None,
) -> Added | DeskRefusal:
    """Add one copy and write its label (see the module docstring)."""
    sheet_template = template_named(template, "item")
    form = {"title": title, "isbn": isbn, "author": author}
    fields = _checked_fields(library, form | {"title_latin": title_latin, "category": category})
    if isinstance(fields, DeskRefusal):
        return fields
    code = _checked_barcode(library, barcode, sheet_template)
    if isinstance(code, DeskRefusal):
        return code
    known = fields.pop("known")
    try:
        added = library.add_copy(barcode=code, **fields)
    except KioskError:
        return DeskRefusal("barcode_taken", code)
    _keep_known(library, added["title_id"], known)
    sheet = None
    if label_pdf is not None:
        sheet = render_item_labels(
            Path(label_pdf),
            sheet_template,
            [ItemLabel(code, fields["title"])],
            library.settings.library_name,
            label_font(library.settings),
            parse_offset(offset_mm, library.settings),
            skip=position,
        )
        mark_printed(library, sheet.printed, when or library.clock.now())
    return Added(code, added["title_id"], Path(label_pdf) if label_pdf else None, sheet)
