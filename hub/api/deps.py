"""Typed dependencies for the kiosk API: the opened hub and the authenticated kiosk."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from hub.app import Hub
from hub.auth import Kiosk, authenticate_kiosk


def get_hub(request: Request) -> Hub:
    return request.app.state.hub


def bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" else None


def current_kiosk(request: Request, hub: Annotated[Hub, Depends(get_hub)]) -> Kiosk:
    credential = bearer(request)
    return hub.db.read(lambda conn: authenticate_kiosk(conn, credential))


HubDep = Annotated[Hub, Depends(get_hub)]
KioskDep = Annotated[Kiosk, Depends(current_kiosk)]
