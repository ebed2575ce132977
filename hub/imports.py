"""Import a detainee roster or a catalogue (CSV/XLSX) into the records kiosks pull.

Files are read by ``wire.tabular`` -- the same parser and columns as the kiosk's own import -- so a
file accepted at a kiosk is accepted here. Good rows are stored, bad rows are reported by line and
skipped. What the hub already knows and the file does not carry is kept: a patron's status
(a released patron stays released) and a copy's status, type and location.
Runs inside the writer's transaction; no FastAPI.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from hub.catalogue import get_record, put_record
from hub.errors import Invalid
from wire.tabular import TableRefused, parse_catalog, parse_patrons


@dataclass
class ImportResult:
    rows: int = 0
    changed: int = 0
    unchanged: int = 0
    problems: list[str] = field(default_factory=list)


def parse(kind: str, path: Path):
    """Parse outside the writer (it may take a second for a large file)."""
    try:
        return parse_patrons(path) if kind == "patrons" else parse_catalog(path)
    except TableRefused as exc:
        raise Invalid(str(exc)) from None


def store_patrons(conn: sqlite3.Connection, prison_id: str, parsed, now: datetime) -> ImportResult:
    result = ImportResult(rows=len(parsed.records), problems=[str(p) for p in parsed.problems])
    for patron in parsed.records:
        record = patron.model_dump()
        old = get_record(conn, prison_id, "patron", patron.card)
        if old:
            record["status"] = old.get("status", "active")
        _count(result, put_record(conn, prison_id, "patron", patron.card, record, now))
    return result


def store_catalogue(
    conn: sqlite3.Connection, prison_id: str, parsed, now: datetime
) -> ImportResult:
    result = ImportResult(rows=len(parsed.records), problems=[str(p) for p in parsed.problems])
    for title, copy in parsed.records:
        put_record(conn, prison_id, "title", title.title_id, title, now)
        record = copy.model_dump()
        old = get_record(conn, prison_id, "copy", copy.barcode)
        if old:
            for kept in ("status", "item_type", "location"):
                record[kept] = old.get(kept, record[kept])
        _count(result, put_record(conn, prison_id, "copy", copy.barcode, record, now))
    return result


def _count(result: ImportResult, seq: int | None) -> None:
    if seq is None:
        result.unchanged += 1
    else:
        result.changed += 1
