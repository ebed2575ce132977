"""Import a MARC21 or MARCXML catalogue: titles, authors, ISBNs, subjects and Koha items.

What is taken from each record: the title (245 $a $b $n $p, or its 880 in original script when
that is Khmer, the romanised 245 then becoming ``title_latin``), the author (100/110/111, else the
first 700/710), ISBNs (020 $a, ISBN-10 turned into ISBN-13 as the scanners read them), subjects
(6XX, subdivisions joined with " -- ") and Koha's items (952: $p barcode, $o call number, $y item
type, $c shelving location, $1 lost, $0 withdrawn). A record without items becomes a title
without copies, so a scan of its ISBN at the desk (``kiosk.desk``) finds it.

Records are read and checked one by one (``kiosk.marcfile``): a bad record, item or barcode is a
``MarcProblem`` and never stops the file. Duplicates are merged and reported: records sharing an
ISBN (or the same title and author) become one title with every copy; a barcode repeated on the
same title counts once; a barcode on two different titles is a problem (the first one is kept).

API: ``parse_marc(path) -> MarcImport`` (no store), then ``kiosk.marcstore.apply_marc(library,
parsed) -> dict`` (one transaction; ISBNs already in the catalogue merge into the existing title). This module
never decides whether bad records block an import: the command does, as for CSV files.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError
from pymarc import Record

from kiosk.isbn import isbn_variants, normalise_isbn
from kiosk.marcfile import Read, read_records
from wire.records import CopyRecord, TitleRecord, title_id_for
from wire.tabular import KHMER, looks_like_legacy_khmer

MAX_SUBJECTS = 20
_ISBD_TAIL = re.compile(r"[\s/:;,=.]+$")


@dataclass
class MarcProblem:
    record: int
    reason: str

    def __str__(self) -> str:
        return f"record {self.record}: {self.reason}"


@dataclass
class TitleDraft:
    record: TitleRecord
    subjects: list[str]
    isbns: list[str]
    first: int  # number of the first record that gave this title


@dataclass
class CopyDraft:
    copy: CopyRecord
    call_number: str
    record: int


@dataclass
class MarcImport:
    titles: dict[str, TitleDraft] = field(default_factory=dict)
    copies: dict[str, CopyDraft] = field(default_factory=dict)
    problems: list[MarcProblem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    records_read: int = 0
    titles_without_items: int = 0
    by_isbn: dict[str, str] = field(default_factory=dict)  # any ISBN form -> title id


def clean(text: str) -> str:
    """A MARC value without ISBD punctuation at its end (``"Title /"`` -> ``"Title"``)."""
    return _ISBD_TAIL.sub("", " ".join(text.split()))


def _joined(fld, codes: str) -> str:
    return clean(" ".join(v for v in fld.get_subfields(*codes) if v.strip()))


def _vernacular(record: Record, tag: str):
    """The 880 field linked to ``tag`` ($6 "245-01"), when it holds Khmer."""
    for fld in record.get_fields("880"):
        link = (fld.get_subfields("6") or [""])[0]
        if link.startswith(tag) and KHMER.search(fld.value()):
            return fld
    return None


def _titles(record: Record) -> tuple[str, str]:
    main = record.get("245")
    roman = _joined(main, "abnp") if main else ""
    khmer = _vernacular(record, "245")
    if khmer is not None:
        return _joined(khmer, "abnp"), roman
    if roman and KHMER.search(roman):
        variants = [_joined(f, "ab") for f in record.get_fields("246")]
        return roman, next((v for v in variants if v and not KHMER.search(v)), "")
    return roman, ""


def _author(record: Record) -> str:
    for tag in ("100", "110", "111"):
        khmer = _vernacular(record, tag)
        if khmer is not None:
            return _joined(khmer, "abcd" if tag == "100" else "ab")
    for tag in ("100", "110", "111", "700", "710"):
        fld = record.get(tag)
        if fld is not None and (name := _joined(fld, "a" if tag[1:] == "00" else "ab")):
            return name
    return ""


def _subjects(record: Record) -> list[str]:
    found: list[str] = []
    for fld in record.get_fields("600", "610", "611", "630", "650", "651", "655"):
        text = " -- ".join(clean(v) for v in fld.get_subfields(*"abvxyz") if clean(v))
        if text and text not in found:
            found.append(text[:200])
    return found[:MAX_SUBJECTS]


def _isbns(record: Record, number: int, parsed: MarcImport) -> list[str]:
    found: list[str] = []
    for raw in (v for f in record.get_fields("020") for v in f.get_subfields("a")):
        isbn = normalise_isbn(raw)
        if isbn is None:
            parsed.notes.append(f"record {number}: ISBN {raw.strip()!r} is not valid: ignored")
        elif isbn not in found:
            found.append(isbn)
    return found


def _fit(text: str, limit: int, what: str, number: int, parsed: MarcImport) -> str:
    if len(text) <= limit:
        return text
    parsed.notes.append(f"record {number}: {what} shortened to {limit} characters")
    return text[: limit - 1].rstrip() + "…"


def _draft(read: Read, parsed: MarcImport) -> TitleDraft | None:
    record, number = read.record, read.number
    title, title_latin = _titles(record)
    author = _author(record)
    if not title:
        parsed.problems.append(MarcProblem(number, "no title (245 $a)"))
        return None
    legacy = [n for n, v in (("title", title), ("author", author)) if looks_like_legacy_khmer(v)]
    if legacy:  # a note, not a refusal: accented Latin names trip the same test
        parsed.notes.append(
            f"record {number}: {' and '.join(legacy)} may be Khmer typed in a legacy font: check it"
        )
    isbns = _isbns(record, number, parsed)
    values = {
        "title": _fit(title, 300, "title", number, parsed),
        "title_latin": _fit(title_latin, 300, "Latin title", number, parsed),
        "author": _fit(author, 300, "author", number, parsed),
        "isbn": isbns[0] if isbns else "",
    }
    title_id = title_id_for(values["isbn"], values["title"], values["author"])
    return TitleDraft(TitleRecord(title_id=title_id, **values), _subjects(record), isbns, number)


def _items(record: Record, number: int, title_id: str, parsed: MarcImport) -> list[CopyDraft]:
    items = []
    for position, fld in enumerate(record.get_fields("952"), start=1):
        barcode = " ".join((fld.get("p") or "").split())
        if not barcode:
            parsed.notes.append(f"record {number}: item {position} has no barcode (952 $p)")
            continue
        status = "available"
        if (fld.get("0") or "0").strip() not in ("", "0"):
            status = "withdrawn"
        elif (fld.get("1") or "0").strip() not in ("", "0"):
            status = "lost"
        try:
            copy = CopyRecord(
                barcode=barcode,
                title_id=title_id,
                item_type=clean(fld.get("y") or "")[:40] or "book",
                location=clean(fld.get("c") or "")[:300],
                status=status,
            )
        except ValidationError:
            parsed.problems.append(
                MarcProblem(number, f"item {position}: barcode {barcode!r} is not a valid label")
            )
            continue
        items.append(CopyDraft(copy, clean(fld.get("o") or "")[:120], number))
    return items


def _merge(parsed: MarcImport, draft: TitleDraft) -> str:
    """Add ``draft`` or merge it into an earlier title; returns the title id it ended under."""
    title_id = next((parsed.by_isbn[i] for i in draft.isbns if i in parsed.by_isbn), None)
    title_id = title_id or draft.record.title_id
    earlier = parsed.titles.get(title_id)
    if earlier is None:
        parsed.titles[title_id] = draft
    else:
        why = "ISBN" if set(draft.isbns) & set(earlier.isbns) else "title and author"
        parsed.notes.append(
            f"record {draft.first}: same {why} as record {earlier.first}: merged into one title"
        )
        kept = earlier.record.model_dump()
        fill = {k: v for k, v in draft.record.model_dump().items() if v and not kept.get(k)}
        earlier.record = earlier.record.model_copy(update=fill)
        earlier.subjects += [s for s in draft.subjects if s not in earlier.subjects]
        earlier.isbns += [i for i in draft.isbns if i not in earlier.isbns]
    for isbn in draft.isbns:
        for variant in isbn_variants(isbn):
            parsed.by_isbn.setdefault(variant, title_id)
    return title_id


def _add_copies(parsed: MarcImport, items: list[CopyDraft], title_id: str) -> None:
    for item in items:
        item.copy = item.copy.model_copy(update={"title_id": title_id})
        barcode = item.copy.barcode
        earlier = parsed.copies.get(barcode)
        if earlier is None:
            parsed.copies[barcode] = item
        elif earlier.copy.title_id == title_id:
            parsed.notes.append(
                f"record {item.record}: barcode {barcode} repeats record {earlier.record}: merged"
            )
        else:
            parsed.problems.append(
                MarcProblem(
                    item.record,
                    f"barcode {barcode} is also on record {earlier.record}, another title: "
                    "kept the first",
                )
            )


def parse_marc(path: Path) -> MarcImport:
    """Read a MARC21/MARCXML file record by record; raises only ``MarcRefused``."""
    parsed = MarcImport()
    for read in read_records(path):
        parsed.records_read += 1
        if not isinstance(read, Read):
            parsed.problems.append(MarcProblem(read.number, read.reason))
            continue
        parsed.notes.extend(f"record {read.number}: {note}" for note in read.notes)
        try:
            draft = _draft(read, parsed)
            if draft is None:
                continue
            items = _items(read.record, read.number, draft.record.title_id, parsed)
        except Exception as exc:  # a field shaped like nothing we expect: this record only
            parsed.problems.append(MarcProblem(read.number, f"unusable fields ({exc!r:.80})"))
            continue
        title_id = _merge(parsed, draft)
        if not items:
            parsed.titles_without_items += 1
        _add_copies(parsed, items, title_id)
    if parsed.titles_without_items:
        parsed.notes.append(
            f"{parsed.titles_without_items} records have no items (952 $p): "
            "imported as titles without copies"
        )
    return parsed
