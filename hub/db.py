"""The hub's SQLite database: WAL mode, every write through one writer thread, ordered migrations.

Why one writer: SQLite allows one writer at a time; funnelling writes through one thread and one
connection (as Datasette does) removes "database is locked" errors under concurrent kiosks and lets
the writer commit several queued writes in one transaction (group commit), each in its own
savepoint so one failing write never undoes another. Reads use one connection per thread and see
committed data only. A write function runs inside the transaction and must not block on anything
but SQLite. Nothing here opens a file until :meth:`Database.open`.
"""

from __future__ import annotations

import importlib
import pkgutil
import queue
import sqlite3
import threading
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import TypeVar

import hub.migrations
from hub.errors import HubError

T = TypeVar("T")
_STOP = object()
GROUP_LIMIT = 64  # writes committed together at most


def connect(path: Path, *, synchronous: str = "FULL", readonly: bool = False) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(f"PRAGMA synchronous={synchronous}")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA busy_timeout=30000")
    if readonly:
        conn.execute("PRAGMA query_only=ON")
    return conn


def migrations() -> list[tuple[int, str, str]]:
    """``(version, name, sql)`` for every ``hub/migrations/mNNNN_name.py``, in order."""
    found = []
    for info in pkgutil.iter_modules(hub.migrations.__path__):
        if not info.name.startswith("m") or not info.name[1:5].isdigit():
            continue
        module = importlib.import_module(f"hub.migrations.{info.name}")
        found.append((int(info.name[1:5]), info.name, module.SQL))
    found.sort()
    versions = [v for v, _, _ in found]
    if versions != list(range(1, len(found) + 1)):
        raise HubError(f"migrations must be numbered 1..n without gaps, found {versions}")
    return found


def migrate(conn: sqlite3.Connection) -> int:
    """Apply every migration newer than the database's ``user_version``; return the version."""
    current = conn.execute("PRAGMA user_version").fetchone()[0]
    for version, name, sql in migrations():
        if version <= current:
            continue
        try:
            conn.execute("BEGIN IMMEDIATE")
            for statement in _statements(sql):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version={version}")
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            conn.execute("ROLLBACK")
            raise HubError(f"migration {name} failed: {exc}") from exc
        current = version
    return current


def _statements(sql: str) -> list[str]:
    parts, buf = [], ""
    for line in sql.splitlines(keepends=True):
        buf += line
        if sqlite3.complete_statement(buf):
            parts.append(buf.strip())
            buf = ""
    if buf.strip():
        parts.append(buf.strip())
    return [p for p in parts if p]


class Database:
    """One writer thread plus per-thread read connections on one SQLite file."""

    def __init__(self, path: Path, *, synchronous: str = "FULL"):
        self.path = Path(path)
        self.synchronous = synchronous
        self._queue: queue.Queue = queue.Queue()
        self._writer: threading.Thread | None = None
        self._local = threading.local()
        self._readers: list[sqlite3.Connection] = []
        self._readers_lock = threading.Lock()

    # -- lifecycle -------------------------------------------------------------------------
    def open(self) -> Database:
        if self._writer is not None:
            raise HubError("database is already open")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = connect(self.path, synchronous=self.synchronous)
        migrate(conn)
        self._writer = threading.Thread(
            target=self._write_loop, args=(conn,), name="hub-db-writer", daemon=True
        )
        self._writer.start()
        return self

    def close(self) -> None:
        if self._writer is not None:
            self._queue.put(_STOP)
            self._writer.join()
            self._writer = None
        with self._readers_lock:
            for conn in self._readers:
                conn.close()
            self._readers.clear()
        self._local = threading.local()

    def __enter__(self) -> Database:
        return self.open()

    def __exit__(self, *exc) -> None:
        self.close()

    # -- writes ----------------------------------------------------------------------------
    def submit(self, fn: Callable[[sqlite3.Connection], T]) -> Future:
        """Queue ``fn(conn)`` for the writer; the future resolves once it is committed."""
        if self._writer is None:
            raise HubError("database is not open")
        future: Future = Future()
        self._queue.put((fn, future))
        return future

    def write(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``fn(conn)`` in the writer's transaction and return its result once committed."""
        return self.submit(fn).result()

    def _write_loop(self, conn: sqlite3.Connection) -> None:
        try:
            while True:
                item = self._queue.get()
                if item is _STOP:
                    return
                group = [item]
                while len(group) < GROUP_LIMIT:
                    try:
                        nxt = self._queue.get_nowait()
                    except queue.Empty:
                        break
                    if nxt is _STOP:
                        self._queue.put(_STOP)
                        break
                    group.append(nxt)
                self._run_group(conn, group)
        finally:
            conn.close()

    def _run_group(self, conn: sqlite3.Connection, group: list) -> None:
        done: list[tuple[Future, object]] = []
        try:
            conn.execute("BEGIN IMMEDIATE")
            for fn, future in group:
                if not future.set_running_or_notify_cancel():
                    continue
                conn.execute("SAVEPOINT w")
                try:
                    result = fn(conn)
                except BaseException as exc:  # the caller gets it; the others still commit
                    conn.execute("ROLLBACK TO w")
                    conn.execute("RELEASE w")
                    future.set_exception(exc)
                    continue
                conn.execute("RELEASE w")
                done.append((future, result))
            conn.execute("COMMIT")
        except BaseException as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            for future, _ in done:
                future.set_exception(HubError(f"database write failed: {exc}"))
            for _, future in group:
                if not future.done():
                    future.set_exception(HubError(f"database write failed: {exc}"))
            return
        for future, result in done:
            future.set_result(result)

    # -- reads -----------------------------------------------------------------------------
    def reader(self) -> sqlite3.Connection:
        """This thread's read-only connection (autocommit: each query sees the latest commit)."""
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = connect(self.path, synchronous=self.synchronous, readonly=True)
            self._local.conn = conn
            with self._readers_lock:
                self._readers.append(conn)
        return conn

    def read(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``fn(conn)`` in one read transaction, so it sees one consistent snapshot."""
        conn = self.reader()
        conn.execute("BEGIN")
        try:
            return fn(conn)
        finally:
            conn.execute("COMMIT")
