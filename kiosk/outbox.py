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
    """The outbox table plus the event sequence counter.

    The counter is durable without a write per event: the highest sequence number ever used is
    ``max(meta[event_seq], highest seq in the outbox)``, and ``meta[event_seq]`` is raised in the
    same transaction that deletes acknowledged events.
    """

    def __init__(self, store: Store, clock: Clock, kiosk_id: str, prison_id: str):
        self.store = store
        self.clock = clock
        self.kiosk_id = kiosk_id
        self.prison_id = prison_id
        self.table = store.table("outbox")
        in_outbox = max((doc["seq"] for doc in self.table.all()), default=0)
        self._seq = max(int(store.get_meta(SEQ_KEY, 0)), in_outbox)

    def append(self, type: str, payload) -> Event:
        """Add an event; call inside the transaction of the change it records."""
        previous = self._seq
        self._seq += 1
        self.store.db.on_rollback(lambda: setattr(self, "_seq", previous))
        event = make_event(
            type=type,
            payload=payload,
            kiosk_id=self.kiosk_id,
            prison_id=self.prison_id,
            seq=self._seq,
            boot_id=self.clock.boot_id,
            at=self.clock.now(),
            clock_synced=self.clock.synced,
        )
        self.table.insert(event.model_dump(mode="json"))
        return event

    def pending(self, limit: int) -> list[Event]:
        docs = sorted(self.table.all(), key=lambda d: d["seq"])[:limit]
        return [Event.model_validate(d) for d in docs]

    def acknowledge(self, ids: Iterable[uuid.UUID | str]) -> int:
        """Delete acknowledged events (inside a transaction) and remember their sequence."""
        found = [self.table.lookup_one("id", str(event_id)) for event_id in ids]
        docs = [doc for doc in found if doc is not None]
        if docs:
            highest = max(doc["seq"] for doc in docs)
            if highest > int(self.store.get_meta(SEQ_KEY, 0)):
                self.store.set_meta(SEQ_KEY, highest)
            self.table.remove(doc_ids=[doc.doc_id for doc in docs])
        return len(docs)

    def count(self) -> int:
        return len(self.table)

    def last_seq(self) -> int:
        return self._seq
