"""Give one card its identity: the validated identity file and a stable machine id on FAT.

The golden image is the same for every kiosk; only two things on its FAT boot partition differ
per card: ``kiosk-identity.toml`` (imported at first boot, see ``kiosk.firstboot``) and
``systemd.machine_id=`` on the kernel command line. The root file system is a RAM overlay, so
``/etc/machine-id`` would change at every boot; the command line keeps it stable (machine-id(5)).

Refuses, with a reason, an invalid identity file and an image that was never finalised (no
read-only root), because such a card would boot but lose its data or fail open.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from kiosk.provision import ProvisionError
from kiosk.provision.bootfs import BootPartition
from wire.identity import BOOT_FILE_NAME, Identity, IdentityError, parse_identity, render_identity

FINALISED_MARK = "overlayroot=tmpfs:recurse=0"
RECEIPT_NAME = "kiosk-identity.imported.toml"  # left by a card that already booted once


@dataclass(frozen=True)
class Personalised:
    identity: Identity
    cmdline: str
    notes: tuple[str, ...] = ()


def read_identity_file(path: Path) -> Identity:
    """Parse the technician's identity file; the error lists every problem in it."""
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise ProvisionError(f"cannot read the identity file {path}: {exc.strerror}") from None
    try:
        identity = parse_identity(raw)
    except IdentityError as exc:
        raise ProvisionError(f"{path}: {exc}") from None
    return identity.model_copy(update={"machine_id": identity.effective_machine_id})


def personalise(target: Path, identity: Identity) -> Personalised:
    """Write ``identity`` onto the boot partition of ``target`` (image file or whole card)."""
    boot = BootPartition.of(target)
    cmdline = boot.read("cmdline.txt").decode("utf-8", "replace").strip()
    if FINALISED_MARK not in cmdline.split():
        raise ProvisionError(
            f"{target} was not finalised (no {FINALISED_MARK} in cmdline.txt): "
            "run provisioning/finalise-image.sh on the image first"
        )
    notes = []
    if boot.exists(RECEIPT_NAME):
        notes.append(
            "this card already booted once: the new identity replaces the old one at the next boot"
        )
        boot.delete(RECEIPT_NAME)
    if identity.machine_id is None:
        identity = identity.model_copy(update={"machine_id": identity.effective_machine_id})
    boot.write(BOOT_FILE_NAME, render_identity(identity).encode("utf-8"))
    new_cmdline = with_machine_id(cmdline, identity.machine_id or "")
    if new_cmdline != cmdline:
        boot.write("cmdline.txt", (new_cmdline + "\n").encode("utf-8"))
    return Personalised(identity, new_cmdline, tuple(notes))


def with_machine_id(cmdline: str, machine_id: str) -> str:
    """``cmdline`` (one line) with exactly one ``systemd.machine_id=`` argument."""
    args = [a for a in cmdline.split() if not a.startswith("systemd.machine_id=")]
    return " ".join([*args, f"systemd.machine_id={machine_id}"])
