"""The kiosk's core service: one object that every front end (command line, screens, sync thread)
calls to lend, return, renew, record attendance and reading, and to read state.

It owns the store for the life of the process and serialises every call with one lock, so the
sync thread and the UI thread can both use it (TinyDB itself is not thread-safe). Each action is
one transaction: the loan, the copy's status and the outbox event are durable together before
the call returns. A refusal comes back as ``circulation.Refusal``, never as an exception.
"""

from __future__ import annotations

import functools
import re
import threading
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime

from tinydb.table import Document

from kiosk import circulation
from kiosk.archive import archive_closed_loans
from kiosk.catalog import Catalog
from kiosk.circulation import Refusal
from kiosk.clock import Clock
from kiosk.config import Settings
from kiosk.errors import KioskError, NotInitialised
from kiosk.outbox import Outbox
from kiosk.store import Store
from wire import events
from wire.events import Activity
from wire.records import Change, CopyRecord, RuleRecord, TitleRecord, title_id_for

IDENT = re.compile(events.IDENT_PATTERN)


@dataclass(frozen=True)
class Lent:
    loan: dict
    title: dict | None


@dataclass(frozen=True)
class Returned:
    loan: dict
    patron: dict | None
    title: dict | None
    days_late: int


@dataclass(frozen=True)
class Renewed:
    loan: dict
    title: dict | None


def _locked(method):
    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        with self._lock:
            return method(self, *args, **kwargs)

    return wrapper


class Library:
    def __init__(self, settings: Settings, store: Store, clock: Clock):
        self.settings = settings
        self.store = store
        self.clock = clock
        self._lock = threading.RLock()
        identity = store.get_meta("identity")
        if not identity:
            store.close()
            raise NotInitialised(
                f"no kiosk in {settings.home}: run 'python -m kiosk init --kiosk-id ID --prison-id ID'"
            )
        self.kiosk_id: str = identity["kiosk_id"]
        self.prison_id: str = identity["prison_id"]
        self.catalog = Catalog(store)
        self.outbox = Outbox(store, clock, self.kiosk_id, self.prison_id)
        self.loans_table = store.table("loans")
        self.attendance = store.table("attendance")
        self._rules: tuple[int, list[RuleRecord]] = (-1, [])
        self._archived_on: date | None = None
        self._restore_clock_offset()

    def _restore_clock_offset(self) -> None:
        """A restart in the same boot keeps what the hub said about our clock."""
        state = self.store.get_meta("sync", {}) or {}
        offset = state.get("clock_offset_s")
        if offset is not None and state.get("clock_boot_id") == self.clock.boot_id:
            self.clock.offset_s = float(offset)

    # -- life cycle ------------------------------------------------------------------------
    @classmethod
    def open(cls, settings: Settings, clock: Clock | None = None, io=None) -> Library:
        store = Store.open(
            settings.paths.store, compact_bytes=settings.compact_journal_bytes, io=io
        )
        return cls(settings, store, clock or Clock())

    @staticmethod
    def init(settings: Settings, kiosk_id: str, prison_id: str) -> None:
        """Give a new kiosk home its identity; re-running with the same ids is harmless."""
        for label, value in (("kiosk id", kiosk_id), ("prison id", prison_id)):
            if not IDENT.fullmatch(value or ""):  # the wire format's own rule: the hub agrees
                raise KioskError(
                    f"{label} {value!r}: use A-Z, a-z, 0-9, '-', '_' or '.' (64 at most)"
                )
        store = Store.open(settings.paths.store, compact_bytes=settings.compact_journal_bytes)
        try:
            current = store.get_meta("identity")
            wanted = {"kiosk_id": kiosk_id, "prison_id": prison_id}
            if current and current != wanted:
                raise KioskError(
                    f"this home already belongs to kiosk {current['kiosk_id']} of prison "
                    f"{current['prison_id']}"
                )
            if not current:
                with store.transaction():
                    store.set_meta("identity", wanted)
        finally:
            store.close()

    @contextmanager
    def locked(self):
        """Hold the library for a multi-step change made outside this class (MARC import,
        label-printed marks); open ``store.transaction()`` inside it."""
        with self._lock:
            yield self

    @_locked
    def close(self) -> None:
        self.store.close()

    def compact_if_needed(self) -> bool:
        """Idle housekeeping: once a day archive old returned loans, then compact if due.

        The UI thread calls this every second, so it never waits: while another thread holds
        the library (the sync thread applying a page of pulled records), it is skipped. Waiting
        there stopped the app's watchdog pings for the length of a big first pull, and systemd
        killed the app (seen on the twin)."""
        if not self._lock.acquire(blocking=False):
            return False
        try:
            today = self.clock.today()
            if self._archived_on != today and self.clock.synced:  # a wrong clock: wrong pick
                self._archived_on = today
                archive_closed_loans(self, today)
            return self.store.compact_if_needed()
        finally:
            self._lock.release()

    # -- lookups ---------------------------------------------------------------------------
    @_locked
    def patron(self, card: str) -> dict | None:
        doc = self.catalog.patrons.lookup_one("card", card)
        return dict(doc) if doc else None

    @_locked
    def copy(self, barcode: str) -> dict | None:
        doc = self.catalog.copies.lookup_one("barcode", barcode)
        return dict(doc) if doc else None

    @_locked
    def title(self, title_id: str) -> dict | None:
        doc = self.catalog.titles.lookup_one("id", title_id)
        return dict(doc) if doc else None

    def _open_loan(self, barcode: str) -> Document | None:
        """The open loan of a copy (a copy of the stored document, with its ``doc_id``)."""
        doc = self.loans_table.lookup_one("open_by_copy", barcode)
        return Document(dict(doc), doc.doc_id) if doc else None

    def _title_of(self, copy: dict | None) -> dict | None:
        return self.title(copy["title_id"]) if copy else None

    @_locked
    def patron_loans(self, card: str) -> list[dict]:
        """The patron's open loans with titles, earliest due first."""
        loans = [self._with_title(dict(d)) for d in self.loans_table.lookup("open_by_patron", card)]
        return sorted(loans, key=lambda loan: loan["due"])

    def _with_title(self, loan: dict) -> dict:
        title = self._title_of(self.copy(loan["barcode"])) or {}
        return loan | {"title": title.get("title", ""), "title_latin": title.get("title_latin", "")}

    @_locked
    def loans(
        self, card: str | None = None, overdue: bool = False, today: date | None = None
    ) -> list[dict]:
        today = today or self.clock.today()
        if card is not None:
            found = self.patron_loans(card)
        else:
            ids = sorted(self.loans_table.indexed_ids("open_by_patron"))
            found = [self._with_title(dict(self.loans_table.get(doc_id=i))) for i in ids]
        if overdue:
            found = [loan for loan in found if loan["due"] < today.isoformat()]
        return sorted(found, key=lambda loan: (loan["due"], loan["card"]))

    @_locked
    def availability(self, title_id: str) -> tuple[int, int]:
        """(copies on the shelf, all lendable copies) of a title."""
        copies = self.catalog.copies.lookup("title", title_id)
        lendable = [c for c in copies if c.get("status") not in ("lost", "withdrawn")]
        on_loan = sum(
            1 for c in lendable if self.loans_table.count_by("open_by_copy", c["barcode"])
        )
        return len(lendable) - on_loan, len(lendable)

    @_locked
    def titles(self) -> list[dict]:
        return [dict(t) for t in self.catalog.titles.all()]

    @_locked
    def rules(self) -> list[dict]:
        return [rule.model_dump() for rule in self._parsed_rules()]

    def _parsed_rules(self) -> list[RuleRecord]:
        """The circulation rules, parsed once per change of the rules table (not per scan)."""
        table = self.catalog.rules
        if self._rules[0] != table.version:
            self._rules = (table.version, [RuleRecord.model_validate(dict(r)) for r in table.all()])
        return self._rules[1]

    # -- circulation -----------------------------------------------------------------------
    @_locked
    def check_out(self, card: str, barcode: str, staff: str | None = None) -> Lent | Refusal:
        patron, copy = self.patron(card), self.copy(barcode)
        decision = circulation.check_out(
            card=card,
            barcode=barcode,
            patron=patron,
            copy=copy,
            open_loan=self._open_loan(barcode),
            patron_open_loans=self.loans_table.count_by("open_by_patron", card),
            rules=self._parsed_rules(),
            today=self.clock.today(),
        )
        if isinstance(decision, Refusal):
            return decision
        loan = {
            "loan_id": str(uuid.uuid4()),
            "card": card,
            "barcode": barcode,
            "title_id": copy["title_id"],
            "out_at": self.clock.now().isoformat(),
            "due": decision.due.isoformat(),
            "in_at": None,
            "renewals": 0,
            "status": "open",
            "kiosk_id": self.kiosk_id,
        }
        with self.store.transaction():
            self.loans_table.insert(loan)
            self._set_copy_status(barcode, "on_loan")
            payload = events.CheckedOut(
                loan_id=loan["loan_id"], card=card, barcode=barcode, due=decision.due, staff=staff
            )
            self.outbox.append("checked_out", payload)
        return Lent(loan=loan, title=self._title_of(copy))

    @_locked
    def check_in(self, barcode: str) -> Returned | Refusal:
        copy = self.copy(barcode)
        decision = circulation.check_in(
            barcode=barcode, copy=copy, open_loan=self._open_loan(barcode), today=self.clock.today()
        )
        if isinstance(decision, Refusal):
            return decision
        loan = decision.loan
        closed = {"status": "closed", "in_at": self.clock.now().isoformat()}
        with self.store.transaction():
            self.loans_table.update(closed, doc_ids=[loan.doc_id])
            self._set_copy_status(barcode, "available")
            payload = events.CheckedIn(
                loan_id=loan["loan_id"],
                card=loan["card"],
                barcode=barcode,
                due=date.fromisoformat(loan["due"]),
                days_late=decision.days_late,
            )
            self.outbox.append("checked_in", payload)
        return Returned(
            loan=loan | closed,
            patron=self.patron(loan["card"]),
            title=self._title_of(copy),
            days_late=decision.days_late,
        )

    @_locked
    def renew(self, barcode: str) -> Renewed | Refusal:
        copy, loan = self.copy(barcode), self._open_loan(barcode)
        decision = circulation.renew(
            barcode=barcode,
            patron=self.patron(loan["card"]) if loan else None,
            copy=copy,
            open_loan=loan,
            rules=self._parsed_rules(),
            today=self.clock.today(),
        )
        if isinstance(decision, Refusal):
            return decision
        change = {"due": decision.due.isoformat(), "renewals": decision.renewals}
        with self.store.transaction():
            self.loans_table.update(change, doc_ids=[loan.doc_id])
            payload = events.Renewed(
                loan_id=loan["loan_id"],
                card=loan["card"],
                barcode=barcode,
                due=decision.due,
                renewals=decision.renewals,
            )
            self.outbox.append("renewed", payload)
        return Renewed(loan=loan | change, title=self._title_of(copy))

    def _set_copy_status(self, barcode: str, status: str) -> None:
        doc = self.catalog.copies.lookup_one("barcode", barcode)
        if doc is not None and doc.get("status") != status:
            self.catalog.copies.update({"status": status}, doc_ids=[doc.doc_id])

    # -- other activities ------------------------------------------------------------------
    @_locked
    def record_attendance(self, card: str, activity: str) -> dict | Refusal:
        patron = self.patron(card)
        if patron is None:
            return Refusal(circulation.UNKNOWN_CARD, {"card": card})
        if patron.get("status", "active") != "active":
            return Refusal(circulation.PATRON_NOT_ACTIVE, {"card": card})
        payload = events.AttendanceRecorded(card=card, activity=Activity(activity))
        with self.store.transaction():
            record = {"card": card, "activity": activity, "at": self.clock.now().isoformat()}
            self.attendance.insert(record)
            self.outbox.append("attendance_recorded", payload)
        return record | {"patron": patron}

    @_locked
    def record_reading_session(
        self,
        *,
        content_id: str,
        started_at: datetime,
        minutes: float,
        pages: int,
        card: str | None = None,
    ) -> events.Event:
        payload = events.ReadingSessionRecorded(
            content_id=content_id, started_at=started_at, minutes=minutes, pages=pages, card=card
        )
        with self.store.transaction():
            return self.outbox.append("reading_session_recorded", payload)

    @_locked
    def add_copy(
        self,
        *,
        barcode: str,
        title: str,
        isbn: str = "",
        title_latin: str = "",
        author: str = "",
        category: str = "",
    ) -> dict:
        """A book added at the desk: title + copy + a ``copy_added`` event, in one transaction."""
        if self.copy(barcode) is not None:
            raise KioskError(f"barcode {barcode} is already in the catalogue")
        title_id = title_id_for(isbn, title, author)
        form = {"title": title, "title_latin": title_latin, "author": author, "isbn": isbn,
                "category": category}  # fmt: skip
        known = self.title(title_id) or {"title_id": title_id}
        given = {k: v for k, v in form.items() if v}
        with self.store.transaction():
            # A title already known (cover, reading level from the hub) keeps what the form omits.
            self.catalog.put_title(TitleRecord.model_validate(known | given))
            self.catalog.put_copy(CopyRecord(barcode=barcode, title_id=title_id))
            payload = events.CopyAdded(
                barcode=barcode, isbn=isbn, title=title, title_latin=title_latin, author=author
            )
            self.outbox.append("copy_added", payload)
        return {"barcode": barcode, "title_id": title_id}

    # -- imports and hub changes -----------------------------------------------------------
    @_locked
    def import_catalog(self, rows) -> dict:
        return self.catalog.import_catalog(rows)

    @_locked
    def import_patrons(self, patrons) -> dict:
        return self.catalog.import_patrons(patrons)

    @_locked
    def apply_remote_changes(self, changes: list[Change]) -> dict:
        return self.catalog.apply_changes(changes)

    # -- outbox and sync state (used by the sync thread) -------------------------------------
    @_locked
    def outbox_pending(self, limit: int) -> list[events.Event]:
        return self.outbox.pending(limit)

    @_locked
    def outbox_acknowledge(self, ids) -> int:
        with self.store.transaction():
            return self.outbox.acknowledge(ids)

    @_locked
    def outbox_count(self) -> int:
        return self.outbox.count()

    @_locked
    def sync_state(self) -> dict:
        return dict(self.store.get_meta("sync", {}))

    @_locked
    def update_sync_state(self, **fields) -> dict:
        if "clock_offset_s" in fields:
            fields["clock_boot_id"] = self.clock.boot_id
        state = self.sync_state() | fields
        with self.store.transaction():
            self.store.set_meta("sync", state)
        return state

    @_locked
    def status(self) -> dict:
        return {
            "kiosk_id": self.kiosk_id,
            "prison_id": self.prison_id,
            "titles": len(self.catalog.titles),
            "copies": len(self.catalog.copies),
            "patrons": len(self.catalog.patrons),
            "open_loans": self.loans_table.count_indexed("open_by_patron"),
            "overdue_loans": len(self.loans(overdue=True)),
            "pending_events": self.outbox.count(),
            "last_event_seq": self.outbox.last_seq(),
            "clock_synced": self.clock.synced,
            "store": self.store.health(),
            "sync": self.sync_state(),
        }

    def __enter__(self) -> Library:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
