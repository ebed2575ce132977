"""Content files by sha256, with HTTP Range so an interrupted download resumes.

A kiosk may fetch only a file published to its own prison.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import FileResponse

from hub.api.deps import HubDep, KioskDep
from hub.catalogue import content_published_to
from hub.errors import NotFound

router = APIRouter()


@router.get("/content/{sha256}")
def get_content(sha256: str, hub: HubDep, kiosk: KioskDep) -> FileResponse:
    path = hub.content.path_for(sha256)
    published = hub.db.read(lambda conn: content_published_to(conn, kiosk.prison_id, sha256))
    if not published or not path.is_file():
        raise NotFound(f"no content {sha256} for prison {kiosk.prison_id}")
    return FileResponse(
        path, media_type="application/octet-stream", headers={"ETag": f'"{sha256}"'}
    )
