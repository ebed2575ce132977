"""A Hypothesis state machine over record / push / ack / retry with lost requests, lost acks,
double deliveries and late replays of old batches, between a real kiosk home and the hub's real
ingest (in-process, so hundreds of steps run in seconds). After every step: every recorded event
is in the outbox or at the hub, the hub holds each exactly once, and the kiosk deleted only
events the hub holds."""

from __future__ import annotations

import random
import shutil
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from hub import auth, catalogue, ingest
from hub.app import Hub
from hub.config import Settings as HubSettings
from kiosk.config import Settings
from kiosk.enrolment import save_credential
from kiosk.hub_client import HubUnreachable
from kiosk.library import Library
from kiosk.sync import SyncAgent, SyncConfig
from wire.api import PushRequest, PushResponse

FAULTS = ("none", "lose_request", "lose_reply", "deliver_twice")


class FakeClient:
    """Speaks to the hub core directly, with the fault chosen for this round."""

    def __init__(self, machine, credential):
        self.m, self.credential = machine, credential

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return None

    def push(self, body: PushRequest) -> PushResponse:
        wire = body.model_dump_json()
        self.m.sent.append(wire)
        fault = self.m.fault
        if fault == "lose_request":
            raise HubUnreachable("hub unreachable: cut")
        request = PushRequest.model_validate_json(wire)
        hub = self.m.hub
        kiosk = hub.db.read(lambda c: auth.authenticate_kiosk(c, self.credential))
        now = datetime.now(UTC)
        for _ in range(2 if fault == "deliver_twice" else 1):
            result = hub.db.write(lambda c: ingest.ingest(c, kiosk, request, now))
        if fault == "lose_reply":
            raise HubUnreachable("hub unreachable: reply lost")
        return PushResponse(
            acked=result.acked, applied=result.applied, duplicates=result.duplicates,
            conflicts=result.conflicts, missing=result.missing, hub_time=now,
        )  # fmt: skip

    def pull(self, cursor, limit=None):
        kiosk_prison = "p1"
        return self.m.hub.db.read(
            lambda c: catalogue.pull(c, kiosk_prison, cursor, limit or 100, datetime.now(UTC))
        )


class PushAckRetry(RuleBasedStateMachine):
    @initialize()
    def open_both(self):
        self.dir = Path(tempfile.mkdtemp(prefix="syncsm-"))
        self.hub = Hub(HubSettings.load(self.dir / "hub", sqlite_synchronous="NORMAL")).open()
        now = datetime.now(UTC)

        def enrol(conn):
            token = auth.issue_enrolment_token(conn, "k1", "p1", timedelta(hours=1), now)
            return auth.enrol(conn, token, "k1", now)[1]

        credential = self.hub.db.write(enrol)
        self.settings = Settings.load(self.dir / "kiosk")
        Library.init(self.settings, "k1", "p1")
        save_credential(self.settings, credential)
        self.library = Library.open(self.settings)
        self.library.update_sync_state(hub_url="http://hub.invalid")
        self.recorded: set[str] = set()
        self.sent: list[str] = []
        self.fault = "none"
        self.agent = SyncAgent(
            self.library, self.settings, config=SyncConfig(batch=4, max_batches=3),
            client_factory=lambda *a, **k: FakeClient(self, credential),
        )  # fmt: skip

    def teardown(self):
        if hasattr(self, "library"):
            self.library.close()
            self.hub.close()
            shutil.rmtree(self.dir, ignore_errors=True)

    @rule(n=st.integers(1, 6))
    def record(self, n):
        for _ in range(n):
            event = self.library.record_reading_session(
                content_id="c1", started_at=datetime.now(UTC), minutes=1.0, pages=1
            )
            self.recorded.add(str(event.id))

    @rule(fault=st.sampled_from(FAULTS))
    def sync_round(self, fault):
        self.fault = fault
        had_pending = self.library.outbox_count() > 0
        result = self.agent.run_once()
        assert result["ok"] == (fault in ("none", "deliver_twice") or not had_pending)

    @rule(seed=st.integers(0, 2**16))
    def old_batch_arrives_late(self, seed):
        if not self.sent:
            return
        wire = random.Random(seed).choice(self.sent)
        request = PushRequest.model_validate_json(wire)
        kiosk = auth.Kiosk("k1", "p1")
        self.hub.db.write(lambda c: ingest.ingest(c, kiosk, request, datetime.now(UTC)))

    def hub_ids(self) -> list[str]:
        return self.hub.db.read(lambda c: [r[0] for r in c.execute("SELECT id FROM events")])

    @invariant()
    def nothing_lost_nothing_twice(self):
        if not hasattr(self, "library"):
            return
        at_hub = self.hub_ids()
        assert len(at_hub) == len(set(at_hub))
        pending = {str(e.id) for e in self.library.outbox_pending(10_000)}
        assert self.recorded <= pending | set(at_hub)
        assert (self.recorded - pending) <= set(at_hub)  # deleted only once the hub had it
        received = self.hub.db.read(
            lambda c: c.execute("SELECT events_received FROM kiosks").fetchone()[0]
        )
        assert received == len(at_hub)


PushAckRetry.TestCase.settings = settings(
    max_examples=20, stateful_step_count=15, deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)  # fmt: skip
test_push_ack_retry = PushAckRetry.TestCase
