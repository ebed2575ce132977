"""Who may call the hub: one-time enrolment tokens, per-kiosk credentials, dashboard passwords.

The hub never stores a token, credential or password, only a hash: tokens and credentials are
192-bit random strings (sha256 is enough), passwords are chosen by people (scrypt). Functions
take an open SQLite connection; writes must run on the writer (``Database.write``).
No FastAPI here.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta

from hub.clock import iso
from hub.errors import EnrolmentRefused, HubError, Invalid, NotAuthenticated
from wire.identity import new_enrolment_token, token_digest

ROLES = ("admin", "librarian", "viewer")
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1


@dataclass(frozen=True)
class Kiosk:
    kiosk_id: str
    prison_id: str


# -- enrolment ------------------------------------------------------------------------------
def issue_enrolment_token(
    conn: sqlite3.Connection, kiosk_id: str, prison_id: str, ttl: timedelta, now: datetime
) -> str:
    """A new one-time token for ``kiosk_id``; a kiosk id stays in the prison it was first in."""
    row = conn.execute("SELECT prison_id FROM kiosks WHERE kiosk_id=?", (kiosk_id,)).fetchone()
    if row and row["prison_id"] != prison_id:
        raise HubError(f"kiosk {kiosk_id} belongs to prison {row['prison_id']}, not {prison_id}")
    token = new_enrolment_token()
    conn.execute(
        "INSERT INTO enrolment_tokens(token_hash, kiosk_id, prison_id, created_at, expires_at)"
        " VALUES (?, ?, ?, ?, ?)",
        (token_digest(token), kiosk_id, prison_id, iso(now), iso(now + ttl)),
    )
    return token


def enrol(conn: sqlite3.Connection, token: str, kiosk_id: str, now: datetime) -> tuple[Kiosk, str]:
    """Spend ``token`` and give ``kiosk_id`` a fresh credential (any older one stops working)."""
    row = conn.execute(
        "SELECT * FROM enrolment_tokens WHERE token_hash=?", (token_digest(token),)
    ).fetchone()
    if row is None:
        raise EnrolmentRefused("unknown enrolment token")
    if row["used_at"] is not None:
        raise EnrolmentRefused("this enrolment token has already been used")
    if row["expires_at"] <= iso(now):
        raise EnrolmentRefused("this enrolment token has expired; ask for a new one")
    if row["kiosk_id"] != kiosk_id:
        raise EnrolmentRefused(f"this enrolment token is for kiosk {row['kiosk_id']}")
    credential = secrets.token_urlsafe(32)
    conn.execute(
        "UPDATE enrolment_tokens SET used_at=? WHERE token_hash=?", (iso(now), row["token_hash"])
    )
    conn.execute(
        "INSERT INTO kiosks(kiosk_id, prison_id, credential_hash, enrolled_at, revoked_at)"
        " VALUES (?, ?, ?, ?, NULL) ON CONFLICT(kiosk_id) DO UPDATE SET"
        " credential_hash=excluded.credential_hash, enrolled_at=excluded.enrolled_at,"
        " revoked_at=NULL",
        (kiosk_id, row["prison_id"], credential_digest(credential), iso(now)),
    )
    return Kiosk(kiosk_id, row["prison_id"]), credential


def credential_digest(credential: str) -> str:
    return hashlib.sha256(b"bannalai-kiosk-credential\0" + credential.encode()).hexdigest()


def authenticate_kiosk(conn: sqlite3.Connection, credential: str | None) -> Kiosk:
    if not credential:
        raise NotAuthenticated("missing kiosk credential (Authorization: Bearer ...)")
    row = conn.execute(
        "SELECT kiosk_id, prison_id, revoked_at FROM kiosks WHERE credential_hash=?",
        (credential_digest(credential),),
    ).fetchone()
    if row is None:
        raise NotAuthenticated("unknown kiosk credential; enrol the kiosk again")
    if row["revoked_at"] is not None:
        raise NotAuthenticated("this kiosk's credential was revoked; enrol it again")
    return Kiosk(row["kiosk_id"], row["prison_id"])


def revoke_kiosk(conn: sqlite3.Connection, kiosk_id: str, now: datetime) -> None:
    cur = conn.execute(
        "UPDATE kiosks SET revoked_at=? WHERE kiosk_id=? AND revoked_at IS NULL",
        (iso(now), kiosk_id),
    )
    if cur.rowcount == 0:
        exists = conn.execute("SELECT 1 FROM kiosks WHERE kiosk_id=?", (kiosk_id,)).fetchone()
        if not exists:
            raise HubError(f"no kiosk {kiosk_id}")


# -- people ---------------------------------------------------------------------------------
def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = _scrypt(password, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    b64 = base64.b64encode
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${b64(salt).decode()}${b64(digest).decode()}"


def check_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        actual = _scrypt(password, base64.b64decode(salt), int(n), int(r), int(p))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=64 * 2**20)


def create_user(
    conn: sqlite3.Connection,
    username: str,
    password: str,
    now: datetime,
    *,
    role: str = "admin",
    prison_id: str | None = None,
) -> int:
    if role not in ROLES:
        raise Invalid(f"role must be one of {', '.join(ROLES)}")
    if role != "admin" and not prison_id:
        raise Invalid(f"a {role} belongs to one prison: give its prison id")
    if len(password) < 10:
        raise Invalid("the password must have at least 10 characters")
    if not username or len(username) > 64 or not username.isprintable():
        raise Invalid("the user name must be 1-64 printable characters")
    try:
        cur = conn.execute(
            "INSERT INTO users(username, password_hash, role, prison_id, created_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (username, hash_password(password), role, prison_id, iso(now)),
        )
    except sqlite3.IntegrityError:
        raise Invalid(f"user {username} already exists") from None
    return int(cur.lastrowid)


def verify_user(conn: sqlite3.Connection, username: str, password: str) -> sqlite3.Row | None:
    """The user row when the password is right and the user is not disabled, else None."""
    row = conn.execute(
        "SELECT * FROM users WHERE username=? AND disabled_at IS NULL", (username,)
    ).fetchone()
    if row is None:
        check_password(password, _DUMMY_HASH)  # same time for unknown users
        return None
    return row if check_password(password, row["password_hash"]) else None


_DUMMY_HASH = (
    "scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
)
