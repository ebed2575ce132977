"""The kiosk's only TinyDB user: open, lock, migrate, index, transact, compact.

``Store.open(folder)`` returns a store owned by this process until ``close()``. Callers use
``store.table(name)`` (a ``TrackedTable``) and ``with store.transaction():`` so that one business
action (a loan, the copy's status and its outbox event) is one durable journal line.
Nothing outside ``kiosk/store`` opens the files in the store folder.
"""

from __future__ import annotations

import time
from pathlib import Path

from kiosk.errors import KioskError
from kiosk.store.journal import JournalStorage, StoreWriteError
from kiosk.store.lock import StoreLock
from kiosk.store.schema import INDEXES, MIGRATIONS, SCHEMA_VERSION, TABLES
from kiosk.store.tables import KioskDB, TrackedTable

__all__ = ["Store", "StoreWriteError", "SCHEMA_VERSION"]


class Store:
    def __init__(self, folder: Path, storage: JournalStorage, lock: StoreLock):
        self.folder = folder
        self.storage = storage
        self.db = KioskDB(storage)
        self._lock = lock
        self.opened_at = time.monotonic()

    @classmethod
    def open(cls, folder: Path | str, compact_bytes: int = 8 * 1024 * 1024, io=None) -> Store:
        """Open (creating if needed) and lock the store; ``io`` lets tests record file calls."""
        folder = Path(folder)
        lock = StoreLock(folder)
        lock.acquire()
        try:
            storage = JournalStorage(folder, compact_bytes=compact_bytes, io=io)
            store = cls(folder, storage, lock)
            for name in TABLES:
                table = store.table(name)
                for index, key in INDEXES.get(name, {}).items():
                    table.create_index(index, key)
            store._migrate()
        except BaseException:
            lock.release()
            raise
        return store

    def table(self, name: str) -> TrackedTable:
        return self.db.table(name)

    def transaction(self):
        return self.db.transaction()

    # -- meta key/values -------------------------------------------------------------------
    def get_meta(self, key: str, default=None):
        doc = self.table("meta").lookup_one("key", key)
        return default if doc is None else doc.get("value", default)

    def set_meta(self, key: str, value) -> None:
        meta = self.table("meta")
        doc = meta.lookup_one("key", key)
        if doc is None:
            meta.insert({"key": key, "value": value})
        else:
            meta.update({"value": value}, doc_ids=[doc.doc_id])

    def schema_version(self) -> int:
        return int(self.get_meta("schema_version", 0))

    def _migrate(self) -> None:
        version = self.schema_version()
        if version > SCHEMA_VERSION:
            raise KioskError(
                f"the store was written by a newer Bannalai (schema {version} > "
                f"{SCHEMA_VERSION}); install that version or newer"
            )
        for number in range(version + 1, SCHEMA_VERSION + 1):
            with self.transaction():
                MIGRATIONS[number - 1](self.db)
                self.set_meta("schema_version", number)

    # -- maintenance -----------------------------------------------------------------------
    def compact_if_needed(self) -> bool:
        """Compact when the journal passed its threshold; call at idle, not on the scan path."""
        if self.storage.needs_compaction():
            self.storage.compact()
            return True
        return False

    def health(self) -> dict:
        return {
            "schema_version": self.schema_version(),
            "journal_bytes": self.storage.journal_bytes(),
            "journal_seq": self.storage.seq,
            "snapshot_seq": self.storage.snapshot_seq,
            "torn_tail_bytes_dropped_at_open": self.storage.torn_tail_bytes,
        }

    def close(self) -> None:
        self.storage.close()
        self._lock.release()
