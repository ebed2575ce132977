"""Technician commands to check scanning in the field: ``decode`` image files, ``scan-test``.

``decode`` answers "does this label (photo, printed sheet) scan?"; ``scan-test`` runs a real
source (camera, evdev scanner) and prints every accepted and refused scan with its timing, so a
technician can see a device work before a librarian needs it. For a camera it first prints the
``kiosk.scanner`` log: which backend opened it and why each other one was passed over (the same
lines the kiosk writes to its log). Decoder libraries are imported inside the commands so every
other ``python -m kiosk`` command stays fast.
"""

from __future__ import annotations

import logging
import statistics
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from kiosk.commands._common import fail, settings_from
from kiosk.scanner.camera_backends import CameraUnavailable


def register(subparsers, parent) -> None:
    p = subparsers.add_parser(
        "decode", parents=[parent], help="print the codes found in image files (PATH<TAB>CODE)"
    )
    p.add_argument("images", nargs="+", type=Path, metavar="IMAGE")
    p.add_argument("--details", action="store_true", help="add symbology and validation columns")
    p.set_defaults(func=cmd_decode)

    p = subparsers.add_parser(
        "scan-test", parents=[parent], help="show live scans and timings from a scanner or camera"
    )
    which = p.add_mutually_exclusive_group()
    which.add_argument("--camera", type=int, metavar="N", help="camera index")
    which.add_argument("--evdev", metavar="PATH", help="wedge scanner device path or name")
    which.add_argument("--frames", type=Path, metavar="DIR", help="play image files as a camera")
    which.add_argument("--fake", action="append", metavar="CODE", help="pretend to scan CODE")
    p.add_argument("--seconds", type=float, default=0, help="stop after this long (0 = Ctrl-C)")
    p.set_defaults(func=cmd_scan_test)


def cmd_decode(args) -> int:
    import cv2

    from kiosk.barcodes import validate
    from kiosk.scanner.decode import decode_all

    settings = settings_from(args) if args.details else None
    status = 0
    for path in args.images:
        gray = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE) if path.is_file() else None
        if gray is None:
            status = fail(f"{path}: not a readable image file")
            continue
        found = decode_all(gray, _symbologies(settings))
        if not found:
            print(f"{path}\t-")
        for item in found:
            line = f"{path}\t{item.text}"
            if settings is not None:
                result = validate(item.text, item.symbology, settings)
                verdict = getattr(result, "kind", None) or f"invalid:{result.reason}"
                line += f"\t{item.symbology}\t{verdict}"
            print(line)
    return status


def _symbologies(settings) -> tuple[str, ...]:
    from kiosk.scanner.decode import DEFAULT_SYMBOLOGIES

    return tuple(settings.symbologies) if settings is not None else DEFAULT_SYMBOLOGIES


def cmd_scan_test(args) -> int:
    from kiosk.scanner import Acceptor

    settings = settings_from(args)
    started = time.monotonic()

    def on_reject(invalid, source) -> None:
        print(f"+{time.monotonic() - started:8.3f}s  {source}  refused {invalid.reason}: "
              f"{invalid.raw!r}", flush=True)  # fmt: skip

    acceptor = Acceptor(settings, on_reject=on_reject)
    source = _source(args, settings, acceptor)
    if source is None:
        return fail("no scanner configured: pass --camera N, --evdev PATH, --frames or --fake")
    done = threading.Event()

    def on_scan(event) -> None:
        lag = (time.monotonic() - event.at) * 1000
        print(f"+{event.at - started:8.3f}s  {event.source}  {event.symbology}  {event.kind}  "
              f"{event.code}  (+{lag:.0f} ms to accept)", flush=True)  # fmt: skip

    with _scanner_log_on_stdout():
        try:
            via = _open_camera(source)
        except CameraUnavailable as exc:
            return fail(str(exc))  # one line naming every backend's reason
        print(f"scan-test: {source.name}{via}; Ctrl-C to stop", flush=True)
        source.start(on_scan)
        try:
            _wait(args, source, done, started)
        finally:
            source.stop()
            _report(source)
    return 0


def _open_camera(source) -> str:
    """Open a camera source now, so the log of its backend choice comes before any scan; the
    banner's `` via BACKEND``. Other sources open in ``start``. Raises ``CameraUnavailable``."""
    if not hasattr(source, "open"):
        return ""
    choice = source.open()
    return f" via {choice.backend}" if choice is not None else ""


@contextmanager
def _scanner_log_on_stdout() -> Iterator[None]:
    """Print ``kiosk.scanner`` log lines (INFO and up) among the scans while scan-test runs."""
    logger = logging.getLogger("kiosk.scanner")
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    level, propagate = logger.level, logger.propagate
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False  # once is enough, even where the root logger has a handler
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
        logger.propagate = propagate


def _source(args, settings, acceptor):
    from kiosk.scanner import sources_for

    if args.fake:
        from kiosk.scanner.fake import FakeSource

        return FakeSource(acceptor, [(code, "keyboard") for code in args.fake])
    if args.frames is not None:
        return _frames_source(args.frames, settings, acceptor)
    if args.camera is not None:
        settings = settings.updated(camera=args.camera, scanner_evdev="")
    elif args.evdev is not None:
        settings = settings.updated(scanner_evdev=args.evdev, camera=-1)
        if args.evdev.startswith("/") and not Path(args.evdev).exists():
            print(f"{args.evdev} is not there yet: waiting for the scanner to be plugged in "
                  "(check the path with: ls /dev/input/by-id/)", flush=True)  # fmt: skip
    sources = sources_for(settings, acceptor)
    return sources[0] if sources else None


def _frames_source(folder: Path, settings, acceptor):
    import cv2

    from kiosk.scanner.camera import CameraSource
    from kiosk.scanner.fake import FakeFrames

    frames = [cv2.imread(str(p), cv2.IMREAD_GRAYSCALE) for p in sorted(folder.glob("*"))]
    frames = [f for f in frames if f is not None]
    if not frames:
        return None
    return CameraSource(
        lambda: FakeFrames(frames, fps=10, repeat=[5] * len(frames)),
        acceptor,
        name=f"frames:{folder}",
        symbologies=tuple(settings.symbologies),
        box=1.0,
    )


def _wait(args, source, done, started) -> None:
    last_report = time.monotonic()
    while not done.is_set():
        if args.seconds and time.monotonic() - started >= args.seconds:
            return
        if getattr(source, "ended", None) is not None and source.ended.is_set():
            time.sleep(0.3)  # let the decode thread finish the last frame
            return
        if args.fake and source.idle:
            return
        if time.monotonic() - last_report >= 5.0:
            _report(source)
            last_report = time.monotonic()
        done.wait(0.05)


def _report(source) -> None:
    """Camera figures (decode time, stale frames) or the wedge connection state."""
    if hasattr(source, "decode_ms"):
        times = sorted(source.decode_ms) or [0.0]
        p95 = times[int(0.95 * (len(times) - 1))]
        print(f"  {source.name}: {source.status}; frames {source.captured}, decoded "
              f"{source.decoded}, stale dropped "
              f"{source.stale}, decode ms median {statistics.median(times):.1f} p95 {p95:.1f}",
              file=sys.stderr, flush=True)  # fmt: skip
    elif hasattr(source, "status"):
        print(f"  {source.name}: {source.status}, connected {source.connects}x",
              file=sys.stderr, flush=True)  # fmt: skip
