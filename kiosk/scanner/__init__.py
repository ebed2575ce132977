"""Scanner input: cameras, USB wedge scanners and a fake, all behind one interface.

Every source has ``start(on_scan)`` / ``stop()`` and calls ``on_scan(ScanEvent)`` from its own
thread after the shared ``Acceptor`` has validated, confirmed and debounced the read. The app
builds one ``Acceptor`` and the sources its settings ask for with ``sources_for``.
Nothing here imports Kivy; device libraries are imported only when a source starts.

Wiring in the app (the only place that knows Kivy)::

    acceptor = Acceptor(settings)
    sources = sources_for(settings, acceptor)
    for source in sources:
        source.start(lambda event: Clock.schedule_once(lambda dt: flow.scanned(event)))
    # fallback for a wedge scanner evdev cannot open: keys caught at Window level
    burst = KeyBurst()              # kiosk.scanner.keyburst
    result = burst.feed(key, time.monotonic())
    if isinstance(result, Scanned):
        event = acceptor.offer(result.code, "keyboard", "keys")   # ScanEvent | Invalid | None
"""

from __future__ import annotations

from kiosk.scanner.acceptor import Acceptor
from kiosk.scanner.events import OnScan, ScanEvent, ScanSource

__all__ = ["Acceptor", "OnScan", "ScanEvent", "ScanSource", "sources_for"]


def sources_for(settings, acceptor: Acceptor) -> list[ScanSource]:
    """The sources ``settings`` configure: a wedge scanner (``scanner_evdev``) and a camera
    (``camera`` >= 0). The camera source imports the decoders only here."""
    sources: list[ScanSource] = []
    if settings.scanner_evdev:
        from kiosk.scanner.wedge import WedgeSource

        sources.append(WedgeSource(settings.scanner_evdev, acceptor))
    if settings.camera >= 0:
        from kiosk.scanner.camera import CameraSource
        from kiosk.scanner.camera_backends import open_camera

        index = settings.camera
        sources.append(
            CameraSource(
                lambda: open_camera(index),
                acceptor,
                name=f"camera:{index}",
                symbologies=tuple(settings.symbologies),
            )
        )
    return sources
