"""Catalogue and patrons: lists, CSV/XLSX imports sent on to kiosks, patrons who leave."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from hub import imports
from hub.departures import DEFAULT_PURGE_DAYS, list_departures, mark_departure
from hub.errors import Invalid
from hub.lists import LIMIT, copies, counts, patrons
from hub.web.pages import prisons_for
from hub.web.render import page
from hub.web.session import check_csrf, require_user

router = APIRouter()
SUFFIXES = (".csv", ".xlsx")


def _catalogue(hub, scope: str | None, q: str) -> dict:
    return {
        "copies": hub.db.read(lambda c: copies(c, scope, q.strip())),
        "counts": hub.db.read(lambda c: counts(c, scope)),
    }


def _patrons(hub, scope: str | None, q: str) -> dict:
    return {
        "patrons": hub.db.read(lambda c: patrons(c, scope, q.strip())),
        "departures": hub.db.read(lambda c: list_departures(c, scope)),
        "purge_days": DEFAULT_PURGE_DAYS,
    }


VIEWS = {"catalogue": ("catalogue.html", _catalogue), "patrons": ("patrons.html", _patrons)}


def _show(request: Request, user, kind: str, scope: str | None, q: str = "", result=None):
    template, gather = VIEWS[kind]
    return page(request, template, q=q, prison=scope, prisons=prisons_for(request, user),
                limit=LIMIT, result=result, **gather(request.app.state.hub, scope, q))  # fmt: skip


@router.get("/catalogue")
def catalogue(request: Request, prison: str | None = None, q: str = ""):
    user = require_user(request, "view")
    return _show(request, user, "catalogue", user.scope(prison), q)


@router.get("/patrons")
def patron_list(request: Request, prison: str | None = None, q: str = ""):
    user = require_user(request, "personal")
    return _show(request, user, "patrons", user.scope(prison), q)


async def _saved_upload(form) -> Path:
    upload = form.get("file")
    name = getattr(upload, "filename", "") or ""
    suffix = Path(name).suffix.lower()
    if suffix not in SUFFIXES:
        raise Invalid("choose a .csv or .xlsx file")
    with tempfile.NamedTemporaryFile(
        delete=False, suffix=suffix, prefix="bannalai-import-"
    ) as handle:
        await run_in_threadpool(shutil.copyfileobj, upload.file, handle)
    return Path(handle.name)


async def _import(request: Request, kind: str):
    user = require_user(request, "manage")
    form = await request.form()
    check_csrf(request, form)
    prison = user.prison_for_write(str(form.get("prison") or "") or None)
    path = await _saved_upload(form)
    try:
        parsed = await run_in_threadpool(imports.parse, kind, path)
    finally:
        path.unlink(missing_ok=True)
    hub = request.app.state.hub
    store = imports.store_patrons if kind == "patrons" else imports.store_catalogue
    skip_bad = form.get("skip_bad") == "1"
    result = await run_in_threadpool(
        hub.db.write, lambda c: store(c, prison, parsed, hub.now(), skip_bad)
    )
    return _show(request, user, kind, prison, result=result)


@router.post("/catalogue/import")
async def import_catalogue(request: Request):
    return await _import(request, "catalogue")


@router.post("/patrons/import")
async def import_patrons(request: Request):
    return await _import(request, "patrons")


@router.post("/patrons/leave")
async def leave(request: Request):
    user = require_user(request, "manage")
    form = await request.form()
    check_csrf(request, form)
    prison = user.prison_for_write(str(form.get("prison") or "") or None)
    try:
        days = int(str(form.get("purge_days", DEFAULT_PURGE_DAYS)))
    except ValueError:
        raise Invalid("the purge period is a number of days") from None
    hub = request.app.state.hub
    card = str(form.get("card", "")).strip()
    hub.db.write(
        lambda c: mark_departure(c, prison, card, str(form.get("status", "")),
                                 str(form.get("loans", "")), days, user.username, hub.now())
    )  # fmt: skip
    suffix = f"?prison={prison}" if user.role == "admin" else ""
    return RedirectResponse(f"/patrons{suffix}", status_code=303)
