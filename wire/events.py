"""Events: what a kiosk records and the hub applies.

An event is identified by its UUID; ``(kiosk_id, seq)`` orders a kiosk's events and lets the hub
notice gaps. ``at`` is the kiosk's wall clock, which may be wrong by months on a Pi without a
real-time clock: ``clock_synced`` says whether the kiosk believed it, and ``boot_id`` groups the
events made between two boots so the hub can correct a whole boot's clock at once.
Every payload is validated on both sides; an event that does not validate is never stored.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, TypeAdapter, model_validator

Code = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[\x21-\x7e]+$")]
IDENT_PATTERN = r"^[A-Za-z0-9_.-]{1,64}$"  # kiosk, prison and content ids: ASCII, path-safe
Ident = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=IDENT_PATTERN)]
Text = Annotated[str, StringConstraints(max_length=500)]

MAX_BATCH = 500


class Activity(StrEnum):
    LITERACY_CLASS = "literacy_class"
    VOCATIONAL_TRAINING = "vocational_training"
    VOCATIONAL_ORIENTATION = "vocational_orientation"
    LIBRARY_VISIT = "library_visit"


class _Payload(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CheckedOut(_Payload):
    loan_id: uuid.UUID
    card: Code
    barcode: Code
    due: date
    staff: Ident | None = None


class CheckedIn(_Payload):
    loan_id: uuid.UUID
    card: Code
    barcode: Code
    due: date
    days_late: int = Field(ge=0, le=100_000)


class Renewed(_Payload):
    loan_id: uuid.UUID
    card: Code
    barcode: Code
    due: date
    renewals: int = Field(ge=1, le=1000)


class AttendanceRecorded(_Payload):
    card: Code
    activity: Activity


class ReadingSessionRecorded(_Payload):
    content_id: Ident
    started_at: datetime
    minutes: float = Field(ge=0, le=24 * 60)
    pages: int = Field(ge=0, le=100_000)
    card: Code | None = None  # None: an anonymous reader


class CopyAdded(_Payload):
    barcode: Code
    isbn: Annotated[str, StringConstraints(max_length=17)] = ""
    title: Text
    title_latin: Text = ""
    author: Text = ""


PAYLOADS: dict[str, type[_Payload]] = {
    "checked_out": CheckedOut,
    "checked_in": CheckedIn,
    "renewed": Renewed,
    "attendance_recorded": AttendanceRecorded,
    "reading_session_recorded": ReadingSessionRecorded,
    "copy_added": CopyAdded,
}
EventType = Literal[
    "checked_out",
    "checked_in",
    "renewed",
    "attendance_recorded",
    "reading_session_recorded",
    "copy_added",
]


class Event(BaseModel):
    """One recorded fact, as stored in the kiosk outbox and pushed to the hub."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: uuid.UUID
    kiosk_id: Ident
    prison_id: Ident
    seq: int = Field(ge=1)
    boot_id: Ident
    type: EventType
    at: datetime
    clock_synced: bool
    data: dict

    @model_validator(mode="after")
    def _payload_matches_type(self) -> Event:
        PAYLOADS[self.type].model_validate(self.data)
        return self

    def payload(self) -> _Payload:
        return PAYLOADS[self.type].model_validate(self.data)


EVENT_LIST = TypeAdapter(list[Event])


def make_event(
    *,
    type: str,
    payload: _Payload,
    kiosk_id: str,
    prison_id: str,
    seq: int,
    boot_id: str,
    at: datetime,
    clock_synced: bool,
) -> Event:
    if PAYLOADS[type] is not type_of(payload):
        raise ValueError(f"payload {type_of(payload).__name__} does not match event type {type}")
    return Event(
        id=uuid.uuid4(),
        kiosk_id=kiosk_id,
        prison_id=prison_id,
        seq=seq,
        boot_id=boot_id,
        type=type,
        at=at,
        clock_synced=clock_synced,
        data=payload.model_dump(mode="json"),
    )


def type_of(payload: _Payload) -> type[_Payload]:
    return payload.__class__
