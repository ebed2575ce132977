"""The journal store behaves exactly like TinyDB's MemoryStorage, across reopen and rollback."""

from __future__ import annotations

import random

import pytest
from tinydb import Query, TinyDB
from tinydb.storages import MemoryStorage

from kiosk.store.journal import JournalStorage
from kiosk.store.tables import KioskDB

Q = Query()


def random_ops(rng: random.Random, n: int):
    for _ in range(n):
        op = rng.choice(
            [
                "insert",
                "insert_multiple",
                "update_id",
                "update_cond",
                "transform",
                "remove_id",
                "remove_cond",
                "upsert",
                "truncate",
            ]
        )
        yield op, rng.randrange(1, 40), rng.randrange(0, 1000), rng.choice(["a", "b", "c"])


def apply(db, op, k, v, table_name):
    table = db.table(table_name)
    ids = [doc.doc_id for doc in table.all()]
    if op == "insert":
        table.insert({"k": k, "v": v, "s": "ខ្មែរ"})
    elif op == "insert_multiple":
        table.insert_multiple([{"k": k + i, "v": v} for i in range(3)])
    elif op == "update_id" and ids:
        table.update({"v": v}, doc_ids=[ids[k % len(ids)]])
    elif op == "update_cond":
        table.update({"v": v}, Q.k == k)
    elif op == "transform" and ids:

        def bump(doc):
            doc["n"] = doc.get("n", 0) + 1

        table.update(bump, doc_ids=[ids[k % len(ids)]])
    elif op == "remove_id" and ids:
        table.remove(doc_ids=[ids[k % len(ids)]])
    elif op == "remove_cond":
        table.remove(Q.k == k)
    elif op == "upsert":
        table.upsert({"k": k, "v": v}, Q.k == k)
    elif op == "truncate" and k == 1:
        table.truncate()


def state(db):
    return {name: [(d.doc_id, dict(d)) for d in db.table(name).all()] for name in ("a", "b", "c")}


@pytest.mark.parametrize("seed", range(6))
def test_same_state_as_memory_storage_after_reopen(tmp_path, seed):
    rng = random.Random(seed)
    reference = TinyDB(storage=MemoryStorage)
    db = KioskDB(JournalStorage(tmp_path))
    for i, (op, k, v, name) in enumerate(random_ops(rng, 300)):
        apply(reference, op, k, v, name)
        apply(db, op, k, v, name)
        if i == 150:
            db.storage.compact()
    assert state(db) == state(reference)
    db.storage.close()
    reopened = KioskDB(JournalStorage(tmp_path))
    assert state(reopened) == state(reference)
    # The next id after reopen never collides with a live document.
    new_id = reopened.table("a").insert({"k": -1})
    assert new_id not in [d for d, _ in state(reference)["a"]]


def test_aborted_transaction_leaves_no_trace(tmp_path):
    db = KioskDB(JournalStorage(tmp_path))
    table = db.table("loans")
    table.create_index("k", "k")
    table.insert({"k": 1, "v": "kept"})
    with pytest.raises(RuntimeError), db.transaction():
        table.insert({"k": 2})
        table.update({"v": "changed"}, doc_ids=[1])
        table.remove(doc_ids=[1])
        raise RuntimeError("abort")
    assert [dict(d) for d in table.all()] == [{"k": 1, "v": "kept"}]
    assert table.lookup("k", 2) == [] and len(table.lookup("k", 1)) == 1
    db.storage.close()
    again = KioskDB(JournalStorage(tmp_path)).table("loans")
    assert [dict(d) for d in again.all()] == [{"k": 1, "v": "kept"}]


def test_index_matches_query_scan(tmp_path):
    rng = random.Random(7)
    db = KioskDB(JournalStorage(tmp_path))
    table = db.table("copies")
    table.create_index("bc", "barcode")
    for _ in range(500):
        op = rng.random()
        code = f"B{rng.randrange(60)}"
        if op < 0.5:
            table.insert({"barcode": code})
        elif op < 0.8:
            table.update({"barcode": f"B{rng.randrange(60)}"}, Q.barcode == code)
        else:
            table.remove(Q.barcode == code)
    for n in range(60):
        code = f"B{n}"
        assert sorted(d.doc_id for d in table.lookup("bc", code)) == sorted(
            d.doc_id for d in table.search(Q.barcode == code)
        )


def test_failed_fsync_is_not_acknowledged_and_rolls_back(tmp_path):
    class FailingIO(JournalStorage(tmp_path / "probe").io.__class__):
        fail = False

        @staticmethod
        def fdatasync(fd):
            if FailingIO.fail:
                raise OSError(28, "No space left on device")
            return __import__("os").fdatasync(fd)

    db = KioskDB(JournalStorage(tmp_path / "db", io=FailingIO()))
    table = db.table("loans")
    table.insert({"k": 1})
    FailingIO.fail = True
    from kiosk.store.journal import StoreWriteError

    with pytest.raises(StoreWriteError), db.transaction():
        table.insert({"k": 2})
        table.update({"k": 10}, doc_ids=[1])
    FailingIO.fail = False
    assert [dict(d) for d in table.all()] == [{"k": 1}]
    table.insert({"k": 3})
    db.storage.close()
    assert [dict(d) for d in KioskDB(JournalStorage(tmp_path / "db")).table("loans").all()] == [
        {"k": 1},
        {"k": 3},
    ]
