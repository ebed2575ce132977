"""The sync thread: pushes the outbox to the hub, pulls changes and content, never blocks the UI.

A round pushes pending events in batches of at most ``MAX_BATCH`` (oldest first), deletes only the
events the hub acknowledged, then pulls catalogue/patron/rule/content changes after the stored
cursor and fetches published content (resumable, verified, then imported). While the hub is down
or refuses, rounds back off exponentially. State for ``python -m kiosk status`` and the staff
screen lives in ``Library.sync_state()`` (durable) plus :meth:`SyncAgent.state` (live). The UI
never waits for this thread: it calls only ``state()`` and ``wake()``, which do not block.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

from kiosk import __version__
from kiosk.config import Settings
from kiosk.enrolment import credential_of, enrol
from kiosk.errors import KioskError
from kiosk.hub_client import HubClient, HubRefused, HubUnreachable
from wire.api import PushRequest
from wire.events import MAX_BATCH

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SyncConfig:
    batch: int = MAX_BATCH
    max_batches: int = 200  # per round, so a huge backlog still lets the pull happen
    interval_s: float = 30.0  # between successful rounds
    backoff_min_s: float = 2.0
    backoff_max_s: float = 300.0
    timeout_s: float = 15.0
    # Records per pull page: each page is applied in one transaction under the library lock,
    # which a scan on the screen waits for. 200 keeps that short on a Pi (a first pull of a
    # whole catalogue is many pages; the hub's own page limit is 1000).
    pull_page: int = 200


class NotEnrolled(KioskError):
    """No hub credential yet: run ``python -m kiosk enrol``."""


class SyncAgent:
    def __init__(
        self,
        library,
        settings: Settings,
        *,
        config: SyncConfig | None = None,
        client_factory: Callable[..., HubClient] = HubClient,
        importer: Callable | None = None,
    ):
        self.library = library
        self.settings = settings
        self.config = config or SyncConfig()
        self._client_factory = client_factory
        self._importer = importer
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._live = {"running": False, "failures": 0, "next_round_in_s": 0.0, "round": 0}

    # -- thread ----------------------------------------------------------------------------
    def start(self) -> SyncAgent:
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._loop, name="kiosk-sync", daemon=True)
            self._thread.start()
        return self

    def stop(self, timeout: float = 20.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def wake(self) -> None:
        """Ask for a round now (after a loan, or a technician's button); never blocks."""
        self._wake.set()

    def state(self) -> dict:
        with self._lock:
            return dict(self._live)

    def _loop(self) -> None:
        while not self._stop.is_set():
            result = self.run_once()
            with self._lock:
                failures = self._live["failures"]
            if result["ok"]:
                delay = 0.0 if result["more"] else self.config.interval_s
            else:
                base = self.config.backoff_min_s * 2 ** min(failures - 1, 16)
                delay = min(self.config.backoff_max_s, base) * random.uniform(0.5, 1.0)
            with self._lock:
                self._live["next_round_in_s"] = round(delay, 1)
            self._wake.wait(delay)
            self._wake.clear()

    # -- one round -------------------------------------------------------------------------
    def run_once(self) -> dict:
        """Push, pull, fetch content. Never raises: the outcome is returned and stored."""
        started = self._now_iso()
        summary = {"ok": False, "more": False, "pushed": 0, "duplicates": 0, "pulled": 0,
                   "content": 0, "error": None}  # fmt: skip
        with self._lock:
            self._live.update(running=True, round=self._live["round"] + 1)
        try:
            with self._client() as client:
                pushed, duplicates, more = self._push(client)
                summary.update(pushed=pushed, duplicates=duplicates, more=more)
                summary["pulled"] = self._pull(client)
                summary["content"] = self._fetch_content(client)
            summary["ok"] = True
        except HubUnreachable as exc:
            summary["error"] = str(exc)
        except (HubRefused, NotEnrolled) as exc:
            summary.update(error=str(exc), reachable=not isinstance(exc, NotEnrolled))
        except KioskError as exc:  # e.g. an identity file for another kiosk
            summary["error"] = str(exc)
        except Exception as exc:  # the thread must survive anything; the staff screen shows it
            log.exception("sync round failed")
            summary["error"] = f"{type(exc).__name__}: {exc}"
        self._record(summary, started)
        return summary

    def _client(self) -> HubClient:
        credential = credential_of(self.settings)
        if not credential and self.settings.paths.identity_file.exists():
            # The hub was down when the enrol unit ran at boot; the app holds the store now,
            # so enrolment is retried here, with the same backoff as any round.
            enrol(self.library, self.settings, client_factory=self._client_factory)
            credential = credential_of(self.settings)
        state = self.library.sync_state()
        if not credential or not state.get("hub_url"):
            raise NotEnrolled("not enrolled: run 'python -m kiosk enrol'")
        return self._client_factory(
            state["hub_url"], credential, clock=self.library.clock,
            cert_sha256=state.get("hub_cert_sha256"), timeout_s=self.config.timeout_s,
        )  # fmt: skip

    def _push(self, client: HubClient) -> tuple[int, int, bool]:
        """Push batches oldest first. While batch N+1 travels, batch N's acknowledged events
        are deleted in a helper thread (both wait on I/O); an event is deleted only after the
        hub acknowledged it, and one the hub acknowledged but we had no time to delete is
        simply pushed again later and counted once by the hub."""
        pushed = duplicates = 0
        batch = self.config.batch
        deleting: Future | None = None
        in_flight: set = set()  # acknowledged, being deleted
        with ThreadPoolExecutor(1, thread_name_prefix="kiosk-sync-ack") as acker:
            try:
                for _ in range(self.config.max_batches):
                    events = self._next_batch(batch, in_flight)
                    if not events:
                        break
                    try:
                        answer = client.push(self._push_body(events))
                    except HubRefused as exc:
                        if exc.status == 413 and batch > 1:
                            batch = max(1, batch // 2)  # the hub takes less than we thought
                            continue
                        raise
                    sent = {e.id for e in events}
                    acked = [i for i in answer.acked if i in sent]
                    if deleting is not None:
                        deleting.result()
                    in_flight = set(acked)
                    deleting = acker.submit(self.library.outbox_acknowledge, acked)
                    pushed += answer.applied
                    duplicates += answer.duplicates
                    if len(acked) < len(events):
                        raise HubRefused(200, f"hub acknowledged {len(acked)} of {len(events)}")
            finally:
                if deleting is not None:
                    deleting.result()
        return pushed, duplicates, self.library.outbox_count() > 0

    def _next_batch(self, batch: int, in_flight: set) -> list:
        events = self.library.outbox_pending(batch + len(in_flight))
        return [e for e in events if e.id not in in_flight][:batch]

    def _push_body(self, events: list) -> PushRequest:
        clock = self.library.clock
        return PushRequest(
            kiosk_id=self.library.kiosk_id, boot_id=clock.boot_id, sent_at=clock.now(),
            clock_synced=clock.synced, pending=self.library.outbox_count(),
            version=__version__, events=events,
        )  # fmt: skip

    def _pull(self, client: HubClient) -> int:
        pulled = 0
        cursor = int(self.library.sync_state().get("cursor", 0))
        while True:
            answer = client.pull(cursor, self.config.pull_page)
            if answer.changes:
                self.library.apply_remote_changes(answer.changes)
            fields: dict = {"cursor": answer.cursor}
            if answer.content:
                wanted = dict(self.library.sync_state().get("content_pending", {}))
                for change in answer.content:
                    item = change.item.model_dump(mode="json") if change.item else None
                    wanted[change.content_id] = item
                fields["content_pending"] = wanted
            self.library.update_sync_state(**fields)
            pulled += len(answer.changes) + len(answer.content)
            cursor = answer.cursor
            if not answer.more:
                return pulled

    def _fetch_content(self, client: HubClient) -> int:
        from kiosk.content_sync import fetch_pending

        return fetch_pending(self.library, self.settings, client, importer=self._importer)

    def _record(self, summary: dict, started: str) -> None:
        clock = self.library.clock
        fields = {"last_attempt_at": started, "pending_events": self.library.outbox_count(),
                  "clock_offset_s": clock.offset_s, "clock_synced": clock.synced}  # fmt: skip
        if summary["ok"]:
            fields.update(last_success_at=self._now_iso(), last_error=None, hub_reachable=True)
            failures = 0
        else:
            fields.update(last_error=summary["error"], last_error_at=started)
            fields["hub_reachable"] = summary.get("reachable", False)
            failures = self.state()["failures"] + 1
        try:
            self.library.update_sync_state(**fields)
        except Exception:  # a full disk must not kill the thread
            log.exception("cannot record sync state")
        with self._lock:
            self._live.update(running=False, failures=failures, last=summary)

    def _now_iso(self) -> str:
        return self.library.clock.now().isoformat()


def start_sync(library, settings: Settings, config: SyncConfig | None = None) -> SyncAgent:
    """Start the sync thread for the kiosk app; call ``stop()`` on exit."""
    return SyncAgent(library, settings, config=config).start()
