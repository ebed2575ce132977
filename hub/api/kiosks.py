"""Health, enrolment, push and pull: what a kiosk's sync thread calls."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from pydantic import ValidationError

from hub.api.deps import HubDep, KioskDep
from hub.app import describe_errors
from hub.auth import enrol
from hub.catalogue import pull
from hub.clock import iso
from hub.errors import Invalid, TooLarge
from hub.ingest import check_sender, ingest
from wire import PROTOCOL_VERSION
from wire.api import (
    MAX_PULL_CHANGES,
    EnrolRequest,
    EnrolResponse,
    Health,
    PullResponse,
    PushRequest,
    PushResponse,
)

router = APIRouter()
ENROL_MAX_BYTES = 16 * 1024


@router.get("/health", response_model=Health)
def health(hub: HubDep) -> Health:
    return Health(status="ok", hub_time=hub.now(), version=hub.version, protocol=PROTOCOL_VERSION)


@router.post("/enrol", response_model=EnrolResponse)
async def enrol_kiosk(request: Request, hub: HubDep) -> EnrolResponse:
    raw = await read_limited(request, ENROL_MAX_BYTES)
    try:
        body = EnrolRequest.model_validate_json(raw)
    except ValidationError as exc:
        raise Invalid(describe_errors(exc.errors())) from None
    kiosk, credential = await asyncio.wrap_future(
        hub.db.submit(lambda conn: enrol(conn, body.token, body.kiosk_id, hub.now()))
    )
    return EnrolResponse(
        kiosk_id=kiosk.kiosk_id, prison_id=kiosk.prison_id, credential=credential,
        hub_time=hub.now(),
    )  # fmt: skip


@router.post("/push", response_model=PushResponse, response_class=Response)
async def push(request: Request, hub: HubDep, kiosk: KioskDep) -> Response:
    body = await read_limited(request, hub.settings.max_push_bytes)
    try:
        batch = PushRequest.model_validate_json(body)
    except ValidationError as exc:
        raise Invalid(describe_errors(exc.errors())) from None
    check_sender(kiosk, batch)  # refuse before queueing for the writer
    received = hub.now()
    result = await asyncio.wrap_future(
        hub.db.submit(lambda conn: ingest(conn, kiosk, batch, received))
    )
    answer = PushResponse(
        acked=result.acked, applied=result.applied, duplicates=result.duplicates,
        conflicts=result.conflicts, missing=result.missing, hub_time=hub.now(),
    )  # fmt: skip
    return Response(answer.model_dump_json(), media_type="application/json")


async def read_limited(request: Request, limit: int) -> bytes:
    """The request body, refusing more than ``limit`` bytes before reading them all."""
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > limit):
        raise TooLarge(f"body larger than {limit} bytes; send smaller batches")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise TooLarge(f"body larger than {limit} bytes; send smaller batches")
        chunks.append(chunk)
    return b"".join(chunks)


@router.get("/pull", response_model=PullResponse)
def pull_changes(
    hub: HubDep,
    kiosk: KioskDep,
    cursor: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_PULL_CHANGES)] = MAX_PULL_CHANGES,
) -> PullResponse:
    limit = min(limit, hub.settings.pull_page)
    answer = hub.db.read(lambda conn: pull(conn, kiosk.prison_id, cursor, limit, hub.now()))
    seen = iso(hub.now())
    # A kiosk with nothing to push still pulls every round: that, too, means it is alive.
    hub.db.submit(
        lambda conn: conn.execute(
            "UPDATE kiosks SET last_seen=? WHERE kiosk_id=? AND (last_seen IS NULL OR last_seen<?)",
            (seen, kiosk.kiosk_id, seen),
        )
    )
    return answer
