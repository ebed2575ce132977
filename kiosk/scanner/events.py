"""What every scan source delivers, and the two-method interface every source has.

A source (camera, wedge scanner, fake) runs its own thread and calls ``on_scan(event)`` from
it; the Kivy app forwards the event to its UI thread with ``Clock.schedule_once``. This module
must never import a device library or Kivy: it is the contract, not a source.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class ScanEvent:
    """An accepted, validated scan.

    ``code`` and ``kind`` come from ``kiosk.barcodes.validate``; ``symbology`` is what the
    decoder reported (``keyboard`` for wedge scanners); ``source`` names the device
    (``camera:0``, ``evdev:/dev/input/...``, ``keys``, ``fake``); ``at`` is ``time.monotonic()``
    seconds when the code was read.
    """

    code: str
    symbology: str
    kind: str
    source: str
    at: float


OnScan = Callable[[ScanEvent], None]


class ScanSource(Protocol):
    """Starts delivering events to ``on_scan`` from a worker thread; ``stop`` joins it."""

    name: str

    def start(self, on_scan: OnScan) -> None: ...

    def stop(self) -> None: ...
