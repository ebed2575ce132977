"""Read a USB keyboard-wedge scanner straight from its evdev device, grabbed.

A wedge scanner types what it reads. Left to the desktop, a scan would type into whatever widget
has focus (a prison-setting hazard) and Kivy on the Pi drops fast repeated keys. So the kiosk
opens the scanner's own ``/dev/input`` node, grabs it (EVIOCGRAB: no other reader gets its keys),
translates key codes with a fixed US table (the host layout and Caps Lock do not matter), ends a
code at Enter, keypad Enter or Tab, and reopens the device after an unplug.

The translation (``KeyTranslator``) is pure; ``WedgeSource`` is the only part touching a device.
Must never import Kivy; python-evdev is imported only when a source starts.
"""

from __future__ import annotations

import glob
import os
import select
import threading
import time

from kiosk.scanner.acceptor import Acceptor
from kiosk.scanner.events import OnScan, ScanEvent

# Linux input key codes (include/uapi/linux/input-event-codes.h, a stable kernel ABI):
# code -> (unshifted, shifted) on a US keyboard.
US_KEYS: dict[int, tuple[str, str]] = {
    **{c: (d, s) for c, d, s in zip(range(2, 12), "1234567890", "!@#$%^&*()", strict=True)},
    12: ("-", "_"), 13: ("=", "+"), 26: ("[", "{"), 27: ("]", "}"), 39: (";", ":"),
    40: ("'", '"'), 41: ("`", "~"), 43: ("\\", "|"), 51: (",", "<"), 52: (".", ">"),
    53: ("/", "?"), 57: (" ", " "),
    **{c: (ch, ch.upper()) for c, ch in zip(range(16, 26), "qwertyuiop", strict=True)},
    **{c: (ch, ch.upper()) for c, ch in zip(range(30, 39), "asdfghjkl", strict=True)},
    **{c: (ch, ch.upper()) for c, ch in zip(range(44, 51), "zxcvbnm", strict=True)},
    # keypad: digits and signs whatever Num Lock says
    **{c: (d, d) for c, d in zip((71, 72, 73, 75, 76, 77, 79, 80, 81, 82), "7894561230", strict=True)},
    55: ("*", "*"), 74: ("-", "-"), 78: ("+", "+"), 83: (".", "."), 98: ("/", "/"),
}  # fmt: skip
SHIFT_KEYS = frozenset({42, 54})  # KEY_LEFTSHIFT, KEY_RIGHTSHIFT
END_KEYS = frozenset({28, 96, 15})  # KEY_ENTER, KEY_KPENTER, KEY_TAB
EV_KEY = 1
MAX_CHARS = 512


class KeyTranslator:
    """Feed ``(code, value)`` of key events; returns a finished code at Enter, else ``None``.

    ``value`` is 1 for key down, 0 for up, 2 for autorepeat; only key-downs type. Uppercase
    letters come from Shift (scanners send Shift+letter), never from Caps Lock.
    """

    def __init__(self) -> None:
        self._shift: set[int] = set()
        self._chars: list[str] = []

    def feed(self, code: int, value: int) -> str | None:
        if code in SHIFT_KEYS:
            if value == 0:
                self._shift.discard(code)
            else:
                self._shift.add(code)
            return None
        if value != 1:
            return None
        if code in END_KEYS:
            text, self._chars = "".join(self._chars), []
            return text or None
        pair = US_KEYS.get(code)
        if pair is not None:
            self._chars.append(pair[1] if self._shift else pair[0])
            if len(self._chars) > MAX_CHARS:  # a stuck key: drop rather than grow forever
                self._chars.clear()
        return None

    def reset(self) -> None:
        self._shift.clear()
        self._chars.clear()


def find_device(spec: str) -> str | None:
    """The event node for ``spec``: an existing path, else the first device whose name,
    ``/dev/input/by-id`` link or ``vendor:product`` (hex) contains ``spec``."""
    if not spec:
        return None
    if spec.startswith("/") and os.path.exists(spec):
        return os.path.realpath(spec)
    wanted = spec.lower()
    for link in sorted(glob.glob("/dev/input/by-id/*event*")):
        if wanted in os.path.basename(link).lower():
            return os.path.realpath(link)
    import evdev

    for path in evdev.list_devices():
        try:
            dev = evdev.InputDevice(path)
        except OSError:
            continue
        try:
            ident = f"{dev.info.vendor:04x}:{dev.info.product:04x}"
            if wanted in dev.name.lower() or wanted == ident:
                return path
        finally:
            dev.close()
    return None


class WedgeSource:
    """A grabbed evdev scanner delivering ``keyboard`` scans; reconnects every ``retry_s``."""

    def __init__(
        self, device: str, acceptor: Acceptor, *, grab: bool = True, retry_s: float = 1.0
    ) -> None:
        self.device = device
        self.acceptor = acceptor
        self.grab = grab
        self.retry_s = retry_s
        self.name = f"evdev:{device}"
        self.status = "stopped"  # searching, connected, unavailable, stopped
        self.connects = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self, on_scan: OnScan) -> None:
        self._stop.clear()
        self.status = "searching"
        self._thread = threading.Thread(
            target=self._run, args=(on_scan,), name="wedge", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2.0)
        self.status = "stopped"

    def _run(self, on_scan: OnScan) -> None:
        while not self._stop.is_set():
            try:
                path = find_device(self.device)
                if path is not None:
                    self._read(path, on_scan)
            except OSError:
                pass  # unplugged, or grabbed by someone else: look again after a pause
            except ImportError:  # no python-evdev here: the app's KeyBurst fallback applies
                self.status = "unavailable"
                return
            self.status = "searching"
            self._stop.wait(self.retry_s)

    def _read(self, path: str, on_scan: OnScan) -> None:
        import evdev

        dev = evdev.InputDevice(path)
        try:
            if self.grab:
                dev.grab()
            self.status = "connected"
            self.connects += 1
            translator = KeyTranslator()
            while not self._stop.is_set():
                ready, _, _ = select.select([dev.fd], [], [], 0.25)
                if not ready:
                    continue
                for event in dev.read():
                    if event.type != EV_KEY:
                        continue
                    text = translator.feed(event.code, event.value)
                    if text:
                        self._offer(text, on_scan)
        finally:
            dev.close()  # closing the node also releases the grab

    def _offer(self, text: str, on_scan: OnScan) -> None:
        result = self.acceptor.offer(text, "keyboard", self.name, time.monotonic())
        if isinstance(result, ScanEvent):
            on_scan(result)
