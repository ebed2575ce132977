"""The project's own sample books (Markdown written for Bannalai, CC BY 4.0): demo and tests.

No third-party text is shipped. ``install_samples`` imports them through the normal importer,
so the samples exercise the same path as every other book.
"""

from __future__ import annotations

from pathlib import Path

from kiosk.config import Settings
from kiosk.reading.model import PackageMeta

FOLDER = Path(__file__).resolve().parent
SAMPLES = {
    "sample-story-km": "story_km.md",
    "sample-rules-km": "rules_km.md",
    "sample-primer-km": "primer_km.md",
    "sample-lantern-en": "lantern_en.md",
}


def sample_path(content_id: str) -> Path:
    return FOLDER / SAMPLES[content_id]


def install_samples(settings: Settings) -> list[PackageMeta]:
    """Import every sample book not already installed from the same file; returns all four."""
    from kiosk.reading.importer import file_sha256, import_content
    from kiosk.reading.packages import PackageMissing, load

    installed = []
    for content_id, name in SAMPLES.items():
        path = FOLDER / name
        try:
            meta = load(settings, content_id).meta
            if meta.sha256 == file_sha256(path):
                installed.append(meta)
                continue
        except PackageMissing:
            pass
        installed.append(import_content(settings, path, content_id=content_id))
    return installed
