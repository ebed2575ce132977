"""``python -m kiosk COMMAND``: the kiosk's command line for librarians and technicians.

Commands live in ``kiosk/commands/<group>.py``; each module exposes ``register(subparsers,
parent)`` and is found here automatically, so adding a command never edits this file.
Exit code 0 only when the action is done (and, for writes, committed durably); otherwise a
one-line reason on stderr and a non-zero code.
"""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import sys

import kiosk.commands
from kiosk.errors import KioskError


def build_parser() -> argparse.ArgumentParser:
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument(
        "--home",
        help="kiosk home folder (default: $KIOSK_HOME, else the platform's data directory)",
    )
    parser = argparse.ArgumentParser(prog="python -m kiosk", description=__doc__.splitlines()[0])
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for info in sorted(pkgutil.iter_modules(kiosk.commands.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"kiosk.commands.{info.name}")
        module.register(subparsers, parent)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code = int(args.func(args) or 0)
        sys.stdout.flush()
        return code
    except BrokenPipeError:  # the reader went away, e.g. `... | head`: not an error of ours
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except KioskError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:  # a file or folder the user named cannot be read or written
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"error: {where}{exc.strerror or exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
