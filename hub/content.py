"""The hub's content store: original e-book and audio files kept once each, named by sha256.

A file is written to a temporary name, hashed while it is copied, fsynced and renamed into
``content/ab/abcdef...``, so a file under its final name is always complete and its name is its
checksum. Kiosks fetch it by that checksum (with HTTP Range, see ``hub.api.content``) and verify
it before use. Publishing a file to a prison is a ``content`` record (``hub.catalogue``).
"""

from __future__ import annotations

import hashlib
import os
import re
import sqlite3
import tempfile
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

from hub.catalogue import put_record
from hub.clock import iso
from hub.errors import Invalid, NotFound
from wire.api import ContentItem

CHUNK = 1024 * 1024
SHA256 = re.compile(r"^[0-9a-f]{64}$")
MEDIA_TYPES = {
    ".epub": "application/epub+zip",
    ".pdf": "application/pdf",
    ".mp3": "audio/mpeg",
    ".ogg": "audio/ogg",
    ".oga": "audio/ogg",
    ".txt": "text/plain",
    ".md": "text/markdown",
}


class ContentStore:
    def __init__(self, root: Path):
        self.root = Path(root)

    def path_for(self, sha256: str) -> Path:
        if not SHA256.match(sha256):
            raise NotFound("not a sha256")
        return self.root / sha256[:2] / sha256

    def has(self, sha256: str) -> bool:
        return self.path_for(sha256).is_file()

    def add(self, source: BinaryIO) -> tuple[str, int]:
        """Copy ``source`` in; return ``(sha256, size)``. Adding the same bytes twice is a no-op."""
        self.root.mkdir(parents=True, exist_ok=True)
        digest, size = hashlib.sha256(), 0
        fd, tmp = tempfile.mkstemp(dir=self.root, prefix=".incoming-")
        try:
            with os.fdopen(fd, "wb") as out:
                while chunk := source.read(CHUNK):
                    digest.update(chunk)
                    out.write(chunk)
                    size += len(chunk)
                out.flush()
                os.fsync(out.fileno())
            sha = digest.hexdigest()
            final = self.path_for(sha)
            final.parent.mkdir(exist_ok=True)
            os.replace(tmp, final)
            _fsync_dir(final.parent)
            return sha, size
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)

    def add_file(self, path: Path) -> tuple[str, int]:
        with open(path, "rb") as source:
            return self.add(source)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def media_type_for(name: str) -> str:
    media = MEDIA_TYPES.get(Path(name).suffix.lower())
    if media is None:
        raise Invalid(f"{name}: only {', '.join(sorted(MEDIA_TYPES))} files can be published")
    return media


def register_file(
    conn: sqlite3.Connection, sha256: str, size: int, original_name: str, now: datetime
) -> None:
    conn.execute(
        "INSERT OR IGNORE INTO content_files(sha256, size, media_type, original_name, stored_at)"
        " VALUES (?, ?, ?, ?, ?)",
        (sha256, size, media_type_for(original_name), Path(original_name).name, iso(now)),
    )


def publish(
    conn: sqlite3.Connection,
    prison_id: str,
    content_id: str,
    sha256: str,
    now: datetime,
    *,
    title: str = "",
    category: str = "",
    licence: str = "",
) -> int | None:
    """Offer a stored file to every kiosk of ``prison_id`` under ``content_id``."""
    row = conn.execute("SELECT * FROM content_files WHERE sha256=?", (sha256,)).fetchone()
    if row is None:
        raise NotFound(f"no content file {sha256}")
    item = ContentItem(
        content_id=content_id,
        sha256=sha256,
        size=row["size"],
        filename=row["original_name"],
        media_type=row["media_type"],
        title=title,
        category=category,
        licence=licence,
    )
    return put_record(conn, prison_id, "content", content_id, item, now)


def withdraw(conn: sqlite3.Connection, prison_id: str, content_id: str, now: datetime) -> None:
    put_record(conn, prison_id, "content", content_id, None, now)
