"""Koha interchange: the kiosk's loans as a Koha offline circulation file, its catalogue as MARC21.

``.koc`` is what Koha's "Upload offline circulation file" reads (``offline_circ/process_koc.pl``):
a header line ``Version=1.0<TAB>Generator=...<TAB>GeneratorVersion=...``, then one line per
action, oldest first: ``YYYY-MM-DD HH:MM:SS mmm<TAB>issue<TAB>card<TAB>barcode`` or
``...<TAB>return<TAB>barcode``. Times are the kiosk's wall clock as recorded on each loan (Koha
takes them as local time). Renewals are not written: Koha's offline format has no renewal.

The MARC export writes one UTF-8 record per title (leader/09 ``a``): 001 title id, 020 ISBNs,
100 author, 245 title, 246 Latin title, 650 subjects, one 952 per copy ($p barcode, $o call
number, $y item type, $c location, $1 lost, $0 withdrawn), the fields ``kiosk.marc`` reads back.
A title with so many copies that its record would pass ISO 2709's 99,999 bytes is written as
several records with the same 001. Never changes the store.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path

from pymarc import Field, Indicators, MARCWriter, Record, Subfield

from kiosk.archive import archived_loans
from kiosk.atomicfile import write_atomically

KOC_HEADER = "Version=1.0\tGenerator=bannalai\tGeneratorVersion=0.1"
MAX_RECORD_BYTES = 99_999


def koc_time(iso: str) -> str:
    """``2026-03-01T09:15:02.123456+07:00`` -> ``2026-03-01 09:15:02 123`` (wall clock kept)."""
    moment = datetime.fromisoformat(iso)
    return f"{moment:%Y-%m-%d %H:%M:%S} {moment.microsecond // 1000:03d}"


def koc_lines(loans: Iterable[dict], since: str = "") -> Iterator[str]:
    """The header, then every issue and return of ``loans`` in time order; with ``since``
    (``YYYY-MM-DD[ HH:MM:SS]``, kiosk wall clock) only the actions from then on, so a file
    already uploaded to Koha is not uploaded twice."""
    actions = []
    for loan in loans:
        if loan.get("out_at"):
            actions.append((loan["out_at"], 0, f"issue\t{loan['card']}\t{loan['barcode']}"))
        if loan.get("in_at"):
            actions.append((loan["in_at"], 1, f"return\t{loan['barcode']}"))
    timed = sorted((koc_time(at), order, action) for at, order, action in actions)
    yield KOC_HEADER
    for at, _order, action in timed:
        if at >= since:
            yield f"{at}\t{action}"


def export_koc(library, path: Path, since: str = "") -> int:
    """Write the kiosk's loans as a ``.koc`` file (see ``koc_lines``); returns the action count."""
    with library.locked():
        live = [dict(doc) for doc in library.loans_table.all()]
        loans = list(archived_loans(library.settings.home)) + live
    lines = list(koc_lines(loans, since))
    write_atomically(Path(path), ("\n".join(lines) + "\n").encode("utf-8"), 0o644)
    return len(lines) - 1


def _data(tag: str, pairs: list[tuple[str, str]], first: str = " ", second: str = " ") -> Field:
    subfields = [Subfield(code, value) for code, value in pairs if value]
    return Field(tag=tag, indicators=Indicators(first, second), subfields=subfields)


def _item(copy: dict) -> Field:
    status = copy.get("status", "available")
    return _data(
        "952",
        [
            ("p", copy["barcode"]),
            ("o", copy.get("call_number", "")),
            ("y", copy.get("item_type", "")),
            ("c", copy.get("location", "")),
            ("1", "1" if status == "lost" else ""),
            ("0", "1" if status == "withdrawn" else ""),
        ],
    )


def title_records(title: dict, copies: list[dict]) -> list[Record]:
    """``title`` and its copies as one MARC record, or several if it would be too big."""
    base = Record(force_utf8=True, leader="     nam a22     7a 4500")
    base.add_field(Field(tag="001", data=title["title_id"]))
    for isbn in title.get("isbns") or ([title["isbn"]] if title.get("isbn") else []):
        base.add_field(_data("020", [("a", isbn)]))
    if title.get("author"):
        base.add_field(_data("100", [("a", title["author"])], "1"))
    base.add_field(_data("245", [("a", title["title"])], "1" if title.get("author") else "0", "0"))
    if title.get("title_latin"):
        base.add_field(_data("246", [("a", title["title_latin"])], "1", "3"))
    for subject in title.get("subjects") or []:
        parts = subject.split(" -- ")
        base.add_field(_data("650", [("a", parts[0])] + [("x", p) for p in parts[1:]], " ", "4"))
    size = len(base.as_marc())
    records = [Record(force_utf8=True, leader=str(base.leader), fields=list(base.fields))]
    for copy in copies:
        item = _item(copy)
        item_size = len(item.as_marc("utf-8")) + 12  # the field and its directory entry
        if size + item_size > MAX_RECORD_BYTES and records[-1].get_fields("952"):
            records.append(
                Record(force_utf8=True, leader=str(base.leader), fields=list(base.fields))
            )
            size = len(base.as_marc())
        records[-1].add_field(item)
        size += item_size
    return records


def export_marc(library, path: Path) -> dict:
    """Write the whole catalogue as MARC21; returns counts of titles, records and copies."""
    with library.locked():
        titles = [dict(t) for t in library.catalog.titles.all()]
        by_title: dict[str, list[dict]] = {}
        for copy in library.catalog.copies.all():
            by_title.setdefault(copy.get("title_id"), []).append(dict(copy))
    temporary = Path(path).with_name(Path(path).name + ".part")
    counts = {"titles": 0, "records": 0, "copies": 0}
    with temporary.open("wb") as fh:
        writer = MARCWriter(fh)
        for title in sorted(titles, key=lambda t: t["title_id"]):
            copies = sorted(by_title.get(title["title_id"], []), key=lambda c: c["barcode"])
            for record in title_records(title, copies):
                writer.write(record)
                counts["records"] += 1
            counts["titles"] += 1
            counts["copies"] += len(copies)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(temporary, path)
    return counts
