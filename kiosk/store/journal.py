"""A TinyDB storage that survives SIGKILL and power cuts: a snapshot plus a write-ahead journal.

Stock ``JSONStorage`` rewrites the whole file in place on every write (see
shared/research/tinydb-durability.md): slow at scale and unreadable after some crashes. Here each
commit appends one self-checking line (CRC32 + JSON of only the changed documents) to
``journal.wal`` and fdatasyncs it once; on open the snapshot is loaded and complete lines are
replayed, a torn or corrupt tail is cut off (and kept as evidence). Compaction writes a new
snapshot atomically (temp file, fsync, ``os.replace``, fsync of the folder) and then empties the
journal; lines carry a sequence number so a crash between those two steps replays nothing twice.

This module must never rewrite ``snapshot.json`` in place nor acknowledge a commit before its
fdatasync returned.
"""

from __future__ import annotations

import logging
import os
import time
import zlib
from pathlib import Path

import orjson
from tinydb.storages import Storage

from kiosk.errors import KioskError, StoreCorrupt

log = logging.getLogger(__name__)

SNAPSHOT = "snapshot.json"
JOURNAL = "journal.wal"

Tables = dict[str, dict[int, dict]]
Change = tuple[str, int, dict | None]  # (table, doc_id, document or None when removed)


class StoreWriteError(KioskError):
    """A commit could not be made durable; nothing of it was kept."""


def encode_record(record: dict) -> bytes:
    """One journal line: CRC32 of the JSON body in hex, a space, the body, a newline."""
    raw = orjson.dumps(record, option=orjson.OPT_NON_STR_KEYS)  # 3-9x faster than json here
    return b"%08x %s\n" % (zlib.crc32(raw), raw)


def decode_line(line: bytes) -> dict | None:
    """The record in one journal line, or None when the line is torn or corrupt."""
    if len(line) < 10 or not line.endswith(b"\n") or line[8:9] != b" ":
        return None
    raw = line[9:-1]
    try:
        if int(line[:8], 16) != zlib.crc32(raw):
            return None
        record = orjson.loads(raw)
    except ValueError:
        return None
    if not isinstance(record, dict) or not isinstance(record.get("seq"), int):
        return None
    return record


class FileIO:
    """The file-system calls the storage makes, in one place so a test can record them."""

    open = staticmethod(os.open)
    close = staticmethod(os.close)
    write = staticmethod(os.write)
    lseek = staticmethod(os.lseek)
    fsync = staticmethod(os.fsync)
    fdatasync = staticmethod(os.fdatasync)
    ftruncate = staticmethod(os.ftruncate)
    replace = staticmethod(os.replace)

    @staticmethod
    def fsync_dir(path: str) -> None:
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


class JournalStorage(Storage):
    """TinyDB storage whose data lives in memory and whose durability is the journal.

    ``read()`` returns the live in-memory tables (``{table: {int id: doc}}``); the tracked tables
    change them in place and call ``commit(changes)``. ``write()`` (TinyDB's whole-database path,
    used only by truncate/drop) is journaled as a full image.
    """

    def __init__(self, folder: Path | str, compact_bytes: int = 8 * 1024 * 1024, io=None):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.compact_bytes = compact_bytes
        self.io = (
            io or FileIO()
        )  # the file-system calls; tests swap in a recorder to simulate power cuts
        self.seq = 0
        self.snapshot_seq = 0
        self.torn_tail_bytes = 0
        self.commits = 0
        self.bytes_written = 0
        self.tables: Tables = {}
        self.snapshot_size = 0
        self.journal_size = 0
        self._load()
        journal = self.folder / JOURNAL
        created = not journal.exists()
        self._fd = self.io.open(str(journal), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        if created:
            self.io.fsync_dir(str(self.folder))  # or a power cut may lose the file's name
        self.journal_size = self.io.lseek(self._fd, 0, os.SEEK_END)

    # -- TinyDB's Storage interface -------------------------------------------------------
    def read(self) -> Tables:
        return self.tables

    def write(self, data) -> None:
        full = {name: {int(k): v for k, v in docs.items()} for name, docs in data.items()}
        self.tables = full
        self._append({"seq": self.seq + 1, "full": full})

    def close(self) -> None:
        if self._fd is not None:
            self.io.close(self._fd)
            self._fd = None

    # -- commits ---------------------------------------------------------------------------
    def commit(self, changes: list[Change]) -> None:
        """Make ``changes`` (already applied in memory) durable with one append + fdatasync."""
        if changes:
            self._append({"seq": self.seq + 1, "c": changes})

    def _append(self, record: dict) -> None:
        seq = record["seq"]
        line = encode_record(record)
        offset = self.io.lseek(self._fd, 0, os.SEEK_END)
        try:
            written = self.io.write(self._fd, line)
            if written != len(line):
                raise OSError(f"short write: {written} of {len(line)} bytes")
            self.io.fdatasync(self._fd)
        except OSError as exc:
            self._undo_append(offset)
            raise StoreWriteError(f"could not save to {self.folder}: {exc}") from exc
        self.seq = seq
        self.commits += 1
        self.bytes_written += len(line)
        self.journal_size = offset + len(line)
        if self.journal_size > max(self.compact_bytes, self.snapshot_size):
            try:
                self.compact()  # rare: the idle compaction normally runs long before this
            except OSError as exc:  # the commit is durable already; compaction can wait
                log.warning("compaction failed, will retry: %s", exc)

    def _undo_append(self, offset: int) -> None:
        try:
            self.io.ftruncate(self._fd, offset)
            self.io.fdatasync(self._fd)
        except OSError:
            pass  # the line is incomplete or unsynced; replay will discard it

    # -- loading ---------------------------------------------------------------------------
    def _load(self) -> None:
        snap = self.folder / SNAPSHOT
        if snap.exists():
            try:
                raw = snap.read_bytes()
                self.snapshot_size = len(raw)
                data = orjson.loads(raw)
                self.snapshot_seq = int(data["seq"])
                self.tables = {
                    name: {int(k): v for k, v in docs.items()}
                    for name, docs in data["tables"].items()
                }
            except (ValueError, KeyError, TypeError) as exc:
                raise StoreCorrupt(f"{snap} is unreadable: {exc}") from exc
        self.seq = self.snapshot_seq
        self._replay()

    def _replay(self) -> None:
        path = self.folder / JOURNAL
        if not path.exists():
            return
        data = path.read_bytes()
        good = 0
        for line in data.splitlines(keepends=True):
            record = decode_line(line)
            if record is None:
                break
            good += len(line)
            if record["seq"] <= self.seq:
                continue  # already in the snapshot (crash between snapshot and truncate)
            self._apply(record)
            self.seq = record["seq"]
        if good < len(data):
            self._cut_torn_tail(path, data, good)

    def _apply(self, record: dict) -> None:
        if "full" in record:
            self.tables = {
                name: {int(k): v for k, v in docs.items()} for name, docs in record["full"].items()
            }
            return
        for table, doc_id, doc in record["c"]:
            docs = self.tables.setdefault(table, {})
            if doc is None:
                docs.pop(int(doc_id), None)
            else:
                docs[int(doc_id)] = doc

    def _cut_torn_tail(self, path: Path, data: bytes, good: int) -> None:
        tail = data[good:]
        self.torn_tail_bytes = len(tail)
        if tail.strip(b"\x00"):
            evidence = self.folder / f"journal.tail-{int(time.time())}"
            evidence.write_bytes(tail)
        fd = self.io.open(str(path), os.O_WRONLY, 0o600)
        try:
            self.io.ftruncate(fd, good)
            self.io.fsync(fd)
        finally:
            self.io.close(fd)

    # -- compaction ------------------------------------------------------------------------
    def journal_bytes(self) -> int:
        return self.journal_size

    def needs_compaction(self) -> bool:
        """At idle: compact once the journal passed ``compact_bytes``.

        In the commit path the threshold is the larger of that and the snapshot's size, so the
        snapshot rewrite costs at most about one journal line per transaction, amortised.
        """
        return self.journal_size > self.compact_bytes

    def compact(self) -> None:
        """Write the whole state as a new snapshot atomically, then empty the journal."""
        snap = self.folder / SNAPSHOT
        tmp = self.folder / (SNAPSHOT + ".tmp")
        body = orjson.dumps(
            {"seq": self.seq, "tables": self.tables}, option=orjson.OPT_NON_STR_KEYS
        )
        fd = self.io.open(str(tmp), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            self.io.write(fd, body)
            self.io.fsync(fd)
        finally:
            self.io.close(fd)
        self.io.replace(str(tmp), str(snap))
        self.io.fsync_dir(str(self.folder))
        self.snapshot_seq = self.seq
        self.snapshot_size = len(body)
        self.io.ftruncate(self._fd, 0)
        self.io.fsync(self._fd)
        self.journal_size = 0
        self.bytes_written += len(body)
