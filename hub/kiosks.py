"""What the hub knows about each kiosk: for ``python -m hub kiosks`` and the dashboard."""

from __future__ import annotations

import sqlite3

from hub.ingest import missing_ranges

COLUMNS = (
    "kiosk_id, prison_id, enrolled_at, revoked_at, last_seen, version, pending, clock_offset_s,"
    " clock_synced, contiguous_seq, max_seq, events_received"
)


def list_kiosks(conn: sqlite3.Connection, prison_id: str | None = None) -> list[dict]:
    """One dict per kiosk; ``missing`` lists seq ranges never received (a gap to look at)."""
    sql = f"SELECT {COLUMNS} FROM kiosks"
    args: tuple = ()
    if prison_id:
        sql += " WHERE prison_id=?"
        args = (prison_id,)
    out = []
    for row in conn.execute(sql + " ORDER BY prison_id, kiosk_id", args).fetchall():
        item = dict(row)
        item["clock_synced"] = None if row["clock_synced"] is None else bool(row["clock_synced"])
        item["missing"] = missing_ranges(conn, row["kiosk_id"], 20)
        item["open_conflicts"] = conn.execute(
            "SELECT COUNT(*) FROM conflicts WHERE kiosk_id=? AND resolved_at IS NULL",
            (row["kiosk_id"],),
        ).fetchone()[0]
        out.append(item)
    return out


def list_conflicts(
    conn: sqlite3.Connection, prison_id: str | None = None, *, open_only: bool = True
) -> list[dict]:
    sql = "SELECT * FROM conflicts WHERE 1=1"
    args: list = []
    if prison_id:
        sql += " AND prison_id=?"
        args.append(prison_id)
    if open_only:
        sql += " AND resolved_at IS NULL"
    return [dict(r) for r in conn.execute(sql + " ORDER BY id", args).fetchall()]
