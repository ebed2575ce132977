"""Read MARCXML records one at a time with lxml, keeping every record before a syntax error.

pymarc's MARCXML reader parses the whole document first, so one broken tag near the end loses
the file. Here ``iterparse`` hands over each ``<record>`` as it closes; a syntax error ends the
file with an ``Unreadable`` naming the line, and the records before it stand. Entities are not
resolved, no DTD is loaded and nothing is fetched. Never writes anything.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from pathlib import Path

from lxml import etree
from pymarc import Field, Indicators, Leader, Record, Subfield

from kiosk.marcfile import Read, Unreadable


def _local(tag) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def _nfc(text: str | None) -> str:
    return unicodedata.normalize("NFC", text or "")


def read_xml_records(path: Path) -> Iterator[Read | Unreadable]:
    number = 0
    events = etree.iterparse(
        str(path),
        events=("end",),
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_comments=True,
    )
    try:
        for _event, element in events:
            if _local(element.tag) != "record":
                continue
            number += 1
            yield _record(element, number)
            element.clear()
            while element.getprevious() is not None:
                del element.getparent()[0]
    except etree.XMLSyntaxError as exc:
        line = exc.position[0] if exc.position else "?"
        yield Unreadable(number + 1, f"the XML is broken at line {line}: the rest is unreadable")


def _record(element, number: int) -> Read | Unreadable:
    record, notes = Record(), []
    for child in element:
        name = _local(child.tag)
        if name == "leader":
            text = (child.text or "").ljust(24)[:24]
            record.leader = Leader(text)
        elif name == "controlfield":
            tag = (child.get("tag") or "").strip()
            if len(tag) != 3:
                notes.append(f"control field with a bad tag {tag!r} skipped")
                continue
            record.add_field(Field(tag=tag, data=_nfc(child.text)))
        elif name == "datafield":
            field = _datafield(child, notes)
            if field is not None:
                record.add_field(field)
    if not record.fields:
        return Unreadable(number, "no fields")
    return Read(number, record, tuple(notes))


def _datafield(child, notes: list[str]) -> Field | None:
    tag = (child.get("tag") or "").strip()
    if len(tag) != 3:
        notes.append(f"data field with a bad tag {tag!r} skipped")
        return None
    first, second = (child.get("ind1") or " ")[:1], (child.get("ind2") or " ")[:1]
    subfields = [
        Subfield(code=(sub.get("code") or " ")[:1], value=_nfc(sub.text))
        for sub in child
        if _local(sub.tag) == "subfield"
    ]
    return Field(tag=tag, indicators=Indicators(first, second), subfields=subfields)
