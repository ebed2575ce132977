"""The kiosk API under ``/api/v1``: thin routers over ``hub.auth``, ``hub.ingest``, ``hub.catalogue``
and ``hub.content``; they parse, authenticate, call one core function and answer."""

from fastapi import APIRouter

from hub.api import content, kiosks

router = APIRouter()
router.include_router(kiosks.router)
router.include_router(content.router)
