"""Content: upload e-books and audio, approve (admins), publish to a prison; the OPDS feed."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from hub import approvals, opds
from hub.content import media_type_for
from hub.errors import Invalid, NotFound
from hub.web.pages import prisons_for
from hub.web.render import page
from hub.web.session import check_csrf, require_user

router = APIRouter()


@router.get("/content")
def content(request: Request, prison: str | None = None):
    user = require_user(request, "view")
    scope = user.scope(prison)
    hub = request.app.state.hub
    items = hub.db.read(approvals.list_items)
    published = hub.db.read(lambda c: approvals.published_to(c, scope)) if scope else set()
    return page(request, "content.html", items=items, published=published, prison=scope,
                prisons=prisons_for(request, user))  # fmt: skip


@router.post("/content/upload")
async def upload(request: Request):
    user = require_user(request, "manage")
    form = await request.form()
    check_csrf(request, form)
    file = form.get("file")
    name = getattr(file, "filename", "") or ""
    if not name:
        raise Invalid("choose a file to upload")
    media_type_for(name)  # refuse unknown types before storing anything
    hub = request.app.state.hub
    sha, size = await run_in_threadpool(hub.content.add, file.file)
    fields = {
        k: str(form.get(k, "")) for k in ("content_id", "title", "category", "licence", "language")
    }
    await run_in_threadpool(
        hub.db.write,
        lambda c: approvals.add_item(c, fields["content_id"].strip(), sha, size, name,
                                     fields["title"], fields["category"], fields["licence"],
                                     fields["language"], user.username, hub.now()),
    )  # fmt: skip
    return RedirectResponse("/content", status_code=303)


@router.post("/content/{content_id}/{action}")
async def act(request: Request, content_id: str, action: str):
    user = require_user(request, "approve" if action == "approve" else "manage")
    form = await request.form()
    check_csrf(request, form)
    hub = request.app.state.hub
    if action == "approve":
        hub.db.write(lambda c: approvals.approve(c, content_id, user.username, hub.now()))
        return RedirectResponse("/content", status_code=303)
    prison = user.prison_for_write(str(form.get("prison") or "") or None)
    if action == "publish":
        hub.db.write(lambda c: approvals.publish_item(c, content_id, prison, hub.now()))
    elif action == "withdraw":
        hub.db.write(lambda c: approvals.withdraw_item(c, content_id, prison, hub.now()))
    else:
        raise NotFound("no such action")
    return RedirectResponse(f"/content?prison={prison}", status_code=303)


@router.get("/opds")
def opds_feed(request: Request):
    """Open to readers on the LAN: it lists only content an admin approved."""
    hub = request.app.state.hub
    items = hub.db.read(lambda c: approvals.list_items(c, approved_only=True))
    base = str(request.base_url).rstrip("/")
    return Response(opds.feed(items, base, hub.now()), media_type=opds.ACQUISITION)


@router.get("/opds/files/{sha256}")
def opds_file(request: Request, sha256: str):
    hub = request.app.state.hub
    items = hub.db.read(lambda c: approvals.list_items(c, approved_only=True))
    item = next((i for i in items if i["sha256"] == sha256), None)
    if item is None or not hub.content.has(sha256):
        raise NotFound("no approved content with this checksum")
    return FileResponse(hub.content.path_for(sha256), media_type=item["media_type"],
                        filename=item["original_name"])  # fmt: skip
