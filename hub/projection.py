"""What the hub derives from events: loans, conflicts for the librarian, copies shared in a prison.

Loans are keyed by the kiosk's loan id, so a return that arrives before its check-out is joined
to it when the check-out comes. Conflicts (the same copy lent at two kiosks, a return with no open
loan) are recorded, never dropped, and resolved automatically only when a later event explains
them (the check-out arrives; the earlier loan's return arrives). Called by ``hub.ingest`` inside
the writer's transaction, once per new event.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime

from hub.catalogue import get_record, put_record
from hub.clock import iso
from hub.errors import Invalid
from wire.events import Event
from wire.records import title_id_for


class Projection:
    """Applies new events, in seq order, to ``loans``, ``conflicts`` and shared records."""

    def __init__(self, conn: sqlite3.Connection, received: datetime):
        self.conn, self.received, self.now = conn, received, iso(received)
        self.conflicts = 0

    def apply(self, event: Event, *, occurred: str) -> None:
        handler = getattr(self, f"_{event.type}", None)
        if handler is not None:
            handler(event, event.data, occurred)

    def _checked_out(self, event: Event, data: dict, occurred: str) -> None:
        loan_id, barcode = data["loan_id"], data["barcode"]
        self._check_copy_free(event, barcode, loan_id, data["card"])
        inserted = self.conn.execute(
            "INSERT OR IGNORE INTO loans(loan_id, prison_id, barcode, card, due, out_kiosk_id,"
            " out_event_id, out_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (loan_id, event.prison_id, barcode, data["card"], data["due"],
             event.kiosk_id, str(event.id), occurred),
        ).rowcount  # fmt: skip
        if inserted:
            return
        existing = self.conn.execute(
            "SELECT out_event_id FROM loans WHERE loan_id=?", (loan_id,)
        ).fetchone()
        if existing[0] is not None:
            self._conflict(event, "duplicate_loan_id", barcode, loan_id, {})
            return
        # Its return came first: join them, and the return is no longer a conflict.
        self.conn.execute(
            "UPDATE loans SET out_kiosk_id=?, out_event_id=?, out_at=? WHERE loan_id=?",
            (event.kiosk_id, str(event.id), occurred, loan_id),
        )
        self._resolve(loan_id, "return_without_open_loan", "its check-out arrived later")

    def _check_copy_free(self, event: Event, barcode: str, loan_id: str, card: str) -> None:
        rows = self.conn.execute(
            "SELECT l.loan_id, l.out_kiosk_id, l.card, e.seq FROM loans l"
            " LEFT JOIN events e ON e.id = l.out_event_id"
            " WHERE l.prison_id=? AND l.barcode=? AND l.in_event_id IS NULL AND l.loan_id<>?",
            (event.prison_id, barcode, loan_id),
        ).fetchall()
        for other in rows:
            if other["out_kiosk_id"] == event.kiosk_id and (other["seq"] or 0) > event.seq:
                continue  # a later loan from the same kiosk arrived first: this one was returned
            detail = {"other_loan_id": other["loan_id"], "other_kiosk_id": other["out_kiosk_id"],
                      "other_card": other["card"], "card": card}  # fmt: skip
            self._conflict(event, "copy_already_on_loan", barcode, loan_id, detail)

    def _checked_in(self, event: Event, data: dict, occurred: str) -> None:
        loan_id, barcode = data["loan_id"], data["barcode"]
        row = self.conn.execute(
            "SELECT loan_id, in_event_id FROM loans WHERE loan_id=?", (loan_id,)
        ).fetchone()
        if row is None:
            # Returned at another kiosk than the one that lent it: close the copy's open loan.
            row = self.conn.execute(
                "SELECT loan_id, in_event_id FROM loans WHERE prison_id=? AND barcode=?"
                " AND in_event_id IS NULL AND out_kiosk_id<>? ORDER BY out_at LIMIT 1",
                (event.prison_id, barcode, event.kiosk_id),
            ).fetchone()
        if row is None:
            self.conn.execute(
                "INSERT INTO loans(loan_id, prison_id, barcode, card, due, in_kiosk_id,"
                " in_event_id, in_at, days_late) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (loan_id, event.prison_id, barcode, data["card"], data["due"],
                 event.kiosk_id, str(event.id), occurred, data["days_late"]),
            )  # fmt: skip
            self._conflict(event, "return_without_open_loan", barcode, loan_id, {})
            return
        if row["in_event_id"] is not None:
            detail = {"first_return_event_id": row["in_event_id"]}
            self._conflict(event, "return_without_open_loan", barcode, loan_id, detail)
            return
        self.conn.execute(
            "UPDATE loans SET in_kiosk_id=?, in_event_id=?, in_at=?, days_late=? WHERE loan_id=?",
            (event.kiosk_id, str(event.id), occurred, data["days_late"], row["loan_id"]),
        )
        # A copy lent again elsewhere before this return reached the hub was not lent twice.
        self._resolve_other(row["loan_id"])

    def _copy_added(self, event: Event, data: dict, occurred: str) -> None:
        """A book added at one kiosk's desk becomes known to the prison's other kiosks; a
        record the hub already has (imported by a librarian) is never overwritten."""
        title_id = title_id_for(data.get("isbn", ""), data["title"], data.get("author", ""))
        title = {"title_id": title_id, "title": data["title"], "isbn": data.get("isbn", ""),
                 "title_latin": data.get("title_latin", ""), "author": data.get("author", "")}  # fmt: skip
        for kind, key, record in (
            ("title", title_id, title),
            ("copy", data["barcode"], {"barcode": data["barcode"], "title_id": title_id}),
        ):
            if get_record(self.conn, event.prison_id, kind, key) is None:
                try:
                    put_record(self.conn, event.prison_id, kind, key, record, self.received)
                except Invalid as exc:  # kept as an event; a librarian can fix the record
                    self._conflict(event, "copy_not_shared", data["barcode"], None,
                                   {"reason": str(exc)})  # fmt: skip

    def _renewed(self, event: Event, data: dict, occurred: str) -> None:
        cur = self.conn.execute(
            "UPDATE loans SET due=?, renewals=MAX(renewals, ?) WHERE loan_id=?",
            (data["due"], data["renewals"], data["loan_id"]),
        )
        if cur.rowcount == 0:
            self._conflict(event, "renewal_without_loan", data["barcode"], data["loan_id"], {})

    def _conflict(
        self, event: Event, kind: str, barcode: str, loan_id: str | None, detail: dict
    ) -> None:
        self.conn.execute(
            "INSERT INTO conflicts(prison_id, kiosk_id, event_id, kind, barcode, loan_id,"
            " detail, detected_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (event.prison_id, event.kiosk_id, str(event.id), kind, barcode, loan_id,
             json.dumps(detail, ensure_ascii=False), self.now),
        )  # fmt: skip
        self.conflicts += 1

    def _resolve(self, loan_id: str, kind: str, why: str) -> None:
        self.conn.execute(
            "UPDATE conflicts SET resolved_at=?, resolution=? WHERE loan_id=? AND kind=?"
            " AND resolved_at IS NULL",
            (self.now, f"automatic: {why}", loan_id, kind),
        )

    def _resolve_other(self, returned_loan_id: str) -> None:
        self.conn.execute(
            "UPDATE conflicts SET resolved_at=?, resolution=? WHERE kind='copy_already_on_loan'"
            " AND resolved_at IS NULL AND json_extract(detail, '$.other_loan_id')=?",
            (self.now, "automatic: the earlier loan's return arrived later", returned_loan_id),
        )
