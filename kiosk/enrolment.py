"""Enrolment: trade the one-time token from the identity file for this kiosk's own credential.

The credential is kept in its own file under the kiosk home (mode 0600, written atomically), not
in the store, so printing the kiosk's status or sync state can never show it. The hub URL and the
pinned certificate go to ``Library.sync_state()`` for the sync thread.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from kiosk import __version__
from kiosk.atomicfile import write_atomically
from kiosk.config import Settings
from kiosk.errors import KioskError
from kiosk.hub_client import HubClient
from wire.api import EnrolRequest
from wire.identity import IdentityError, check_hub_url, parse_identity

CREDENTIAL_FILE = "hub-credential"


def credential_path(settings: Settings) -> Path:
    return settings.paths.home / CREDENTIAL_FILE


def credential_of(settings: Settings) -> str | None:
    try:
        return credential_path(settings).read_text(encoding="ascii").strip() or None
    except (OSError, UnicodeDecodeError):
        return None


def save_credential(settings: Settings, credential: str) -> None:
    write_atomically(credential_path(settings), (credential + "\n").encode("ascii"), 0o600)


def enrol(
    library,
    settings: Settings,
    hub_url: str | None = None,
    token: str | None = None,
    *,
    client_factory=HubClient,
) -> dict:
    """Enrol with the hub; ``hub_url``/``token`` override the stored identity file's."""
    identity = _read_identity(settings) if not (hub_url and token) else None
    if identity is not None and identity.kiosk_id != library.kiosk_id:
        raise KioskError(
            f"the identity file is for kiosk {identity.kiosk_id}, this is {library.kiosk_id}"
        )
    hub_url = (hub_url or (identity.hub_url if identity else "")).rstrip("/")
    token = token or (identity.enrolment_token if identity else "")
    pin = identity.hub_cert_sha256 if identity else library.sync_state().get("hub_cert_sha256")
    if not hub_url or not token:
        raise KioskError("no hub URL and token: give --hub and --token, or import an identity")
    try:
        check_hub_url(hub_url)
    except ValueError as exc:
        raise KioskError(f"hub URL {exc}") from None
    try:
        request = EnrolRequest(token=token, kiosk_id=library.kiosk_id, version=__version__)
    except ValidationError as exc:
        if any(error["loc"][:1] == ("token",) for error in exc.errors()):
            raise KioskError(  # the hub makes 32 printable characters: a token cut or mistyped
                "the enrolment token is not one the hub makes (16-200 characters, no spaces): "
                "copy the whole token from the hub again"
            ) from None
        raise KioskError(
            f"kiosk id {library.kiosk_id!r} cannot be enrolled: the hub takes only ASCII "
            "letters, digits, '-', '_' or '.'"
        ) from None
    with client_factory(hub_url, clock=library.clock, cert_sha256=pin) as client:
        answer = client.enrol(request)
    if answer.kiosk_id != library.kiosk_id or answer.prison_id != library.prison_id:
        raise KioskError(
            f"the hub enrolled {answer.prison_id}/{answer.kiosk_id}, but this kiosk is "
            f"{library.prison_id}/{library.kiosk_id}: ask for a token for this kiosk"
        )
    save_credential(settings, answer.credential)
    library.update_sync_state(
        hub_url=hub_url, hub_cert_sha256=pin, enrolled_at=answer.hub_time.isoformat(),
        last_error=None, clock_offset_s=library.clock.offset_s,
    )  # fmt: skip
    return {"kiosk_id": answer.kiosk_id, "prison_id": answer.prison_id, "hub_url": hub_url}


def _read_identity(settings: Settings):
    path = settings.paths.identity_file
    if not path.exists():
        return None
    try:
        return parse_identity(path.read_bytes())
    except IdentityError as exc:
        raise KioskError(str(exc)) from None
    except OSError as exc:
        raise KioskError(f"cannot read {path}: {exc}") from None
