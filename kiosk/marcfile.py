"""Read MARC21 (ISO 2709) and MARCXML files one record at a time, surviving bad records.

Library catalogues arrive from old systems with MARC-8 text, UTF-8 text under a MARC-8 leader
(every Khmer catalogue: MARC-8 has no Khmer), leaders whose numbers are wrong, and records too big
for the five-digit length field. pymarc's reader trusts each leader's length, so one bad length
loses every record after it. Here the file is split on the record terminator (0x1D) instead; the
leader's length and base address are recomputed from the bytes; fields are read by the
directory's offsets, or, when the offsets are wrong (records over 99,999 bytes), in directory
order between field terminators. MARC-8 goes through pymarc's converter.

Each record comes back as ``Read`` (a pymarc ``Record`` plus the repairs made) or ``Unreadable``
(its number and why). Only a file that cannot be opened at all raises ``MarcRefused``.
Never writes anything, never resolves XML entities or fetches a DTD.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from pymarc import Field, Indicators, Leader, Record, Subfield
from pymarc.marc8 import marc8_to_unicode

MAX_FILE_BYTES = 200 * 1024 * 1024
MAX_RECORD_BYTES = 2 * 1024 * 1024  # no real record is this big; stops a terminator-less file
RECORD_END, FIELD_END, SUBFIELD = b"\x1d", b"\x1e", b"\x1f"
_HIGH = re.compile(rb"[\x80-\xff]")
_TAG = re.compile(rb"[0-9A-Za-z]{3}")


class MarcRefused(Exception):
    """The whole file cannot be read (missing, too big, not MARC); the message says why."""


@dataclass(frozen=True)
class Read:
    number: int  # 1-based position of the record in the file
    record: Record
    notes: tuple[str, ...] = ()  # repairs made while reading


@dataclass(frozen=True)
class Unreadable:
    number: int
    reason: str


def read_records(path: Path) -> Iterator[Read | Unreadable]:
    """Every record of a MARC21 or MARCXML file, in order; MARCXML is recognised by content."""
    path = Path(path)
    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            head = fh.read(64 * 1024).lstrip(b"\xef\xbb\xbf \t\r\n")
    except OSError as exc:
        raise MarcRefused(f"cannot read {path}: {exc.strerror}") from exc
    if size > MAX_FILE_BYTES:
        raise MarcRefused(f"{path.name} is {size // 1_000_000} MB; the limit is 200 MB")
    if head.startswith(b"<"):
        from kiosk.marcxml import read_xml_records  # lxml only when needed

        yield from read_xml_records(path)
        return
    if head and not head[:5].isdigit() and not any(m in head for m in (RECORD_END, FIELD_END)):
        raise MarcRefused(f"{path.name} is neither MARC21 (ISO 2709) nor MARCXML")
    with path.open("rb") as fh:
        for number, chunk in enumerate(_chunks(fh), start=1):
            yield decode_record(chunk, number)


def _chunks(fh) -> Iterator[bytes | None]:
    """Record-sized byte strings split on 0x1D; ``None`` for an overlong run with no end."""
    buffer, skipping = b"", False
    while block := fh.read(256 * 1024):
        buffer += block
        while (end := buffer.find(RECORD_END)) >= 0:
            chunk, buffer = buffer[:end], buffer[end + 1 :]
            if skipping:
                skipping = False
            elif chunk.strip(b" \r\n\t\x00"):
                yield chunk
        if len(buffer) > MAX_RECORD_BYTES and not skipping:
            yield None
            buffer, skipping = b"", True
        elif skipping:
            buffer = b""
    if buffer.strip(b" \r\n\t\x00") and not skipping:
        yield buffer  # no terminator after the last record: try it anyway


def decode_record(chunk: bytes | None, number: int) -> Read | Unreadable:
    """One ISO 2709 record (without its 0x1D) as ``Read``, or ``Unreadable`` with the reason."""
    if chunk is None:
        return Unreadable(number, f"more than {MAX_RECORD_BYTES} bytes without a record end")
    data = chunk.lstrip(b" \r\n\t\x00")
    notes: list[str] = []
    if len(data) < 25 or FIELD_END not in data[24:]:
        return Unreadable(number, "too short or no fields: not a MARC record")
    base = data.index(FIELD_END, 24) + 1
    leader = _repaired_leader(data, base, notes)
    directory = data[24 : base - 1]
    if len(directory) % 12:
        return Unreadable(number, "the directory is damaged (its length is not a multiple of 12)")
    entries = [directory[i : i + 12] for i in range(0, len(directory), 12)]
    bad = next((i for i, e in enumerate(entries) if not _TAG.fullmatch(e[:3])), None)
    if bad is not None:
        return Unreadable(number, f"directory entry {bad + 1} is damaged")
    raw_fields = _by_offsets(data, base, entries)
    if raw_fields is None:
        raw_fields = data[base:].split(FIELD_END)[: len(entries)]
        if len(raw_fields) < len(entries):
            return Unreadable(number, "fewer fields than the directory lists")
        notes.append("directory offsets are wrong: fields read in order")
    charset = _charset(leader[9], data[24:], notes)
    record = Record(leader=leader)
    record.leader = Leader(leader)
    for entry, raw in zip(entries, raw_fields, strict=True):
        record.add_field(_field(entry[:3].decode("ascii"), raw, charset))
    if not record.fields:
        return Unreadable(number, "no fields")
    return Read(number, record, tuple(notes))


def _repaired_leader(data: bytes, base: int, notes: list[str]) -> str:
    leader = "".join(chr(b) if 0x20 <= b < 0x7F else " " for b in data[:24])
    length = min(len(data) + 1, 99999)
    if leader[:5] != f"{length:05d}":
        notes.append("leader record length repaired")
    if leader[12:17] != f"{base:05d}":
        notes.append("leader base address repaired")
    return f"{length:05d}{leader[5:12]}{base:05d}{leader[17:]}"


def _by_offsets(data: bytes, base: int, entries: list[bytes]) -> list[bytes] | None:
    """Fields where the directory says they are; ``None`` if any entry points elsewhere."""
    fields, spans = [], []
    for entry in entries:
        if not entry[3:12].isdigit():
            return None
        length, offset = int(entry[3:7]), int(entry[7:12])
        raw = data[base + offset : base + offset + length]
        if length < 1 or len(raw) != length or raw[-1:] != FIELD_END:
            return None
        fields.append(raw[:-1])
        spans.append((offset, offset + length))
    spans.sort()
    if any(start < end for (_, end), (start, _) in zip(spans, spans[1:], strict=False)):
        return None  # overlapping fields: offsets wrapped past 99,999 in a huge record
    return fields


def _charset(position9: str, body: bytes, notes: list[str]) -> str:
    """``utf-8`` or ``marc8``: the leader's word, unless the bytes prove it wrong."""
    if position9 == "a":
        try:
            body.decode("utf-8")
        except UnicodeDecodeError:
            notes.append("bytes that are not UTF-8 were replaced with \ufffd")
        return "utf-8"
    if not _HIGH.search(body) or b"\x1b" in body:
        return "marc8"
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return "marc8"
    notes.append("the leader says MARC-8 but the text is UTF-8: read as UTF-8")
    return "utf-8"


def _text(raw: bytes, charset: str) -> str:
    if charset == "utf-8" or (not _HIGH.search(raw) and b"\x1b" not in raw):
        text = raw.decode("utf-8", "replace")
    else:
        try:
            text = marc8_to_unicode(raw, hide_utf8_warnings=True)
        except Exception:  # pymarc's converter raises several types on damaged MARC-8
            text = raw.decode("latin-1")
    return unicodedata.normalize("NFC", text)


def _field(tag: str, raw: bytes, charset: str) -> Field:
    if tag < "010" and tag.isdigit():
        return Field(tag=tag, data=_text(raw, charset))
    head, *parts = raw.split(SUBFIELD)
    marks = head.decode("ascii", "replace").ljust(2)[:2]
    subfields = [
        Subfield(code=part[:1].decode("ascii", "replace"), value=_text(part[1:], charset))
        for part in parts
        if part
    ]
    return Field(tag=tag, indicators=Indicators(marks[0], marks[1]), subfields=subfields)
