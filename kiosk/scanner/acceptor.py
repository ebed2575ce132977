"""The one gate between raw reads and accepted scans, shared by every source.

A camera sees the same code 15 times a second and a person may scan a book twice; the lending
screen must see it once. Code 39 has no check character, so one camera read is not enough.
Rules (research/barcode-scanning.md §4.1):

- every read is validated (``kiosk.barcodes.validate``); refusals go to ``on_reject`` only;
- a code is held for ``hold_s`` (2.5 s) after it is accepted, and the hold restarts every time
  the code is read again, so a book left under the camera never fires twice;
- a camera Code 39 read is accepted only when the same text was read at least once before within
  ``code39_window_s`` (1 s). Wedge scanners verify reads themselves (``keyboard`` symbology).

Thread-safe: several sources may offer reads at once. Never calls a callback with the lock held
and never blocks on I/O.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from kiosk.barcodes import Invalid, Scan, validate
from kiosk.scanner.events import ScanEvent

HOLD_S = 2.5
CODE39_WINDOW_S = 1.0


class Acceptor:
    """``offer`` every read; returns the accepted ``ScanEvent``, an ``Invalid``, or ``None``."""

    def __init__(
        self,
        settings,
        *,
        hold_s: float = HOLD_S,
        code39_window_s: float = CODE39_WINDOW_S,
        clock: Callable[[], float] = time.monotonic,
        on_reject: Callable[[Invalid, str], None] | None = None,
    ) -> None:
        self.settings = settings
        self.hold_s = hold_s
        self.code39_window_s = code39_window_s
        self.clock = clock
        self.on_reject = on_reject
        self._lock = threading.Lock()
        self._held: dict[str, float] = {}  # code -> last time it was read while held
        self._code39: dict[str, float] = {}  # text -> time of a first, unconfirmed read

    def offer(
        self, raw: str, symbology: str, source: str, at: float | None = None
    ) -> ScanEvent | Invalid | None:
        """Validate, confirm and debounce one read made at ``at`` (default: now)."""
        at = self.clock() if at is None else at
        result = validate(raw, symbology, self.settings)
        if isinstance(result, Invalid):
            if self.on_reject is not None:
                self.on_reject(result, source)
            return result
        with self._lock:
            return self._admit(result, raw, source, at)

    def _admit(self, scan: Scan, raw: str, source: str, at: float) -> ScanEvent | None:
        self._forget(at)
        last = self._held.get(scan.code)
        if last is not None and at - last < self.hold_s:
            self._held[scan.code] = at
            return None
        if scan.symbology == "code39":
            first = self._code39.get(raw)
            if first is None or at - first > self.code39_window_s:
                self._code39[raw] = at
                return None
            del self._code39[raw]
        self._held[scan.code] = at
        return ScanEvent(scan.code, scan.symbology, scan.kind, source, at)

    def _forget(self, now: float) -> None:
        """Drop expired entries so memory stays bounded over months of uptime."""
        if len(self._held) > 64:
            self._held = {c: t for c, t in self._held.items() if now - t < self.hold_s}
        if len(self._code39) > 64:
            window = self.code39_window_s
            self._code39 = {c: t for c, t in self._code39.items() if now - t <= window}

    def reset(self) -> None:
        """Forget every hold, e.g. when a new patron session starts."""
        with self._lock:
            self._held.clear()
            self._code39.clear()
