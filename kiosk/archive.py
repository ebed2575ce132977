"""Keep the live store small: returned loans older than a few months move to yearly archive files.

The store holds every document in memory and rewrites them all at compaction, so without this a
kiosk's memory, restart time and compaction cost grow with every loan it ever made (100k loans
took 176 MB here). The hub already holds the history; the kiosk keeps an append-only copy in
``<home>/archive/loans-YYYY.jsonl`` for Koha exports and audits. A loan is archived only after
its events were acknowledged by the hub (no pending outbox event names it), appended and fsynced
to the archive before the store forgets it, so a crash between the two leaves a duplicate line
(readers dedupe by ``loan_id``), never a lost loan. Open loans are never archived.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

DEFAULT_KEEP_DAYS = 180


def archive_folder(home: Path) -> Path:
    return Path(home) / "archive"


def archive_closed_loans(library, today: date, keep_days: int = DEFAULT_KEEP_DAYS) -> int:
    """Move returned loans closed before ``today - keep_days`` to the archive; returns how many."""
    cutoff = (today - timedelta(days=keep_days)).isoformat()
    with library.locked():
        pending = {e.data.get("loan_id") for e in library.outbox_pending(1_000_000)}
        old = [
            doc
            for doc in library.loans_table.all()
            if doc.get("status") == "closed"
            and (doc.get("in_at") or "")[:10] < cutoff
            and doc["loan_id"] not in pending
        ]
        if not old:
            return 0
        _append(archive_folder(library.settings.home), old)
        with library.store.transaction():
            library.loans_table.remove(doc_ids=[doc.doc_id for doc in old])
    return len(old)


def _append(folder: Path, loans: list) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    by_year: dict[str, list] = {}
    for loan in loans:
        by_year.setdefault((loan.get("out_at") or "0000")[:4], []).append(loan)
    for year, rows in by_year.items():
        path = folder / f"loans-{year}.jsonl"
        created = not path.exists()
        with open(path, "ab") as out:
            for loan in rows:
                out.write(json.dumps(dict(loan), ensure_ascii=False).encode() + b"\n")
            out.flush()
            os.fsync(out.fileno())
        if created:
            from kiosk.atomicfile import fsync_dir

            fsync_dir(folder)


def archived_loans(home: Path) -> Iterator[dict]:
    """Every archived loan once (a crash may have written one twice), oldest year first."""
    seen: set[str] = set()
    for path in sorted(archive_folder(home).glob("loans-*.jsonl")):
        with open(path, "rb") as f:
            for line in f:
                try:
                    loan = json.loads(line)
                except ValueError:
                    continue  # a torn last line after a power cut
                if loan.get("loan_id") not in seen:
                    seen.add(loan.get("loan_id"))
                    yield loan
