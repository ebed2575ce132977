"""Sync benchmark: hub ingest rate, one kiosk's 10k backlog drained, 10 kiosks at once.

    python bench/sync.py [--json] [--events 10000] [--kiosks 10]

A real uvicorn hub (``python -m hub serve``, SQLite synchronous=FULL) on 127.0.0.1 and real kiosk
homes. ``events_per_hub_cpu_s`` divides by the hub's own CPU time, which stays comparable on a
shared machine. Numbers for a reader to compare (issue 6 targets: >= 10,000 events/s ingest in batches of
500, a 10k backlog drained in <= 5 s, no error with 10 concurrent kiosks); tests never assert on
them.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: make the project importable
    sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from kiosk.library import Library  # noqa: E402
from kiosk.sync import SyncAgent, SyncConfig  # noqa: E402
from tests.sync_harness import HubProcess, enrolled_kiosk, hub_query, issue_token  # noqa: E402
from wire.api import PushRequest  # noqa: E402
from wire.events import MAX_BATCH, CheckedOut, ReadingSessionRecorded, make_event  # noqa: E402


def synthetic_batches(kiosk_id: str, count: int) -> list[bytes]:
    now = datetime.now(UTC)
    events = []
    for seq in range(1, count + 1):
        if seq % 2:
            type_, payload = (
                "reading_session_recorded",
                ReadingSessionRecorded(
                    content_id="c1", started_at=now, minutes=seq % 90, pages=seq % 40
                ),
            )
        else:
            type_, payload = (
                "checked_out",
                CheckedOut(
                    loan_id=uuid.uuid4(), card=f"C{seq % 977}", barcode=f"B{seq}", due=now.date()
                ),
            )
        events.append(make_event(type=type_, payload=payload, kiosk_id=kiosk_id, prison_id="p1",
                                 seq=seq, boot_id="bench", at=now, clock_synced=True))  # fmt: skip
    return [
        PushRequest(
            kiosk_id=kiosk_id,
            boot_id="bench",
            sent_at=now,
            clock_synced=True,
            pending=count - i,
            version="bench",
            events=events[i : i + MAX_BATCH],
        )
        .model_dump_json()
        .encode()  # fmt: skip
        for i in range(0, count, MAX_BATCH)
    ]


def pusher(hub: HubProcess, kiosk_id: str) -> httpx.Client:
    token = issue_token(hub.data_dir, kiosk_id, "p1")
    api = httpx.Client(base_url=f"{hub.url}/api/v1", timeout=60)
    credential = api.post("/enrol", json={"token": token, "kiosk_id": kiosk_id}).json()
    api.headers["Authorization"] = f"Bearer {credential['credential']}"
    api.headers["Content-Type"] = "application/json"
    return api


def hub_cpu(hub: HubProcess) -> float:
    """CPU seconds the hub process has used: a rate per CPU second does not depend on how busy
    the machine's other processes keep the cores."""
    import psutil

    times = psutil.Process(hub.proc.pid).cpu_times()
    return times.user + times.system


def bench_ingest(hub: HubProcess, count: int, connections: int) -> dict:
    """Pre-serialised batches of 500 posted over ``connections`` kiosk connections at once."""
    work = []
    for i in range(connections):
        kiosk_id = f"ingest{connections}-{i}"
        work.append((pusher(hub, kiosk_id), synthetic_batches(kiosk_id, count // connections)))

    def post_all(api, batches):
        for body in batches:
            api.post("/push", content=body).raise_for_status()

    threads = [threading.Thread(target=post_all, args=item) for item in work]
    cpu_before = hub_cpu(hub)
    started = time.perf_counter()
    [t.start() for t in threads]
    [t.join() for t in threads]
    seconds = time.perf_counter() - started
    cpu = hub_cpu(hub) - cpu_before
    api, batches = work[0]
    again = time.perf_counter()
    for body in batches[:4]:  # the same batches again: acknowledged, not applied
        assert api.post("/push", content=body).json()["applied"] == 0
    dup_rate = 4 * MAX_BATCH / (time.perf_counter() - again)
    total = count // connections * connections
    return {"events": total, "batch": MAX_BATCH, "connections": connections,
            "seconds": round(seconds, 3), "events_per_s": round(total / seconds),
            "hub_cpu_s": round(cpu, 3), "events_per_hub_cpu_s": round(total / max(cpu, 1e-6)),
            "duplicate_events_per_s": round(dup_rate)}  # fmt: skip


def backlog(library: Library, n: int) -> None:
    with library.locked(), library.store.transaction():
        for i in range(n):
            payload = ReadingSessionRecorded(
                content_id="c1", started_at=library.clock.now(), minutes=i % 60, pages=1
            )
            library.outbox.append("reading_session_recorded", payload)


def drain(hub: HubProcess, folder: Path, kiosks: int, events: int) -> dict:
    libraries = []
    for i in range(kiosks):
        kiosk_id = f"drain{kiosks}-{i}"
        settings = enrolled_kiosk(folder / kiosk_id, hub, kiosk_id)
        library = Library.open(settings)
        backlog(library, events)
        libraries.append((kiosk_id, settings, library))
    results: dict[str, dict] = {}
    config = SyncConfig(max_batches=10_000)

    def run(kiosk_id, settings, library):
        started = time.perf_counter()
        outcome = SyncAgent(library, settings, config=config).run_once()
        results[kiosk_id] = outcome | {"seconds": time.perf_counter() - started,
                                       "left": library.outbox_count()}  # fmt: skip

    started = time.perf_counter()
    threads = [threading.Thread(target=run, args=item) for item in libraries]
    [t.start() for t in threads]
    [t.join() for t in threads]
    wall = time.perf_counter() - started
    errors = [r["error"] for r in results.values() if not r["ok"]]
    stored = hub_query(hub.data_dir, "SELECT COUNT(*), COUNT(DISTINCT id) FROM events"
                       " WHERE kiosk_id LIKE ?", (f"drain{kiosks}-%",))[0]  # fmt: skip
    for _, _, library in libraries:
        library.close()
    return {
        "kiosks": kiosks, "events_per_kiosk": events, "seconds": round(wall, 3),
        "slowest_kiosk_s": round(max(r["seconds"] for r in results.values()), 3),
        "events_per_s": round(kiosks * events / wall), "errors": errors,
        "left_in_outboxes": sum(r["left"] for r in results.values()),
        "hub_rows": stored[0], "hub_distinct": stored[1],
    }  # fmt: skip


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--kiosks", type=int, default=10)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-sync-") as tmp, \
            HubProcess(Path(tmp) / "hub") as hub:  # fmt: skip
        report = {
            "ingest": bench_ingest(hub, args.events, 1),
            "ingest_4_connections": bench_ingest(hub, args.events, 4),
            "drain_one_kiosk": drain(hub, Path(tmp), 1, args.events),
            "drain_concurrent": drain(hub, Path(tmp), args.kiosks, args.events),
        }
    report["targets"] = {
        "ingest_events_per_s>=10000": max(
            report["ingest"]["events_per_s"], report["ingest_4_connections"]["events_per_s"]
        )
        >= 10_000,
        "drain_10k_s<=5": report["drain_one_kiosk"]["seconds"] <= 5,
        "concurrent_no_error": not report["drain_concurrent"]["errors"]
        and report["drain_concurrent"]["left_in_outboxes"] == 0,
    }
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        for name, values in report.items():
            print(name, values)
    return 0


if __name__ == "__main__":
    sys.exit(main())
