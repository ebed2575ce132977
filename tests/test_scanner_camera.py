"""The camera pipeline with a fake frame source (the one mock, at the camera edge).

Real decoding on generated frames; the fake only replaces the camera device.
"""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from kiosk.config import Settings
from kiosk.scanner import Acceptor, ScanEvent
from kiosk.scanner.camera import CameraSource, LatestFrame, guide_box
from kiosk.scanner.decode import Decoded, decode_image
from kiosk.scanner.fake import FakeFrames

sys.path.append(str(Path(__file__).resolve().parents[1] / "bench"))
import scanframes  # noqa: E402

SETTINGS = Settings(
    home=Path("/nonexistent"),
    item_label_pattern=scanframes.ITEM_PATTERN,
    card_label_pattern=scanframes.CARD_PATTERN,
)


def wait_for(predicate, timeout: float = 20.0) -> bool:
    """Poll until ``predicate`` holds; the timeout only stops a hung test, it asserts nothing."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


class Collector:
    def __init__(self) -> None:
        self.events: list[ScanEvent] = []
        self.threads: set[str] = set()

    def __call__(self, event: ScanEvent) -> None:
        self.threads.add(threading.current_thread().name)
        self.events.append(event)


@pytest.fixture(scope="module")
def scenes():
    """Three codes, each shown for 20 frames between empty frames."""
    rng = np.random.default_rng(21)
    codes = [("D2412345", "code128"), ("9789995012342", "ean13"), ("L004512", "code39")]
    frames, repeat = [], []
    for text, symbology in codes:
        empty, _ = scanframes.make_frame(rng, "", "", profile="easy")
        shown, _ = scanframes.make_frame(rng, text, symbology, profile="easy")
        frames += [empty, shown]
        repeat += [6, 20]
    return codes, frames, repeat


def test_each_code_in_view_is_accepted_once_in_order(scenes):
    codes, frames, repeat = scenes
    fake = FakeFrames(frames, fps=60, repeat=repeat)
    source = CameraSource(lambda: fake, Acceptor(SETTINGS), name="camera:fake", box=1.0)
    got = Collector()
    source.start(got)
    assert wait_for(source.ended.is_set)
    source.stop()
    assert [e.code for e in got.events] == [text for text, _ in codes]
    assert [e.kind for e in got.events] == ["card", "isbn", "item"]
    assert got.threads == {"decode"}  # delivered off the caller's thread
    assert source.decoded > 0 and source.captured == sum(repeat)


def test_only_the_newest_frame_is_decoded_and_start_never_blocks():
    frames = [np.full((48, 64), i, np.uint8) for i in range(200)]
    fake = FakeFrames(frames, fps=200)
    release = threading.Event()
    seen: list[int] = []

    def slow_decoder(gray, symbologies, fallback=True):
        seen.append(int(gray[0, 0]))
        release.wait(30)  # the first decode hangs until the test lets it go
        return []

    source = CameraSource(lambda: fake, Acceptor(SETTINGS), decoder=slow_decoder, max_hz=1000)
    source.start(lambda event: None)  # returns while the decoder is stuck
    assert wait_for(lambda: fake.reads >= 50)
    assert len(seen) == 1
    release.set()
    assert wait_for(source.ended.is_set)
    source.stop()
    assert seen == sorted(set(seen))  # never an older frame after a newer one
    assert seen[1] >= 49  # after the hang: the newest frame, not the next queued one
    assert source.stale >= 48
    assert not any(t.is_alive() for t in source._threads)


def test_camera_that_fails_is_reopened():
    rng = np.random.default_rng(5)
    shown, _ = scanframes.make_frame(rng, "PP1-004512", "code128", profile="easy")
    opened = []

    class Flaky:
        exhausted = False

        def __init__(self, n):
            self.n = n
            self.left = 3

        def read(self):
            if self.n == 0:
                return None  # unplugged: not exhausted, so the pipeline reopens
            self.left -= 1
            if self.left < 0:
                self.exhausted = True
                return None
            time.sleep(0.02)
            return shown

        def close(self):
            pass

    def open_frames():
        opened.append(len(opened))
        if len(opened) == 1:
            raise OSError("no camera yet")
        return Flaky(len(opened) - 2)

    source = CameraSource(open_frames, Acceptor(SETTINGS), retry_s=0.01, box=1.0)
    got = Collector()
    source.start(got)
    assert wait_for(source.ended.is_set)
    assert wait_for(lambda: got.events)
    source.stop()
    assert len(opened) == 3
    assert [e.code for e in got.events] == ["PP1-004512"]


def test_code39_needs_two_frames(scenes):
    rng = np.random.default_rng(8)
    shown, _ = scanframes.make_frame(rng, "L123456", "code39", profile="easy")
    calls = []

    def decoder(gray, symbologies, fallback=True):
        calls.append(1)
        return decode_image(gray, symbologies, fallback)

    source = CameraSource(
        lambda: FakeFrames([shown], fps=60, repeat=[1]), Acceptor(SETTINGS), decoder=decoder
    )
    got = Collector()
    source.start(got)
    assert wait_for(source.ended.is_set)
    source.stop()
    assert calls and got.events == []  # one frame, one read: not enough for Code 39


def test_guide_box_and_mailbox():
    gray = np.arange(960 * 1280, dtype=np.uint32).reshape(960, 1280).astype(np.uint8)
    box = guide_box(gray)
    assert box.shape == (600, 800) and box.base is not None
    assert guide_box(gray, 1.0) is gray
    mailbox = LatestFrame()
    assert mailbox.get(0, timeout=0.01) is None
    mailbox.put(gray, 1.0)
    mailbox.put(box, 2.0)
    seq, frame, at = mailbox.get(0, timeout=0.01)
    assert (seq, at, mailbox.stale) == (2, 2.0, 1) and frame is box
    assert Decoded("x", "qr").decoder == ""
