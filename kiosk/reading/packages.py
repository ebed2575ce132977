"""Find and open the content packages under ``<home>/content``.

Packages are written only by ``kiosk.reading.importer``; this module reads them. A folder
whose metadata cannot be read is skipped (and reported by ``broken``), never fatal: one bad
package must not empty the shelf. Content ids are checked before being used in a path.
"""

from __future__ import annotations

import json
import shutil
from functools import lru_cache
from pathlib import Path

from kiosk.config import Settings
from kiosk.errors import KioskError
from kiosk.reading.importer import valid_content_id
from kiosk.reading.model import Chapter, PackageMeta


class PackageMissing(KioskError):
    """No readable package with that content id."""


class Package:
    """An opened package: metadata plus lazily loaded chapters."""

    def __init__(self, folder: Path, meta: PackageMeta) -> None:
        self.folder = folder
        self.meta = meta
        self._chapter = lru_cache(maxsize=8)(self._read_chapter)

    @property
    def content_id(self) -> str:
        return self.meta.content_id

    def chapter_count(self) -> int:
        return len(self.meta.chapters)

    def chapter(self, index: int) -> Chapter:
        if not 0 <= index < self.chapter_count():
            raise IndexError(index)
        return self._chapter(index)

    def _read_chapter(self, index: int) -> Chapter:
        path = self.folder / "chapters" / f"{index:04d}.json"
        return Chapter.from_json(json.loads(path.read_text(encoding="utf-8")))

    def file(self, relative: str) -> Path | None:
        """A file inside the package, or None when the name would leave the folder."""
        if not relative or relative not in self.meta.files:
            return None
        return self.folder / relative

    @property
    def cover_path(self) -> Path | None:
        return self.file(self.meta.cover)

    def page_image(self, number: int) -> Path | None:
        """PDF page picture, numbered from 1."""
        return self.file(f"pages/{number:04d}.jpg")


def _read_meta(folder: Path) -> PackageMeta:
    data = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    meta = PackageMeta.from_json(data)
    if meta.content_id != folder.name:
        raise ValueError("content id does not match its folder")
    return meta


def list_packages(settings: Settings) -> list[PackageMeta]:
    """Every readable package, in folder-name order (the shelf sorts for people)."""
    root = settings.paths.content
    if not root.is_dir():
        return []
    out = []
    for folder in sorted(root.iterdir()):
        if folder.name.startswith(".") or not valid_content_id(folder.name):
            continue
        try:
            out.append(_read_meta(folder))
        except (OSError, ValueError, KeyError, TypeError):
            continue
    return out


def broken(settings: Settings) -> list[str]:
    """Folder names under content/ that are not readable packages."""
    root = settings.paths.content
    if not root.is_dir():
        return []
    good = {m.content_id for m in list_packages(settings)}
    return sorted(
        f.name for f in root.iterdir() if not f.name.startswith(".") and f.name not in good
    )


def load(settings: Settings, content_id: str) -> Package:
    if not valid_content_id(content_id):
        raise PackageMissing(f"invalid content id {content_id!r}")
    folder = settings.paths.content / content_id
    try:
        return Package(folder, _read_meta(folder))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise PackageMissing(f"no readable package {content_id!r}: {exc}") from exc


def remove(settings: Settings, content_id: str) -> bool:
    if not valid_content_id(content_id):
        return False
    folder = settings.paths.content / content_id
    if not folder.is_dir():
        return False
    shutil.rmtree(folder)
    return True
