"""What kiosks pull: each prison's current titles, copies, patrons, rules and published content.

One ``records`` row per (prison, kind, key) holds the current record as JSON, or NULL once deleted
(a tombstone kiosks must still see). Every change takes the next global ``change_seq``; a kiosk
pulls rows above its cursor, so it gets the latest state of what changed, each row once.
Writes go through ``Database.write``; ``put_record`` is what a dashboard import calls.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime

from pydantic import BaseModel, ValidationError

from hub.clock import iso
from hub.errors import Invalid
from wire.api import ContentChange, ContentItem, PullResponse
from wire.records import Change, CopyRecord, PatronRecord, RuleRecord, TitleRecord

MODELS: dict[str, type[BaseModel]] = {
    "title": TitleRecord,
    "copy": CopyRecord,
    "patron": PatronRecord,
    "rule": RuleRecord,
    "content": ContentItem,
}


def key_of(kind: str, record: dict) -> str:
    """The key kiosks index a record by: title_id, barcode, card, ``category/item_type``."""
    if kind == "rule":
        return f"{record.get('patron_category', '*')}/{record.get('item_type', '*')}"
    field = {"title": "title_id", "copy": "barcode", "patron": "card", "content": "content_id"}
    return str(record[field[kind]])


def put_record(
    conn: sqlite3.Connection,
    prison_id: str,
    kind: str,
    key: str,
    record: dict | BaseModel | None,
    now: datetime,
) -> int | None:
    """Store (or with ``record=None`` delete) one record; return its change_seq, or None if the
    stored record is already identical (re-importing the same file sends nothing)."""
    if kind not in MODELS:
        raise Invalid(f"unknown record kind {kind!r}")
    text = None
    if record is not None:
        try:
            model = MODELS[kind].model_validate(
                record.model_dump() if isinstance(record, BaseModel) else record
            )
        except ValidationError as exc:
            raise Invalid(f"{kind} {key}: {exc.errors()[0]['msg']}") from None
        text = json.dumps(model.model_dump(mode="json"), ensure_ascii=False, sort_keys=True)
    old = conn.execute(
        "SELECT record FROM records WHERE prison_id=? AND kind=? AND key=?",
        (prison_id, kind, key),
    ).fetchone()
    if (old is None and text is None) or (old is not None and old[0] == text):
        return None
    seq = conn.execute(
        "UPDATE counters SET value=value+1 WHERE name='change_seq' RETURNING value"
    ).fetchone()[0]
    conn.execute(
        "INSERT INTO records(prison_id, kind, key, record, change_seq, changed_at)"
        " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(prison_id, kind, key) DO UPDATE SET"
        " record=excluded.record, change_seq=excluded.change_seq, changed_at=excluded.changed_at",
        (prison_id, kind, key, text, seq, iso(now)),
    )
    return seq


def get_record(conn: sqlite3.Connection, prison_id: str, kind: str, key: str) -> dict | None:
    row = conn.execute(
        "SELECT record FROM records WHERE prison_id=? AND kind=? AND key=?",
        (prison_id, kind, key),
    ).fetchone()
    return json.loads(row[0]) if row and row[0] else None


def pull(
    conn: sqlite3.Connection, prison_id: str, cursor: int, limit: int, now: datetime
) -> PullResponse:
    """The prison's changes after ``cursor``, oldest first, at most ``limit``. A cursor beyond
    anything this hub ever numbered (the hub was restored from an older backup) starts again
    from 0: kiosks apply changes as upserts, so a full resend is harmless."""
    latest = conn.execute("SELECT value FROM counters WHERE name='change_seq'").fetchone()[0]
    if cursor > latest:
        cursor = 0
    rows = conn.execute(
        "SELECT kind, key, record, change_seq FROM records WHERE prison_id=? AND change_seq>?"
        " ORDER BY change_seq LIMIT ?",
        (prison_id, cursor, limit + 1),
    ).fetchall()
    more = len(rows) > limit
    rows = rows[:limit]
    changes, content = [], []
    for kind, key, record, _ in rows:
        value = json.loads(record) if record else None
        if kind == "content":
            item = ContentItem.model_validate(value) if value else None
            content.append(ContentChange(content_id=key, item=item))
        else:
            changes.append(Change(kind=kind, key=key, record=value))
    new_cursor = rows[-1][3] if rows else cursor
    return PullResponse(
        cursor=new_cursor, more=more, changes=changes, content=content, hub_time=now
    )


def content_published_to(conn: sqlite3.Connection, prison_id: str, sha256: str) -> bool:
    row = conn.execute(
        "SELECT 1 FROM records WHERE prison_id=? AND kind='content' AND record IS NOT NULL"
        " AND json_extract(record, '$.sha256')=? LIMIT 1",
        (prison_id, sha256),
    ).fetchone()
    return row is not None
