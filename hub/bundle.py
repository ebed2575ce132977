"""National consolidation: a prison's monthly figures in a signed file carried on a USB stick.

A bundle is JSON ``{"payload": {...}, "signature": "<hex>"}``. The payload holds the prison id,
the month, when it was made and the month's **suppressed** figures (``hub.reports.suppress``):
no cards, names or detainee numbers, and no count under 5. The signature is HMAC-SHA256 over the
payload's canonical JSON with a key shared by that prison's hub and the national hub only
(stdlib only; see docs/hub-dashboard.md for how keys are made and carried).

Import is idempotent: a bundle already imported (same sha256 of its payload) changes nothing, and
for each (prison, month) the newest bundle wins, so importing old and new bundles in any order, any
number of times, gives the same national figures. A bundle whose signature does not verify, whose
prison has no key here, or whose payload is malformed is refused whole.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import secrets
import sqlite3
from datetime import datetime
from pathlib import Path

from hub.clock import iso
from hub.errors import HubError, Invalid
from hub.reports import ACTIVITIES, COUNT_KEYS, SUPPRESSED, Month, figures, suppress

FORMAT = "bannalai-figures-bundle"
VERSION = 1
MAX_BYTES = 1024 * 1024
PERSONAL_KEYS = {"card", "cards", "name", "name_latin", "detainee_no", "cell", "loan_id"}
_PRISON = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


class BundleRefused(HubError):
    status = 422


# -- keys ---------------------------------------------------------------------------------------
def key_dir(data_dir: Path) -> Path:
    return Path(data_dir) / "bundle-keys"


def key_path(key_dir: Path, prison_id: str) -> Path:
    if not _PRISON.match(prison_id):
        raise Invalid(f"not a prison id: {prison_id!r}")
    return Path(key_dir) / f"{prison_id}.key"


def new_key(key_dir: Path, prison_id: str) -> dict:
    """A fresh 256-bit key for ``prison_id``, stored here (mode 0600) and returned for the stick."""
    path = key_path(key_dir, prison_id)
    if path.exists():
        raise HubError(f"a key for {prison_id} already exists in {path}; remove it to replace it")
    entry = {"prison_id": prison_id, "key": secrets.token_hex(32)}
    _write_private(path, json.dumps(entry))
    return entry


def install_key(key_dir: Path, entry_text: str) -> str:
    try:
        entry = json.loads(entry_text)
        prison_id, key = entry["prison_id"], bytes.fromhex(entry["key"])
    except (ValueError, KeyError, TypeError):
        raise Invalid("not a bundle key file") from None
    if len(key) != 32:
        raise Invalid("a bundle key has 32 bytes")
    _write_private(key_path(key_dir, prison_id), json.dumps(entry))
    return prison_id


def load_key(key_dir: Path, prison_id: str) -> bytes | None:
    path = key_path(key_dir, prison_id)
    if not path.exists():
        return None
    return bytes.fromhex(json.loads(path.read_text())["key"])


def _write_private(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(text)


# -- export -------------------------------------------------------------------------------------
def canonical(payload: dict) -> bytes:
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def sign(payload: dict, key: bytes) -> str:
    return hmac.new(key, canonical(payload), hashlib.sha256).hexdigest()


def make_bundle(
    conn: sqlite3.Connection, prison_id: str, month: Month, key: bytes, now: datetime, version: str
) -> bytes:
    payload = {
        "format": FORMAT,
        "version": VERSION,
        "prison_id": prison_id,
        "month": str(month),
        "generated_at": iso(now),
        "hub_version": version,
        "figures": suppress(figures(conn, month, prison_id, now)),
    }
    _check_anonymous(payload)
    body = {"payload": payload, "signature": sign(payload, key)}
    return json.dumps(body, ensure_ascii=False, indent=1).encode()


def _check_anonymous(value, where: str = "payload") -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            if k in PERSONAL_KEYS:
                raise HubError(f"refusing to write personal data ({where}.{k}) into a bundle")
            _check_anonymous(v, f"{where}.{k}")
    elif isinstance(value, list):
        for item in value:
            _check_anonymous(item, where)


# -- import -------------------------------------------------------------------------------------
def read_bundle(data: bytes, key_dir: Path) -> dict:
    """The verified payload, or ``BundleRefused`` saying why."""
    if len(data) > MAX_BYTES:
        raise BundleRefused("file too large to be a figures bundle")
    try:
        body = json.loads(data.decode("utf-8"))
        payload, signature = body["payload"], body["signature"]
        prison_id = payload["prison_id"]
    except (ValueError, KeyError, TypeError):
        raise BundleRefused("not a figures bundle") from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise BundleRefused("not a figures bundle")
    if payload.get("version") != VERSION:
        raise BundleRefused(f"bundle version {payload.get('version')} is not supported")
    if not isinstance(prison_id, str) or not _PRISON.match(prison_id):
        raise BundleRefused("bundle has no valid prison id")
    key = load_key(key_dir, prison_id)
    if key is None:
        raise BundleRefused(f"no bundle key for prison {prison_id}: install it first")
    if not isinstance(signature, str) or not hmac.compare_digest(sign(payload, key), signature):
        raise BundleRefused(
            "signature does not match: the bundle was changed or signed with another key"
        )
    _check_figures(payload)
    return payload


def _check_figures(payload: dict) -> None:
    Month.parse(payload.get("month", ""))
    figs = payload.get("figures")
    ok = isinstance(figs, dict) and all(_count(figs.get(k)) for k in COUNT_KEYS)
    att = figs.get("attendance") if ok else None
    ok = ok and isinstance(att, dict) and all(
        isinstance(att.get(a), dict) and _count(att[a].get("participants"))
        and _count(att[a].get("attendances")) for a in ACTIVITIES
    )  # fmt: skip
    if not ok:
        raise BundleRefused("bundle figures are incomplete")
    _check_anonymous(payload)


def _count(value) -> bool:
    return value == SUPPRESSED or (
        isinstance(value, int) and not isinstance(value, bool) and value >= 0
    )


def import_bundle(conn: sqlite3.Connection, payload: dict, now: datetime) -> str:
    """Store a verified payload; returns ``imported``, ``replaced``, ``already`` or ``older``."""
    digest = hashlib.sha256(canonical(payload)).hexdigest()
    prison_id, month = payload["prison_id"], payload["month"]
    if conn.execute("SELECT 1 FROM imported_bundles WHERE bundle_sha256=?", (digest,)).fetchone():
        return "already"
    conn.execute(
        "INSERT INTO imported_bundles(bundle_sha256, prison_id, month, imported_at) VALUES (?,?,?,?)",
        (digest, prison_id, month, iso(now)),
    )
    row = conn.execute(
        "SELECT generated_at FROM national_figures WHERE prison_id=? AND month=?",
        (prison_id, month),
    ).fetchone()
    if row is not None and row[0] >= payload["generated_at"]:
        return "older"
    conn.execute(
        "INSERT INTO national_figures(prison_id, month, figures, bundle_sha256, generated_at,"
        " imported_at) VALUES (?,?,?,?,?,?) ON CONFLICT(prison_id, month) DO UPDATE SET"
        " figures=excluded.figures, bundle_sha256=excluded.bundle_sha256,"
        " generated_at=excluded.generated_at, imported_at=excluded.imported_at",
        (prison_id, month, json.dumps(payload["figures"], ensure_ascii=False), digest,
         payload["generated_at"], iso(now)),
    )  # fmt: skip
    return "imported" if row is None else "replaced"


def national(conn: sqlite3.Connection, month: Month) -> list[dict]:
    rows = conn.execute(
        "SELECT prison_id, figures, generated_at FROM national_figures WHERE month=?"
        " ORDER BY prison_id",
        (str(month),),
    ).fetchall()
    return [
        {**json.loads(r["figures"]), "prison_id": r["prison_id"], "generated_at": r["generated_at"]}
        for r in rows
    ]
