"""``python -m hub COMMAND``: the hub's command line for administrators.

Commands live in ``hub/commands/<group>.py``; each module exposes ``register(subparsers, parent)``
and is found here automatically, so adding a command never edits this file. Every command takes
``--data-dir``. Exit code 0 only when the action is done; otherwise a one-line reason on stderr.
"""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import sys

import hub.commands
from hub.errors import HubError


def build_parser() -> argparse.ArgumentParser:
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument(
        "--data-dir", help="hub data folder (default: $HUB_HOME, else the platform's data folder)"
    )
    parser = argparse.ArgumentParser(prog="python -m hub", description=__doc__.splitlines()[0])
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for info in sorted(pkgutil.iter_modules(hub.commands.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"hub.commands.{info.name}")
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
    except HubError as exc:
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
