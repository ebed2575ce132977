"""Event and batch builders shared by hub and sync tests."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

from wire.api import PushRequest
from wire.events import CheckedIn, CheckedOut, ReadingSessionRecorded, make_event

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


class EventMaker:
    """Numbers events like a kiosk outbox does."""

    def __init__(self, kiosk_id: str = "k1", prison_id: str = "p1", boot_id: str = "boot1"):
        self.kiosk_id, self.prison_id, self.boot_id = kiosk_id, prison_id, boot_id
        self.seq = 0
        self.at = T0
        self.synced = True

    def _make(self, type: str, payload):
        self.seq += 1
        self.at += timedelta(minutes=1)
        return make_event(
            type=type, payload=payload, kiosk_id=self.kiosk_id, prison_id=self.prison_id,
            seq=self.seq, boot_id=self.boot_id, at=self.at, clock_synced=self.synced,
        )  # fmt: skip

    def reading(self, minutes: float = 5):
        payload = ReadingSessionRecorded(
            content_id="c1", started_at=self.at, minutes=minutes, pages=3
        )
        return self._make("reading_session_recorded", payload)

    def lend(self, barcode: str, card: str = "C1", loan_id: str | None = None):
        payload = CheckedOut(
            loan_id=uuid.UUID(loan_id) if loan_id else uuid.uuid4(), card=card, barcode=barcode,
            due=date(2026, 12, 1),
        )  # fmt: skip
        return self._make("checked_out", payload)

    def give_back(self, lend_event):
        data = lend_event.data
        payload = CheckedIn(
            loan_id=data["loan_id"], card=data["card"], barcode=data["barcode"],
            due=data["due"], days_late=0,
        )  # fmt: skip
        return self._make("checked_in", payload)

    def push(self, events, *, pending: int | None = None, sent_at=None, synced=None) -> PushRequest:
        return PushRequest(
            kiosk_id=self.kiosk_id, boot_id=self.boot_id, sent_at=sent_at or self.at,
            clock_synced=self.synced if synced is None else synced,
            pending=len(events) if pending is None else pending, version="test", events=events,
        )  # fmt: skip
