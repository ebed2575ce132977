"""Turn an untrusted PDF into page pictures at import, so the kiosk never parses PDF later.

Khmer PDFs are mostly scans or typed in legacy fonts, so the text layer is ignored and
each page becomes a fit-width JPEG; zoom and pan on screen scale that picture. Runs inside the
import subprocess (memory limit, timeout) like every other reader. A page that fails to render
is skipped with a warning; a file PDFium cannot open is refused.
"""

from __future__ import annotations

from pathlib import Path

import pypdfium2 as pdfium

from kiosk.errors import ImportRefused
from kiosk.reading.limits import ImportLimits
from kiosk.reading.parsed import Parsed


def _render(page, limits: ImportLimits):
    width, height = page.get_size()
    if width <= 0 or height <= 0:
        raise ValueError("page has no size")
    scale = limits.pdf_width / width
    if (width * scale) * (height * scale) > limits.image_pixels:
        scale = (limits.image_pixels / (width * height)) ** 0.5
    bitmap = page.render(scale=scale, may_draw_forms=False)
    return bitmap.to_pil().convert("RGB")


def read_pdf(path: Path, limits: ImportLimits, out: Path) -> Parsed:
    try:
        document = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        raise ImportRefused(f"not a readable PDF: {exc}") from exc
    parsed = Parsed("pdf", kind="pdf")
    try:
        count = len(document)
        if count == 0:
            raise ImportRefused("the PDF has no pages")
        if count > limits.pdf_pages:
            raise ImportRefused(f"the PDF has {count} pages (limit {limits.pdf_pages})")
        meta = document.get_metadata_dict(skip_empty=True)
        parsed.title = str(meta.get("Title", ""))[:300]
        parsed.author = str(meta.get("Author", ""))[:300]
        (out / "pages").mkdir(exist_ok=True)
        for index in range(count):
            try:
                image = _render(document[index], limits)
            except (pdfium.PdfiumError, ValueError, MemoryError) as exc:
                parsed.warn(f"page {index + 1} skipped: {exc}")
                continue
            parsed.pages += 1
            image.save(out / "pages" / f"{parsed.pages:04d}.jpg", "JPEG", quality=82)
            if parsed.pages == 1:
                image.thumbnail((limits.cover_max_side,) * 2)
                image.save(out / "cover.jpg", "JPEG", quality=85)
                parsed.cover = "cover.jpg"
    finally:
        document.close()
    if parsed.pages == 0:
        raise ImportRefused("no page of the PDF could be rendered")
    return parsed
