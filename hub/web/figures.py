"""Monthly figures with charts, exports and the printable report; the national view."""

from __future__ import annotations

import io

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from hub import bundle, charts
from hub.errors import Forbidden
from hub.exports import FORMATS, WHAT, export, filename
from hub.i18n import ACTIVITY_LABELS, gettext_for
from hub.reports import CLASS_ACTIVITIES, FiguresCache, Month, combine, suppress
from hub.web.pages import prisons_for
from hub.web.render import language, page
from hub.web.session import check_csrf, require_user

router = APIRouter()
MEDIA = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


OPEN_EXPORTS = ("figures", "catalogue")  # no names in them: viewers may download them too


def cache(request: Request) -> FiguresCache:
    return request.app.state.figures_cache


def _month(hub, text: str | None) -> Month:
    return Month.parse(text) if text else Month.of(hub.now())


@router.get("/figures")
def figures_page(request: Request, month: str | None = None, prison: str | None = None):
    user = require_user(request, "view")
    scope = user.scope(prison)
    hub = request.app.state.hub
    m = _month(hub, month)
    figs, series = hub.db.read(lambda c: cache(request).get(c, m, scope, hub.now()))
    _ = gettext_for(language(request))
    chart = charts.month_bars(series, [("loans", _("Loans")), ("returns", _("Returns")),
                                       ("reading_sessions", _("E-reading sessions")),
                                       ("attendances", _("Attendances"))])  # fmt: skip
    attendance = charts.horizontal_bars(
        [(_(ACTIVITY_LABELS[a]), figs["attendance"][a]["attendances"]) for a in CLASS_ACTIVITIES]
    )
    exports = [w for w in WHAT if w in OPEN_EXPORTS or user.can("personal")]
    return page(request, "figures.html", figs=figs, month=str(m), prev=str(m.previous()),
                next=str(m.next()), prison=scope, prisons=prisons_for(request, user),
                month_chart=chart, attendance_chart=attendance, exports=exports,
                formats=FORMATS)  # fmt: skip


@router.get("/exports/{what}.{fmt}")
def download(request: Request, what: str, fmt: str, month: str | None = None,
             prison: str | None = None):  # fmt: skip
    user = require_user(request, "view" if what in OPEN_EXPORTS else "personal")
    scope = user.scope(prison)
    hub = request.app.state.hub
    m = _month(hub, month)
    buf = io.BytesIO()
    hub.db.read(lambda c: export(c, what, fmt, m, scope, hub.now(), buf))
    name = filename(what, fmt, m, scope)
    return Response(buf.getvalue(), media_type=MEDIA.get(fmt, "application/octet-stream"),
                    headers={"Content-Disposition": f'attachment; filename="{name}"',
                             "Cache-Control": "no-store"})  # fmt: skip


@router.get("/report.pdf")
async def report_pdf(request: Request, month: str | None = None, prison: str | None = None):
    from hub.report_pdf import render_pdf

    user = require_user(request, "view")
    scope = user.scope(prison)
    hub = request.app.state.hub
    m = _month(hub, month)

    def build() -> bytes:
        figs, series = hub.db.read(lambda c: cache(request).get(c, m, scope, hub.now()))
        return render_pdf(suppress(figs), series, language(request), scope or "*", hub.now())

    pdf = await run_in_threadpool(build)
    name = filename("report", "pdf", m, scope)
    return Response(pdf, media_type="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})  # fmt: skip


@router.get("/national")
def national(request: Request, month: str | None = None, outcome: str | None = None):
    require_user(request, "national")
    hub = request.app.state.hub
    m = _month(hub, month)
    rows = hub.db.read(lambda c: bundle.national(c, m))
    total = combine(rows, str(m))
    return page(request, "national.html", rows=rows, total=total, month=str(m),
                prev=str(m.previous()), next=str(m.next()), outcome=outcome)  # fmt: skip


@router.post("/national/import")
async def national_import(request: Request):
    require_user(request, "national")
    form = await request.form()
    check_csrf(request, form)
    upload = form.get("file")
    if upload is None or not hasattr(upload, "read"):
        raise Forbidden("choose a bundle file")
    data = await upload.read(bundle.MAX_BYTES + 1)
    hub = request.app.state.hub
    payload = bundle.read_bundle(data, bundle.key_dir(hub.settings.data_dir))
    outcome = hub.db.write(lambda c: bundle.import_bundle(c, payload, hub.now()))
    return RedirectResponse(f"/national?month={payload['month']}&outcome={outcome}",
                            status_code=303)  # fmt: skip
