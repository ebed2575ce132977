"""Log in and out. Five wrong passwords for one user name lock it for ten minutes."""

from __future__ import annotations

import threading
import time
from urllib.parse import urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from hub.auth import verify_user
from hub.departures import purge_due
from hub.web.render import finish, page
from hub.web.session import (
    MAX_AGE_S,
    SESSION_COOKIE,
    check_csrf,
    current_user,
    end_session,
    new_session,
)

router = APIRouter()
LOCK_AFTER, LOCK_S = 5, 600
_failures: dict[str, list[float]] = {}
_failures_lock = threading.Lock()


def _locked(username: str) -> bool:
    with _failures_lock:
        recent = [t for t in _failures.get(username, []) if time.monotonic() - t < LOCK_S]
        _failures[username] = recent
        return len(recent) >= LOCK_AFTER


def _failed(username: str) -> None:
    with _failures_lock:
        if len(_failures) > 10_000:  # guessed user names must not grow memory without bound
            _failures.clear()
        _failures.setdefault(username, []).append(time.monotonic())


def _safe_next(target: str) -> str:
    parts = urlsplit(target or "")
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/figures"
    return target


@router.get("/")
def home() -> RedirectResponse:
    return RedirectResponse("/figures", status_code=303)


@router.get("/login")
def login_form(request: Request, next: str = "/figures"):
    return page(request, "login.html", next=_safe_next(next), failed=False)


@router.post("/login")
async def login(request: Request):
    form = await request.form()
    check_csrf(request, form)
    username, password = str(form.get("username", ""))[:64], str(form.get("password", ""))
    target = _safe_next(str(form.get("next", "")))
    hub = request.app.state.hub
    row = None
    if not _locked(username):
        row = await run_in_threadpool(hub.db.read, lambda c: verify_user(c, username, password))
    if row is None:
        _failed(username)
        return page(request, "login.html", status=401, next=target, failed=True)
    with _failures_lock:
        _failures.pop(username, None)
    hub.db.submit(lambda c: purge_due(c, hub.now()))  # released patrons' history, when due
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(SESSION_COOKIE, new_session(hub, row["id"]), max_age=MAX_AGE_S,
                        httponly=True, samesite="lax", secure=request.url.scheme == "https")  # fmt: skip
    finish(request, response)
    return response


@router.post("/logout")
async def logout(request: Request):
    user = request.state.user = current_user(request)
    check_csrf(request, await request.form())
    if user is not None:
        await run_in_threadpool(end_session, request.app.state.hub, user)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response
