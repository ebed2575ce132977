"""The shared acceptor: validation first, Code 39 double read, 2.5 s hold, many threads."""

from __future__ import annotations

import threading
from pathlib import Path

from kiosk.barcodes import Invalid
from kiosk.config import Settings
from kiosk.scanner import Acceptor, ScanEvent
from kiosk.scanner.fake import FakeSource

SETTINGS = Settings(
    home=Path("/nonexistent"),
    item_label_pattern=r"(PP|CC|KC)\d-\d{6}|L\d{6}",
    card_label_pattern=r"D\d{7}",
)


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_same_code_is_held_while_it_keeps_being_seen():
    clock = Clock()
    acceptor = Acceptor(SETTINGS, clock=clock)
    first = acceptor.offer("PP1-004512", "code128", "camera:0")
    assert first == ScanEvent("PP1-004512", "code128", "item", "camera:0", 100.0)
    for _ in range(20):  # a book lying under the camera, read 8 times a second
        clock.now += 0.125
        assert acceptor.offer("PP1-004512", "code128", "camera:0") is None
    clock.now += 2.49
    assert acceptor.offer("PP1-004512", "keyboard", "evdev") is None  # any source: one event
    clock.now += 2.6
    again = acceptor.offer("PP1-004512", "keyboard", "evdev")
    assert isinstance(again, ScanEvent) and again.source == "evdev"


def test_other_codes_are_not_held_by_one():
    acceptor = Acceptor(SETTINGS, clock=Clock())
    assert isinstance(acceptor.offer("PP1-004512", "code128", "c"), ScanEvent)
    assert isinstance(acceptor.offer("D2412345", "code128", "c"), ScanEvent)
    assert isinstance(acceptor.offer("9789995012342", "ean13", "c"), ScanEvent)


def test_code39_needs_two_identical_reads_within_a_second():
    clock = Clock()
    acceptor = Acceptor(SETTINGS, clock=clock)
    assert acceptor.offer("L004512", "code39", "camera") is None
    clock.now += 0.3
    assert acceptor.offer("L004513", "code39", "camera") is None  # a different misread
    clock.now += 0.3
    event = acceptor.offer("L004512", "code39", "camera")
    assert isinstance(event, ScanEvent) and event.code == "L004512"
    clock.now += 5
    assert acceptor.offer("L004513", "code39", "camera") is None  # first read is too old
    clock.now += 1.5
    assert acceptor.offer("L004513", "code39", "camera") is None
    # a wedge scanner verifies its own reads: one read of the same text is enough
    assert isinstance(acceptor.offer("L004513", "keyboard", "evdev"), ScanEvent)


def test_invalid_reads_are_returned_and_reported_never_delivered():
    rejected = []
    acceptor = Acceptor(SETTINGS, clock=Clock(), on_reject=lambda inv, src: rejected.append(inv))
    assert acceptor.offer("7122211724803", "ean13", "camera") == Invalid(
        "not_isbn", "7122211724803"
    )
    assert acceptor.offer("\x00", "keyboard", "evdev").reason == "empty"
    assert [r.reason for r in rejected] == ["not_isbn", "empty"]


def test_concurrent_sources_deliver_each_code_once():
    acceptor = Acceptor(SETTINGS)
    events: list[ScanEvent] = []
    lock = threading.Lock()

    def on_scan(event):
        with lock:
            events.append(event)

    sources = [FakeSource(acceptor, name=f"fake{i}") for i in range(4)]
    for source in sources:
        source.start(on_scan)
    for n in range(50):
        for source in sources:
            source.push(f"PP1-{n:06d}", "code128")
    for source in sources:
        source.drain()
        source.stop()
    assert sorted(e.code for e in events) == [f"PP1-{n:06d}" for n in range(50)]
    assert all(e.kind == "item" for e in events)


def test_fake_source_delivers_from_a_worker_thread():
    threads = []
    source = FakeSource(Acceptor(SETTINGS), [("D2412345", "keyboard")])
    source.start(lambda event: threads.append(threading.current_thread()))
    source.drain()
    source.stop()
    assert threads and threads[0] is not threading.main_thread()
