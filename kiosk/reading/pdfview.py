"""Show a PDF's page pictures (made at import) with turning, zoom and pan, without a screen.

PDF pages are fixed pictures, so a 1024x600 landscape screen shows a portrait page small:
"fit page" shows it whole, "fit width" and 2x let the reader pan down and across. The view
is a crop rectangle over the stored page picture; the position saved is the page number as
``Position(0, page, 0)``. This module must never open the PDF itself (only page pictures).
"""

from __future__ import annotations

from functools import lru_cache

from PIL import Image

from kiosk.config import Settings
from kiosk.reading.model import Position
from kiosk.reading.packages import Package
from kiosk.reading.state import ReadingState

ZOOMS = ("page", "width", "double")


@lru_cache(maxsize=4)
def _page(path: str) -> Image.Image:
    with Image.open(path) as image:
        return image.convert("RGB")


class PdfView:
    def __init__(
        self, settings: Settings, package: Package, *, width: int = 1024, height: int = 600,
        state: ReadingState | None = None,
    ) -> None:  # fmt: skip
        if package.meta.kind != "pdf":
            raise ValueError("not a PDF package")
        self.package, self.width, self.height = package, width, height
        self.state = state or ReadingState(settings)
        saved = self.state.position(package.content_id)
        self.page = min(max(saved.block if saved else 0, 0), package.meta.pages - 1)
        self.zoom, self.x, self.y = "page", 0, 0

    @property
    def pages(self) -> int:
        return self.package.meta.pages

    def turn(self, step: int = 1) -> bool:
        page = self.page + step
        if not 0 <= page < self.pages:
            return False
        self.page, self.x, self.y = page, 0, 0
        position = Position(0, self.page, 0)
        self.state.save_position(self.package.content_id, position, (self.page + 1) / self.pages)
        return True

    def set_zoom(self, zoom: str) -> None:
        self.zoom = zoom if zoom in ZOOMS else "page"
        self.x = self.y = 0

    def _source(self) -> Image.Image:
        path = self.package.page_image(self.page + 1)
        if path is None or not path.is_file():
            return Image.new("RGB", (self.width, self.height), (255, 255, 255))
        return _page(str(path))

    def _scale(self, source: Image.Image) -> float:
        fit_page = min(self.width / source.width, self.height / source.height)
        fit_width = self.width / source.width
        return {"page": fit_page, "width": fit_width, "double": 2 * fit_width}[self.zoom]

    def pan(self, dx: int, dy: int) -> None:
        """Move the view by screen pixels; clamped to the page's edges."""
        source = self._source()
        scale = self._scale(source)
        max_x = max(0, int(source.width * scale) - self.width)
        max_y = max(0, int(source.height * scale) - self.height)
        self.x = min(max(self.x + dx, 0), max_x)
        self.y = min(max(self.y + dy, 0), max_y)

    def image(self) -> Image.Image:
        """What the screen shows: the scaled page, cropped at the pan offset, centred."""
        source = self._source()
        scale = self._scale(source)
        box = (
            self.x / scale,
            self.y / scale,
            min(source.width, (self.x + self.width) / scale),
            min(source.height, (self.y + self.height) / scale),
        )
        crop = source.resize(
            (max(1, int((box[2] - box[0]) * scale)), max(1, int((box[3] - box[1]) * scale))),
            Image.Resampling.BILINEAR,
            box=box,
        )
        canvas = Image.new("RGBA", (self.width, self.height), (60, 60, 60, 255))
        canvas.paste(crop, ((self.width - crop.width) // 2, (self.height - crop.height) // 2))
        return canvas
