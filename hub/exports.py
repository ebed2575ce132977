"""Loans, patrons, catalogue and figures as CSV or XLSX, safe to open in a spreadsheet.

Every text cell goes through ``neutralise``: a cell that a spreadsheet would read as a formula
(``= + - @``, tab, carriage return, and their full-width forms) gets a leading apostrophe, and
characters XLSX cannot hold are dropped. Numbers stay numbers. Figures are always suppressed
(counts under 5) because an export leaves the prison; the other exports carry names and stay
with the prison's staff (the dashboard offers them to librarians and admins only).
The catalogue and patron exports use the import columns (``wire.records``), so they re-import.
No FastAPI here; callers pass a read connection.
"""

from __future__ import annotations

import csv
import io
import re
import sqlite3
from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path

from hub.errors import Invalid
from hub.reports import ACTIVITIES, LOCAL, Month, figures, known_prisons, suppress
from wire.records import CATALOG_COLUMNS, PATRON_COLUMNS

WHAT = ("loans", "patrons", "catalogue", "figures")
FORMATS = ("csv", "xlsx")
FORMULA_START = tuple("=+-@\t\r\uff1d\uff0b\uff0d\uff20")
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def neutralise(value):
    """A cell value no spreadsheet will evaluate: formulas become text, numbers stay."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float):
        return value
    text = _ILLEGAL.sub("", str(value))
    return "'" + text if text.startswith(FORMULA_START) else text


def local_time(stored: str | None) -> str:
    if not stored:
        return ""
    return datetime.fromisoformat(stored).astimezone(LOCAL).strftime("%Y-%m-%d %H:%M")


def loan_rows(conn: sqlite3.Connection, month: Month, prison_id: str | None) -> Iterator[list]:
    """Every loan that was out at some time during the month."""
    start, end = month.bounds()
    sql = (
        "SELECT l.prison_id, l.loan_id, l.card, json_extract(p.record, '$.detainee_no'),"
        " json_extract(p.record, '$.name'), l.barcode, json_extract(t.record, '$.title'),"
        " l.out_at, l.due, l.renewals, l.in_at, l.days_late FROM loans l"
        " LEFT JOIN records p ON p.prison_id=l.prison_id AND p.kind='patron' AND p.key=l.card"
        " LEFT JOIN records c ON c.prison_id=l.prison_id AND c.kind='copy' AND c.key=l.barcode"
        " LEFT JOIN records t ON t.prison_id=l.prison_id AND t.kind='title'"
        "  AND t.key=json_extract(c.record, '$.title_id')"
        " WHERE l.out_at < ? AND (l.in_at IS NULL OR l.in_at >= ?)"
    )
    args: list = [end, start]
    if prison_id is not None:
        sql += " AND l.prison_id=?"
        args.append(prison_id)
    yield ["prison", "loan_id", "card", "detainee_no", "name", "barcode", "title", "out_at",
           "due", "renewals", "returned_at", "days_late"]  # fmt: skip
    for row in conn.execute(sql + " ORDER BY l.prison_id, l.out_at", args):
        row = list(row)
        row[7], row[10] = local_time(row[7]), local_time(row[10])
        yield row


def patron_rows(conn: sqlite3.Connection, prison_id: str | None) -> Iterator[list]:
    cols = (*PATRON_COLUMNS, "status")
    yield ["prison", *cols, "open_loans"]
    yield from _record_rows(
        conn,
        prison_id,
        "patron",
        cols,
        "(SELECT COUNT(*) FROM loans l WHERE l.prison_id=r.prison_id AND l.card=r.key"
        " AND l.in_event_id IS NULL AND l.out_event_id IS NOT NULL)",
    )


def catalogue_rows(conn: sqlite3.Connection, prison_id: str | None) -> Iterator[list]:
    title_cols = [c for c in CATALOG_COLUMNS if c != "barcode"]
    yield ["prison", *CATALOG_COLUMNS, "status"]
    sql = (
        "SELECT c.prison_id, c.key, "
        + ", ".join(f"json_extract(t.record, '$.{c}')" for c in title_cols)
        + ", json_extract(c.record, '$.status') FROM records c LEFT JOIN records t"
        " ON t.prison_id=c.prison_id AND t.kind='title'"
        " AND t.key=json_extract(c.record, '$.title_id')"
        " WHERE c.kind='copy' AND c.record IS NOT NULL"
    )
    args: list = []
    if prison_id is not None:
        sql += " AND c.prison_id=?"
        args.append(prison_id)
    for row in conn.execute(sql + " ORDER BY c.prison_id, c.key", args):
        yield list(row)


def _record_rows(conn, prison_id, kind: str, cols, extra: str) -> Iterator[list]:
    fields = ", ".join(f"json_extract(r.record, '$.{c}')" for c in cols)
    sql = f"SELECT r.prison_id, {fields}, {extra} FROM records r WHERE r.kind=? AND r.record IS NOT NULL"
    args: list = [kind]
    if prison_id is not None:
        sql += " AND r.prison_id=?"
        args.append(prison_id)
    for row in conn.execute(sql + " ORDER BY r.prison_id, r.key", args):
        yield list(row)


FIGURE_COLUMNS = (
    "readers", "anonymous_sessions", "loans", "returns", "renewals", "overdue_loans",
    "reading_sessions", "reading_minutes",
)  # fmt: skip


def figure_rows(
    conn: sqlite3.Connection, month: Month, prison_id: str | None, now: datetime
) -> Iterator[list]:
    """One row per prison (suppressed), indicators as columns."""
    activity_cols = [f"{a}_{k}" for a in ACTIVITIES for k in ("participants", "attendances")]
    yield ["month", "prison", *FIGURE_COLUMNS, *activity_cols]
    prisons = [prison_id] if prison_id else known_prisons(conn)
    for prison in prisons:
        figs = suppress(figures(conn, month, prison, now))
        yield [
            str(month),
            prison,
            *(figs[c] for c in FIGURE_COLUMNS),
            *(
                figs["attendance"][a][k]
                for a in ACTIVITIES
                for k in ("participants", "attendances")
            ),
        ]


def rows_for(
    conn: sqlite3.Connection, what: str, month: Month, prison_id: str | None, now: datetime
) -> Iterator[list]:
    if what == "loans":
        return loan_rows(conn, month, prison_id)
    if what == "patrons":
        return patron_rows(conn, prison_id)
    if what == "catalogue":
        return catalogue_rows(conn, prison_id)
    if what == "figures":
        return figure_rows(conn, month, prison_id, now)
    raise Invalid(f"export must be one of {', '.join(WHAT)}, not {what!r}")


def write_csv(rows: Iterable[list], out: io.TextIOBase) -> int:
    """UTF-8 with BOM (so spreadsheet programs see Khmer), every cell neutralised."""
    writer = csv.writer(out)
    count = 0
    for row in rows:
        writer.writerow([neutralise(v) for v in row])
        count += 1
    return count


def write_xlsx(rows: Iterable[list], out, sheet_title: str) -> int:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    sheet = book.create_sheet(sheet_title[:31])
    bold = Font(bold=True)
    count = 0
    for row in rows:
        values = [neutralise(v) for v in row]
        if count == 0:
            header = []
            for v in values:
                cell = WriteOnlyCell(sheet, value=v)
                cell.font = bold
                header.append(cell)
            values = header
        sheet.append(values)
        count += 1
    book.save(out)
    return count


def export(
    conn: sqlite3.Connection,
    what: str,
    fmt: str,
    month: Month,
    prison_id: str | None,
    now: datetime,
    out: Path | io.IOBase,
) -> int:
    """Write one export to a path or binary stream; return the number of rows (with header)."""
    if fmt not in FORMATS:
        raise Invalid(f"format must be csv or xlsx, not {fmt!r}")
    rows = rows_for(conn, what, month, prison_id, now)
    if fmt == "xlsx":
        return write_xlsx(rows, out, f"{what} {month}")
    if isinstance(out, Path):
        with open(out, "w", encoding="utf-8-sig", newline="") as text:
            return write_csv(rows, text)
    text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="")
    try:
        return write_csv(rows, text)
    finally:
        text.detach()


def filename(what: str, fmt: str, month: Month, prison_id: str | None) -> str:
    return f"bannalai-{what}-{prison_id or 'all'}-{month}.{fmt}"
