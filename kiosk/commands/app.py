"""The touchscreen: ``run`` starts it; ``screenshot`` renders one screen to a PNG; ``set-pin``
stores the staff PIN (hashed); ``prompts`` lists the recorded voice prompt keys.

Kivy is imported only inside the handlers: every command imports this module.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
import traceback
from pathlib import Path

from kiosk.commands._common import fail, settings_from


def register(subparsers, parent) -> None:
    p = subparsers.add_parser("run", parents=[parent], help="start the kiosk touchscreen app")
    p.set_defaults(func=cmd_run)

    p = subparsers.add_parser(
        "screenshot", parents=[parent], help="render one screen headless to a PNG"
    )
    p.add_argument("--screen", default="home", help="home, lend, return, myloans, catalogue...")
    p.add_argument("--lang", default="km", choices=("km", "en", "fr"))
    p.add_argument("--out", required=True, type=Path)
    p.add_argument("--scan", action="append", default=[], metavar="CODE", help="scan CODE first")
    p.add_argument("--staff", action="store_true", help="as a signed-in staff member")
    p.add_argument("--size", default="1024x600", type=window_size, help="window size, e.g. 800x480")
    p.add_argument("--demo", action="store_true", help="use a throw-away home with the demo data")
    p.set_defaults(func=cmd_screenshot)

    p = subparsers.add_parser(
        "set-pin", parents=[parent], help="set the staff PIN (read from stdin)"
    )
    p.set_defaults(func=cmd_set_pin)

    p = subparsers.add_parser("prompts", parents=[parent], help="list the voice prompt keys")
    p.set_defaults(func=cmd_prompts)


def cmd_run(args) -> int:
    settings = settings_from(args)
    settings.paths.logs.mkdir(parents=True, exist_ok=True)
    logging.basicConfig(filename=settings.paths.logs / "kiosk-app.log", level=logging.INFO)
    # Kivy lowers the root logger to DEBUG: the handlers keep INFO (the file is on the SD card),
    # and the HTTP client's per-request lines (every sync round) stay out.
    for handler in logging.getLogger().handlers:
        handler.setLevel(logging.INFO)
    for noisy in ("httpcore", "httpx", "hpack"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    if os.environ.get("JOURNAL_STREAM"):
        # Under systemd: the journal too (`journalctl -u bannalai-kiosk`). The original stderr,
        # not sys.stderr, which Kivy replaces with a stream that logs back into logging.
        journal = logging.StreamHandler(sys.__stderr__)
        journal.setLevel(logging.INFO)
        journal.setFormatter(logging.Formatter("%(name)s %(levelname)s: %(message)s"))
        logging.getLogger().addHandler(journal)
    from kiosk import watchdog

    watchdog.keep_alive_while_starting()  # until READY: a slow start is not a hang
    try:
        from kiosk.app import run

        return run(settings)
    except Exception:
        # Logged and non-zero: systemd restarts the kiosk (Restart=always).
        text = traceback.format_exc()
        logging.getLogger("kiosk.app").critical("crash:\n%s", text)
        print(text, file=sys.stderr)
        return 70


def window_size(text: str) -> tuple[int, int]:
    """``800x480`` -> (800, 480), for ``--size``."""
    width, _, height = text.lower().partition("x")
    if not (width.isdigit() and height.isdigit() and int(width) > 0 and int(height) > 0):
        raise argparse.ArgumentTypeError(f"write it as WIDTHxHEIGHT, e.g. 800x480, not {text!r}")
    return int(width), int(height)


def cmd_screenshot(args) -> int:
    changes = {"fullscreen": False, "window_size": args.size}
    if args.demo:
        from kiosk.demohome import make_demo_home

        home = Path(tempfile.mkdtemp(prefix="kiosk-demo-"))
        settings = make_demo_home(home, loans=True, **changes)
    else:
        settings = settings_from(args).updated(**changes)
    from kiosk.app import pump, screenshot, start

    app = start(settings, sources=[])
    pump(2)
    if app.flow is not None:
        app.flow.staff = args.staff
        app.set_language(args.lang)
        if args.screen not in app.screen_names():
            return fail(f"no screen {args.screen!r}; screens: {', '.join(app.screen_names())}")
        if not app.flow.go(args.screen):
            app.flow.staff = True
            app.flow.go(args.screen)
        app.changed()
        for code in args.scan:
            app.handle_scan(_event(code))
            pump(1)
    pump(4)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    screenshot(args.out)
    app.stop()
    print(args.out)
    return 0


def _event(code: str):
    import time

    from kiosk.scanner import ScanEvent

    return ScanEvent(code, "keyboard", "label", "screenshot", time.monotonic())


def cmd_set_pin(args) -> int:
    from kiosk.staffpin import hash_pin, valid_pin

    pin = sys.stdin.readline().strip()
    if not valid_pin(pin):
        return fail("a PIN is 4 to 8 digits")
    settings = settings_from(args)
    settings.updated(staff_pin_hash=hash_pin(pin)).save()
    print("staff PIN set")
    return 0


def cmd_prompts(args) -> int:
    from kiosk.prompts import PROMPTS

    folder = settings_from(args).paths.prompts
    print(f"# one file per key in {folder}/<lang>/<key>.ogg (or .wav/.mp3), or {folder}/<key>.ogg")
    for key, meaning in PROMPTS.items():
        print(f"{key}\t{meaning}")
    return 0
