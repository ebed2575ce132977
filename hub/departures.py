"""Patrons who leave: transferred or released, their open loans, and purging reading history.

Marking a patron changes their record's status (kiosks pull it and stop lending to them) and
either closes their open loans (the books came back with them) or flags each one as a conflict
for the librarian to chase. On release the patron's history -- the card on their loans, e-reading
sessions and attendances -- is replaced by one random pseudonym once ``purge_after`` has passed,
so past months' figures stay the same but nothing links those books to the person any more.
``purge_due`` runs from ``python -m hub purge-released`` (nightly) and at each dashboard login.
Runs inside the writer's transaction; no FastAPI.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
from datetime import datetime, timedelta

from hub.catalogue import get_record, put_record
from hub.clock import iso
from hub.errors import Invalid, NotFound

STATUSES = ("transferred", "released")
LOAN_ACTIONS = ("closed", "flagged")
DEFAULT_PURGE_DAYS = 90
HISTORY_EVENTS = (
    "checked_out", "checked_in", "renewed", "reading_session_recorded", "attendance_recorded",
)  # fmt: skip


def mark_departure(
    conn: sqlite3.Connection, prison_id: str, card: str, status: str, loans: str,
    purge_days: int, user: str, now: datetime,
) -> int:  # fmt: skip
    """Record that ``card`` left; return how many open loans were closed or flagged."""
    if status not in STATUSES or loans not in LOAN_ACTIONS:
        raise Invalid("status must be transferred or released; loans closed or flagged")
    if not 0 <= purge_days <= 3650:
        raise Invalid("the purge period is 0 to 3650 days")
    record = get_record(conn, prison_id, "patron", card)
    if record is None:
        raise NotFound(f"no patron {card} in prison {prison_id}")
    put_record(conn, prison_id, "patron", card, {**record, "status": status}, now)
    open_loans = conn.execute(
        "SELECT loan_id, barcode FROM loans WHERE prison_id=? AND card=? AND in_event_id IS NULL"
        " AND out_event_id IS NOT NULL",
        (prison_id, card),
    ).fetchall()
    for loan in open_loans:
        if loans == "closed":
            conn.execute(
                "UPDATE loans SET in_event_id=?, in_at=? WHERE loan_id=?",
                (f"departure:{status}", iso(now), loan["loan_id"]),
            )
        else:
            conn.execute(
                "INSERT INTO conflicts(prison_id, kiosk_id, event_id, kind, barcode, loan_id,"
                " detail, detected_at) VALUES (?, '', ?, 'patron_left_with_loan', ?, ?, ?, ?)",
                (prison_id, f"departure:{card}", loan["barcode"], loan["loan_id"],
                 json.dumps({"card": card, "status": status}), iso(now)),
            )  # fmt: skip
    purge_after = iso(now + timedelta(days=purge_days)) if status == "released" else None
    conn.execute(
        "INSERT INTO patron_departures(prison_id, card, status, recorded_at, recorded_by,"
        " open_loans, loans, purge_after) VALUES (?,?,?,?,?,?,?,?)"
        " ON CONFLICT(prison_id, card) DO UPDATE SET status=excluded.status,"
        " recorded_at=excluded.recorded_at, recorded_by=excluded.recorded_by,"
        " open_loans=excluded.open_loans, loans=excluded.loans, purge_after=excluded.purge_after",
        (prison_id, card, status, iso(now), user, len(open_loans), loans, purge_after),
    )
    return len(open_loans)


def purge_due(conn: sqlite3.Connection, now: datetime) -> int:
    """Pseudonymise the history of every released patron whose period has passed."""
    due = conn.execute(
        "SELECT prison_id, card FROM patron_departures WHERE status='released'"
        " AND purged_at IS NULL AND purge_after <= ?",
        (iso(now),),
    ).fetchall()
    marks = ",".join("?" * len(HISTORY_EVENTS))
    for prison_id, card in due:
        alias = f"purged-{secrets.token_hex(8)}"
        conn.execute(
            "UPDATE events SET data=json_set(data, '$.card', ?) WHERE prison_id=?"
            f" AND type IN ({marks}) AND json_extract(data, '$.card')=?",
            (alias, prison_id, *HISTORY_EVENTS, card),
        )
        conn.execute(
            "UPDATE loans SET card=? WHERE prison_id=? AND card=? AND in_event_id IS NOT NULL",
            (alias, prison_id, card),
        )
        conn.execute(
            "UPDATE patron_departures SET purged_at=? WHERE prison_id=? AND card=?",
            (iso(now), prison_id, card),
        )
    return len(due)


def list_departures(conn: sqlite3.Connection, prison_id: str | None) -> list[dict]:
    sql, args = "SELECT * FROM patron_departures", []
    if prison_id:
        sql, args = sql + " WHERE prison_id=?", [prison_id]
    return [dict(r) for r in conn.execute(sql + " ORDER BY recorded_at DESC LIMIT 200", args)]
