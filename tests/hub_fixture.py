"""A hand-computed fixture month for the hub's figures, exports, bundles and dashboard tests.

Prison P01, March 2026 (Cambodia time, UTC+7), pushed through the real ingest. The expected
figures below were worked out by hand from the event list, not by running the code.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta, timezone

from hub.app import Hub
from hub.auth import create_user, enrol, issue_enrolment_token
from hub.catalogue import put_record
from hub.config import Settings
from wire.api import PushRequest
from wire.events import Event
from wire.records import CopyRecord, PatronRecord, TitleRecord

ICT = timezone(timedelta(hours=7))
NOW = datetime(2026, 4, 15, 3, 0, tzinfo=UTC)
PASSWORD = "correct horse battery"
FORMULA_NAME = '=HYPERLINK("http://evil.example/","click")'
KHMER_NAME = "សុខ សុភាព"

PATRONS = {
    "C1": KHMER_NAME, "C2": "Chan Dara", "C3": "ស្រី មុំ", "C4": "Kim Heng", "C5": "Vann Sok",
    "C6": "Ly Nary", "C7": "Phan Rith", "C8": FORMULA_NAME,
}  # fmt: skip
TITLES = {
    "T1": ("សៀវភៅណែនាំអ្នកជាប់ឃុំ", ["B1", "B2"]),  # the Prisoner's Guide
    "T2": ("Small Hands", ["B3"]),
    "T3": ("ព្រះអាទិត្យ", ["B4"]),
    "T4": ("Khmer Folk Tales", ["B5", "B6"]),
}


def t(day: int, hour: int = 10, minute: int = 0, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=ICT).astimezone(UTC)


LOANS = {}  # name -> loan id


def _loan(name: str) -> str:
    return LOANS.setdefault(name, str(uuid.uuid5(uuid.NAMESPACE_URL, name)))


# (at, type, data) for kiosk K1 of P01
P01_EVENTS = [
    (t(28, 23, 30, month=2), "checked_out", {"loan_id": _loan("c5b2"), "card": "C5", "barcode": "B2", "due": "2026-03-14"}),
    (t(2), "checked_out", {"loan_id": _loan("c1b1"), "card": "C1", "barcode": "B1", "due": "2026-03-16"}),
    (t(3), "checked_out", {"loan_id": _loan("c2b3"), "card": "C2", "barcode": "B3", "due": "2026-03-17"}),
    (t(5), "checked_out", {"loan_id": _loan("c3b4"), "card": "C3", "barcode": "B4", "due": "2026-03-19"}),
    (t(10), "checked_out", {"loan_id": _loan("c1b5"), "card": "C1", "barcode": "B5", "due": "2026-03-24"}),
    (t(12), "checked_in", {"loan_id": _loan("c1b1"), "card": "C1", "barcode": "B1", "due": "2026-03-16", "days_late": 0}),
    (t(15), "renewed", {"loan_id": _loan("c3b4"), "card": "C3", "barcode": "B4", "due": "2026-04-05", "renewals": 1}),
    (t(31, 23, 30), "checked_out", {"loan_id": _loan("c4b6"), "card": "C4", "barcode": "B6", "due": "2026-04-14"}),
    (t(1, 0, 30, month=4), "checked_in", {"loan_id": _loan("c2b3"), "card": "C2", "barcode": "B3", "due": "2026-03-17", "days_late": 15}),
    (t(4), "reading_session_recorded", {"content_id": "K1", "started_at": "2026-03-04T02:00:00+00:00", "minutes": 30, "pages": 12, "card": "C1"}),
    (t(6), "reading_session_recorded", {"content_id": "K1", "started_at": "2026-03-06T02:00:00+00:00", "minutes": 20, "pages": 8, "card": "C6"}),
    (t(7), "reading_session_recorded", {"content_id": "K2", "started_at": "2026-03-07T02:00:00+00:00", "minutes": 10, "pages": 3, "card": None}),
    (t(8), "reading_session_recorded", {"content_id": "K2", "started_at": "2026-03-08T02:00:00+00:00", "minutes": 10, "pages": 4, "card": None}),
    (t(9), "reading_session_recorded", {"content_id": "K2", "started_at": "2026-03-09T02:00:00+00:00", "minutes": 15.5, "pages": 5, "card": "C7"}),
    (t(11), "attendance_recorded", {"card": "C2", "activity": "literacy_class"}),
    (t(18), "attendance_recorded", {"card": "C2", "activity": "literacy_class"}),
    (t(18), "attendance_recorded", {"card": "C7", "activity": "literacy_class"}),
    (t(19), "attendance_recorded", {"card": "C8", "activity": "vocational_training"}),
    (t(20), "attendance_recorded", {"card": "C5", "activity": "library_visit"}),
    (t(21), "attendance_recorded", {"card": "C1", "activity": "library_visit"}),
]  # fmt: skip
# Another prison: the same card number is another person and must not be merged.
P02_EVENTS = [
    (t(2), "checked_out", {"loan_id": _loan("p2c1"), "card": "C1", "barcode": "B1", "due": "2026-03-16"}),
]  # fmt: skip

EXPECTED_P01 = {
    "readers": 7,  # C1 C2 C3 C4 (borrowed), C6 C7 (read with card), C5 (library visit)
    "anonymous_sessions": 2,
    "loans": 5,  # C5's loan was on 28 Feb local time; C4's at 23:30 on 31 March counts
    "returns": 1,  # C2's return was at 00:30 on 1 April
    "renewals": 1,
    "overdue_loans": 3,  # open at month end and due before 1 April: C5/B2, C2/B3, C1/B5
    "reading_sessions": 5,
    "reading_minutes": 86,  # 30 + 20 + 10 + 10 + 15.5 = 85.5
    "reading_pages": 32,
    "attendance": {
        "literacy_class": {"participants": 2, "attendances": 3},
        "vocational_training": {"participants": 1, "attendances": 1},
        "vocational_orientation": {"participants": 0, "attendances": 0},
        "library_visit": {"participants": 2, "attendances": 2},
    },
    "top_titles": [
        {"title": "Khmer Folk Tales", "loans": 2},
        {"title": "Small Hands", "loans": 1},
        {"title": "ព្រះអាទិត្យ", "loans": 1},
        {"title": "សៀវភៅណែនាំអ្នកជាប់ឃុំ", "loans": 1},
    ],
}


def _push(hub: Hub, prison: str, kiosk_id: str, events: list) -> None:
    token = hub.db.write(
        lambda c: issue_enrolment_token(c, kiosk_id, prison, timedelta(days=1), NOW)
    )
    kiosk, _ = hub.db.write(lambda c: enrol(c, token, kiosk_id, NOW))
    batch = [
        Event(id=uuid.uuid4(), kiosk_id=kiosk_id, prison_id=prison, seq=i, boot_id="boot1",
              type=kind, at=at, clock_synced=True, data=data)
        for i, (at, kind, data) in enumerate(events, start=1)
    ]  # fmt: skip
    push = PushRequest(kiosk_id=kiosk_id, boot_id="boot1", sent_at=NOW, clock_synced=True,
                       pending=len(batch), version="0.1.0", events=batch)  # fmt: skip
    from hub.ingest import ingest

    hub.db.write(lambda c: ingest(c, kiosk, push, NOW))


def _records(conn, prison: str) -> None:
    for card, name in PATRONS.items():
        put_record(conn, prison, "patron", card,
                   PatronRecord(card=card, name=name, detainee_no=f"D-{card}"), NOW)  # fmt: skip
    for title_id, (title, barcodes) in TITLES.items():
        put_record(
            conn, prison, "title", title_id, TitleRecord(title_id=title_id, title=title), NOW
        )
        for barcode in barcodes:
            put_record(conn, prison, "copy", barcode,
                       CopyRecord(barcode=barcode, title_id=title_id), NOW)  # fmt: skip


def build(data_dir) -> Hub:
    """An opened hub holding the fixture month and one user per role (password ``PASSWORD``)."""
    hub = Hub(Settings.load(data_dir), now=lambda: NOW).open()
    hub.db.write(lambda c: _records(c, "P01"))
    hub.db.write(lambda c: put_record(c, "P02", "patron", "C1",
                                      PatronRecord(card="C1", name="Other Person"), NOW))  # fmt: skip
    _push(hub, "P01", "K1", P01_EVENTS)
    _push(hub, "P02", "K2", P02_EVENTS)
    for name, role, prison in (("admin", "admin", None), ("lib1", "librarian", "P01"),
                               ("view1", "viewer", "P01"), ("lib2", "librarian", "P02")):  # fmt: skip
        hub.db.write(
            lambda c, n=name, r=role, p=prison: create_user(
                c, n, PASSWORD, NOW, role=r, prison_id=p
            )
        )
    return hub


MARCH = date(2026, 3, 1)
