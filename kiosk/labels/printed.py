"""Which copies and patrons to print, and the "label printed" mark that makes ``--new`` work.

A copy's label is marked printed (``label_printed_at``, ISO time, on the copy document) when its
PDF has been written; ``--new`` selects the copies without that mark, so books added at the desk
or by an import get their labels in the next batch. Lost and withdrawn copies are never
selected in bulk; released or transferred patrons get no card in bulk. Reads and marks happen
under the library's lock; the mark is one transaction for the whole batch.
"""

from __future__ import annotations

from datetime import datetime

from kiosk.labels.cards import CardFace
from kiosk.labels.items import ItemLabel

PRINTED = "label_printed_at"
_NOT_ON_SHELF = ("lost", "withdrawn")


def _label(library, copy: dict) -> ItemLabel:
    title = library.catalog.titles.lookup_one("id", copy.get("title_id")) or {}
    text = title.get("title") or title.get("title_latin") or ""
    return ItemLabel(copy["barcode"], text, copy.get("call_number", ""))


def _order(code: str) -> tuple:
    return (len(code), code)  # 9 before 10 for numeric codes, stable for the rest


def item_labels(
    library, barcodes: list[str] | None = None, new: bool = False
) -> tuple[list[ItemLabel], list[str]]:
    """Labels for ``barcodes`` (and those not in the catalogue), or for every copy on the shelf
    (only the never-printed ones when ``new``)."""
    with library.locked():
        copies = library.catalog.copies
        if barcodes:
            found = {b: copies.lookup_one("barcode", b) for b in dict.fromkeys(barcodes)}
            unknown = [b for b, doc in found.items() if doc is None]
            return [_label(library, doc) for doc in found.values() if doc is not None], unknown
        docs = [
            doc
            for doc in copies.all()
            if doc.get("status") not in _NOT_ON_SHELF and not (new and doc.get(PRINTED))
        ]
        docs.sort(key=lambda d: _order(d["barcode"]))
        return [_label(library, doc) for doc in docs], []


def mark_printed(library, barcodes: list[str], when: datetime) -> int:
    """Record that the labels of ``barcodes`` were printed; returns how many copies changed."""
    stamp = when.isoformat(timespec="seconds")
    with library.locked(), library.store.transaction():
        copies = library.catalog.copies
        ids = [doc.doc_id for b in barcodes if (doc := copies.lookup_one("barcode", b))]
        if ids:
            copies.update({PRINTED: stamp}, doc_ids=ids)
    return len(ids)


def patron_cards(library, cards: list[str] | None = None) -> tuple[list[CardFace], list[str]]:
    """Faces for ``cards`` (and those unknown), or for every active patron."""
    with library.locked():
        patrons = library.catalog.patrons
        if cards:
            found = {c: patrons.lookup_one("card", c) for c in dict.fromkeys(cards)}
            docs = [doc for doc in found.values() if doc is not None]
            unknown = [c for c, doc in found.items() if doc is None]
        else:
            docs = [d for d in patrons.all() if d.get("status", "active") == "active"]
            docs.sort(key=lambda d: _order(d["card"]))
            unknown = []
    faces = [CardFace(d["card"], d.get("name", ""), d.get("name_latin", "")) for d in docs]
    return faces, unknown


def card_header(library) -> str:
    """The line on top of a card: the prison's name (or id) and the library's name."""
    settings = library.settings
    prison = (settings.extra or {}).get("prison_name") or library.prison_id
    return f"{prison} · {settings.library_name}"
