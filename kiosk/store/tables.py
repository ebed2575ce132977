"""TinyDB tables that know which documents changed, keep in-memory indexes, and commit together.

Stock TinyDB copies the whole table twice per write and finds documents by scanning them all.
``TrackedTable`` runs TinyDB's own updaters on the live table through a dict that records every
key it touches, so a commit carries only those documents, and keeps hash indexes (value ->
doc ids) current from the same list. ``KioskDB.transaction()`` gathers the changes of several
writes into one journal line: all of them are durable, or none (the in-memory state is rolled
back from the originals saved on first touch).

Depends on TinyDB 4.9.0 internals (``Table._update_table``, ``_next_id``): the version is pinned
and tests/test_store_*.py compare every operation with TinyDB's own MemoryStorage.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import contextmanager

import orjson
from tinydb import TinyDB
from tinydb.table import Document, Table

from kiosk.store.journal import Change, JournalStorage

KeyFn = Callable[[dict], object]


class _Touching(dict):
    """The live table seen by a TinyDB updater: remembers each key it reads, writes or removes."""

    def __init__(self, live: dict, on_touch: Callable[[int, dict | None], None]):
        super().__init__()
        self.live = live
        self.on_touch = on_touch
        self.touched: list[int] = []
        self._seen: set[int] = set()

    def _touch(self, key: int) -> None:
        if key not in self._seen:
            self._seen.add(key)
            self.touched.append(key)
            self.on_touch(key, self.live.get(key))

    def __getitem__(self, key):
        self._touch(key)
        return self.live[key]

    def __setitem__(self, key, value):
        self._touch(key)
        self.live[key] = value

    def __delitem__(self, key):
        self._touch(key)
        del self.live[key]

    def pop(self, key, *default):
        self._touch(key)
        return self.live.pop(key, *default)

    def __contains__(self, key):
        return key in self.live

    def clear(self):
        for key in list(self.live):
            self._touch(key)
        self.live.clear()

    def __iter__(self):
        return iter(self.live)

    def __len__(self):
        return len(self.live)

    def keys(self):
        return self.live.keys()

    def items(self):
        for key in list(self.live):
            yield key, self[key]

    def values(self):
        for key in list(self.live):
            yield self[key]


class Index:
    """value -> doc id(s) for one key function; ``None`` keys are not indexed.

    Most values belong to one document, so a value maps to a bare int and only becomes a set
    when a second document shares it: at 100k loans that saves tens of MB and a second of start.
    """

    def __init__(self, key: KeyFn):
        self.key = key
        self.by_value: dict[object, int | set[int]] = {}
        self.by_id: dict[int, object] = {}

    def rebuild(self, docs: dict[int, dict]) -> None:
        by_value: dict[object, int | set[int]] = {}
        by_id: dict[int, object] = {}
        key = self.key
        for doc_id, doc in docs.items():
            value = key(doc)
            if value is None:
                continue
            by_id[doc_id] = value
            held = by_value.get(value)
            if held is None:
                by_value[value] = doc_id
            elif isinstance(held, set):
                held.add(doc_id)
            else:
                by_value[value] = {held, doc_id}
        self.by_value, self.by_id = by_value, by_id

    def ids(self, value) -> tuple[int, ...] | set[int]:
        held = self.by_value.get(value)
        if held is None:
            return ()
        return held if isinstance(held, set) else (held,)

    def count(self, value) -> int:
        held = self.by_value.get(value)
        return 0 if held is None else len(held) if isinstance(held, set) else 1

    def update(self, doc_id: int, doc: dict | None) -> None:
        old = self.by_id.pop(doc_id, None)
        if old is not None:
            held = self.by_value.get(old)
            if isinstance(held, set):
                held.discard(doc_id)
                if len(held) == 1:
                    self.by_value[old] = next(iter(held))
            elif held == doc_id:
                del self.by_value[old]
        value = self.key(doc) if doc is not None else None
        if value is None:
            return
        self.by_id[doc_id] = value
        held = self.by_value.get(value)
        if held is None:
            self.by_value[value] = doc_id
        elif isinstance(held, set):
            held.add(doc_id)
        elif held != doc_id:
            self.by_value[value] = {held, doc_id}


class TrackedTable(Table):
    """A TinyDB table whose writes cost O(changed documents) and whose lookups use indexes."""

    def __init__(self, storage: JournalStorage, name: str, db: KioskDB, **kwargs):
        super().__init__(storage, name, **kwargs)
        self.db = db
        self.indexes: dict[str, Index] = {}
        self.version = 0  # changes on every write and rollback: lets callers cache derived data

    def _live(self) -> dict[int, dict]:
        return self._storage.read().setdefault(self.name, {})

    def _read_table(self):
        return self._live()

    def get(self, cond=None, doc_id=None, doc_ids=None):
        # The live tables are keyed by int; TinyDB's own get() looks up str keys.
        live = self._live()
        if doc_id is not None:
            raw = live.get(int(doc_id))
            return None if raw is None else Document(raw, int(doc_id))
        if doc_ids is not None:
            wanted = {int(i) for i in doc_ids}
            return [Document(doc, i) for i, doc in live.items() if i in wanted]
        return super().get(cond)

    def _update_table(self, updater):
        live = self._live()
        view = _Touching(live, lambda key, doc: self.db._remember(self.name, key, doc))
        if self.db._depth:  # inside a transaction: it commits or rolls back everything
            self._apply(updater, view, live)
        else:
            with self.db.transaction():
                self._apply(updater, view, live)
        self.clear_cache()

    def _apply(self, updater, view: _Touching, live: dict) -> None:
        self.version += 1
        updater(view)
        self.db._pending.extend((self.name, key, live.get(key)) for key in view.touched)
        self._reindex(view.touched)

    def _reindex(self, doc_ids) -> None:
        if not self.indexes:
            return
        live = self._live()
        for doc_id in doc_ids:
            doc = live.get(doc_id)
            for index in self.indexes.values():
                index.update(doc_id, doc)

    # -- indexes ---------------------------------------------------------------------------
    def create_index(self, name: str, key: KeyFn | str) -> None:
        fn = (lambda doc, field=key: doc.get(field)) if isinstance(key, str) else key
        index = Index(fn)
        index.rebuild(self._live())
        self.indexes[name] = index

    def rebuild_indexes(self) -> None:
        for index in self.indexes.values():
            index.rebuild(self._live())

    def lookup(self, index: str, value) -> list[Document]:
        """Documents whose index key equals ``value``, without scanning the table."""
        live = self._live()
        ids = self.indexes[index].ids(value)
        return [Document(live[i], i) for i in sorted(ids) if i in live]

    def lookup_one(self, index: str, value) -> Document | None:
        found = self.lookup(index, value)
        return found[0] if found else None

    def count_by(self, index: str, value) -> int:
        return self.indexes[index].count(value)

    def count_indexed(self, index: str) -> int:
        """How many documents have a key in ``index`` (e.g. all open loans)."""
        return len(self.indexes[index].by_id)

    def indexed_ids(self, index: str):
        return self.indexes[index].by_id.keys()


class KioskDB(TinyDB):
    """TinyDB over a ``JournalStorage`` with tracked tables and transactions."""

    table_class = TrackedTable

    def __init__(self, storage: JournalStorage):
        self._pending: list[Change] = []
        self._originals: dict[tuple[str, int], dict | None] = {}
        self._undo: list[Callable[[], None]] = []  # in-memory state kept beside the tables
        self._depth = 0
        super().__init__(storage=_Given(storage))

    def table(self, name: str, **kwargs) -> TrackedTable:
        if name in self._tables:
            return self._tables[name]
        table = self.table_class(self.storage, name, self, **kwargs)
        self._tables[name] = table
        return table

    def _remember(self, table: str, doc_id: int, doc: dict | None) -> None:
        key = (table, doc_id)
        if key not in self._originals:
            # Documents are JSON data: an orjson round trip copies them ~8x faster than deepcopy.
            self._originals[key] = None if doc is None else orjson.loads(orjson.dumps(doc))

    def on_rollback(self, undo: Callable[[], None]) -> None:
        """Run ``undo`` if the current transaction is rolled back (for caches beside the tables)."""
        self._undo.append(undo)

    @contextmanager
    def transaction(self):
        """Everything written inside is committed as one journal line, or not at all."""
        self._depth += 1
        try:
            yield self
        except BaseException:
            self._depth -= 1
            if self._depth == 0:
                self._rollback()
            raise
        self._depth -= 1
        if self._depth == 0:
            try:
                self.storage.commit(self._pending)
            except BaseException:
                self._rollback()
                raise
            self._pending = []
            self._originals = {}
            self._undo = []

    def _rollback(self) -> None:
        for undo in reversed(self._undo):
            undo()
        touched_tables = set()
        tables = self.storage.read()
        for (name, doc_id), doc in self._originals.items():
            live = tables.setdefault(name, {})
            if doc is None:
                live.pop(doc_id, None)
            else:
                live[doc_id] = doc
            touched_tables.add(name)
        for name in touched_tables:
            table = self.table(name)
            table.rebuild_indexes()
            table.clear_cache()
            table.version += 1
            table._next_id = None
        self._pending = []
        self._originals = {}
        self._undo = []


class _Given:
    """Lets TinyDB's constructor accept an already built storage instance."""

    def __init__(self, storage: JournalStorage):
        self.storage = storage

    def __call__(self, *args, **kwargs) -> JournalStorage:
        return self.storage
