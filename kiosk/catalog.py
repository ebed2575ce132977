"""Titles, copies, patrons and rules in the kiosk store: imports and changes from the hub.

Every import is one transaction: a file with bad rows changes nothing unless the caller chose to
skip them. Records are validated by ``wire.records`` before they reach the store.
"""

from __future__ import annotations

from collections.abc import Iterable

from kiosk.store import Store
from wire.records import Change, CopyRecord, PatronRecord, RuleRecord, TitleRecord


def _upsert(table, index: str, key, doc: dict) -> str:
    existing = table.lookup_one(index, key)
    if existing is None:
        table.insert(doc)
        return "added"
    if dict(existing) == {**existing, **doc}:
        return "unchanged"
    table.update(doc, doc_ids=[existing.doc_id])
    return "updated"


def _delete(table, index: str, key) -> str:
    existing = table.lookup_one(index, key)
    if existing is None:
        return "unchanged"
    table.remove(doc_ids=[existing.doc_id])
    return "deleted"


class Catalog:
    def __init__(self, store: Store):
        self.store = store
        self.titles = store.table("titles")
        self.copies = store.table("copies")
        self.patrons = store.table("patrons")
        self.rules = store.table("rules")

    def put_title(self, title: TitleRecord) -> str:
        return _upsert(self.titles, "id", title.title_id, title.model_dump())

    def put_copy(self, copy: CopyRecord, keep_status: bool = True) -> str:
        doc = copy.model_dump()
        existing = self.copies.lookup_one("barcode", copy.barcode)
        if keep_status and existing is not None:
            doc["status"] = existing.get("status", "available")  # a loan decides, not a file
        return _upsert(self.copies, "barcode", copy.barcode, doc)

    def put_patron(self, patron: PatronRecord) -> str:
        return _upsert(self.patrons, "card", patron.card, patron.model_dump())

    def put_rule(self, rule: RuleRecord) -> str:
        return _upsert(self.rules, "key", (rule.patron_category, rule.item_type), rule.model_dump())

    def import_catalog(self, rows: Iterable[tuple[TitleRecord, CopyRecord]]) -> dict:
        counts = {"added": 0, "updated": 0, "unchanged": 0}
        with self.store.transaction():
            for title, copy in rows:
                self.put_title(title)
                counts[self.put_copy(copy)] += 1
        return counts

    def import_patrons(self, patrons: Iterable[PatronRecord]) -> dict:
        counts = {"added": 0, "updated": 0, "unchanged": 0}
        with self.store.transaction():
            for patron in patrons:
                counts[self.put_patron(patron)] += 1
        return counts

    def apply_changes(self, changes: Iterable[Change]) -> dict:
        """Apply pulled changes in one transaction; returns counts per kind and outcome."""
        counts: dict[str, int] = {}
        with self.store.transaction():
            for change in changes:
                outcome = self._apply(change)
                key = f"{change.kind}_{outcome}"
                counts[key] = counts.get(key, 0) + 1
        return counts

    def _apply(self, change: Change) -> str:
        if change.kind == "title":
            if change.record is None:
                return _delete(self.titles, "id", change.key)
            return self.put_title(TitleRecord.model_validate(change.record))
        if change.kind == "copy":
            if change.record is None:
                return _delete(self.copies, "barcode", change.key)
            return self.put_copy(CopyRecord.model_validate(change.record))
        if change.kind == "patron":
            if change.record is None:
                return _delete(self.patrons, "card", change.key)
            return self.put_patron(PatronRecord.model_validate(change.record))
        if change.record is None:
            category, _, item_type = change.key.partition("/")
            return _delete(self.rules, "key", (category, item_type))
        return self.put_rule(RuleRecord.model_validate(change.record))
