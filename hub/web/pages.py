"""Kiosks, loans (open and overdue) and conflicts."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse

from hub.clock import iso
from hub.errors import NotFound
from hub.kiosks import list_conflicts, list_kiosks
from hub.lists import LIMIT, open_loans, resolve_conflict
from hub.reports import LOCAL, known_prisons
from hub.web.render import page
from hub.web.session import check_csrf, require_user

router = APIRouter()


def prisons_for(request: Request, user) -> list[str]:
    if user.role != "admin":
        return [user.prison_id]
    return request.app.state.hub.db.read(known_prisons)


@router.get("/kiosks")
def kiosks(request: Request, prison: str | None = None):
    user = require_user(request, "view")
    scope = user.scope(prison)
    rows = request.app.state.hub.db.read(lambda c: list_kiosks(c, scope))
    return page(request, "kiosks.html", kiosks=rows, prison=scope,
                prisons=prisons_for(request, user))  # fmt: skip


@router.get("/loans")
def loans(request: Request, prison: str | None = None, overdue: int = 0):
    user = require_user(request, "personal")
    scope = user.scope(prison)
    hub = request.app.state.hub
    today = hub.now().astimezone(LOCAL).date()
    rows = hub.db.read(lambda c: open_loans(c, scope, today, overdue_only=bool(overdue)))
    return page(request, "loans.html", loans=rows, overdue=bool(overdue), prison=scope,
                prisons=prisons_for(request, user), limit=LIMIT)  # fmt: skip


@router.get("/conflicts")
def conflicts(request: Request, prison: str | None = None):
    user = require_user(request, "personal")
    scope = user.scope(prison)
    rows = request.app.state.hub.db.read(lambda c: list_conflicts(c, scope))
    return page(request, "conflicts.html", conflicts=rows, prison=scope,
                prisons=prisons_for(request, user))  # fmt: skip


@router.post("/conflicts/{conflict_id}/resolve")
async def resolve(request: Request, conflict_id: int):
    user = require_user(request, "manage")
    form = await request.form()
    check_csrf(request, form)
    hub = request.app.state.hub
    scope = user.scope(None)
    done = hub.db.write(
        lambda c: resolve_conflict(c, conflict_id, scope, str(form.get("note", "")),
                                   user.username, iso(hub.now()))
    )  # fmt: skip
    if not done:
        raise NotFound("no such open conflict in your prison")
    return RedirectResponse("/conflicts", status_code=303)
