"""Stand-ins for scanner hardware: a scripted scan source and a fake camera.

``FakeSource`` lets desktop development and screen tests scan without a device: codes pushed into
it go through the same ``Acceptor`` as real reads. ``FakeFrames`` has the interface of the
camera frame sources (``read``/``close``) and plays frames at a camera's pace, so the real
capture/decode pipeline can be tested: it is the only mock, at the camera edge.
Must never import Kivy or open a device.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from kiosk.scanner.acceptor import Acceptor
from kiosk.scanner.events import OnScan, ScanEvent

if TYPE_CHECKING:  # frames are numpy arrays; FakeSource users (app bench, UI tests) need no numpy
    import numpy as np


class FakeSource:
    """Delivers ``push``-ed (or scripted) reads from its own thread, like a real source."""

    def __init__(
        self, acceptor: Acceptor, script: Iterable[tuple[str, str]] = (), name: str = "fake"
    ) -> None:
        self.acceptor = acceptor
        self.name = name
        self._queue: queue.Queue[tuple[str, str] | None] = queue.Queue()
        for raw, symbology in script:
            self._queue.put((raw, symbology))
        self._thread: threading.Thread | None = None

    def push(self, raw: str, symbology: str = "keyboard") -> None:
        self._queue.put((raw, symbology))

    def start(self, on_scan: OnScan) -> None:
        self._thread = threading.Thread(target=self._run, args=(on_scan,), daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._queue.put(None)
        if self._thread is not None:
            self._thread.join(timeout=2.0)

    @property
    def idle(self) -> bool:
        """Every pushed read has been offered."""
        return not self._queue.unfinished_tasks

    def drain(self, timeout: float = 2.0) -> None:
        """Wait until every pushed read has been offered (for tests)."""
        deadline = time.monotonic() + timeout
        while self._queue.unfinished_tasks and time.monotonic() < deadline:
            time.sleep(0.005)

    def _run(self, on_scan: OnScan) -> None:
        while True:
            item = self._queue.get()
            try:
                if item is None:
                    return
                result = self.acceptor.offer(item[0], item[1], self.name)
                if isinstance(result, ScanEvent):
                    on_scan(result)
            finally:
                self._queue.task_done()


class FakeFrames:
    """A camera that plays ``frames`` at ``fps`` (each ``read`` waits for its frame time).

    ``repeat`` plays frame i ``repeat[i]`` times (a scene held in view); ``None`` after the last
    frame, with ``exhausted`` set so the pipeline knows the camera did not merely fail.
    ``shown_at`` records when each frame index was first handed out (monotonic seconds).
    """

    def __init__(
        self, frames: Sequence[np.ndarray], fps: float = 30.0, repeat: Sequence[int] | None = None
    ) -> None:
        self.frames = frames
        self.period = 1.0 / fps if fps > 0 else 0.0
        self.repeat = list(repeat) if repeat is not None else [1] * len(frames)
        self.exhausted = False
        self.reads = 0
        self.shown_at: dict[int, float] = {}
        self._index = 0
        self._left = self.repeat[0] if self.repeat else 0
        self._next = time.monotonic()

    def read(self) -> np.ndarray | None:
        while self._index < len(self.frames) and self._left <= 0:
            self._index += 1
            self._left = self.repeat[self._index] if self._index < len(self.frames) else 0
        if self._index >= len(self.frames):
            self.exhausted = True
            return None
        delay = self._next - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        self._next = max(self._next + self.period, time.monotonic() - self.period)
        self.shown_at.setdefault(self._index, time.monotonic())
        self._left -= 1
        self.reads += 1
        return self.frames[self._index]

    def close(self) -> None:
        return None
