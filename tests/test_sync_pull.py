"""Pull on a real hub: catalogue, patrons and rules reach the kiosk; deletes too; cursor kept."""

from __future__ import annotations

from sync_harness import HubProcess, enrolled_kiosk, hub_call

from hub.catalogue import key_of, put_record
from hub.content import withdraw
from kiosk.library import Library
from kiosk.sync import SyncAgent

RECORDS = [
    ("title", {"title_id": "t1", "title": "ព្រះរាជពង្សាវតារ", "author": "អ្នកនិពន្ធ"}),
    ("copy", {"barcode": "B0001", "title_id": "t1"}),
    ("patron", {"card": "C0001", "name": "សុខ ចាន់", "detainee_no": "D-1"}),
    ("rule", {"patron_category": "*", "item_type": "*", "loan_days": 21, "max_loans": 2}),
]


def test_changes_reach_the_kiosk_once_and_deletes_follow(tmp_path):
    with HubProcess(tmp_path / "hub") as hub:
        settings = enrolled_kiosk(tmp_path / "k1", hub, "k1")

        def load(conn, h):
            for kind, record in RECORDS:
                put_record(conn, "p1", kind, key_of(kind, record), record, h.now())
            put_record(conn, "p2", "patron", "X9", {"card": "X9", "name": "other"}, h.now())

        hub_call(hub.data_dir, load)
        with Library.open(settings) as library:
            first = SyncAgent(library, settings).run_once()
            assert first["ok"] and first["pulled"] == 4
            assert library.patron("C0001")["name"] == "សុខ ចាន់"
            assert library.copy("B0001")["title_id"] == "t1"
            assert library.patron("X9") is None  # another prison's patron never arrives
            assert library.rules()[0]["loan_days"] == 21
            assert library.check_out("C0001", "B0001").loan["due"]  # usable at once
            assert SyncAgent(library, settings).run_once()["pulled"] == 0
            cursor = library.sync_state()["cursor"]

        def delete(conn, h):
            put_record(conn, "p1", "patron", "C0001", None, h.now())
            withdraw(conn, "p1", "never-published", h.now())

        hub_call(hub.data_dir, delete)
        with Library.open(settings) as library:  # the cursor survived a restart
            assert library.sync_state()["cursor"] == cursor
            again = SyncAgent(library, settings).run_once()
            assert again["ok"] and again["pulled"] == 1, again
            assert library.patron("C0001") is None
            assert library.outbox_count() == 0  # the check-out went up in the same round
