"""What every command needs: settings from ``--home`` and JSON/table printing."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from kiosk.config import Settings


def register(subparsers, parent) -> None:  # this module adds no command
    return None


def settings_from(args) -> Settings:
    return Settings.load(Path(args.home) if getattr(args, "home", None) else None)


def print_json(value) -> None:
    json.dump(value, sys.stdout, ensure_ascii=False, indent=2, default=str)
    sys.stdout.write("\n")


def fail(message: str, code: int = 1) -> int:
    print(f"error: {message}", file=sys.stderr)
    return code
