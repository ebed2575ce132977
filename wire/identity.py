"""The per-device identity file: who a kiosk is and how it first reaches its hub.

One small TOML file, printed by ``python -m hub enrolment-token``, written onto a card's FAT boot
partition by ``python -m kiosk.provision personalise`` (or copied there by a technician with
Explorer/Finder), imported once at first boot by ``python -m kiosk import-identity`` and read by
``python -m kiosk enrol``. Both sides parse it with :func:`parse_identity`, so a file the hub
prints is exactly a file the kiosk accepts.

The hub URL must be ``https://``. Plain ``http://`` is accepted **only** for ``127.0.0.1``,
``::1`` and ``localhost`` — the tests and the demo run a hub on the same machine; a kiosk on the
prison LAN must never send its enrolment token in clear text.

This module never imports the kiosk or the hub, never touches the disk and never reads a clock.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import tomllib
import uuid
from typing import Annotated
from urllib.parse import urlsplit

import tomli_w
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
)

IDENTITY_VERSION = 1
# The name the file has on the FAT boot partition (/boot/firmware/kiosk-identity.toml).
BOOT_FILE_NAME = "kiosk-identity.toml"
LOCAL_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})
MAX_FILE_BYTES = 16 * 1024

Ident = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")]
Token = Annotated[
    str, StringConstraints(min_length=16, max_length=128, pattern=r"^[A-Za-z0-9_.~-]+$")
]
MachineId = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{32}$")]

_FINGERPRINT = re.compile(r"^[0-9a-f]{64}$")


class IdentityError(ValueError):
    """The identity file is not usable; ``problems`` lists every reason, one line each."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        super().__init__("invalid identity file:\n" + "\n".join(f"  - {p}" for p in self.problems))


class Identity(BaseModel):
    """A kiosk's identity. ``enrolment_token`` is one-time: the hub refuses it once used."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    version: int = Field(default=IDENTITY_VERSION, ge=1, le=IDENTITY_VERSION)
    kiosk_id: Ident
    prison_id: Ident
    hub_url: str = Field(max_length=300)
    enrolment_token: Token
    # sha256 of the hub's TLS certificate (DER), to pin a self-signed hub certificate.
    hub_cert_sha256: str | None = None
    # Stable across reboots and re-flashes of the same kiosk: the root is a RAM overlay, so
    # /etc/machine-id cannot be kept there; it comes from here (systemd.machine_id=).
    machine_id: MachineId | None = None

    @field_validator("hub_url")
    @classmethod
    def _hub_url_is_safe(cls, value: str) -> str:
        check_hub_url(value)
        return value.rstrip("/")

    @field_validator("hub_cert_sha256")
    @classmethod
    def _fingerprint(cls, value: str | None) -> str | None:
        if value is None:
            return None
        clean = value.replace(":", "").strip().lower()
        if not _FINGERPRINT.match(clean):
            raise ValueError(
                "must be 64 hexadecimal digits (colons allowed), the sha256 of the certificate"
            )
        return clean

    @property
    def effective_machine_id(self) -> str:
        """``machine_id`` if given, else one derived from prison and kiosk id (stable too)."""
        return self.machine_id or machine_id_for(self.prison_id, self.kiosk_id)

    def without_token(self) -> dict:
        """The fields that may stay on the FAT partition once the token has been imported."""
        return self.model_dump(exclude={"enrolment_token"}, exclude_none=True)


def check_hub_url(value: str) -> None:
    """Raise ``ValueError`` unless ``value`` is an https URL (http only for this machine)."""
    try:
        parts = urlsplit(value)
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError as exc:
        raise ValueError(f"is not a valid URL ({exc})") from None
    if parts.scheme not in ("https", "http") or not host:
        raise ValueError("must be a URL like https://hub.prison.lan:8443")
    if parts.scheme == "http" and host not in LOCAL_HOSTS:
        raise ValueError(
            "must use https:// — http:// is allowed only for 127.0.0.1/localhost "
            "(tests and the demo), never for a hub on the prison network"
        )
    if parts.username or parts.password or parts.query or parts.fragment:
        raise ValueError("must not contain a user name, password, query or fragment")


def parse_identity(text: str | bytes) -> Identity:
    """Parse and validate an identity file; raise :class:`IdentityError` listing every problem."""
    if isinstance(text, bytes):
        if len(text) > MAX_FILE_BYTES:
            raise IdentityError([f"file is larger than {MAX_FILE_BYTES} bytes"])
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise IdentityError(["file is not UTF-8 text"]) from None
    if len(text) > MAX_FILE_BYTES:
        raise IdentityError([f"file is larger than {MAX_FILE_BYTES} bytes"])
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise IdentityError([f"not valid TOML: {exc}"]) from None
    try:
        return Identity.model_validate(data)
    except ValidationError as exc:
        raise IdentityError([_describe(err) for err in exc.errors()]) from None


def _describe(err) -> str:
    field = ".".join(str(p) for p in err["loc"]) or "file"
    kind = err["type"]
    if kind == "missing":
        return f"{field}: missing (required)"
    if kind == "extra_forbidden":
        return f"{field}: unknown field (check the spelling)"
    if kind in ("string_type", "int_type"):
        got = type(err.get("input")).__name__
        want = "text in quotes" if kind == "string_type" else "a whole number"
        return f"{field}: must be {want}, not {got}"
    if kind == "string_pattern_mismatch" and field in ("kiosk_id", "prison_id"):
        return f"{field}: only letters, digits, '.', '_' and '-' are allowed"
    if kind == "string_pattern_mismatch" and field == "enrolment_token":
        return f"{field}: contains characters a token never has (copy it again from the hub)"
    if kind == "string_pattern_mismatch" and field == "machine_id":
        return f"{field}: must be 32 lowercase hexadecimal digits"
    if kind in ("string_too_short", "string_too_long"):
        return f"{field}: {err['msg'].replace('String should', 'must')} (copy it again, whole)"
    if kind == "value_error":
        return f"{field}: {err['ctx']['error']}"
    return f"{field}: {err['msg']}"


def render_identity(identity: Identity, *, include_token: bool = True, header: bool = True) -> str:
    """The identity as a commented TOML file that :func:`parse_identity` reads back."""
    data = identity.model_dump(exclude_none=True)
    if not include_token:
        data.pop("enrolment_token")
    comment = (
        "# Bannalai kiosk identity. Copy this file, unchanged, onto the SD card's boot drive\n"
        f"# as {BOOT_FILE_NAME}. The enrolment token works once; keep the file private.\n"
    )
    return (comment if header else "") + tomli_w.dumps(data)


def new_enrolment_token() -> str:
    """A fresh random one-time token (192 bits, URL-safe)."""
    return secrets.token_urlsafe(24)


def token_digest(token: str) -> str:
    """What to store instead of a token (hub: to look it up; kiosk: to notice reuse)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_machine_id() -> str:
    return uuid.uuid4().hex


def machine_id_for(prison_id: str, kiosk_id: str) -> str:
    """A machine id derived from the kiosk's ids: the same kiosk always gets the same one."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"bannalai:{prison_id}/{kiosk_id}").hex
