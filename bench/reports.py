"""Reports benchmark: figures, XLSX export and dashboard latency over a year for 27 prisons.

    python bench/reports.py [--json] [--events 1000000] [--prisons 27] [--data DIR]

Builds a hub database with about a million events over twelve months (loans, returns, renewals,
class attendance, e-reading sessions; 1,100 patrons and 2,000 copies per prison) by bulk insert
into the real schema (the ingest path has its own benchmark, bench/sync.py), then measures:
monthly figures for one prison and for all prisons, the loans and figures XLSX exports for a
month, and the dashboard's figures/loans/patrons pages served by a real uvicorn hub
(``python -m hub serve``) over HTTP: median and p95 of 40 requests each.
The figures page caches a month's figures until the data changes: ``first_ms`` is the cold request.
Targets (issue 7): figures <= 2 s, XLSX export <= 10 s, dashboard page p95 <= 300 ms.
Numbers for a reader to compare; tests never assert on them.
"""

from __future__ import annotations

import argparse
import io
import json
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: make the project importable
    sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from hub.app import Hub  # noqa: E402
from hub.auth import create_user  # noqa: E402
from hub.clock import iso  # noqa: E402
from hub.config import Settings  # noqa: E402
from hub.exports import export  # noqa: E402
from hub.reports import Month, figures  # noqa: E402

START = datetime(2025, 4, 1, tzinfo=UTC)
PASSWORD = "bench password 1"
ACTIVITIES = ("literacy_class", "vocational_training", "vocational_orientation", "library_visit")


def populate(data_dir: Path, n_events: int, n_prisons: int) -> None:
    hub = Hub(Settings.load(data_dir, sqlite_synchronous="NORMAL"), now=lambda: START).open()
    hub.db.write(lambda c: create_user(c, "admin", PASSWORD, START))
    hub.db.write(
        lambda c: create_user(c, "lib", PASSWORD, START, role="librarian", prison_id="P05")
    )
    hub.close()
    rng = random.Random(7)
    conn = __import__("sqlite3").connect(data_dir / "hub.sqlite3")
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("BEGIN")
    seq = 0
    for p in range(1, n_prisons + 1):
        prison = f"P{p:02d}"
        conn.execute("INSERT INTO kiosks(kiosk_id, prison_id, last_seen, version) VALUES (?,?,?,?)",
                     (f"{prison}-K1", prison, iso(START), "0.1.0"))  # fmt: skip
        rows = []
        for i in range(1100):
            seq += 1
            rec = {"card": f"{prison}C{i}", "name": f"Detainee {i}", "detainee_no": f"D{i}",
                   "name_latin": "", "category": "adult", "cell": "", "status": "active"}  # fmt: skip
            rows.append((prison, "patron", rec["card"], json.dumps(rec), seq, iso(START)))
        for i in range(2000):
            seq += 2
            tid = f"t{i % 900}"
            rows.append((prison, "title", tid, json.dumps({"title_id": tid, "title": f"សៀវភៅ {i % 900}",
                         "title_latin": "", "author": "", "isbn": "", "category": "",
                         "reading_level": "", "cover": ""}), seq - 1, iso(START)))  # fmt: skip
            rows.append((prison, "copy", f"{prison}B{i}", json.dumps({"barcode": f"{prison}B{i}",
                         "title_id": tid, "item_type": "book", "location": "",
                         "status": "available"}), seq, iso(START)))  # fmt: skip
        conn.executemany("INSERT OR REPLACE INTO records VALUES (?,?,?,?,?,?)", rows)
    conn.execute("UPDATE counters SET value=? WHERE name='change_seq'", (seq,))
    per_prison = n_events // n_prisons
    span = 365 * 86400
    for p in range(1, n_prisons + 1):
        prison, kiosk = f"P{p:02d}", f"P{p:02d}-K1"
        events, loans = [], []
        k = 0
        while k < per_prison:
            at = START + timedelta(seconds=rng.randrange(span))
            card = f"{prison}C{rng.randrange(1100)}"
            r = rng.random()
            if r < 0.36:  # a loan and (mostly) its return
                loan_id, barcode = str(uuid.uuid4()), f"{prison}B{rng.randrange(2000)}"
                due = (at + timedelta(days=14)).date().isoformat()
                out = {"loan_id": loan_id, "card": card, "barcode": barcode, "due": due}
                events.append(("checked_out", at, out))
                back = at + timedelta(days=rng.randrange(3, 25))
                returned = rng.random() < 0.9 and back < START + timedelta(seconds=span)
                if returned:
                    events.append(("checked_in", back, {**out, "days_late": 0}))
                loans.append((loan_id, prison, barcode, card, due, kiosk, iso(at),
                               iso(back) if returned else None))  # fmt: skip
                k += 2
            elif r < 0.68:
                events.append(("attendance_recorded", at,
                               {"card": card, "activity": rng.choice(ACTIVITIES)}))  # fmt: skip
                k += 1
            else:
                events.append(("reading_session_recorded", at, {
                    "content_id": f"K{rng.randrange(40)}", "started_at": iso(at),
                    "minutes": rng.randrange(2, 60), "pages": rng.randrange(1, 40),
                    "card": None if rng.random() < 0.3 else card}))  # fmt: skip
                k += 1
        events.sort(key=lambda e: e[1])
        conn.executemany(
            "INSERT INTO events VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            [(str(uuid.uuid4()), kiosk, prison, i, "b1", kind, iso(at), 1, iso(at), "kiosk",
              json.dumps(data), iso(at)) for i, (kind, at, data) in enumerate(events, 1)],
        )  # fmt: skip
        conn.execute(
            "UPDATE kiosks SET contiguous_seq=?, max_seq=?, events_received=? WHERE kiosk_id=?",
            (len(events), len(events), len(events), kiosk),
        )  # as the real ingest leaves them: no gaps
        conn.executemany(
            "INSERT INTO loans(loan_id, prison_id, barcode, card, due, out_kiosk_id, out_event_id,"
            " out_at, in_event_id, in_at) VALUES (?,?,?,?,?,?,'e',?,?,?)",
            [(*row[:7], "e" if row[7] else None, row[7]) for row in loans],
        )
    conn.execute("COMMIT")
    conn.execute("ANALYZE")
    conn.close()


def timed(fn, repeat: int = 3) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def serve(data_dir: Path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "hub", "serve", "--data-dir", str(data_dir),
                             "--port", str(port)], cwd=ROOT)  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            httpx.get(base + "/api/v1/health", timeout=1)
            return proc, base
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("hub did not start")


def page_latency(base: str, user: str, paths: list[str], n: int = 40) -> dict:
    client = httpx.Client(base_url=base, timeout=30)
    form = client.get("/login").text
    csrf = re.search(r'name="csrf" value="([^"]+)"', form).group(1)
    client.post("/login", data={"csrf": csrf, "username": user, "password": PASSWORD, "next": "/"})
    out = {}
    for path in paths:
        times = []
        for _ in range(n):
            t0 = time.perf_counter()
            resp = client.get(path)
            times.append((time.perf_counter() - t0) * 1000)
            assert resp.status_code == 200, (path, resp.status_code)
        first = times[0]  # cold: figures not yet cached for this month
        times.sort()
        out[path] = {"first_ms": round(first, 1), "median_ms": round(statistics.median(times), 1),
                     "p95_ms": round(times[int(0.95 * (n - 1))], 1)}  # fmt: skip
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--prisons", type=int, default=27)
    ap.add_argument("--data", help="reuse/keep the database in this folder")
    args = ap.parse_args()
    data_dir = Path(args.data or tempfile.mkdtemp(prefix="bannalai-bench-reports-"))
    t0 = time.perf_counter()
    if not (data_dir / "hub.sqlite3").exists():
        populate(data_dir, args.events, args.prisons)
    build_s = time.perf_counter() - t0
    hub = Hub(Settings.load(data_dir), now=lambda: START + timedelta(days=380)).open()
    month = Month.parse("2026-01")
    n_events = hub.db.read(lambda c: c.execute("SELECT COUNT(*) FROM events").fetchone()[0])
    fig_one, figs = timed(lambda: hub.db.read(lambda c: figures(c, month, "P05", hub.now())))
    fig_all, _ = timed(lambda: hub.db.read(lambda c: figures(c, month, None, hub.now())))

    def xlsx(what: str, prison):
        buf = io.BytesIO()
        rows = hub.db.read(lambda c: export(c, what, "xlsx", month, prison, hub.now(), buf))
        return rows, len(buf.getvalue())

    loans_s, (loan_rows, loan_bytes) = timed(lambda: xlsx("loans", None), repeat=1)
    figs_s, _ = timed(lambda: xlsx("figures", None), repeat=1)
    one_s, (one_rows, _) = timed(lambda: xlsx("loans", "P05"))
    hub.close()
    proc, base = serve(data_dir)
    try:
        pages = page_latency(base, "admin", [f"/figures?month={month}&prison=P05",
                                             f"/figures?month={month}", "/kiosks"])  # fmt: skip
        pages |= page_latency(base, "lib", ["/loans?overdue=1", "/patrons"])
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    result = {
        "events": n_events, "prisons": args.prisons, "build_s": round(build_s, 1),
        "figures_one_prison_month_s": round(fig_one, 3),
        "figures_all_prisons_month_s": round(fig_all, 3),
        "xlsx_loans_all_prisons_month_s": round(loans_s, 2), "xlsx_loans_rows": loan_rows - 1,
        "xlsx_loans_bytes": loan_bytes, "xlsx_figures_all_prisons_s": round(figs_s, 2),
        "xlsx_loans_one_prison_month_s": round(one_s, 2), "xlsx_loans_one_prison_rows": one_rows - 1,
        "dashboard": pages,
        "dashboard_worst_p95_ms": max(v["p95_ms"] for v in pages.values()),
        "sample": {k: figs[k] for k in ("readers", "loans", "returns", "reading_sessions")},
        "targets": {"figures_s": 2, "xlsx_s": 10, "page_p95_ms": 300},
    }  # fmt: skip
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        for key, value in result.items():
            print(f"{key:34} {value}")


if __name__ == "__main__":
    main()
