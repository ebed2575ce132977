"""Exports read back with csv/openpyxl and checked against the database; formula injection."""

from __future__ import annotations

import csv
import io
import subprocess
import sys

import pytest
from openpyxl import load_workbook

from hub.exports import export, neutralise
from hub.reports import Month
from tests.hub_fixture import FORMULA_NAME, KHMER_NAME, NOW, PATRONS, build

MARCH = Month.parse("2026-03")


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    h = build(tmp_path_factory.mktemp("exports") / "hub")
    yield h
    h.close()


def run(hub, what, fmt, prison="P01"):
    buf = io.BytesIO()
    hub.db.read(lambda c: export(c, what, fmt, MARCH, prison, NOW, buf))
    return buf.getvalue()


def csv_rows(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")  # BOM: spreadsheet programs then read Khmer
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def xlsx_rows(data: bytes) -> list[list]:
    book = load_workbook(io.BytesIO(data))
    sheet = book.worksheets[0]
    for row in sheet.iter_rows():
        for cell in row:
            assert cell.data_type != "f", f"formula in {cell.coordinate}: {cell.value}"
    return [list(r) for r in sheet.iter_rows(values_only=True)]


@pytest.mark.parametrize(
    "value, expected",
    [
        ("=1+1", "'=1+1"), ("+31 1234", "'+31 1234"), ("-2", "'-2"), ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"), ("\r=1", "'\r=1"), ("＝1+1", "'＝1+1"), ("a=1", "a=1"),
        (KHMER_NAME, KHMER_NAME), (5, 5), (2.5, 2.5), (None, ""), ("x\x00y\x07", "xy"),
    ],
)  # fmt: skip
def test_neutralise(value, expected):
    assert neutralise(value) == expected


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_patrons_export_matches_the_database_and_neutralises_formulas(hub, fmt):
    data = run(hub, "patrons", fmt)
    rows = csv_rows(data) if fmt == "csv" else xlsx_rows(data)
    header, body = rows[0], rows[1:]
    names = {r[header.index("card")]: r[header.index("name")] for r in body}
    assert set(names) == set(PATRONS)
    assert names["C1"] == KHMER_NAME
    assert names["C8"] == "'" + FORMULA_NAME  # shown as text, never evaluated
    open_loans = {r[header.index("card")]: int(r[header.index("open_loans")]) for r in body}
    expected = hub.db.read(
        lambda c: dict(c.execute(
            "SELECT card, COUNT(*) FROM loans WHERE prison_id='P01' AND in_event_id IS NULL"
            " AND out_event_id IS NOT NULL GROUP BY card").fetchall())
    )  # fmt: skip
    assert {k: v for k, v in open_loans.items() if v} == expected


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_loans_export_lists_every_loan_out_during_the_month(hub, fmt):
    data = run(hub, "loans", fmt)
    rows = csv_rows(data) if fmt == "csv" else xlsx_rows(data)
    header, body = rows[0], rows[1:]
    got = {(r[header.index("card")], r[header.index("barcode")]) for r in body}
    # C5's February loan was still out in March; every March loan; nothing from P02.
    assert got == {
        ("C5", "B2"),
        ("C1", "B1"),
        ("C2", "B3"),
        ("C3", "B4"),
        ("C1", "B5"),
        ("C4", "B6"),
    }
    c1 = next(r for r in body if r[header.index("barcode")] == "B1")
    assert c1[header.index("out_at")] == "2026-03-02 10:00"  # Cambodia time
    assert c1[header.index("title")] == "សៀវភៅណែនាំអ្នកជាប់ឃុំ"


def test_catalogue_export_re_imports_with_the_kiosk_parser(hub, tmp_path):
    from wire.tabular import parse_catalog

    path = tmp_path / "catalogue.csv"
    path.write_bytes(run(hub, "catalogue", "csv"))
    parsed = parse_catalog(path)
    assert not parsed.problems
    assert sorted(copy.barcode for _, copy in parsed.records) == [
        "B1",
        "B2",
        "B3",
        "B4",
        "B5",
        "B6",
    ]


def test_figures_export_is_suppressed(hub):
    rows = xlsx_rows(run(hub, "figures", "xlsx", prison=None))
    header = rows[0]
    p01 = next(r for r in rows[1:] if r[1] == "P01")
    assert p01[header.index("readers")] == 7 and p01[header.index("loans")] == 5
    assert p01[header.index("returns")] == "<5"
    assert p01[header.index("literacy_class_attendances")] == "<5"
    assert {r[1] for r in rows[1:]} == {"P01", "P02"}


def test_export_command_writes_a_file(hub, tmp_path):
    out = tmp_path / "loans.xlsx"
    data_dir = hub.settings.data_dir
    proc = subprocess.run(
        [sys.executable, "-m", "hub", "export", "--month", "2026-03", "--what", "loans",
         "--format", "xlsx", "--prison", "P01", "--out", str(out), "--data-dir", str(data_dir)],
        capture_output=True, text=True,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert len(xlsx_rows(out.read_bytes())) == 7


def test_opds_lists_only_approved_content(tmp_path):
    import xml.etree.ElementTree as ET

    from hub import approvals, opds
    from hub.app import Hub
    from hub.config import Settings

    h = Hub(Settings.load(tmp_path / "opds"), now=lambda: NOW).open()
    try:
        for cid, title in (("a", "សៀវភៅ <A> & B"), ("b", "Not yet approved")):
            (tmp_path / f"{cid}.txt").write_text(cid)
            sha, size = h.content.add_file(tmp_path / f"{cid}.txt")
            h.db.write(lambda c, cid=cid, sha=sha, size=size, title=title: approvals.add_item(
                c, cid, sha, size, f"{cid}.txt", title, "", "CC-BY", "km", "t", NOW))  # fmt: skip
        h.db.write(lambda c: approvals.approve(c, "a", "admin", NOW))
        items = h.db.read(lambda c: approvals.list_items(c, approved_only=True))
        root = ET.fromstring(opds.feed(items, "http://hub", NOW))
    finally:
        h.close()
    ns = {"a": opds.ATOM}
    entries = root.findall("a:entry", ns)
    assert [e.find("a:title", ns).text for e in entries] == ["សៀវភៅ <A> & B"]
    link = entries[0].find("a:link", ns)
    assert link.get("rel") == "http://opds-spec.org/acquisition/open-access"
    assert (
        link.get("href").startswith("http://hub/opds/files/") and link.get("type") == "text/plain"
    )
