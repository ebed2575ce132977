"""First boot: take the identity from the FAT boot partition and keep it on the data partition.

A technician puts ``kiosk-identity.toml`` on the card's boot drive (``/boot/firmware`` on the
Pi). At every boot the identity unit runs :func:`import_identity`: it validates the file, stores
it atomically at ``paths.identity_file`` (temp file, fsync, ``os.replace``, fsync the folder),
remembers the token's digest so the same one-time token is never imported twice, and replaces
the FAT copy with a receipt that has no token — the boot drive is readable by anyone who holds
the card. A later boot with no file on FAT is a no-op.

The app asks :func:`provisioning_state` before anything else and shows a "not provisioned"
screen with the reason when it is not ok. Nothing here opens a shell, talks to the network or
imports Kivy; a failure is a result with a reason, written to a status file for the screen.
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from kiosk import atomicfile
from kiosk.config import Settings
from kiosk.errors import KioskError
from wire.identity import (
    BOOT_FILE_NAME,
    MAX_FILE_BYTES,
    Identity,
    IdentityError,
    parse_identity,
    render_identity,
    token_digest,
)

DEFAULT_BOOT_DIR = Path("/boot/firmware")
RECEIPT_NAME = "kiosk-identity.imported.toml"
STATUS_NAME = "identity-import.json"  # outcome of the last import, for the screen
USED_TOKENS_NAME = "identity-used-tokens"  # sha256 of every token ever imported here
TIMESYNCD_DROPIN = Path("/run/systemd/timesyncd.conf.d/50-bannalai-hub.conf")

NOT_PROVISIONED = (
    "This kiosk is not provisioned: no identity file was found. Copy kiosk-identity.toml "
    "(from `python -m hub enrolment-token`) onto the SD card's boot drive and restart."
)


class NotProvisioned(KioskError):
    """There is no usable identity on the data partition."""


@dataclass(frozen=True)
class ImportResult:
    ok: bool
    reason: str
    imported: bool = False  # a new identity was stored by this run


def import_identity(
    settings: Settings, boot_dir: Path = DEFAULT_BOOT_DIR, receipt_to: Path | None = None
) -> ImportResult:
    """Import ``boot_dir/kiosk-identity.toml`` once; safe to run at every boot and after a crash.

    ``receipt_to``: write the token-free receipt there instead of replacing the boot drive's
    copy (the sandboxed unit sees the boot drive read-only; its privileged
    ``bannalai-boot-receipt`` step puts the receipt on the FAT and deletes the token file,
    which it does only when this file exists, i.e. after the identity was stored)."""
    result = _import(settings, Path(boot_dir), receipt_to)
    _write_status(settings, result)
    return result


def _import(settings: Settings, boot_dir: Path, receipt_to: Path | None = None) -> ImportResult:
    source = _boot_file(boot_dir)
    current = _stored_identity(settings)
    if source is None:
        if current is not None:
            return ImportResult(True, f"already provisioned as {_describe(current)}")
        return ImportResult(False, NOT_PROVISIONED)
    try:
        with source.open("rb") as f:
            raw = f.read(MAX_FILE_BYTES + 1)
        identity = parse_identity(raw)
    except OSError as exc:
        return ImportResult(False, f"cannot read {BOOT_FILE_NAME} on the boot drive: {exc}")
    except IdentityError as exc:
        problems = "; ".join(exc.problems)
        return ImportResult(False, f"{BOOT_FILE_NAME} on the boot drive is invalid: {problems}")
    identity = identity.model_copy(update={"machine_id": identity.effective_machine_id})
    digest = token_digest(identity.enrolment_token)
    used = _used_tokens(settings)
    if current != identity:
        if _other_kiosk(settings, current, identity):
            return ImportResult(
                False,
                f"this card holds the data of kiosk {current.kiosk_id} of prison "
                f"{current.prison_id}, but {BOOT_FILE_NAME} is for kiosk {identity.kiosk_id} of "
                f"prison {identity.prison_id}: a kiosk keeps its id (make the file for "
                f"{current.kiosk_id}), or flash a fresh card for {identity.kiosk_id}",
            )
        if digest in used:
            return ImportResult(
                False,
                f"the enrolment token in {BOOT_FILE_NAME} was already used on this kiosk; "
                "ask the hub for a new identity file (python -m hub enrolment-token)",
            )
        write_atomically(settings.paths.identity_file, render_identity(identity).encode())
    # Reached also when a power cut interrupted an earlier run after the identity was stored.
    _remember_token(settings, digest, used)
    warning = _remove_token_from_boot(source, identity, receipt_to)
    reason = f"imported identity of {_describe(identity)}" + (f" ({warning})" if warning else "")
    return ImportResult(True, reason, imported=current != identity)


def provisioning_state(settings: Settings) -> tuple[bool, str]:
    """(ok, reason) for the app: ok only when a valid identity is stored on the data partition."""
    status = _read_status(settings)
    try:
        identity = load_identity(settings)
    except NotProvisioned as exc:
        if status and not status.get("ok"):
            return False, f"This kiosk is not provisioned: {status.get('reason', '')}"
        return False, str(exc)
    reason = f"provisioned as {_describe(identity)}"
    if status and not status.get("ok"):
        reason += f"; the last identity import was refused: {status.get('reason', '')}"
    return True, reason


def load_identity(settings: Settings) -> Identity:
    """The stored identity; raises :class:`NotProvisioned` with a reason when there is none."""
    path = settings.paths.identity_file
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise NotProvisioned(NOT_PROVISIONED) from None
    except OSError as exc:
        raise NotProvisioned(f"cannot read the stored identity {path}: {exc}") from None
    try:
        return parse_identity(raw)
    except IdentityError as exc:
        problems = "; ".join(exc.problems)
        raise NotProvisioned(f"the stored identity {path} is damaged: {problems}") from None


def timesyncd_config(identity: Identity) -> str:
    """A timesyncd drop-in that takes the time from the hub (prisons have no internet)."""
    host = urlsplit(identity.hub_url).hostname
    return (
        "# Written at boot by `python -m kiosk time-source`: the hub serves NTP.\n"
        f"[Time]\nNTP={host}\nFallbackNTP=\n"
    )


def write_atomically(path: Path, data: bytes, mode: int = 0o640) -> None:
    """Write ``data`` so that after a power cut ``path`` holds either the old or the new bytes."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o750)
    atomicfile.write_atomically(
        path, data, mode, before_replace=lambda tmp: _give_to_home_owner(tmp, path.parent)
    )


def _give_to_home_owner(path: Path, folder: Path) -> None:
    # The import runs as root; the app and the enrol command run as the kiosk user who owns
    # the home (systemd-tmpfiles sets that), so the file goes to the folder's owner.
    if os.geteuid() == 0:
        st = folder.stat()
        os.chown(path, st.st_uid, st.st_gid)


def _other_kiosk(settings: Settings, current: Identity | None, new: Identity) -> bool:
    # Loans and events already recorded under one kiosk id must never continue under another.
    if current is None or not settings.paths.store.exists():
        return False
    return (current.kiosk_id, current.prison_id) != (new.kiosk_id, new.prison_id)


def _boot_file(boot_dir: Path) -> Path | None:
    # Windows hides extensions, so a file saved from Notepad often arrives as ".toml.txt".
    for name in (BOOT_FILE_NAME, BOOT_FILE_NAME + ".txt"):
        if (boot_dir / name).is_file():
            return boot_dir / name
    return None


def _remove_token_from_boot(source: Path, identity: Identity, receipt_to: Path | None) -> str:
    """Replace the FAT copy with a token-free receipt; return a warning, or "" when done."""
    boot_dir = source.parent
    receipt = (
        "# Imported into the kiosk's data partition; the enrolment token was removed.\n"
        + render_identity(identity, include_token=False, header=False)
    )
    if receipt_to is not None:
        try:
            write_atomically(receipt_to, receipt.encode(), mode=0o644)
        except OSError as exc:
            return f"could not write the receipt for the boot drive: {exc}"
        return ""
    try:
        write_atomically(boot_dir / RECEIPT_NAME, receipt.encode(), mode=0o644)
        source.unlink(missing_ok=True)
        atomicfile.fsync_dir(boot_dir)
    except OSError as exc:
        return f"could not remove the token from the boot drive: {exc}"
    return ""


def _stored_identity(settings: Settings) -> Identity | None:
    try:
        return load_identity(settings)
    except NotProvisioned:
        return None


def _used_tokens(settings: Settings) -> set[str]:
    try:
        text = (settings.home / USED_TOKENS_NAME).read_text(encoding="ascii")
    except FileNotFoundError:
        return set()
    return {line.strip() for line in text.splitlines() if line.strip()}


def _remember_token(settings: Settings, digest: str, used: set[str]) -> None:
    if digest in used:
        return
    lines = sorted(used | {digest})
    write_atomically(settings.home / USED_TOKENS_NAME, ("\n".join(lines) + "\n").encode())


def _write_status(settings: Settings, result: ImportResult) -> None:
    body = json.dumps({"ok": result.ok, "reason": result.reason}, ensure_ascii=False)
    # If even this fails the data partition is unusable; the screen says "not provisioned".
    with contextlib.suppress(OSError):
        write_atomically(settings.home / STATUS_NAME, body.encode("utf-8"), mode=0o644)


def _read_status(settings: Settings) -> dict | None:
    try:
        data = json.loads((settings.home / STATUS_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _describe(identity: Identity) -> str:
    return f"kiosk {identity.kiosk_id} of prison {identity.prison_id} (hub {identity.hub_url})"
