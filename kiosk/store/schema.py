"""The kiosk store's tables, indexes and schema migrations.

Every lookup on the scan path has an index here (copy by barcode, patron by card, open loan by
copy, open loans by patron, outbox event by id) so lending and returning never scan a table.
Migrations run in order, each inside one transaction, and record the new version in ``meta``.
"""

from __future__ import annotations

from collections.abc import Callable

TABLES = ("meta", "titles", "copies", "patrons", "loans", "rules", "outbox", "attendance")

INDEXES: dict[str, dict[str, object]] = {
    "meta": {"key": "key"},
    "titles": {"id": "title_id", "isbn": "isbn"},
    "copies": {"barcode": "barcode", "title": "title_id"},
    "patrons": {"card": "card"},
    "loans": {
        "open_by_copy": lambda d: d["barcode"] if d.get("status") == "open" else None,
        "open_by_patron": lambda d: d["card"] if d.get("status") == "open" else None,
    },
    "rules": {"key": lambda d: (d.get("patron_category"), d.get("item_type"))},
    "outbox": {"id": "id"},
}


def _v1(db) -> None:
    """Initial layout: nothing to convert; tables are created on first write."""


def _v2(db) -> None:
    """Copies gained ``item_type`` (rules match on it); older copies are books."""
    copies = db.table("copies")
    ids = [doc.doc_id for doc in copies.all() if "item_type" not in doc]
    if ids:
        copies.update({"item_type": "book"}, doc_ids=ids)


MIGRATIONS: list[Callable] = [_v1, _v2]
SCHEMA_VERSION = len(MIGRATIONS)
