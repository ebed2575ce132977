"""Kiosk store benchmark: Bannalai's journal store vs stock TinyDB JSONStorage vs SQLite.

    python bench/store.py [--json] [--sizes 1000,10000,100000] [--ops 200]

For each size (20,000 copies, 5,000 patrons, N loans of which 3,000 open) and each backend, a
fresh subprocess builds the data, measures restart (open to ready), then runs check-outs and
check-ins and reports median/p95 commit latency, bytes written per transaction (with the
snapshot rewrite amortised for Bannalai) and RSS. Stock TinyDB rewrites the whole file per
write, so it runs fewer operations at large sizes.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

COPIES, PATRONS, OPEN = 20_000, 5_000, 3_000


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def dataset(loans: int):
    rng = random.Random(loans)
    titles = [
        {
            "title_id": f"t{i}",
            "title": f"សៀវភៅ​ទី {i} ការ​អាន",
            "title_latin": f"Book {i}",
            "author": "អ្នកនិពន្ធ",
            "isbn": "",
            "category": "រឿង",
            "reading_level": "1",
            "cover": "",
        }
        for i in range(COPIES // 2)
    ]
    copies = [
        {
            "barcode": f"B{i:06d}",
            "title_id": f"t{i // 2}",
            "item_type": "book",
            "location": "",
            "status": "available",
        }
        for i in range(COPIES)
    ]
    patrons = [
        {
            "card": f"C{i:05d}",
            "detainee_no": f"D{i}",
            "name": "សុខ សំណាង",
            "name_latin": "Sok Samnang",
            "category": "adult",
            "cell": "A1",
            "status": "active",
        }
        for i in range(PATRONS)
    ]
    rows = []
    start = date(2024, 1, 1)
    for i in range(loans):
        is_open = i >= loans - min(OPEN, loans // 2)
        barcode = (
            f"B{(i % (COPIES - 2000)):06d}"
            if not is_open
            else f"B{(i - loans + OPEN) % (COPIES - 2000):06d}"
        )
        day = start + timedelta(days=i * 700 // max(loans, 1))
        rows.append(
            {
                "loan_id": f"{i:08d}-0000-4000-8000-{rng.getrandbits(48):012x}",
                "card": f"C{rng.randrange(PATRONS):05d}",
                "barcode": barcode,
                "title_id": "t0",
                "out_at": f"{day}T09:00:00+00:00",
                "due": str(day + timedelta(days=14)),
                "in_at": None if is_open else f"{day}T15:00:00+00:00",
                "renewals": 0,
                "status": "open" if is_open else "closed",
                "kiosk_id": "k1",
            }
        )
    for loan in rows:
        if loan["status"] == "open":
            copies[int(loan["barcode"][1:])]["status"] = "on_loan"
    return titles, copies, patrons, rows


def free_barcodes(n):
    """Copies the generated history never lends (the last 2,000)."""
    return [f"B{i:06d}" for i in range(COPIES - 2000, COPIES - 2000 + n)]


# -- Bannalai ------------------------------------------------------------------------------
def run_bannalai(loans: int, ops: int, folder: Path, phase: str) -> dict:
    from kiosk.clock import Clock
    from kiosk.config import Settings
    from kiosk.library import Library

    settings = Settings(home=folder)
    if phase == "build":
        build_bannalai(settings, loans)
        return {}
    t0, c0 = time.perf_counter(), time.process_time()
    library = Library.open(
        settings, clock=Clock(now=lambda: datetime(2026, 3, 1, 10, tzinfo=UTC), boot_id="b1")
    )
    restart = time.perf_counter() - t0
    STATS["restart_cpu_s"] = round(time.process_time() - c0, 3)
    return measure_bannalai(library, loans, ops, restart)


def build_bannalai(settings, loans: int) -> None:
    from kiosk.library import Library
    from kiosk.store.journal import JournalStorage

    Library.init(settings, "k1", "p1")
    titles, copies, patrons, rows = dataset(loans)
    storage = JournalStorage(settings.paths.store)
    for name, docs in (
        ("titles", titles),
        ("copies", copies),
        ("patrons", patrons),
        ("loans", rows),
    ):
        storage.tables[name] = {i + 1: d for i, d in enumerate(docs)}
    # Random history gives some patrons many open loans; lift the limit so no action is refused.
    rule = {"patron_category": "*", "item_type": "*", "loan_days": 14, "max_loans": 100}
    storage.tables["rules"] = {1: rule | {"max_renewals": 1}}
    storage.compact()
    storage.close()


def measure_bannalai(library, loans: int, ops: int, restart: float) -> dict:
    storage = library.store.storage
    targets = free_barcodes(ops)
    out_t, in_t = [], []
    ops_cpu0 = time.process_time()
    before = storage.bytes_written
    for i, barcode in enumerate(targets):
        card = f"C{i % PATRONS:05d}"
        t = time.perf_counter()
        outcome = library.check_out(card, barcode)
        out_t.append(time.perf_counter() - t)
        assert not hasattr(outcome, "reason"), outcome
    for barcode in targets:
        t = time.perf_counter()
        library.check_in(barcode)
        in_t.append(time.perf_counter() - t)
    STATS["cpu_ms_per_txn"] = round(1000 * (time.process_time() - ops_cpu0) / (2 * len(out_t)), 3)
    line_bytes = (storage.bytes_written - before) / (2 * ops)
    snapshot = storage.snapshot_size
    # Compaction in the commit path runs when the journal exceeds max(threshold, snapshot).
    threshold = max(storage.compact_bytes, snapshot)
    amortised = line_bytes + snapshot * line_bytes / threshold
    rss = rss_mb()
    t = time.perf_counter()
    library.store.storage.compact()
    compact_s = time.perf_counter() - t
    library.close()
    return summary("bannalai", loans, out_t, in_t, restart, amortised, rss) | {
        "journal_bytes_per_txn": round(line_bytes),
        "snapshot_mb": round(snapshot / 1e6, 1),
        "compaction_s": round(compact_s, 3),
    }


# -- stock TinyDB ----------------------------------------------------------------------------
def run_tinydb(loans: int, ops: int, folder: Path, phase: str) -> dict:
    from tinydb import Query, TinyDB

    path = folder / "db.json"
    if phase == "build":
        build_tinydb(path, loans)
        return {}
    t0, c0 = time.perf_counter(), time.process_time()
    db = TinyDB(path)
    len(db.table("copies"))
    restart = time.perf_counter() - t0
    STATS["restart_cpu_s"] = round(time.process_time() - c0, 3)
    q = Query()
    targets = free_barcodes(ops)
    out_t, in_t = [], []
    ops_cpu0 = time.process_time()
    written = 0
    for i, barcode in enumerate(targets):
        card = f"C{i % PATRONS:05d}"
        t = time.perf_counter()
        db.table("patrons").get(q.card == card)
        copy = db.table("copies").get(q.barcode == barcode)
        db.table("loans").count((q.card == card) & (q.status == "open"))
        db.table("loans").insert(
            {
                "loan_id": f"L{i}",
                "card": card,
                "barcode": barcode,
                "status": "open",
                "due": "2026-03-15",
            }
        )
        db.table("copies").update({"status": "on_loan"}, doc_ids=[copy.doc_id])
        db.table("outbox").insert(
            {"id": f"E{i}", "type": "checked_out", "data": {"card": card, "barcode": barcode}}
        )
        out_t.append(time.perf_counter() - t)
        written += 3 * path.stat().st_size
    for i, barcode in enumerate(targets):
        t = time.perf_counter()
        loan = db.table("loans").get((q.barcode == barcode) & (q.status == "open"))
        db.table("loans").update({"status": "closed"}, doc_ids=[loan.doc_id])
        copy = db.table("copies").get(q.barcode == barcode)
        db.table("copies").update({"status": "available"}, doc_ids=[copy.doc_id])
        db.table("outbox").insert(
            {"id": f"F{i}", "type": "checked_in", "data": {"barcode": barcode}}
        )
        in_t.append(time.perf_counter() - t)
        written += 3 * path.stat().st_size
    STATS["cpu_ms_per_txn"] = round(1000 * (time.process_time() - ops_cpu0) / (2 * len(out_t)), 3)
    return summary("tinydb_json", loans, out_t, in_t, restart, written / (2 * ops), rss_mb())


def build_tinydb(path: Path, loans: int) -> None:
    titles, copies, patrons, rows = dataset(loans)
    tables = (("titles", titles), ("copies", copies), ("patrons", patrons), ("loans", rows))
    data = {name: {str(i + 1): d for i, d in enumerate(docs)} for name, docs in tables}
    path.write_text(json.dumps(data))


# -- SQLite ----------------------------------------------------------------------------------
def run_sqlite(loans: int, ops: int, folder: Path, phase: str) -> dict:
    path = folder / "db.sqlite"
    if phase == "build":
        build_sqlite(path, loans)
        return {}
    t0, c0 = time.perf_counter(), time.process_time()
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("PRAGMA synchronous=FULL")
    con.execute("SELECT count(*) FROM copies").fetchone()
    restart = time.perf_counter() - t0
    STATS["restart_cpu_s"] = round(time.process_time() - c0, 3)
    wal = Path(str(path) + "-wal")
    targets = free_barcodes(ops)
    out_t, in_t = [], []
    ops_cpu0 = time.process_time()
    size0 = path.stat().st_size + (wal.stat().st_size if wal.exists() else 0)
    for i, barcode in enumerate(targets):
        card = f"C{i % PATRONS:05d}"
        t = time.perf_counter()
        con.execute("BEGIN IMMEDIATE")
        con.execute("SELECT * FROM patrons WHERE card=?", (card,)).fetchone()
        con.execute("SELECT * FROM copies WHERE barcode=?", (barcode,)).fetchone()
        con.execute("SELECT count(*) FROM loans WHERE card=? AND status='open'", (card,)).fetchone()
        con.execute(
            "INSERT INTO loans VALUES (?,?,?,?,?,?,?)",
            (f"L{i}", card, barcode, "2026-03-15", "open", "2026-03-01", None),
        )
        con.execute("UPDATE copies SET status='on_loan' WHERE barcode=?", (barcode,))
        con.execute(
            "INSERT INTO outbox VALUES (?,?,?)",
            (f"E{i}", i, json.dumps({"card": card, "barcode": barcode})),
        )
        con.execute("COMMIT")
        out_t.append(time.perf_counter() - t)
    for i, barcode in enumerate(targets):
        t = time.perf_counter()
        con.execute("BEGIN IMMEDIATE")
        con.execute(
            "SELECT loan_id FROM loans WHERE barcode=? AND status='open'", (barcode,)
        ).fetchone()
        con.execute(
            "UPDATE loans SET status='closed' WHERE barcode=? AND status='open'", (barcode,)
        )
        con.execute("UPDATE copies SET status='available' WHERE barcode=?", (barcode,))
        con.execute(
            "INSERT INTO outbox VALUES (?,?,?)", (f"F{i}", i, json.dumps({"barcode": barcode}))
        )
        con.execute("COMMIT")
        in_t.append(time.perf_counter() - t)
    STATS["cpu_ms_per_txn"] = round(1000 * (time.process_time() - ops_cpu0) / (2 * len(out_t)), 3)
    grown = path.stat().st_size + (wal.stat().st_size if wal.exists() else 0) - size0
    return summary(
        "sqlite_wal_full", loans, out_t, in_t, restart, max(grown, 0) / (2 * ops), rss_mb()
    )


def build_sqlite(path: Path, loans: int) -> None:
    titles, copies, patrons, rows = dataset(loans)
    con = sqlite3.connect(path)
    con.executescript(
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
        "CREATE TABLE copies(barcode TEXT PRIMARY KEY, title_id TEXT, status TEXT);"
        "CREATE TABLE patrons(card TEXT PRIMARY KEY, name TEXT, category TEXT, status TEXT);"
        "CREATE TABLE loans(loan_id TEXT PRIMARY KEY, card TEXT, barcode TEXT, due TEXT, status TEXT, out_at TEXT, in_at TEXT);"
        "CREATE INDEX loans_open_copy ON loans(barcode) WHERE status='open';"
        "CREATE INDEX loans_open_card ON loans(card) WHERE status='open';"
        "CREATE TABLE outbox(id TEXT PRIMARY KEY, seq INTEGER, body TEXT);"
    )
    con.executemany(
        "INSERT INTO copies VALUES (?,?,?)",
        [(c["barcode"], c["title_id"], c["status"]) for c in copies],
    )
    con.executemany(
        "INSERT INTO patrons VALUES (?,?,?,?)",
        [(p["card"], p["name"], p["category"], p["status"]) for p in patrons],
    )
    con.executemany(
        "INSERT INTO loans VALUES (?,?,?,?,?,?,?)",
        [
            (r["loan_id"], r["card"], r["barcode"], r["due"], r["status"], r["out_at"], r["in_at"])
            for r in rows
        ],
    )
    con.commit()
    con.close()


STATS: dict = {}  # figures gathered along the way (CPU times), merged into the summary


def summary(backend, loans, out_t, in_t, restart, bytes_per_txn, rss) -> dict:
    def ms(values, q):
        values = sorted(values)
        return round(1000 * values[min(len(values) - 1, int(q * len(values)))], 3)

    return {
        "backend": backend,
        "loans": loans,
        "ops": len(out_t),
        "checkout_ms_median": round(1000 * statistics.median(out_t), 3),
        "checkout_ms_p95": ms(out_t, 0.95),
        "checkin_ms_median": round(1000 * statistics.median(in_t), 3),
        "checkin_ms_p95": ms(in_t, 0.95),
        "restart_s": round(restart, 3),
        "bytes_per_txn": round(bytes_per_txn),
        "rss_mb": round(rss, 1),
        "cpu_ms_per_txn": STATS.get("cpu_ms_per_txn"),
        "restart_cpu_s": STATS.get("restart_cpu_s"),
    }


RUNNERS = {"bannalai": run_bannalai, "tinydb_json": run_tinydb, "sqlite_wal_full": run_sqlite}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--ops", type=int, default=200)
    parser.add_argument(
        "--one", nargs=4, metavar=("PHASE", "BACKEND", "LOANS", "DIR"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.one:
        phase, backend, loans, folder = (
            args.one[0],
            args.one[1],
            int(args.one[2]),
            Path(args.one[3]),
        )
        ops = (
            args.ops if backend != "tinydb_json" else max(3, min(args.ops, 20_000 // max(loans, 1)))
        )
        print(json.dumps(RUNNERS[backend](loans, ops, folder, phase)))
        return 0
    results = []
    for loans in (int(s) for s in args.sizes.split(",")):
        for backend in RUNNERS:
            folder = tempfile.mkdtemp(prefix=f"bench-{backend}-")
            for phase in ("build", "measure"):  # measured in a fresh process: RSS is the store's
                cmd = [sys.executable, __file__, "--one", phase, backend, str(loans), folder]
                out = subprocess.run(
                    [*cmd, "--ops", str(args.ops)],
                    capture_output=True,
                    text=True,
                    check=True,
                    env=os.environ | {"PYTHONPATH": str(ROOT)},
                )
            shutil.rmtree(folder, ignore_errors=True)
            results.append(json.loads(out.stdout))
            r = results[-1]
            if r:  # progress on stderr with --json, the JSON document alone on stdout
                print(
                    f"{r['backend']:16} loans={loans:>6} out p50/p95 {r['checkout_ms_median']:>8}/{r['checkout_ms_p95']:>8} ms  in p50/p95 {r['checkin_ms_median']:>8}/{r['checkin_ms_p95']:>8} ms  restart {r['restart_s']:>6} s  {r['bytes_per_txn']:>9} B/txn  RSS {r['rss_mb']} MB",
                    file=sys.stderr if args.json else sys.stdout,
                    flush=True,
                )
    if args.json:
        print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
