"""Old returned loans leave the live store for the archive; nothing unsynced or open moves."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from kiosk.archive import archive_closed_loans, archive_folder, archived_loans
from kiosk.clock import Clock
from kiosk.config import Settings
from kiosk.koha import export_koc
from kiosk.library import Library
from wire.records import CopyRecord, PatronRecord, TitleRecord

ROOT = Path(__file__).resolve().parent.parent


def library_at(home: Path, moment: list) -> Library:
    settings = Settings(home=home)
    Library.init(settings, "k1", "p1")
    library = Library.open(
        settings, clock=Clock(now=lambda: moment[0], boot_id="b1", system_synced=lambda: True)
    )
    title = TitleRecord(title_id="t", title="សៀវភៅ")
    library.import_catalog([(title, CopyRecord(barcode=f"B{i}", title_id="t")) for i in range(4)])
    library.import_patrons([PatronRecord(card="C1", name="សុខ")])
    return library


def test_only_old_returned_and_acknowledged_loans_move(tmp_path):
    moment = [datetime(2025, 1, 10, 9, tzinfo=UTC)]
    library = library_at(tmp_path / "home", moment)
    for barcode in ("B0", "B1", "B2"):
        library.check_out("C1", barcode)
    library.check_in("B0")
    library.check_in("B1")
    acked = [e.id for e in library.outbox_pending(100) if e.data.get("barcode") != "B1"]
    library.outbox_acknowledge(acked)  # B1's return has not reached the hub yet
    moment[0] = datetime(2025, 9, 1, 9, tzinfo=UTC)
    assert archive_closed_loans(library, date(2025, 9, 1)) == 1
    live = {(d["barcode"], d["status"]) for d in library.loans_table.all()}
    assert live == {("B1", "closed"), ("B2", "open")}
    assert [loan["barcode"] for loan in archived_loans(library.settings.home)] == ["B0"]
    # The Koha export still has the archived loan's issue and return.
    out = tmp_path / "offline.koc"
    export_koc(library, out)
    text = out.read_text()
    assert "issue\tC1\tB0" in text and "return\tB0" in text
    library.close()
    reopened = Library.open(Settings(home=tmp_path / "home"))
    assert len(reopened.loans_table) == 2
    reopened.close()


def test_a_duplicate_line_from_a_crash_is_read_once_and_torn_line_skipped(tmp_path):
    folder = archive_folder(tmp_path)
    folder.mkdir()
    line = '{"loan_id": "L1", "barcode": "B0", "out_at": "2025-01-01T09:00:00+00:00"}\n'
    (folder / "loans-2025.jsonl").write_text(line + line + '{"loan_id": "L2", "barc')
    assert [loan["loan_id"] for loan in archived_loans(tmp_path)] == ["L1"]


def test_archive_command(tmp_path):
    home = tmp_path / "home"
    moment = [datetime.now(UTC) - timedelta(days=400)]
    library = library_at(home, moment)
    library.check_out("C1", "B3")
    library.check_in("B3")
    library.outbox_acknowledge([e.id for e in library.outbox_pending(10)])
    library.close()
    run = [sys.executable, "-m", "kiosk", "archive-loans", "--home", str(home), "--keep-days", "30"]
    out = subprocess.run(run, capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("1 returned loans archived")
