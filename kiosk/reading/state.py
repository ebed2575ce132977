"""Per-station reading state: last position, bookmarks, audio position and reader settings.

Kept per book (not per person: the station is anonymous by default) in one small JSON file
under ``<home>/reading``, written atomically (temp file, fsync, rename) on every page turn so
a power cut loses at most the last turn. The kiosk process is its only writer; a lock keeps
its threads in order. It must never write outside the kiosk home.
"""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from pathlib import Path

from kiosk.atomicfile import write_atomically
from kiosk.config import Settings
from kiosk.reading.model import Position

MAX_BOOKMARKS = 100
_SHARED: dict[Path, ReadingState] = {}
_SHARED_LOCK = threading.Lock()


def state_file(settings: Settings) -> Path:
    return settings.home / "reading" / "state.json"


class ReadingState:
    """Positions and bookmarks of every book on this station."""

    @classmethod
    def shared(cls, settings: Settings) -> ReadingState:
        """The process's one instance for this home, so two screens never overwrite each other."""
        path = state_file(settings)
        with _SHARED_LOCK:
            if path not in _SHARED:
                _SHARED[path] = cls(settings)
            return _SHARED[path]

    def __init__(self, settings: Settings) -> None:
        self.path = state_file(settings)
        self._lock = threading.Lock()
        self._data = self._read()

    def _read(self) -> dict:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            return data if isinstance(data, dict) else {}
        except (OSError, ValueError):
            return {}  # a torn or missing file means "nothing read yet", never a crash

    def _write(self) -> None:
        data = json.dumps(self._data, ensure_ascii=False).encode("utf-8")
        write_atomically(self.path, data)

    def _book(self, content_id: str) -> dict:
        return self._data.setdefault(content_id, {})

    def position(self, content_id: str) -> Position | None:
        entry = self._data.get(content_id, {}).get("position")
        return Position.from_json(entry) if entry else None

    def save_position(self, content_id: str, position: Position, progress: float = 0.0) -> None:
        with self._lock:
            book = self._book(content_id)
            book["position"] = position.to_json()
            book["progress"] = round(max(0.0, min(1.0, progress)), 4)
            book["last_read"] = datetime.now(UTC).isoformat(timespec="seconds")
            self._write()

    def last_read(self, content_id: str) -> str:
        return self._data.get(content_id, {}).get("last_read", "")

    def progress(self, content_id: str) -> float:
        return float(self._data.get(content_id, {}).get("progress", 0.0))

    def bookmarks(self, content_id: str) -> list[Position]:
        return [Position.from_json(b) for b in self._data.get(content_id, {}).get("bookmarks", [])]

    def add_bookmark(self, content_id: str, position: Position) -> bool:
        with self._lock:
            marks = self._book(content_id).setdefault("bookmarks", [])
            key = position.to_json()
            if any(Position.from_json(m) == position for m in marks) or len(marks) >= MAX_BOOKMARKS:
                return False
            marks.append(key)
            marks.sort(key=lambda m: (m["chapter"], m["block"], m["offset"]))
            self._write()
            return True

    def remove_bookmark(self, content_id: str, position: Position) -> bool:
        with self._lock:
            marks = self._book(content_id).get("bookmarks", [])
            kept = [m for m in marks if Position.from_json(m) != position]
            if len(kept) == len(marks):
                return False
            self._book(content_id)["bookmarks"] = kept
            self._write()
            return True

    def audio_seconds(self, content_id: str) -> float:
        return float(self._data.get(content_id, {}).get("audio_s", 0.0))

    def save_audio_seconds(self, content_id: str, seconds: float) -> None:
        with self._lock:
            book = self._book(content_id)
            book["audio_s"] = max(0.0, float(seconds))
            book["last_read"] = datetime.now(UTC).isoformat(timespec="seconds")
            self._write()

    def preferences(self) -> dict:
        return dict(self._data.get("_preferences", {}))

    def save_preferences(self, **values) -> None:
        with self._lock:
            self._data.setdefault("_preferences", {}).update(values)
            self._write()
