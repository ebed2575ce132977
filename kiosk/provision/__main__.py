"""``python -m kiosk.provision``: personalise and flash SD cards (technician's machine).

    python -m kiosk.provision personalise IMAGE_OR_DEVICE --identity FILE
    python -m kiosk.provision flash IMAGE DEVICE

Exit 0 only when the card or image is done and verified; otherwise one reason on stderr.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from kiosk.provision import ProvisionError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m kiosk.provision", description=__doc__.splitlines()[0]
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = sub.add_parser(
        "personalise", help="write a kiosk identity onto a card or image (FAT, mtools)"
    )
    p.add_argument("target", metavar="IMAGE_OR_DEVICE", type=Path)
    p.add_argument(
        "--identity",
        required=True,
        type=Path,
        metavar="FILE",
        help="kiosk-identity.toml from the hub",
    )
    p.set_defaults(func=_personalise)

    p = sub.add_parser(
        "flash", help="write an image onto a card, then verify it by reading it back"
    )
    p.add_argument("image", metavar="IMAGE", type=Path)
    p.add_argument(
        "device", metavar="DEVICE", type=Path, help="e.g. /dev/sdb (a regular file works too)"
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_flash)
    return parser


def _personalise(args) -> int:
    from kiosk.provision.personalise import personalise, read_identity_file

    identity = read_identity_file(args.identity)
    done = personalise(args.target, identity)
    for note in done.notes:
        print(f"note: {note}")
    print(
        f"personalised {args.target}: kiosk {done.identity.kiosk_id} of prison "
        f"{done.identity.prison_id}, hub {done.identity.hub_url}, machine id {done.identity.machine_id}"
    )
    return 0


def _flash(args) -> int:
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TimeRemainingColumn,
        TransferSpeedColumn,
    )

    from kiosk.provision.flash import flash

    columns = (
        "{task.description}",
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, disable=args.quiet, transient=False) as bar:
        tasks: dict[str, int] = {}

        def report(phase: str, done: int, total: int) -> None:
            if phase not in tasks:
                label = "writing  " if phase == "write" else "verifying"
                tasks[phase] = bar.add_task(label, total=total)
            bar.update(tasks[phase], completed=done)

        result = flash(args.image, args.device, report)
    checked = "matches its .sha256; " if result.release_checksum else ""
    print(
        f"flashed {result.device}: {result.size} bytes, {checked}read back sha256 {result.sha256}"
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except ProvisionError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
