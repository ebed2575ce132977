"""Turn untrusted image bytes into a small, safe picture inside a content package.

The pixel count is checked from the header before anything is decoded, so a 2 KB PNG that
claims 40000x40000 pixels is skipped without allocating memory. Pictures are downscaled at
import so the screen never loads more than it shows. This module must never write outside
the package folder it is given, and a bad picture is skipped, never the whole book.
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path

from PIL import Image

from kiosk.reading.limits import ImportLimits

_FORMATS = {"PNG", "JPEG", "GIF", "WEBP", "BMP"}


class ImageSkipped(Exception):
    """One picture was refused; the caller records a warning and carries on."""


def open_checked(data: bytes, limits: ImportLimits) -> Image.Image:
    """An opened (not yet decoded) image whose header passed the format and pixel checks."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=sorted(_FORMATS))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageSkipped(f"picture too large: {exc}") from exc
    except Exception as exc:  # Pillow raises many types for hostile headers
        raise ImageSkipped(f"not a readable picture: {exc}") from exc
    width, height = image.size
    if width <= 0 or height <= 0 or width * height > limits.image_pixels:
        raise ImageSkipped(f"picture has {width}x{height} pixels, over the limit")
    return image


def save_downscaled(
    data: bytes, limits: ImportLimits, dest: Path, max_side: int | None = None
) -> tuple[Path, int, int]:
    """Decode, shrink to ``max_side`` and save as PNG (alpha) or JPEG; returns (path, w, h)."""
    image = open_checked(data, limits)
    old_cap = Image.MAX_IMAGE_PIXELS
    Image.MAX_IMAGE_PIXELS = limits.image_pixels
    try:
        image.draft("RGB", (max_side or limits.image_max_side,) * 2)
        image.load()
        image.thumbnail((max_side or limits.image_max_side,) * 2)
        has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
        image = image.convert("RGBA" if has_alpha else "RGB")
        path = dest.with_suffix(".png" if has_alpha else ".jpg")
        if has_alpha:
            image.save(path, "PNG", optimize=False)
        else:
            image.save(path, "JPEG", quality=85)
        return path, image.width, image.height
    except ImageSkipped:
        raise
    except Exception as exc:
        raise ImageSkipped(f"picture could not be decoded: {exc}") from exc
    finally:
        Image.MAX_IMAGE_PIXELS = old_cap
