"""What every hub command needs: settings from ``--data-dir``, an opened hub, JSON printing."""

from __future__ import annotations

import getpass
import json
import re
import sys
import warnings
from datetime import timedelta
from pathlib import Path

from hub.config import Settings
from hub.errors import HubError


def register(subparsers, parent) -> None:  # this module adds no command
    return None


def settings_from(args, **overrides) -> Settings:
    data_dir = getattr(args, "data_dir", None)
    return Settings.load(Path(data_dir) if data_dir else None, **overrides)


def open_hub(args, **overrides):
    """The hub's parts for this command; use as ``with open_hub(args) as hub:``."""
    from hub.app import Hub

    return Hub(settings_from(args, **overrides))


def print_json(value) -> None:
    json.dump(value, sys.stdout, ensure_ascii=False, indent=2, default=str)
    sys.stdout.write("\n")


def read_password(args) -> str:
    """From stdin with ``--password-stdin``, else typed twice at the terminal."""
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", getpass.GetPassWarning)
            password = getpass.getpass("password: ")
            again = getpass.getpass("again: ")
    except EOFError:  # no terminal and nothing on stdin, e.g. over ssh without -t
        print(file=sys.stderr)  # end the prompt's line
        raise HubError("no password typed: run it in a terminal or use --password-stdin") from None
    if password != again:
        raise HubError("the two passwords differ")
    return password


_DURATION = re.compile(r"^(\d+)([smhd])$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def parse_duration(text: str) -> timedelta:
    """``90s``, ``30m``, ``12h``, ``7d``."""
    match = _DURATION.match(text.strip())
    if not match or int(match.group(1)) == 0:
        raise HubError(f"duration must look like 30m, 12h or 7d, not {text!r}")
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


def ident(text: str) -> str:
    """argparse type for kiosk and prison ids: the wire format's rule, checked before any work."""
    import argparse

    from wire.events import IDENT_PATTERN

    if not re.fullmatch(IDENT_PATTERN, text):
        raise argparse.ArgumentTypeError(f"{text!r}: use A-Z, a-z, 0-9, '-', '_' or '.'")
    return text
