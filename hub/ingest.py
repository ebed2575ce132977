"""Apply a kiosk's pushed events to the hub database, idempotently.

The same batch pushed twice, in pieces or out of order has the effect of one push: an event id
already stored is acknowledged and not applied again, and only new events reach
``hub.projection`` (loans, conflicts, shared copies). A kiosk's sequence numbers show gaps; its
clock offset corrects the times of events made while its clock was wrong. Every event keeps the
hub's receive time.
Runs inside the writer's transaction (``Database.write``); never imports FastAPI.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from hub.auth import Kiosk
from hub.clock import iso
from hub.errors import Forbidden
from hub.projection import Projection
from wire.api import MAX_MISSING_RANGES, PushRequest
from wire.events import Event

# An unsynchronised kiosk time further than this from the hub's receive time is not believed.
PLAUSIBLE = timedelta(days=400)


@dataclass
class IngestResult:
    acked: list = field(default_factory=list)
    applied: int = 0
    duplicates: int = 0
    conflicts: int = 0
    missing: list[tuple[int, int]] = field(default_factory=list)


def check_sender(kiosk: Kiosk, push: PushRequest) -> None:
    """A kiosk pushes only as itself, only events of its own prison; refuse the whole batch."""
    if push.kiosk_id != kiosk.kiosk_id:
        raise Forbidden(f"authenticated as {kiosk.kiosk_id}, cannot push as {push.kiosk_id}")
    for event in push.events:
        if event.kiosk_id != kiosk.kiosk_id or event.prison_id != kiosk.prison_id:
            raise Forbidden(
                f"event {event.id} is from {event.prison_id}/{event.kiosk_id}; this kiosk is "
                f"{kiosk.prison_id}/{kiosk.kiosk_id}"
            )


def ingest(
    conn: sqlite3.Connection, kiosk: Kiosk, push: PushRequest, received: datetime
) -> IngestResult:
    check_sender(kiosk, push)
    result = IngestResult(acked=[e.id for e in push.events])
    received_iso = iso(received)
    offset_s = (push.sent_at - received).total_seconds()
    if not push.clock_synced:
        conn.execute(
            "INSERT OR IGNORE INTO boot_offsets(kiosk_id, boot_id, offset_s, observed_at)"
            " VALUES (?, ?, ?, ?)",
            (kiosk.kiosk_id, push.boot_id, offset_s, received_iso),
        )
    fresh = _new_events(conn, push.events)
    result.duplicates = len(push.events) - len(fresh)
    result.applied = len(fresh)
    if fresh:
        offsets = _boot_offsets(conn, kiosk.kiosk_id, {e.boot_id for e in fresh})
        rows = []
        for event in fresh:
            occurred, source = occurred_at(event, received, offsets.get(event.boot_id))
            rows.append(_event_row(event, occurred, source, received_iso))
        conn.executemany(
            "INSERT INTO events(id, kiosk_id, prison_id, seq, boot_id, type, at, clock_synced,"
            " occurred_at, time_source, data, received_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        projector = Projection(conn, received)
        for event, row in sorted(zip(fresh, rows, strict=True), key=lambda p: p[0].seq):
            projector.apply(event, occurred=row[8])
        result.conflicts = projector.conflicts
    _update_kiosk(conn, kiosk, push, received_iso, offset_s, fresh)
    result.missing = missing_ranges(conn, kiosk.kiosk_id, MAX_MISSING_RANGES)
    return result


def _new_events(conn: sqlite3.Connection, events: list[Event]) -> list[Event]:
    if not events:
        return []
    ids = [str(e.id) for e in events]
    marks = ",".join("?" * len(ids))
    seen = {r[0] for r in conn.execute(f"SELECT id FROM events WHERE id IN ({marks})", ids)}
    fresh = []
    for event, event_id in zip(events, ids, strict=True):
        if event_id not in seen:
            seen.add(event_id)  # the same id twice in one batch counts once
            fresh.append(event)
    return fresh


def _boot_offsets(conn: sqlite3.Connection, kiosk_id: str, boots: set[str]) -> dict[str, float]:
    marks = ",".join("?" * len(boots))
    rows = conn.execute(
        f"SELECT boot_id, offset_s FROM boot_offsets WHERE kiosk_id=? AND boot_id IN ({marks})",
        [kiosk_id, *boots],
    )
    return {r[0]: r[1] for r in rows}


def occurred_at(event: Event, received: datetime, boot_offset_s: float | None) -> tuple[str, str]:
    """The hub's best estimate of when ``event`` happened, and where that estimate came from."""
    at = event.at if event.at.tzinfo else event.at.replace(tzinfo=received.tzinfo)
    if event.clock_synced:
        return iso(at), "kiosk"
    if boot_offset_s is not None:
        return iso(at - timedelta(seconds=boot_offset_s)), "corrected"
    if received - PLAUSIBLE <= at <= received:
        return iso(at), "kiosk"
    return iso(received), "received"


def _event_row(event: Event, occurred: str, source: str, received_iso: str) -> tuple:
    return (
        str(event.id),
        event.kiosk_id,
        event.prison_id,
        event.seq,
        event.boot_id,
        event.type,
        occurred if source == "kiosk" and event.clock_synced else iso(event.at),
        int(event.clock_synced),
        occurred,
        source,
        _dumps(event.data),
        received_iso,
    )


_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def _update_kiosk(
    conn: sqlite3.Connection,
    kiosk: Kiosk,
    push: PushRequest,
    now_iso: str,
    offset_s: float,
    fresh: list[Event],
) -> None:
    row = conn.execute(
        "SELECT contiguous_seq, max_seq FROM kiosks WHERE kiosk_id=?", (kiosk.kiosk_id,)
    ).fetchone()
    contiguous, top = row[0], max([row[1], *(e.seq for e in fresh)])
    if any(e.seq == contiguous + 1 for e in fresh) or contiguous == 0:
        contiguous = _advance(conn, kiosk.kiosk_id, contiguous)
    pending_after = max(0, push.pending - len(push.events))
    conn.execute(
        "UPDATE kiosks SET last_seen=?, version=?, pending=?, clock_offset_s=?, clock_synced=?,"
        " contiguous_seq=?, max_seq=?, events_received=events_received+? WHERE kiosk_id=?",
        (now_iso, push.version, pending_after, offset_s, int(push.clock_synced), contiguous,
         top, len(fresh), kiosk.kiosk_id),
    )  # fmt: skip


def _advance(conn: sqlite3.Connection, kiosk_id: str, contiguous: int) -> int:
    while True:
        seqs = [
            r[0]
            for r in conn.execute(
                "SELECT DISTINCT seq FROM events WHERE kiosk_id=? AND seq>? ORDER BY seq LIMIT 1000",
                (kiosk_id, contiguous),
            )
        ]
        for seq in seqs:
            if seq != contiguous + 1:
                return contiguous
            contiguous = seq
        if len(seqs) < 1000:
            return contiguous


def missing_ranges(conn: sqlite3.Connection, kiosk_id: str, limit: int) -> list[tuple[int, int]]:
    """Inclusive ``(first, last)`` seq ranges below the kiosk's highest seq never received."""
    row = conn.execute("SELECT contiguous_seq FROM kiosks WHERE kiosk_id=?", (kiosk_id,)).fetchone()
    if row is None:
        return []
    rows = conn.execute(
        "SELECT seq, nxt FROM (SELECT seq, LEAD(seq) OVER (ORDER BY seq) AS nxt FROM"
        " (SELECT DISTINCT seq FROM events WHERE kiosk_id=? AND seq>=?))"
        " WHERE nxt > seq + 1 LIMIT ?",
        (kiosk_id, max(row[0], 1), limit),
    ).fetchall()
    ranges = [(seq + 1, nxt - 1) for seq, nxt in rows]
    if row[0] == 0:
        first = conn.execute(
            "SELECT MIN(seq) FROM events WHERE kiosk_id=?", (kiosk_id,)
        ).fetchone()[0]
        if first is not None and first > 1:
            ranges.insert(0, (1, first - 1))
    return ranges[:limit]
