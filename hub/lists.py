"""What the dashboard's list pages show: open and overdue loans, patrons, copies.

Read-only queries on one connection, each capped at ``LIMIT`` rows (the page says when more
exist). ``prison_id`` None means every prison (admins only; the web layer decides). No FastAPI.
"""

from __future__ import annotations

import sqlite3
from datetime import date, datetime

from hub.reports import LOCAL

LIMIT = 500


def _prison(sql: str, args: list, prison_id: str | None, column: str) -> tuple[str, list]:
    if prison_id is not None:
        return sql + f" AND {column}=?", [*args, prison_id]
    return sql, args


def open_loans(
    conn: sqlite3.Connection, prison_id: str | None, today: date, *, overdue_only: bool = False
) -> list[dict]:
    sql = (
        "SELECT l.prison_id, l.loan_id, l.card, json_extract(p.record, '$.name') AS name,"
        " l.barcode, json_extract(t.record, '$.title') AS title, l.out_at, l.due, l.renewals,"
        " julianday(?) - julianday(l.due) AS days_over FROM loans l"
        " LEFT JOIN records p ON p.prison_id=l.prison_id AND p.kind='patron' AND p.key=l.card"
        " LEFT JOIN records c ON c.prison_id=l.prison_id AND c.kind='copy' AND c.key=l.barcode"
        " LEFT JOIN records t ON t.prison_id=l.prison_id AND t.kind='title'"
        "  AND t.key=json_extract(c.record, '$.title_id')"
        " WHERE l.in_event_id IS NULL AND l.out_event_id IS NOT NULL"
    )
    args: list = [today.isoformat()]
    if overdue_only:
        sql, args = sql + " AND l.due < ?", [*args, today.isoformat()]
    sql, args = _prison(sql, args, prison_id, "l.prison_id")
    rows = conn.execute(sql + " ORDER BY l.due, l.out_at LIMIT ?", [*args, LIMIT]).fetchall()
    return [
        dict(r) | {"days_over": max(0, int(r["days_over"] or 0)), "out_at": local_day(r["out_at"])}
        for r in rows
    ]


def local_day(stored: str | None) -> str:
    """A stored UTC time as the date in Cambodia (what a librarian calls "the day it was lent")."""
    if not stored:
        return ""
    return datetime.fromisoformat(stored).astimezone(LOCAL).date().isoformat()


def patrons(conn: sqlite3.Connection, prison_id: str | None, query: str = "") -> list[dict]:
    sql = (
        "SELECT r.prison_id, r.key AS card, json_extract(r.record, '$.name') AS name,"
        " json_extract(r.record, '$.detainee_no') AS detainee_no,"
        " json_extract(r.record, '$.status') AS status,"
        " (SELECT COUNT(*) FROM loans l WHERE l.prison_id=r.prison_id AND l.card=r.key"
        "  AND l.in_event_id IS NULL AND l.out_event_id IS NOT NULL) AS open_loans"
        " FROM records r WHERE r.kind='patron' AND r.record IS NOT NULL"
    )
    args: list = []
    if query:
        sql += " AND (r.key LIKE ? OR json_extract(r.record, '$.name') LIKE ?"
        sql += " OR json_extract(r.record, '$.name_latin') LIKE ?)"
        args += [f"%{query}%"] * 3
    sql, args = _prison(sql, args, prison_id, "r.prison_id")
    return [dict(r) for r in conn.execute(sql + " ORDER BY r.key LIMIT ?", [*args, LIMIT])]


def copies(conn: sqlite3.Connection, prison_id: str | None, query: str = "") -> list[dict]:
    sql = (
        "SELECT c.prison_id, c.key AS barcode, json_extract(t.record, '$.title') AS title,"
        " json_extract(t.record, '$.author') AS author, json_extract(c.record, '$.status') AS status"
        " FROM records c LEFT JOIN records t ON t.prison_id=c.prison_id AND t.kind='title'"
        " AND t.key=json_extract(c.record, '$.title_id') WHERE c.kind='copy' AND c.record IS NOT NULL"
    )
    args: list = []
    if query:
        sql += " AND (c.key LIKE ? OR json_extract(t.record, '$.title') LIKE ?"
        sql += " OR json_extract(t.record, '$.author') LIKE ?)"
        args += [f"%{query}%"] * 3
    sql, args = _prison(sql, args, prison_id, "c.prison_id")
    return [dict(r) for r in conn.execute(sql + " ORDER BY c.key LIMIT ?", [*args, LIMIT])]


def counts(conn: sqlite3.Connection, prison_id: str | None) -> dict:
    sql, args = _prison(
        "SELECT kind, COUNT(*) FROM records WHERE record IS NOT NULL", [], prison_id, "prison_id"
    )
    return dict(conn.execute(sql + " GROUP BY kind", args).fetchall())


def resolve_conflict(
    conn: sqlite3.Connection, conflict_id: int, prison_id: str | None, note: str, user: str,
    now_iso: str,
) -> bool:  # fmt: skip
    """Mark one open conflict resolved; False if there is none with that id in ``prison_id``."""
    sql, args = _prison(
        "UPDATE conflicts SET resolved_at=?, resolution=? WHERE id=? AND resolved_at IS NULL",
        [now_iso, f"{user}: {note.strip()[:500] or 'resolved'}", conflict_id], prison_id,
        "prison_id",
    )  # fmt: skip
    return conn.execute(sql, args).rowcount == 1
