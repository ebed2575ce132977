"""``create_app(settings)``: the hub's FastAPI application, wired from settings built once.

The ``Hub`` object holds the opened parts (database, content store, clock) and lives on
``app.state.hub``; routers reach it through ``hub.api.deps``. The database opens in the lifespan,
not at import or in ``create_app``. If a ``hub.web`` package exists (the dashboard), its
``mount(app, hub)`` adds its routes. Every response carries the hub's clock in a header.
"""

from __future__ import annotations

import importlib
import importlib.util
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

import hub
from hub.clock import Now, iso, utcnow
from hub.config import Settings
from hub.content import ContentStore
from hub.db import Database
from hub.errors import HubError
from wire.api import API_PREFIX, HUB_TIME_HEADER


class Hub:
    """The hub's opened parts, shared by the API, the dashboard and the command line."""

    def __init__(self, settings: Settings, *, now: Now = utcnow):
        self.settings = settings
        self.now = now
        self.db = Database(settings.paths.database, synchronous=settings.sqlite_synchronous)
        self.content = ContentStore(settings.paths.content)
        self.version = hub.__version__

    def open(self) -> Hub:
        self.settings.data_dir.mkdir(parents=True, exist_ok=True)
        self.db.open()
        return self

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Hub:
        return self.open()

    def __exit__(self, *exc) -> None:
        self.close()


class HubTimeHeader:
    """Pure ASGI middleware (cheaper than BaseHTTPMiddleware) adding the hub's clock."""

    def __init__(self, app, now: Now):
        self.app, self.now = app, now

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def send_with_time(message):
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.append((HUB_TIME_HEADER.lower().encode(), iso(self.now()).encode()))
                message = {**message, "headers": headers}
            await send(message)

        return await self.app(scope, receive, send_with_time)


def create_app(settings: Settings, *, now: Now = utcnow) -> FastAPI:
    state = Hub(settings, now=now)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        state.open()
        try:
            yield
        finally:
            state.close()

    app = FastAPI(
        title="Bannalai hub", version=hub.__version__, lifespan=lifespan, docs_url=None,
        redoc_url=None, openapi_url=f"{API_PREFIX}/openapi.json",
    )  # fmt: skip
    app.state.hub = state
    app.add_middleware(HubTimeHeader, now=now)

    @app.exception_handler(HubError)
    async def _hub_error(request: Request, exc: HubError):
        return JSONResponse({"detail": str(exc)}, status_code=exc.status)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError):
        return JSONResponse({"detail": describe_errors(exc.errors())}, status_code=422)

    from hub.api import router as api_router

    app.include_router(api_router, prefix=API_PREFIX)
    if importlib.util.find_spec("hub.web") is not None:
        web = importlib.import_module("hub.web")
        if hasattr(web, "mount"):
            web.mount(app, state)
    return app


def describe_errors(errors) -> str:
    """The first few validation errors as one readable line: ``field.path: message``."""
    parts = []
    for err in list(errors)[:3]:
        where = ".".join(str(p) for p in err.get("loc", ()) if p != "body") or "body"
        parts.append(f"{where}: {err.get('msg', 'invalid')}")
    return "; ".join(parts)
