"""The evdev wedge path: key translation directly, and a real uinput device where possible."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from kiosk.config import Settings
from kiosk.scanner import Acceptor
from kiosk.scanner.wedge import END_KEYS, SHIFT_KEYS, US_KEYS, KeyTranslator, WedgeSource

SETTINGS = Settings(
    home=Path("/nonexistent"),
    item_label_pattern=r"(PP|CC|KC)\d-\d{6}",
    card_label_pattern=r"D\d{7}",
)
CHAR_TO_KEY = {}
for _code, (_plain, _shifted) in sorted(US_KEYS.items(), reverse=True):  # main row wins
    CHAR_TO_KEY[_plain] = (_code, False)
    CHAR_TO_KEY.setdefault(_shifted, (_code, True))
    if _shifted != _plain:
        CHAR_TO_KEY[_shifted] = (_code, True)


def key_events(text: str, end: int = 28) -> list[tuple[int, int]]:
    """What a US-layout scanner sends for ``text``: Shift around capitals, down/up per key."""
    events = []
    for ch in text:
        code, shifted = CHAR_TO_KEY[ch]
        if shifted:
            events.append((42, 1))
        events += [(code, 1), (code, 0)]
        if shifted:
            events.append((42, 0))
    return events + [(end, 1), (end, 0)]


def translate(events) -> list[str]:
    translator = KeyTranslator()
    return [t for code, value in events if (t := translator.feed(code, value))]


def test_us_keymap_round_trips_every_safe_character():
    text = "PP1-004512 D2412345 abcXYZ_/.:"
    assert translate(key_events(text)) == [text]


def test_keymap_matches_the_kernel_names():
    ecodes = pytest.importorskip("evdev.ecodes")
    assert ecodes.ecodes["KEY_A"] == 30 and ecodes.ecodes["KEY_MINUS"] == 12
    assert {ecodes.ecodes[n] for n in ("KEY_ENTER", "KEY_KPENTER", "KEY_TAB")} == END_KEYS
    assert {ecodes.ecodes[n] for n in ("KEY_LEFTSHIFT", "KEY_RIGHTSHIFT")} == SHIFT_KEYS
    assert ecodes.ecodes["KEY_KP0"] == 82 and US_KEYS[82] == ("0", "0")


def test_keypad_enter_tab_autorepeat_and_unknown_keys():
    events = [(79, 1), (79, 2), (79, 0), (80, 1), (80, 0), (58, 1), (58, 0), (96, 1)]
    assert translate(events) == ["12"]  # autorepeat (2) and Caps Lock (58) do not type
    assert translate([(30, 1), (15, 1), (28, 1)]) == ["a"]  # Tab ends; a bare Enter is nothing
    right_shift = [(54, 1), (30, 1), (30, 0), (54, 0), (30, 1), (28, 1)]
    assert translate(right_shift) == ["Aa"]


def test_a_stuck_key_does_not_grow_forever():
    translator = KeyTranslator()
    for _ in range(2000):
        translator.feed(2, 1)
    assert len(translator._chars) <= 512


def _uinput_or_skip():
    if not os.path.exists("/dev/uinput"):
        pytest.skip("no /dev/uinput on this machine (needs the uinput module and access)")
    evdev = pytest.importorskip("evdev")
    try:
        return evdev, evdev.UInput(
            {evdev.ecodes.EV_KEY: sorted(set(US_KEYS) | SHIFT_KEYS | END_KEYS)},
            name="Bannalai Test Scanner",
        )
    except OSError as exc:
        pytest.skip(f"cannot create a uinput device: {exc}")


def test_real_device_grabbed_and_reconnected_after_unplug():
    evdev, device = _uinput_or_skip()
    events, lock = [], threading.Lock()

    def on_scan(event):
        with lock:
            events.append(event)

    def type_text(dev, text):
        for code, value in key_events(text):
            dev.write(evdev.ecodes.EV_KEY, code, value)
            dev.syn()

    source = WedgeSource("Bannalai Test Scanner", Acceptor(SETTINGS), retry_s=0.05)
    source.start(on_scan)
    try:
        assert _wait(lambda: source.status == "connected")
        node = evdev.InputDevice(device.device.path)
        with pytest.raises(OSError):  # the source holds the grab: nobody else gets the keys
            node.grab()
        node.close()
        type_text(device, "PP1-004512")
        assert _wait(lambda: len(events) == 1)
        device.close()  # unplug
        assert _wait(lambda: source.status == "searching")
        device = evdev.UInput(
            {evdev.ecodes.EV_KEY: sorted(set(US_KEYS) | SHIFT_KEYS | END_KEYS)},
            name="Bannalai Test Scanner",
        )
        assert _wait(lambda: source.status == "connected" and source.connects == 2)
        type_text(device, "D2412345")
        assert _wait(lambda: len(events) == 2)
    finally:
        source.stop()
        device.close()
    assert [(e.code, e.kind, e.symbology) for e in events] == [
        ("PP1-004512", "item", "keyboard"),
        ("D2412345", "card", "keyboard"),
    ]


def _wait(predicate, timeout=10.0) -> bool:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def test_missing_device_keeps_searching_without_crashing():
    source = WedgeSource("/dev/input/by-id/no-such-scanner", Acceptor(SETTINGS), retry_s=0.01)
    source.start(lambda event: None)
    time.sleep(0.05)
    assert source.status == "searching" and source._thread.is_alive()
    source.stop()
    assert source.status == "stopped" and not source._thread.is_alive()
