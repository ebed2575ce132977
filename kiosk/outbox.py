"""Events waiting for the hub.

An event is written in the same transaction as the change it describes, numbered by a per-kiosk
sequence kept in ``meta`` (TinyDB doc ids are reused after deletes, so they are never an
identity). The sync thread reads pending events in sequence order and deletes them only after
the hub acknowledged them.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from kiosk.clock import Clock
from kiosk.store import Store
from wire.events import Event, make_event

SEQ_KEY = "event_seq"


class Outbox:
    def __init__(self, store: Store, clock: Clock, kiosk_id: str, prison_id: str):
        self.store = store
        self.clock = clock
        self.kiosk_id = kiosk_id
        self.prison_id = prison_id
        self.table = store.table("outbox")

    def append(self, type: str, payload) -> Event:
        """Add an event; call inside the transaction of the change it records."""
        seq = int(self.store.get_meta(SEQ_KEY, 0)) + 1
        event = make_event(
            type=type,
            payload=payload,
            kiosk_id=self.kiosk_id,
            prison_id=self.prison_id,
            seq=seq,
            boot_id=self.clock.boot_id,
            at=self.clock.now(),
            clock_synced=self.clock.synced,
        )
        self.store.set_meta(SEQ_KEY, seq)
        self.table.insert(event.model_dump(mode="json"))
        return event

    def pending(self, limit: int) -> list[Event]:
        docs = sorted(self.table.all(), key=lambda d: d["seq"])[:limit]
        return [Event.model_validate(d) for d in docs]

    def acknowledge(self, ids: Iterable[uuid.UUID | str]) -> int:
        doc_ids = []
        for event_id in ids:
            doc = self.table.lookup_one("id", str(event_id))
            if doc is not None:
                doc_ids.append(doc.doc_id)
        if doc_ids:
            self.table.remove(doc_ids=doc_ids)
        return len(doc_ids)

    def count(self) -> int:
        return len(self.table)

    def last_seq(self) -> int:
        return int(self.store.get_meta(SEQ_KEY, 0))
