"""Journal storage edge cases: torn tail, corrupt line, interrupted compaction, lock, migrations."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from kiosk.errors import KioskError, StoreLocked
from kiosk.store import SCHEMA_VERSION, Store
from kiosk.store.journal import JOURNAL, SNAPSHOT, JournalStorage, decode_line, encode_record


def filled(path, n=5) -> Store:
    store = Store.open(path)
    for i in range(n):
        with store.transaction():
            store.table("copies").insert({"barcode": f"B{i}", "title": "ខ្មែរ"})
    return store


def barcodes(path) -> list[str]:
    store = Store.open(path)
    try:
        return [d["barcode"] for d in store.table("copies").all()]
    finally:
        store.close()


def test_torn_tail_is_cut_and_kept_as_evidence(tmp_path):
    filled(tmp_path).close()
    with open(tmp_path / JOURNAL, "ab") as f:
        f.write(encode_record({"seq": 999, "c": [["copies", 99, {"barcode": "X"}]]})[:-7])
    assert barcodes(tmp_path) == [f"B{i}" for i in range(5)]
    assert list(tmp_path.glob("journal.tail-*")), "the torn bytes were not kept"
    # New commits after the cut are readable (they are not hidden behind garbage).
    store = Store.open(tmp_path)
    store.table("copies").insert({"barcode": "B5"})
    store.close()
    assert barcodes(tmp_path)[-1] == "B5"


def test_corrupt_line_stops_replay_there(tmp_path):
    filled(tmp_path).close()
    lines = (tmp_path / JOURNAL).read_bytes().splitlines(keepends=True)
    target = len(lines) - 2  # the fourth copy's line
    bad = bytearray(lines[target])
    bad[20] ^= 0x01  # one flipped bit: the CRC no longer matches
    lines[target] = bytes(bad)
    (tmp_path / JOURNAL).write_bytes(b"".join(lines))
    assert decode_line(bytes(bad)) is None
    assert barcodes(tmp_path) == ["B0", "B1", "B2"]


def test_interrupted_compaction_replays_nothing_twice(tmp_path):
    store = filled(tmp_path)
    journal_before = (tmp_path / JOURNAL).read_bytes()
    store.storage.compact()
    store.close()
    # Crash after the snapshot was renamed but before the journal was emptied.
    (tmp_path / JOURNAL).write_bytes(journal_before)
    assert barcodes(tmp_path) == [f"B{i}" for i in range(5)]
    # Crash before the rename: a leftover temp file is ignored.
    (tmp_path / (SNAPSHOT + ".tmp")).write_bytes(b'{"seq": 1, "tab')
    assert barcodes(tmp_path) == [f"B{i}" for i in range(5)]


def test_unreadable_snapshot_is_a_clear_error(tmp_path):
    filled(tmp_path).close()
    (tmp_path / SNAPSHOT).write_text("{not json")
    with pytest.raises(KioskError, match="unreadable"):
        Store.open(tmp_path)


def test_second_process_gets_an_error_naming_the_holder(tmp_path):
    store = Store.open(tmp_path)
    code = (
        "import sys\nfrom kiosk.store import Store\nfrom kiosk.errors import StoreLocked\n"
        f"try:\n    Store.open({str(tmp_path)!r})\nexcept StoreLocked as e:\n    print(e); sys.exit(3)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    store.close()
    assert out.returncode == 3
    assert f"pid {os.getpid()}" in out.stdout
    Store.open(tmp_path).close()  # released on close


def test_same_process_second_open_is_refused_too(tmp_path):
    store = Store.open(tmp_path)
    with pytest.raises(StoreLocked):
        Store.open(tmp_path)
    store.close()


def test_migrations_run_once_and_newer_schema_is_refused(tmp_path):
    store = Store.open(tmp_path)
    assert store.schema_version() == SCHEMA_VERSION
    with store.transaction():
        store.set_meta("schema_version", SCHEMA_VERSION + 1)
    store.close()
    with pytest.raises(KioskError, match="newer Bannalai"):
        Store.open(tmp_path)


def test_v2_migration_adds_item_type_to_old_copies(tmp_path):
    storage = JournalStorage(tmp_path)
    storage.commit(
        [("meta", 1, {"key": "schema_version", "value": 1}), ("copies", 1, {"barcode": "OLD"})]
    )
    storage.close()
    store = Store.open(tmp_path)
    assert store.table("copies").get(doc_id=1)["item_type"] == "book"
    store.close()


def test_journal_lines_are_small(tmp_path):
    store = filled(tmp_path, n=1)
    before = store.storage.bytes_written
    with store.transaction():
        store.table("loans").insert(
            {"loan_id": "x" * 36, "card": "C1", "barcode": "B0", "status": "open"}
        )
        store.table("copies").update({"status": "on_loan"}, doc_ids=[1])
    assert store.storage.bytes_written - before < 1024
    store.close()
    json.loads((tmp_path / JOURNAL).read_bytes().splitlines()[-1][9:])


def test_event_sequence_survives_acks_restarts_and_rollbacks(tmp_path):
    from kiosk.config import Settings
    from kiosk.library import Library
    from wire.records import CopyRecord, PatronRecord, TitleRecord

    settings = Settings(home=tmp_path / "home")
    Library.init(settings, "k1", "p1")
    with Library.open(settings) as library:
        library.import_catalog(
            [(TitleRecord(title_id="t", title="ក"), CopyRecord(barcode="B1", title_id="t"))]
        )
        library.import_patrons([PatronRecord(card="C1", name="ខ")])
        library.check_out("C1", "B1")
        library.check_in("B1")
        events = library.outbox_pending(10)
        assert [e.seq for e in events] == [1, 2]
        library.outbox_acknowledge([e.id for e in events])  # outbox now empty
    with Library.open(settings) as library:
        assert library.outbox.last_seq() == 2  # not reused after the outbox emptied
        failing = library.store.storage

        def broken(*_args):
            raise OSError(5, "I/O error")

        failing.io.fdatasync, original = broken, failing.io.fdatasync
        with pytest.raises(KioskError):
            library.check_out("C1", "B1")
        failing.io.fdatasync = original
        assert library.outbox.last_seq() == 2  # the failed action used no number
        library.check_out("C1", "B1")
        assert [e.seq for e in library.outbox_pending(10)] == [3]
