"""Catalogue and roster imports from real files: bad input is reported row by row, changes nothing."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import Workbook

from kiosk.config import Settings
from kiosk.library import Library
from wire.tabular import TableRefused, looks_like_legacy_khmer, parse_catalog, parse_patrons

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "demo" / "data"


def kiosk(home: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "kiosk", *args, "--home", str(home)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )


@pytest.fixture
def home(tmp_path) -> Path:
    home = tmp_path / "home"
    assert kiosk(home, "init", "--kiosk-id", "k1", "--prison-id", "p1").returncode == 0
    return home


def test_sample_files_import_and_lend(home):
    assert kiosk(home, "import-catalog", str(DEMO / "catalog.csv")).returncode == 0
    assert kiosk(home, "import-patrons", str(DEMO / "patrons.csv")).returncode == 0
    out = kiosk(home, "checkout", "C1001", "B0001", "B0003")
    assert out.returncode == 0, out.stderr
    refused = kiosk(home, "checkout", "C1002", "B0001")
    assert refused.returncode == 1 and "copy_on_loan" in refused.stderr
    loans = kiosk(home, "loans", "--json")
    import json

    rows = json.loads(loans.stdout)
    assert {(r["card"], r["barcode"], r["status"]) for r in rows} == {
        ("C1001", "B0001", "open"),
        ("C1001", "B0003", "open"),
    }
    assert all(r["due"] for r in rows)


def test_bad_rows_are_reported_and_nothing_changes(home, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "Barcode,Title,Author,extra\n"
        "X1,សៀវភៅល្អ,ខ្មែរ,ignored\n"
        "X1,ម្តងទៀត,,\n"  # duplicate barcode
        ",គ្មានលេខ,,\n"  # missing barcode
        "X3,esovePA}ø[ÉrI,,\n",  # Khmer typed in a legacy font
        encoding="utf-8",
    )
    out = kiosk(home, "import-catalog", str(bad))
    assert out.returncode == 1
    assert "line 3" in out.stderr and "also on line 2" in out.stderr
    assert "line 4" in out.stderr and "line 5" in out.stderr and "legacy font" in out.stderr
    assert "nothing was imported" in out.stderr
    status = kiosk(home, "status", "--json")
    assert '"copies": 0' in status.stdout
    partial = kiosk(home, "import-catalog", str(bad), "--skip-bad")
    assert partial.returncode == 0 and "1 added" in partial.stdout


def test_wrong_encoding_and_missing_columns_are_refused(home, tmp_path):
    latin = tmp_path / "latin1.csv"
    latin.write_bytes("card,name\nC1,Sok\nC2,Chéa\n".encode("latin-1"))
    out = kiosk(home, "import-patrons", str(latin))
    assert out.returncode == 1 and "not UTF-8" in out.stderr and "line 3" in out.stderr
    nocol = tmp_path / "nocol.csv"
    nocol.write_text("number,who\n1,x\n", encoding="utf-8")
    out = kiosk(home, "import-patrons", str(nocol))
    assert out.returncode == 1 and "no column card, name" in out.stderr


def test_xlsx_roster_and_formula_text_stays_text(tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(["card", "detainee_no", "name", "name_latin", "category", "cell"])
    sheet.append(["C9", "D9", "សុខ ចាន់", '=HYPERLINK("x")', "adult", "A1"])
    sheet.append([1234, None, "ចាន់ ធី", None, None, None])  # numbers and blanks
    path = tmp_path / "roster.xlsx"
    book.save(path)
    parsed = parse_patrons(path)
    assert not parsed.problems
    assert [p.card for p in parsed.records] == ["C9", "1234"]
    assert parsed.records[0].name_latin.startswith("=")
    assert parsed.records[1].category == "adult"


def test_semicolon_and_tab_separated_files_import(tmp_path):
    # Excel in a French locale saves "CSV UTF-8" with semicolons; some tools write tabs.
    for sep in (";", "\t"):
        path = tmp_path / "catalogue.csv"
        path.write_bytes(f"\ufeffBarcode{sep}Title{sep}Author\r\nB0001{sep}ក, ខ{sep}គ\r\n".encode())
        parsed = parse_catalog(path)
        assert not parsed.problems
        assert [(c.barcode, t.title) for t, c in parsed.records] == [("B0001", "ក, ខ")]


def test_broken_files_get_one_line_reasons(tmp_path):
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(TableRefused, match="not a readable XLSX"):
        parse_catalog(broken)
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(TableRefused, match="empty"):
        parse_catalog(empty)
    with pytest.raises(TableRefused, match="cannot read"):
        parse_catalog(tmp_path / "missing.csv")
    (tmp_path / "folder.csv").mkdir()
    with pytest.raises(TableRefused, match="cannot read .*folder.csv: Is a directory"):
        parse_patrons(tmp_path / "folder.csv")


def test_reimport_updates_without_touching_loans(tmp_path):
    settings = Settings(home=tmp_path / "h")
    Library.init(settings, "k1", "p1")
    with Library.open(settings) as library:
        library.import_catalog(parse_catalog(DEMO / "catalog.csv").records)
        library.import_patrons(parse_patrons(DEMO / "patrons.csv").records)
        library.check_out("C1001", "B0001")
        again = library.import_catalog(parse_catalog(DEMO / "catalog.csv").records)
        assert again == {"added": 0, "updated": 0, "unchanged": 10}
        assert library.copy("B0001")["status"] == "on_loan"


def test_legacy_font_detector():
    assert looks_like_legacy_khmer("esovePA}ø[ÉrI")
    assert not looks_like_legacy_khmer("សៀវភៅ")
    assert not looks_like_legacy_khmer("The Rabbit and the Turtle")
    assert not looks_like_legacy_khmer("")


def test_init_refuses_ids_the_hub_would_refuse(tmp_path):
    out = kiosk(tmp_path / "h", "init", "--kiosk-id", "គីយ៉ូស្ក1", "--prison-id", "p1")
    assert out.returncode == 1 and "kiosk id" in out.stderr and "Traceback" not in out.stderr
