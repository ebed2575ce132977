"""Published e-books and audio from the hub: download (resumable), verify, import, or remove.

The pull stores what the hub published in ``sync_state()["content_pending"]`` (content id ->
item, or None when withdrawn), so a download interrupted by a power cut or a hub restart is
retried next round and resumes from its partial file. A file is imported only after its sha256
matched; a file the importer refuses is recorded in ``content_failed`` and not fetched again
until the hub publishes a different file under that id.
"""

from __future__ import annotations

from pathlib import Path

from kiosk.config import Settings
from kiosk.errors import KioskError
from kiosk.hub_client import HubClient, HubRefused
from wire.api import ContentItem

DOWNLOADS = "downloads"


def downloads_dir(settings: Settings) -> Path:
    return settings.paths.home / DOWNLOADS


def fetch_pending(library, settings: Settings, client: HubClient, *, importer=None) -> int:
    """Handle every pending content change; return how many were done. An unreachable hub
    raises (the round fails, backs off, and resumes the download later); a file the hub refuses,
    one that fails its checksum, or one the importer refuses is recorded and skipped."""
    pending = dict(library.sync_state().get("content_pending", {}))
    done = 0
    for content_id, raw in sorted(pending.items()):
        if raw is None:
            _remove(settings, content_id)
        else:
            item = ContentItem.model_validate(raw)
            failure = _fetch_and_import(settings, client, item, importer)
            if failure:
                failed = dict(library.sync_state().get("content_failed", {}))
                failed[content_id] = {"sha256": item.sha256, "reason": failure}
                library.update_sync_state(content_failed=failed)
        state = library.sync_state()
        left = dict(state.get("content_pending", {}))
        if left.get(content_id, "gone") == raw:  # not re-published meanwhile
            left.pop(content_id, None)
        library.update_sync_state(content_pending=left)
        done += 1
    return done


def _fetch_and_import(settings: Settings, client: HubClient, item: ContentItem, importer) -> str:
    folder = downloads_dir(settings)
    folder.mkdir(parents=True, exist_ok=True)
    suffix = Path(item.filename).suffix.lower()[:8]
    target = folder / f"{item.sha256}{suffix}"
    if not target.exists():
        try:
            client.download(item.sha256, item.size, target)
        except HubRefused as exc:  # gone from the hub, or its file is damaged: not retried
            return str(exc)
    if importer is None:
        from kiosk.reading.importer import import_content as importer
    try:
        importer(
            settings, target, title=item.title or None, category=item.category or None,
            licence=item.licence or None, content_id=item.content_id,
        )  # fmt: skip
    except KioskError as exc:
        return str(exc)
    finally:
        target.unlink(missing_ok=True)
    return ""


def _remove(settings: Settings, content_id: str) -> None:
    from kiosk.reading.packages import remove

    remove(settings, content_id)
