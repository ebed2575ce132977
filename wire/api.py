"""Request and response bodies of the kiosk <-> hub API (``/api/v1``), and their limits.

Both sides validate with these models: the kiosk before it sends, the hub before it stores.
Every hub response also carries the hub's clock in the ``HUB_TIME_HEADER`` header, so a kiosk
without a real-time clock learns the time from any answer, even an error.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from wire.events import MAX_BATCH, Event, Ident
from wire.records import Change

API_PREFIX = "/api/v1"
HUB_TIME_HEADER = "X-Bannalai-Hub-Time"
MAX_PUSH_BYTES = 4 * 1024 * 1024  # 500 events of the largest payloads fit with room to spare
MAX_PULL_CHANGES = 1000
MAX_MISSING_RANGES = 20

Version = Annotated[str, StringConstraints(max_length=40)]
Sha256 = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
Secret = Annotated[str, StringConstraints(min_length=16, max_length=200, pattern=r"^[\x21-\x7e]+$")]
Short = Annotated[str, StringConstraints(max_length=300)]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Health(_Body):
    status: str
    hub_time: datetime
    version: str
    protocol: int


class EnrolRequest(_Body):
    token: Secret
    kiosk_id: Ident
    version: Version = ""


class EnrolResponse(_Body):
    kiosk_id: Ident
    prison_id: Ident
    credential: Secret  # send as ``Authorization: Bearer <credential>``; the hub keeps a hash
    hub_time: datetime


class PushRequest(_Body):
    kiosk_id: Ident
    boot_id: Ident  # the kiosk's current boot: its clock offset applies to this boot's events
    sent_at: AwareDatetime  # the kiosk's clock when sending
    clock_synced: bool
    pending: int = Field(ge=0)  # outbox size before this batch, for the dashboard
    version: Version = ""
    events: list[Event] = Field(max_length=MAX_BATCH)


class PushResponse(_Body):
    acked: list[uuid.UUID]  # stored durably: the kiosk may delete exactly these
    applied: int  # new to the hub
    duplicates: int  # seen before, acknowledged again, not applied again
    conflicts: int  # conflicts recorded while applying this batch
    missing: list[tuple[int, int]]  # seq ranges (inclusive) the hub has never received
    hub_time: datetime


class ContentItem(_Body):
    """A published e-book or audio file; fetch ``GET /api/v1/content/{sha256}`` (Range ok)."""

    content_id: Ident
    sha256: Sha256
    size: int = Field(ge=0)
    filename: Short
    media_type: Short
    title: Short = ""
    category: Short = ""
    licence: Short = ""


class ContentChange(_Body):
    content_id: Ident
    item: ContentItem | None  # None: withdrawn from this prison


class PullResponse(_Body):
    cursor: int = Field(ge=0)  # pass back as ?cursor= next time
    more: bool  # true: pull again straight away
    changes: list[Change]
    content: list[ContentChange]
    hub_time: datetime


class ErrorBody(_Body):
    detail: str
