"""Hard limits for importing untrusted files, in one place so tests can tighten them.

Every number here bounds what a hostile file can make the importer do: bytes read, bytes
decompressed, members, pixels, pages, seconds and memory. Nothing here reads a file.
"""

from __future__ import annotations

from dataclasses import dataclass

MB = 1024 * 1024


@dataclass(frozen=True)
class ImportLimits:
    file_bytes: int = 200 * MB  # the source file on disk
    zip_entries: int = 5000
    entry_bytes: int = 20 * MB  # one decompressed markup member
    image_entry_bytes: int = 40 * MB  # one decompressed image member
    total_bytes: int = 300 * MB  # everything decompressed from one book
    ratio: float = 200.0  # decompressed / compressed, for members over ratio_floor
    ratio_floor: int = 1 * MB
    image_pixels: int = 16_000_000  # refused above this (header only, never decoded)
    image_max_side: int = 1200  # downscaled to this at import
    cover_max_side: int = 480
    pdf_pages: int = 2000
    pdf_width: int = 1200  # page images are rendered fit-width at this many pixels
    text_bytes: int = 20 * MB
    block_chars: int = 4000  # longer paragraphs are split at a line break
    audio_bytes: int = 500 * MB
    seconds: float = 300.0  # the import subprocess is killed after this
    memory_bytes: int = 1536 * MB  # RLIMIT_AS of the import subprocess

    def to_json(self) -> dict:
        return dict(self.__dict__)

    @classmethod
    def from_json(cls, data: dict) -> ImportLimits:
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})
