"""Who is looking at the dashboard: signed session cookies, CSRF tokens, roles and prison scope.

The session cookie holds only a user id and a random nonce, signed with itsdangerous using the
hub's session secret (``Paths.secret_file``, made on first use, mode 0600); the user row is read on
every request, so a disabled user is out at once; logging out revokes the nonce on the server. Every POST carries a CSRF token, an HMAC of the
session nonce (or, before login, of a random pre-session cookie). Admins see every prison;
librarians and viewers only their own, and asking for another prison is refused (403).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import threading
from dataclasses import dataclass
from datetime import timedelta

from fastapi import Request
from itsdangerous import BadSignature, URLSafeTimedSerializer

from hub.errors import Forbidden, HubError, NotAuthenticated

SESSION_COOKIE = "bn_session"
PRE_COOKIE = "bn_pre"
LANG_COOKIE = "bn_lang"
MAX_AGE_S = 12 * 3600
PERMISSIONS = {
    "view": ("admin", "librarian", "viewer"),
    "personal": ("admin", "librarian"),  # names, cards, loans, personal exports
    "manage": ("admin", "librarian"),  # imports, departures, conflicts, upload, publish
    "approve": ("admin",),
    "national": ("admin",),
}
_secret_lock = threading.Lock()


class LoginRequired(NotAuthenticated):
    """Raised for a page that needs a session; the web layer answers with a redirect."""


@dataclass(frozen=True)
class User:
    id: int
    username: str
    role: str
    prison_id: str | None
    nonce: str

    def can(self, permission: str) -> bool:
        return self.role in PERMISSIONS[permission]

    def require(self, permission: str) -> None:
        if not self.can(permission):
            raise Forbidden(f"a {self.role} may not do this")

    def scope(self, requested: str | None) -> str | None:
        """The prison this user may look at: admins any (None = all), others only their own."""
        if self.role == "admin":
            return requested or None
        if requested and requested != self.prison_id:
            raise Forbidden("you may only see your own prison's data")
        return self.prison_id

    def prison_for_write(self, requested: str | None) -> str:
        prison = self.scope(requested)
        if not prison:
            raise HubError("choose a prison first")
        return prison


def secret(hub) -> bytes:
    path = hub.settings.paths.secret_file
    with _secret_lock:
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as out:
                out.write(secrets.token_hex(32))
        return path.read_text().strip().encode()


def _serializer(hub) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret(hub), salt="bannalai-dashboard-session")


def new_session(hub, user_id: int) -> str:
    return _serializer(hub).dumps({"u": user_id, "n": secrets.token_urlsafe(16)})


def current_user(request: Request) -> User | None:
    hub = request.app.state.hub
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        return None
    try:
        data = _serializer(hub).loads(cookie, max_age=MAX_AGE_S)
        user_id, nonce = int(data["u"]), str(data["n"])
    except (BadSignature, KeyError, TypeError, ValueError):
        return None
    row = hub.db.read(
        lambda c: c.execute(
            "SELECT id, username, role, prison_id FROM users WHERE id=? AND disabled_at IS NULL"
            " AND NOT EXISTS (SELECT 1 FROM revoked_sessions WHERE nonce=?)",
            (user_id, nonce),
        ).fetchone()
    )
    if row is None:
        return None
    return User(row["id"], row["username"], row["role"], row["prison_id"], nonce)


def end_session(hub, user: User) -> None:
    """Logging out refuses this cookie from now on, even if someone copied it."""
    now = hub.now()
    expires = (now + timedelta(seconds=MAX_AGE_S)).isoformat()

    def revoke(conn) -> None:
        conn.execute("DELETE FROM revoked_sessions WHERE expires_at < ?", (now.isoformat(),))
        conn.execute(
            "INSERT OR IGNORE INTO revoked_sessions(nonce, expires_at) VALUES (?, ?)",
            (user.nonce, expires),
        )

    hub.db.write(revoke)


def require_user(request: Request, permission: str = "view") -> User:
    user = current_user(request)
    if user is None:
        raise LoginRequired("please log in")
    request.state.user = user  # set before the check, so a refusal page still shows the nav
    user.require(permission)
    return user


def csrf_seed(request: Request) -> str:
    user = getattr(request.state, "user", None)
    if user is not None:
        return "s:" + user.nonce
    seed = request.cookies.get(PRE_COOKIE) or getattr(request.state, "pre_seed", None)
    if not seed:
        seed = secrets.token_urlsafe(16)
        request.state.pre_seed = seed  # the response sets the cookie
    return "p:" + seed


def csrf_token(request: Request) -> str:
    key = secret(request.app.state.hub)
    return hmac.new(key, csrf_seed(request).encode(), hashlib.sha256).hexdigest()


def check_csrf(request: Request, form) -> None:
    sent = form.get("csrf") or ""
    if not isinstance(sent, str) or not hmac.compare_digest(sent, csrf_token(request)):
        raise Forbidden("the form expired or came from another site: reload the page and retry")
