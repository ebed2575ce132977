"""Jinja2 rendering for the dashboard: one environment, the reader's language, the nav.

Every template gets ``_`` (gettext for the chosen language), ``user``, ``csrf``, ``lang`` and
``number``. Autoescaping is on for every template, so names and titles are always escaped.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from hub.exports import local_time
from hub.i18n import ACTIVITY_LABELS, INDICATORS, LANGUAGES, N_, gettext_for, number, pick
from hub.web.session import LANG_COOKIE, PRE_COOKIE, csrf_token

TEMPLATES = Path(__file__).resolve().parent / "templates"
NAV = (
    ("/figures", N_("Figures"), "view"),
    ("/kiosks", N_("Kiosks"), "view"),
    ("/loans", N_("Loans"), "personal"),
    ("/conflicts", N_("Conflicts"), "personal"),
    ("/catalogue", N_("Catalogue"), "view"),
    ("/patrons", N_("Patrons"), "personal"),
    ("/content", N_("Content"), "view"),
    ("/national", N_("National"), "national"),
)


@cache
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(default=True),
        trim_blocks=True, lstrip_blocks=True,
    )  # fmt: skip
    env.filters["local"] = local_time  # stored UTC -> "YYYY-MM-DD HH:MM" in Cambodia
    return env


def language(request: Request) -> str:
    return pick(request.query_params.get("lang") or request.cookies.get(LANG_COOKIE),
                request.headers.get("accept-language", ""))  # fmt: skip


def url_with(request: Request, **changes) -> str:
    params = dict(request.query_params)
    params.update({k: v for k, v in changes.items() if v is not None})
    return f"{request.url.path}?{urlencode(params)}"


def page(request: Request, template: str, status: int = 200, **context) -> HTMLResponse:
    lang = language(request)
    user = getattr(request.state, "user", None)
    html = environment().get_template(template).render(
        request=request, _=gettext_for(lang), lang=lang, languages=LANGUAGES, user=user,
        csrf=csrf_token(request), number=lambda v: number(v, lang), indicators=INDICATORS,
        activity_labels=ACTIVITY_LABELS, url_with=lambda **kw: url_with(request, **kw),
        nav=[(href, label) for href, label, perm in NAV if user and user.can(perm)],
        path=request.url.path, **context,
    )  # fmt: skip
    response = HTMLResponse(html, status_code=status)
    finish(request, response)
    return response


def finish(request: Request, response) -> None:
    """Cookies every page sets: the chosen language and the pre-login CSRF seed."""
    lang = request.query_params.get("lang")
    if lang in LANGUAGES:
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, samesite="lax")
    seed = getattr(request.state, "pre_seed", None)
    if seed:
        response.set_cookie(PRE_COOKIE, seed, httponly=True, samesite="lax",
                            secure=request.url.scheme == "https")  # fmt: skip
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'none'"
    )
    response.headers["Cache-Control"] = "no-store"
