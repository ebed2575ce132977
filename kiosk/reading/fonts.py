"""Which font file the reader measures and paints with (one engine, one font, both jobs).

The font must cover Khmer and Latin (Khmer OS Content/Battambang do; Debian's Noto Sans Khmer
has no Latin letters). A technician can name another file with ``reading_font`` in
settings.toml; otherwise the first installed candidate is used. This module never downloads.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from kiosk.errors import KioskError

CANDIDATES = (
    "/usr/share/fonts/truetype/khmeros/KhmerOScontent.ttf",
    "/usr/share/fonts/truetype/khmeros/KhmerOSbattambang.ttf",
    "/usr/share/fonts/truetype/khmeros/KhmerOS.ttf",
)


def reading_font(settings=None) -> str:
    """Path of the body-text font; raises KioskError when no Khmer font is installed."""
    chosen = ""
    if settings is not None:
        chosen = str(settings.extra.get("reading_font", ""))
    return _find(chosen)


@cache
def _find(chosen: str) -> str:
    for candidate in (chosen, *CANDIDATES):
        if candidate and Path(candidate).is_file():
            return candidate
    raise KioskError("no Khmer font found; install fonts-khmeros or set reading_font")
