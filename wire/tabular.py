"""Read a librarian's CSV or XLSX file into rows, with a reason for every row that is wrong.

Shared by the kiosk's and the hub's imports so both accept exactly the same files. A file in the
wrong encoding or without the required columns is refused as a whole; a bad row is reported with
its line number and reasons, and the caller decides whether any row is imported.
Never evaluates a formula and never writes anything.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from wire.records import (
    CATALOG_COLUMNS,
    CATALOG_REQUIRED,
    PATRON_COLUMNS,
    PATRON_REQUIRED,
    CopyRecord,
    PatronRecord,
    TitleRecord,
    title_id_for,
)

MAX_BYTES = 50 * 1024 * 1024
MAX_ROWS = 200_000
KHMER = re.compile(r"[\u1780-\u17ff\u19e0-\u19ff]")
# Legacy Khmer fonts (Limon, ABC...) draw Khmer glyphs on Latin-1 code points: text typed in them
# arrives as Latin letters mixed with symbols and accented letters, with no Khmer characters.
LEGACY_MARKS = re.compile(r"[\u00a1-\u00ff\[\]{}\\|~^`;]")


class TableRefused(Exception):
    """The whole file cannot be read; the message says why in one line."""


@dataclass
class RowProblem:
    line: int
    reasons: list[str]

    def __str__(self) -> str:
        return f"line {self.line}: {'; '.join(self.reasons)}"


@dataclass
class Parsed:
    records: list = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)


def looks_like_legacy_khmer(text: str) -> bool:
    """True for text that is probably Khmer typed in a legacy (non-Unicode) font."""
    if not text or KHMER.search(text):
        return False
    letters = [c for c in text if not c.isspace()]
    if len(letters) < 3:
        return False
    marks = len(LEGACY_MARKS.findall(text))
    return marks / len(letters) >= 0.15


def read_rows(path: Path) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """Header (lower-cased) and ``(line number, {column: text})`` rows of a CSV or XLSX file."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise TableRefused(f"cannot read {path}: {exc.strerror}") from exc
    if size > MAX_BYTES:
        raise TableRefused(f"{path.name} is {size // 1_000_000} MB; the limit is 50 MB")
    spreadsheet = path.suffix.lower() in (".xlsx", ".xlsm")
    raw_rows = _xlsx_rows(path) if spreadsheet else _csv_rows(path)
    return _with_header(raw_rows, path.name)


def _csv_rows(path: Path) -> Iterable[list[str]]:
    try:
        data = path.read_bytes()
    except OSError as exc:  # a folder, or no permission
        raise TableRefused(f"cannot read {path}: {exc.strerror}") from exc
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise TableRefused(
            f"{path.name} is not UTF-8 (first bad byte on line {line}); "
            "save it as 'CSV UTF-8' and try again"
        ) from None
    if "\x00" in text:
        raise TableRefused(f"{path.name} contains NUL bytes: is it really a CSV file?")
    try:
        return list(csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text)))
    except csv.Error as exc:
        raise TableRefused(f"{path.name} is not valid CSV: {exc}") from exc


def _delimiter(text: str) -> str:
    """``,`` unless the header row has none but ``;`` or a tab: Excel in a French or other
    comma-decimal locale saves "CSV" with semicolons."""
    header = text.split("\n", 1)[0]
    if "," not in header:
        for other in (";", "\t"):
            if other in header:
                return other
    return ","


def _xlsx_rows(path: Path) -> Iterable[list[str]]:
    """Cell values as text; a formula with no saved result comes through as its text, unevaluated."""
    from openpyxl import load_workbook  # only needed for spreadsheets

    try:
        values = load_workbook(path, read_only=True, data_only=True)
        formulas = load_workbook(path, read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many types for broken files
        raise TableRefused(f"{path.name} is not a readable XLSX file: {exc}") from exc
    try:
        rows = zip(
            values.worksheets[0].iter_rows(values_only=True),
            formulas.worksheets[0].iter_rows(values_only=True),
            strict=False,
        )
        return [
            [_cell_text(v if v is not None else f) for v, f in zip(vrow, frow, strict=False)]
            for vrow, frow in rows
        ]
    finally:
        values.close()
        formulas.close()


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _with_header(raw_rows, name: str):
    rows = iter(raw_rows)
    header = next(rows, None)
    if not header:
        raise TableRefused(f"{name} is empty: the first row must name the columns")
    header = [unicodedata.normalize("NFC", h).strip().lower() for h in header]
    out = []
    for number, values in enumerate(rows, start=2):
        if number > MAX_ROWS + 1:
            raise TableRefused(f"{name} has more than {MAX_ROWS} rows")
        if not any(v.strip() for v in values):
            continue
        cells = {
            h: unicodedata.normalize("NFC", v).strip()
            for h, v in zip(header, values, strict=False)
            if h
        }
        out.append((number, cells))
    return header, out


def _require(header: list[str], required: tuple[str, ...], name: str) -> None:
    missing = [c for c in required if c not in header]
    if missing:
        raise TableRefused(f"{name} has no column {', '.join(missing)}")


def _legacy_reasons(cells: dict[str, str], khmer_fields: tuple[str, ...]) -> list[str]:
    return [
        f"{f} looks like Khmer typed in a legacy font (not Unicode): retype it with a Unicode Khmer keyboard"
        for f in khmer_fields
        if looks_like_legacy_khmer(cells.get(f, ""))
    ]


def _errors(exc: ValidationError) -> list[str]:
    return [f"{'.'.join(str(p) for p in e['loc']) or 'row'}: {e['msg']}" for e in exc.errors()]


def parse_catalog(path: Path) -> Parsed:
    """Titles and copies from a catalogue file; a row is one copy (``barcode``) of a title."""
    header, rows = read_rows(path)
    _require(header, CATALOG_REQUIRED, Path(path).name)
    parsed = Parsed()
    seen: dict[str, int] = {}
    for line, cells in rows:
        reasons = _legacy_reasons(cells, ("title", "author"))
        barcode = cells.get("barcode", "")
        if barcode in seen:
            reasons.append(f"barcode {barcode} is also on line {seen[barcode]}")
        seen.setdefault(barcode, line)
        isbn = cells.get("isbn", "").replace("-", "").replace(" ", "")
        values = {c: cells.get(c, "") for c in CATALOG_COLUMNS} | {"isbn": isbn}
        try:
            title_id = title_id_for(isbn, values["title"], values["author"])
            title = TitleRecord(title_id=title_id, **values)
            copy = CopyRecord(barcode=barcode, title_id=title_id)
        except ValidationError as exc:
            reasons.extend(_errors(exc))
        if reasons:
            parsed.problems.append(RowProblem(line, reasons))
        else:
            parsed.records.append((title, copy))
    return parsed


def parse_patrons(path: Path) -> Parsed:
    """Patrons from a roster file, one per row."""
    header, rows = read_rows(path)
    _require(header, PATRON_REQUIRED, Path(path).name)
    parsed = Parsed()
    seen: dict[str, int] = {}
    for line, cells in rows:
        reasons = _legacy_reasons(cells, ("name",))
        card = cells.get("card", "")
        if card in seen:
            reasons.append(f"card {card} is also on line {seen[card]}")
        seen.setdefault(card, line)
        try:
            patron = PatronRecord(**{c: cells.get(c, "") for c in PATRON_COLUMNS})
        except ValidationError as exc:
            reasons.extend(_errors(exc))
        if reasons:
            parsed.problems.append(RowProblem(line, reasons))
        else:
            parsed.records.append(patron)
    return parsed
