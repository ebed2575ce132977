"""Tell a keyboard-wedge scanner from a person typing, inside the app, by key timing.

The fallback when the scanner cannot be read with evdev (no permission, no device match): the app
feeds every key it receives with the time it saw it. A burst ended by Enter (or Tab) whose median
gap between keys is at most 30 ms is a scan; anything slower is a person and is handed back to the
UI. The median, not the largest gap: Kivy handles keys once per frame and one stalled frame in the
middle of a burst broke the "every gap small" rule in 25-66 % of scans (research §5.2).

UI-free and clock-free: times are passed in. Must never import Kivy or read a device.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass

MAX_MEDIAN_GAP_S = 0.030
IDLE_FLUSH_S = 0.5
MAX_KEYS = 512
TERMINATORS = frozenset({"enter", "return", "kp_enter", "tab", "\r", "\n", "\t"})


@dataclass(frozen=True)
class Scanned:
    """A scanner burst: ``code`` is the text before the terminator."""

    code: str
    median_gap_s: float


@dataclass(frozen=True)
class Typed:
    """Keys judged human: replay ``text`` into the UI, then ``terminator`` unless it is ""."""

    text: str
    terminator: str


class KeyBurst:
    """Feed ``(key, at)``; get ``Scanned``, ``Typed`` or ``None`` (still collecting)."""

    def __init__(
        self, max_median_gap_s: float = MAX_MEDIAN_GAP_S, idle_flush_s: float = IDLE_FLUSH_S
    ) -> None:
        self.max_median_gap_s = max_median_gap_s
        self.idle_flush_s = idle_flush_s
        self._chars: list[str] = []
        self._times: list[float] = []

    def feed(self, key: str, at: float) -> Scanned | Typed | None:
        """``key`` is one printable character or a terminator name (see ``TERMINATORS``)."""
        if key.lower() in TERMINATORS or key in TERMINATORS:
            self._times.append(at)
            return self._end(key)
        if len(key) != 1 or not key.isprintable():
            return None  # shift, arrows, function keys: not part of any code
        self._chars.append(key)
        self._times.append(at)
        if len(self._chars) > MAX_KEYS:  # a stuck key or a pasted book: no scan is that long
            return self.flush()
        return None

    def flush(self, now: float | None = None) -> Typed | None:
        """Release collected keys as typing; with ``now``, only after ``idle_flush_s`` of quiet.

        The app calls ``flush(now)`` from a timer so a person who never presses Enter still
        sees what they typed.
        """
        if not self._chars:
            self._times.clear()
            return None
        if now is not None and now - self._times[-1] < self.idle_flush_s:
            return None
        text = "".join(self._chars)
        self._chars.clear()
        self._times.clear()
        return Typed(text, terminator="")

    def _end(self, terminator: str) -> Scanned | Typed:
        chars, times = self._chars, self._times
        self._chars, self._times = [], []
        if not chars:
            return Typed("", terminator)
        gaps = [
            b - a for a, b in zip(times, times[1:], strict=False)
        ]  # includes the gap before Enter
        median = statistics.median(gaps) if gaps else float("inf")
        if len(chars) >= 2 and median <= self.max_median_gap_s:
            return Scanned("".join(chars), median)
        return Typed("".join(chars), terminator)
