"""Koha interchange from a real kiosk store: the .koc file Koha reads, and MARC21 that round-trips."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pymarc
import pytest

from kiosk.__main__ import main
from kiosk.clock import Clock
from kiosk.config import Settings
from kiosk.koha import KOC_HEADER, export_marc, koc_lines, koc_time, title_records
from kiosk.library import Library
from kiosk.marc import parse_marc
from kiosk.marcstore import apply_marc
from tests.support.marc_records import book, iso2709, item
from wire.records import PatronRecord

DATA = Path(__file__).parent / "data" / "marc"
KOC_LINE = re.compile(
    r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \d{3}\t(issue\t[^\t]+\t[^\t]+|return\t[^\t]+)$"
)


class SteppingClock(Clock):
    def __init__(self, start: datetime):
        self.moment = start
        super().__init__(now=lambda: self.moment, boot_id="test", system_synced=lambda: True)


def make_home(tmp_path, name="home") -> Path:
    home = tmp_path / name
    assert main(["init", "--kiosk-id", "k1", "--prison-id", "p1", "--home", str(home)]) == 0
    return home


def test_koc_file_lists_issues_and_returns_in_time_order(tmp_path, capsys):
    home = make_home(tmp_path)
    clock = SteppingClock(datetime(2026, 3, 1, 9, 15, 2, 123456, tzinfo=UTC))
    with Library.open(Settings.load(home), clock=clock) as library:
        library.import_patrons(
            [PatronRecord(card="C1", name="សុខ"), PatronRecord(card="C2", name="ចាន់")]
        )
        for barcode in ("B1", "B2"):
            library.add_copy(barcode=barcode, title="រឿងព្រេងខ្មែរ")
        assert not hasattr(library.check_out("C1", "B1"), "reason")
        clock.moment += timedelta(minutes=5)
        assert not hasattr(library.check_out("C2", "B2"), "reason")
        clock.moment += timedelta(days=3, seconds=1)
        assert not hasattr(library.check_in("B1"), "reason")
    out = tmp_path / "loans.koc"
    assert main(["export-koc", str(out), "--home", str(home)]) == 0
    assert "3 issue and return actions" in capsys.readouterr().out
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines == [
        KOC_HEADER,
        "2026-03-01 09:15:02 123\tissue\tC1\tB1",
        "2026-03-01 09:20:02 123\tissue\tC2\tB2",
        "2026-03-04 09:20:03 123\treturn\tB1",
    ]
    assert all(KOC_LINE.match(line) for line in lines[1:])
    assert lines[0].split("\t")[0] == "Version=1.0"
    assert main(["export-koc", str(out), "--since", "2026-03-02", "--home", str(home)]) == 0
    assert out.read_text(encoding="utf-8").splitlines() == [lines[0], lines[3]]


def test_koc_keeps_the_kiosk_wall_clock_and_orders_same_second_issue_first():
    assert koc_time("2026-03-01T23:59:59.999+07:00") == "2026-03-01 23:59:59 999"
    loans = [
        {
            "card": "C",
            "barcode": "B",
            "out_at": "2026-01-01T10:00:00",
            "in_at": "2026-01-01T10:00:00",
        }
    ]
    assert list(koc_lines(loans))[1:] == [
        "2026-01-01 10:00:00 000\tissue\tC\tB",
        "2026-01-01 10:00:00 000\treturn\tB",
    ]


def test_marc_export_round_trips_through_pymarc_and_our_import(tmp_path):
    home = make_home(tmp_path)
    khmer = iso2709(
        book(
            "ប្រវត្តិសាស្ត្រខ្មែរ",
            author="ត្រឹង ងា",
            isbns=["9789995000011"],
            subjects=["Cambodia -- History"],
            items=[item("K1", call="959.6 ត"), item("K2", lost="1")],
        )
    )
    source = tmp_path / "source.mrc"
    source.write_bytes((DATA / "test.dat").read_bytes() + khmer)
    with Library.open(Settings.load(home)) as library:
        apply_marc(library, parse_marc(source))
        before_titles = sorted(library.titles(), key=lambda t: t["title_id"])
        before_copies = {b: library.copy(b) for b in ("K1", "K2")}
    exported = tmp_path / "export.mrc"
    assert main(["export-marc", str(exported), "--home", str(home)]) == 0

    with exported.open("rb") as fh:  # an independent reader accepts every record
        records = list(pymarc.MARCReader(fh, to_unicode=True))
    assert len(records) == 11 and all(r is not None and r.leader[9] == "a" for r in records)

    again = make_home(tmp_path, "again")
    with Library.open(Settings.load(again)) as library:
        parsed = parse_marc(exported)
        assert not parsed.problems
        apply_marc(library, parsed)
        after_titles = sorted(library.titles(), key=lambda t: t["title_id"])
        after_copies = {b: library.copy(b) for b in ("K1", "K2")}
    fields = ("title_id", "title", "author", "isbn", "subjects", "isbns")
    assert [{f: t.get(f) for f in fields} for t in after_titles] == [
        {f: t.get(f) for f in fields} for t in before_titles
    ]
    for barcode in ("K1", "K2"):
        for key in ("title_id", "call_number", "status", "item_type"):
            assert after_copies[barcode].get(key) == before_copies[barcode].get(key), key


def test_a_title_with_thousands_of_copies_is_split_and_merges_back(tmp_path):
    title = {"title_id": "isbn:9789995000011", "title": "ភាសាខ្មែរ", "isbn": "9789995000011"}
    copies = [
        {"barcode": f"S{n:05d}", "call_number": "495.932", "item_type": "book"} for n in range(4000)
    ]
    records = title_records(title, copies)
    assert len(records) > 1 and all(len(r.as_marc()) <= 99_999 for r in records)
    path = tmp_path / "big.mrc"
    with path.open("wb") as fh:
        writer = pymarc.MARCWriter(fh)
        for record in records:
            writer.write(record)
    parsed = parse_marc(path)
    assert len(parsed.titles) == 1 and len(parsed.copies) == 4000


@pytest.mark.parametrize("command", ["export-koc", "export-marc"])
def test_exports_of_an_empty_kiosk_are_valid_files(tmp_path, command):
    home = make_home(tmp_path)
    out = tmp_path / "empty"
    assert main([command, str(out), "--home", str(home)]) == 0
    with Library.open(Settings.load(home)) as library:
        assert export_marc(library, tmp_path / "e.mrc")["titles"] == 0
    assert out.exists() and not list(tmp_path.glob("*.part"))
