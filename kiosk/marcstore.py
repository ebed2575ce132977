"""Write a parsed MARC import (``kiosk.marc.MarcImport``) into the kiosk catalogue.

One transaction for the whole file, under the library's lock. A title whose ISBN (any form) is
already in the catalogue is merged into that title: the file's non-empty fields win, empty ones
never erase what is there. Subjects, all ISBNs and call numbers are kept on the store documents
beside the ``wire.records`` fields (the wire models ignore extra keys). A copy's loan status is
never changed by a file. Never reads files; never decides whether bad records block an import.
"""

from __future__ import annotations

from kiosk.isbn import isbn_variants
from kiosk.marc import MarcImport

_KEYS = ("added", "updated", "unchanged")


def _existing_title_id(titles, draft) -> str | None:
    if titles.lookup_one("id", draft.record.title_id) is not None:
        return draft.record.title_id
    for isbn in draft.isbns:
        for variant in isbn_variants(isbn):
            doc = titles.lookup_one("isbn", variant)
            if doc is not None:
                return doc["title_id"]
    return None


def _put_title(catalog, record, extras: dict) -> str:
    doc = catalog.titles.lookup_one("id", record.title_id)
    new = {k: v for k, v in record.model_dump().items() if v} | extras
    if doc is None:
        catalog.titles.insert(record.model_dump() | extras)
        return "added"
    if dict(doc) == dict(doc) | new:
        return "unchanged"
    catalog.titles.update(new, doc_ids=[doc.doc_id])
    return "updated"


def apply_marc(library, parsed: MarcImport) -> dict:
    """Store ``parsed``; returns counts of titles and copies and the notes of this step."""
    counts = {f"titles_{k}": 0 for k in _KEYS} | {k: 0 for k in _KEYS}
    notes: list[str] = []
    catalog = library.catalog
    moved: dict[str, str] = {}
    with library.locked(), library.store.transaction():
        for title_id, draft in parsed.titles.items():
            target = _existing_title_id(catalog.titles, draft) or title_id
            if target != title_id:
                moved[title_id] = target
                notes.append(f"record {draft.first}: ISBN already in the catalogue: merged")
            record = draft.record.model_copy(update={"title_id": target})
            extras = {"subjects": draft.subjects, "isbns": draft.isbns}
            counts[f"titles_{_put_title(catalog, record, extras)}"] += 1
        for barcode, item in parsed.copies.items():
            copy = item.copy
            if copy.title_id in moved:
                copy = copy.model_copy(update={"title_id": moved[copy.title_id]})
            before = catalog.copies.lookup_one("barcode", barcode)
            if before is not None and before["title_id"] != copy.title_id:
                notes.append(f"barcode {barcode} moved from title {before['title_id']}")
            counts[catalog.put_copy(copy)] += 1
            if item.call_number:
                doc = catalog.copies.lookup_one("barcode", barcode)
                if doc.get("call_number") != item.call_number:
                    catalog.copies.update({"call_number": item.call_number}, doc_ids=[doc.doc_id])
    return counts | {"notes": notes}
