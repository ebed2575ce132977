"""Import a detainee roster or a catalogue (CSV/XLSX) into the records kiosks pull.

Files are read by ``wire.tabular`` -- the same parser and columns as the kiosk's own import -- so a
file accepted at a kiosk is accepted here. As at the kiosk, a file with a bad row imports nothing
(every problem is reported by line) unless ``skip_bad`` asks for the good rows anyway. What the
hub already knows and the file does not carry is kept: a patron's status
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
    refused: bool = False  # problems and no skip_bad: nothing was stored


def parse(kind: str, path: Path):
    """Parse outside the writer (it may take a second for a large file)."""
    try:
        return parse_patrons(path) if kind == "patrons" else parse_catalog(path)
    except TableRefused as exc:
        raise Invalid(str(exc)) from None


def _result(parsed, skip_bad: bool) -> ImportResult:
    result = ImportResult(rows=len(parsed.records), problems=[str(p) for p in parsed.problems])
    result.refused = bool(parsed.problems) and not skip_bad
    return result


def store_patrons(
    conn: sqlite3.Connection, prison_id: str, parsed, now: datetime, skip_bad: bool = False
) -> ImportResult:
    result = _result(parsed, skip_bad)
    for patron in [] if result.refused else parsed.records:
        record = patron.model_dump()
        old = get_record(conn, prison_id, "patron", patron.card)
        if old:
            record["status"] = old.get("status", "active")
        _count(result, put_record(conn, prison_id, "patron", patron.card, record, now))
    return result


def store_catalogue(
    conn: sqlite3.Connection, prison_id: str, parsed, now: datetime, skip_bad: bool = False
) -> ImportResult:
    result = _result(parsed, skip_bad)
    for title, copy in [] if result.refused else parsed.records:
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
