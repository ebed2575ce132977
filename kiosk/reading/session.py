"""Track one reading session (book, start, minutes, pages, card) for the hub's figures.

The tracker is a plain value holder fed by the reader screen; ``finish`` gives the payload of
a ``reading_session_recorded`` event, validated against the wire model, and ``record`` hands
it to the kiosk's ``Library`` (which puts it in the outbox in one transaction). Time comes
from the caller's clock. A session shorter than ``MIN_SECONDS`` with no page turned is not
worth recording (someone opened a book by mistake).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from wire.events import ReadingSessionRecorded

MIN_SECONDS = 20
MAX_MINUTES = 24 * 60


class SessionRecorder(Protocol):
    def record_reading_session(
        self, *, content_id: str, started_at: datetime, minutes: float, pages: int, card: str | None
    ): ...


@dataclass
class ReadingSession:
    content_id: str
    started_at: datetime
    card: str | None = None
    pages: int = 0
    finished_at: datetime | None = None

    def page_turned(self, count: int = 1) -> None:
        if self.finished_at is None:
            self.pages += max(0, count)

    def minutes(self, now: datetime) -> float:
        seconds = max(0.0, (now - self.started_at).total_seconds())
        return round(min(seconds / 60.0, MAX_MINUTES), 2)

    def worth_recording(self, now: datetime) -> bool:
        return self.pages > 0 or (now - self.started_at).total_seconds() >= MIN_SECONDS

    def finish(self, now: datetime) -> dict | None:
        """The event payload (validated), or None when the session is too short to count."""
        if self.finished_at is not None or not self.worth_recording(now):
            self.finished_at = self.finished_at or now
            return None
        self.finished_at = now
        payload = ReadingSessionRecorded(
            content_id=self.content_id,
            started_at=self.started_at,
            minutes=self.minutes(now),
            pages=min(self.pages, 100_000),
            card=self.card,
        )
        return payload.model_dump()

    def record(self, library: SessionRecorder, now: datetime):
        """Finish and send to the library's outbox; returns its event or None."""
        payload = self.finish(now)
        if payload is None:
            return None
        return library.record_reading_session(**payload)
