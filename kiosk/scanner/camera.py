"""Scan with a camera: capture in one thread, decode only the newest frame in another.

Decoding (7-150 ms on a Pi 4) is slower than the camera (30 fps), so frames must never queue:
the capture thread overwrites a one-slot mailbox and the decode thread, capped at 10-15 Hz so the
UI keeps a core, always takes the newest frame and decodes only the central guide box (where the
screen asks people to hold the code, at full resolution). Which library opens the camera, and
why, is ``camera_backends``'s business; this pipeline logs each new choice once (a missing camera
is retried every second and must not fill the log).

Never imports Kivy and never blocks the caller: ``start`` returns at once, ``stop`` joins.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Protocol

import numpy as np

from kiosk.scanner.acceptor import Acceptor
from kiosk.scanner.camera_backends import (
    CameraChoice,
    CameraUnavailable,
    describe_error,
    log_choice,
)
from kiosk.scanner.decode import DEFAULT_SYMBOLOGIES, decode_image
from kiosk.scanner.events import OnScan, ScanEvent

MAX_DECODE_HZ = 12.0
GUIDE_BOX = 0.625  # 800x600 of a 1280x960 frame
ZBAR_EVERY = 2  # the slow fallback on every 2nd frame keeps a Pi 4 near 12 Hz

log = logging.getLogger("kiosk.scanner.camera")


class FrameSource(Protocol):
    """A camera: ``read`` blocks for the next grayscale frame, ``None`` when it has failed."""

    def read(self) -> np.ndarray | None: ...

    def close(self) -> None: ...


def guide_box(gray: np.ndarray, fraction: float = GUIDE_BOX) -> np.ndarray:
    """The central ``fraction`` of the frame (width and height), a view, not a copy."""
    if fraction >= 1.0:
        return gray
    h, w = gray.shape[:2]
    bh, bw = int(h * fraction), int(w * fraction)
    top, left = (h - bh) // 2, (w - bw) // 2
    return gray[top : top + bh, left : left + bw]


class LatestFrame:
    """A one-slot mailbox: ``put`` overwrites (counting the frame nobody took as stale)."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._frame: np.ndarray | None = None
        self._at = 0.0
        self._seq = 0
        self._taken = 0
        self.stale = 0

    def put(self, frame: np.ndarray, at: float) -> None:
        with self._cond:
            if self._seq > self._taken:
                self.stale += 1
            self._frame, self._at, self._seq = frame, at, self._seq + 1
            self._cond.notify_all()

    def get(self, after: int, timeout: float) -> tuple[int, np.ndarray, float] | None:
        """The newest frame with a sequence number above ``after``, waiting up to ``timeout``."""
        with self._cond:
            if not self._cond.wait_for(lambda: self._seq > after, timeout):
                return None
            self._taken = self._seq
            return self._seq, self._frame, self._at

    def peek(self) -> np.ndarray | None:
        """The newest frame for a preview, without taking it."""
        with self._cond:
            return self._frame


Decoder = Callable[..., list]


class CameraSource:
    """Camera frames → cascade decode (guide box) → acceptor → ``on_scan``.

    ``choice`` is the latest ``CameraChoice`` of ``open_frames`` (``None`` until a camera was
    opened, or for a source whose frames have no choice, like a fake).
    """

    def __init__(
        self,
        open_frames: Callable[[], FrameSource],
        acceptor: Acceptor,
        *,
        name: str = "camera",
        symbologies: tuple[str, ...] = DEFAULT_SYMBOLOGIES,
        max_hz: float = MAX_DECODE_HZ,
        box: float = GUIDE_BOX,
        zbar_every: int = ZBAR_EVERY,
        decoder: Decoder = decode_image,
        retry_s: float = 1.0,
    ) -> None:
        self.open_frames = open_frames
        self.acceptor = acceptor
        self.name = name
        self.symbologies = tuple(symbologies)
        self.max_hz = max_hz
        self.box = box
        self.zbar_every = max(1, zbar_every)
        self.decoder = decoder
        self.retry_s = retry_s
        self.mailbox = LatestFrame()
        self.captured = 0
        self.decoded = 0
        self.decode_ms: list[float] = []  # recent decode times, for scan-test and the bench
        self.ended = threading.Event()  # a fake source ran out of frames
        self.status = "stopped"  # for scan-test: running, or why there are no frames
        self.choice: CameraChoice | None = None
        self._ready: FrameSource | None = None  # opened by ``open``, used by the next ``start``
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    @property
    def stale(self) -> int:
        return self.mailbox.stale

    def latest_preview(self) -> np.ndarray | None:
        return self.mailbox.peek()

    def open(self) -> CameraChoice | None:
        """Open the camera now, in the caller's thread, so a technician's tool can report the
        backend before scanning starts; ``start`` then uses it. Raises ``CameraUnavailable``."""
        if self._ready is None:
            self._ready = self._open()
        return self.choice

    def start(self, on_scan: OnScan) -> None:
        self._stop.clear()
        self._threads = [
            threading.Thread(target=self._capture, name="camera-capture", daemon=True),
            threading.Thread(target=self._decode, args=(on_scan,), name="decode", daemon=True),
        ]
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=3.0)
        if self._ready is not None:  # opened but never started
            self._ready.close()
            self._ready = None
        self.status = "stopped"

    def _open(self) -> FrameSource:
        try:
            frames = self.open_frames()
        except CameraUnavailable as exc:
            self._note(exc.choice)
            raise
        self._note(getattr(frames, "choice", None))
        return frames

    def _note(self, choice: CameraChoice | None) -> None:
        if choice is not None and choice != self.choice:  # the same again: nothing new to log
            log_choice(choice)
        self.choice = choice

    def _capture(self) -> None:
        while not self._stop.is_set():
            try:
                frames = self._ready if self._ready is not None else self._open()
                self._ready = None
            except Exception as exc:  # camera missing or busy: try again, never crash the kiosk
                self.status = f"cannot open the camera ({exc}); retrying"
                self._stop.wait(self.retry_s)
                continue
            try:
                self._pump(frames)
            finally:
                frames.close()
            if self.ended.is_set():
                return
            self._stop.wait(self.retry_s)

    def _pump(self, frames: FrameSource) -> None:
        while not self._stop.is_set():
            try:
                frame = frames.read()
            except Exception as exc:  # unplugged mid-capture: reopen, and say why
                why = describe_error(exc)
                log.warning("%s: reading a frame failed: %s; reopening", self.name, why)
                self.status = f"reading a frame failed ({why}); reopening"
                return
            if frame is None:
                if getattr(frames, "exhausted", False):
                    self.status = "no more frames"
                    self.ended.set()
                else:
                    self.status = "the camera gave no frame; reopening it"
                return
            self.status = "running"
            self.captured += 1
            self.mailbox.put(frame, time.monotonic())

    def _decode(self, on_scan: OnScan) -> None:
        seq, period, next_at = 0, 1.0 / self.max_hz, 0.0
        while not self._stop.is_set():
            wait = next_at - time.monotonic()
            if wait > 0 and self._stop.wait(wait):
                return
            got = self.mailbox.get(seq, timeout=0.25)
            if got is None:
                continue
            seq, frame, at = got
            next_at = time.monotonic() + period
            self._decode_one(frame, at, on_scan)

    def _decode_one(self, frame: np.ndarray, at: float, on_scan: OnScan) -> None:
        started = time.thread_time()
        fallback = self.decoded % self.zbar_every == 0
        found = self.decoder(guide_box(frame, self.box), self.symbologies, fallback=fallback)
        self.decode_ms = (self.decode_ms + [(time.thread_time() - started) * 1000])[-200:]
        self.decoded += 1
        for item in found:
            result = self.acceptor.offer(item.text, item.symbology, self.name, at)
            if isinstance(result, ScanEvent):
                on_scan(result)
