"""The dashboard: server-rendered pages for librarians, programme staff and admins.

``mount(app, hub)`` is called by ``hub.app.create_app``; it adds the routers, the static files and
the error pages. Routers are thin: they check the session and role, call one core function
(``hub.reports``, ``hub.exports``, ``hub.imports`` ...) and render a template. No JavaScript.
"""

from __future__ import annotations

import subprocess
from functools import cache
from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from hub.errors import HubError
from wire.api import API_PREFIX

STATIC = Path(__file__).resolve().parent / "static"
FONT_FAMILY = "Khmer OS Battambang"  # has Latin letters and digits too


@cache
def khmer_font_file() -> Path | None:
    """Where fontconfig finds the Khmer font (Debian: fonts-khmeros), looked up on first use."""
    try:
        out = subprocess.run(["fc-match", "-f", "%{file}", FONT_FAMILY], capture_output=True,
                             text=True, timeout=10)  # fmt: skip
    except (OSError, subprocess.TimeoutExpired):
        return None
    path = Path(out.stdout.strip())
    return path if path.suffix.lower() in (".ttf", ".otf") and path.is_file() else None


def mount(app: FastAPI, hub) -> None:
    from hub.reports import FiguresCache
    from hub.web import auth, content, figures, pages, people
    from hub.web.render import page
    from hub.web.session import LoginRequired

    @app.get("/static/khmer.ttf", include_in_schema=False)
    def khmer_font():
        """The hub's own Khmer font, so a browser without one still shows Khmer (no CDN)."""
        path = khmer_font_file()
        if path is None:
            return Response(status_code=404)
        return FileResponse(path, media_type="font/ttf",
                            headers={"Cache-Control": "max-age=86400"})  # fmt: skip

    from hub.web.limits import UploadLimit

    app.add_middleware(UploadLimit, max_bytes=hub.settings.max_upload_bytes)
    app.state.figures_cache = FiguresCache()
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for module in (auth, pages, people, content, figures):
        app.include_router(module.router)

    @app.exception_handler(LoginRequired)
    async def _login(request: Request, exc: LoginRequired):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target)}", status_code=303)

    @app.exception_handler(HubError)
    async def _error(request: Request, exc: HubError):
        if request.url.path.startswith(API_PREFIX):  # the kiosk API answers in JSON
            return JSONResponse({"detail": str(exc)}, status_code=exc.status)
        return page(request, "error.html", status=exc.status, message=str(exc))
