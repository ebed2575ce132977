"""First-boot commands run by systemd units (and by technicians checking a kiosk).

``import-identity``   bannalai-identity.service: FAT boot drive -> data partition, token removed
``provisioning-state`` prints whether the kiosk is provisioned and why not (exit 3 when not)
``time-source``       bannalai-time-source.service: point timesyncd at the hub's NTP server
``init-from-identity`` give the store the imported identity's ids (as the kiosk user, before enrol)
"""

from __future__ import annotations

import sys
from pathlib import Path

from kiosk.commands._common import print_json, settings_from


def register(subparsers, parent) -> None:
    p = subparsers.add_parser(
        "import-identity",
        parents=[parent],
        help="import kiosk-identity.toml from the boot partition (first boot)",
    )
    p.add_argument(
        "--boot-dir",
        default="/boot/firmware",
        help="where the FAT boot partition is mounted (default: /boot/firmware)",
    )
    p.add_argument(
        "--receipt-to",
        default=None,
        help="write the token-free receipt to this file instead of onto the boot drive "
        "(bannalai-boot-receipt moves it there; the sandboxed unit sees the drive read-only)",
    )
    p.set_defaults(func=_import_identity)

    p = subparsers.add_parser(
        "provisioning-state",
        parents=[parent],
        help="is this kiosk provisioned? (exit 3 and the reason when not)",
    )
    p.set_defaults(func=_provisioning_state)

    p = subparsers.add_parser(
        "time-source",
        parents=[parent],
        help="write a timesyncd drop-in that takes the time from the hub",
    )
    p.add_argument("--out", default=None, help="drop-in path (default: under /run/systemd)")
    p.set_defaults(func=_time_source)

    p = subparsers.add_parser(
        "init-from-identity",
        parents=[parent],
        help="initialise the kiosk store with the ids of the imported identity",
    )
    p.set_defaults(func=_init_from_identity)


def _import_identity(args) -> int:
    from kiosk.firstboot import import_identity

    receipt_to = Path(args.receipt_to) if args.receipt_to else None
    result = import_identity(settings_from(args), Path(args.boot_dir), receipt_to)
    stream = sys.stdout if result.ok else sys.stderr
    print(("" if result.ok else "error: ") + result.reason, file=stream)
    return 0 if result.ok else 2


def _provisioning_state(args) -> int:
    from kiosk.firstboot import provisioning_state

    ok, reason = provisioning_state(settings_from(args))
    print_json({"ok": ok, "reason": reason})
    return 0 if ok else 3


def _time_source(args) -> int:
    from kiosk.firstboot import TIMESYNCD_DROPIN, load_identity, timesyncd_config, write_atomically

    identity = load_identity(settings_from(args))
    out = Path(args.out) if args.out else TIMESYNCD_DROPIN
    # timesyncd reads it as its own user: world-readable folder and file.
    out.parent.mkdir(parents=True, exist_ok=True, mode=0o755)
    write_atomically(out, timesyncd_config(identity).encode(), mode=0o644)
    print(f"time source: {out}")
    return 0


def _init_from_identity(args) -> int:
    from kiosk.firstboot import load_identity
    from kiosk.library import Library

    settings = settings_from(args)
    identity = load_identity(settings)
    Library.init(settings, identity.kiosk_id, identity.prison_id)
    print(f"store ready for kiosk {identity.kiosk_id} of prison {identity.prison_id}")
    return 0
