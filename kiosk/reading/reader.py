"""The reader without a screen: which page is shown, turning, settings, position, bookmarks.

The Kivy reader screen holds one ``Reader`` and only asks it for page pictures and forwards
taps. The position saved on every turn is the start of the page as (chapter, block, offset,
snippet); font-size and spacing changes re-find the page holding the position the reader
last turned to, so toggling sizes never drifts. Neighbouring pages are rendered in one worker
thread so a turn is a lookup. This module must never import Kivy.
"""

from __future__ import annotations

import threading
from concurrent.futures import Future, ThreadPoolExecutor

from PIL import Image

from kiosk.config import Settings
from kiosk.reading.fonts import reading_font
from kiosk.reading.layout import FONT_SIZES, LINE_SPACINGS, Page, Style, page_index_for, paginate
from kiosk.reading.model import Position
from kiosk.reading.packages import Package
from kiosk.reading.render import THEMES, render_page
from kiosk.reading.state import ReadingState

SNIPPET = 30
_CACHE = 4  # previous, current, next and one spare: pages are ~2 MB each


class Reader:
    def __init__(
        self, settings: Settings, package: Package, *, width: int = 1024, height: int = 600,
        state: ReadingState | None = None,
    ) -> None:  # fmt: skip
        if package.meta.kind != "text" or package.chapter_count() == 0:
            raise ValueError("the reader shows text packages; PDFs and audio have their own")
        self.package = package
        self.state = state or ReadingState(settings)
        prefs = self.state.preferences()
        self.font_size = prefs.get("font_size", FONT_SIZES[2])
        self.line_spacing = prefs.get("line_spacing", LINE_SPACINGS[0])
        self.theme = prefs.get("theme", "day")
        self.font_path = reading_font(settings)
        self.width, self.height = width, height
        self._pages: dict[tuple, list[Page]] = {}
        self._images: dict[tuple, Future] = {}
        self._lock = threading.RLock()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="page-render")
        # fsync takes milliseconds: positions are written off the turn's path, in order
        self._saver = ThreadPoolExecutor(max_workers=1, thread_name_prefix="position-save")
        self.chapter, self.index = 0, 0
        self.anchor = self.resolve(self.state.position(package.content_id) or Position())
        self._show(self.anchor)

    # -- layout ------------------------------------------------------------------------------
    @property
    def style(self) -> Style:
        return Style(self.font_path, self.font_size, self.line_spacing, self.width, self.height)

    def pages(self, chapter: int, style: Style | None = None) -> list[Page]:
        style = style or self.style
        key = (chapter, style)
        with self._lock:
            if key not in self._pages:
                self._pages[key] = paginate(self.package.chapter(chapter), chapter, style)
            return self._pages[key]

    def page(self) -> Page:
        return self.pages(self.chapter)[self.index]

    def resolve(self, position: Position) -> Position:
        """The position itself if it still fits the text, else where its snippet is now."""
        count = self.package.chapter_count()
        if 0 <= position.chapter < count:
            blocks = self.package.chapter(position.chapter).blocks
            if 0 <= position.block < len(blocks):
                text = blocks[position.block].text
                if position.offset <= len(text) and text[position.offset :].startswith(
                    position.snippet[:SNIPPET]
                ):
                    return position
        if position.snippet:
            for c in range(count):
                for b, block in enumerate(self.package.chapter(c).blocks):
                    found = block.text.find(position.snippet)
                    if found >= 0:
                        return Position(c, b, found, position.snippet)
        return Position(min(max(position.chapter, 0), count - 1), 0, 0)

    def _show(self, position: Position) -> None:
        self.chapter = position.chapter
        self.index = page_index_for(self.pages(self.chapter), position.block, position.offset)

    def position(self) -> Position:
        page = self.page()
        block, offset = page.start
        blocks = self.package.chapter(self.chapter).blocks
        snippet = blocks[block].text[offset : offset + SNIPPET] if block < len(blocks) else ""
        return Position(self.chapter, block, offset, snippet)

    # -- moving --------------------------------------------------------------------------------
    def turn(self, step: int = 1) -> bool:
        """Next (+1) or previous (-1) page, across chapters; False at either end."""
        chapter, index = self._neighbour(step)
        if (chapter, index) == (self.chapter, self.index):
            return False
        self.chapter, self.index = chapter, index
        self._moved()
        return True

    def _neighbour(self, step: int) -> tuple[int, int]:
        chapter, index = self.chapter, self.index + step
        while not 0 <= index < len(self.pages(chapter)):
            chapter += 1 if step > 0 else -1
            if not 0 <= chapter < self.package.chapter_count():
                return self.chapter, self.index
            index = 0 if step > 0 else len(self.pages(chapter)) - 1
        return chapter, index

    def go_to_chapter(self, chapter: int) -> None:
        self.chapter = max(0, min(chapter, self.package.chapter_count() - 1))
        self.index = 0
        self._moved()

    def go_to(self, position: Position) -> None:
        self._show(self.resolve(position))
        self._moved()

    def _moved(self) -> None:
        self.anchor = self.position()
        self._saver.submit(
            self.state.save_position, self.package.content_id, self.anchor, self.book_progress()
        )

    # -- settings ----------------------------------------------------------------------------
    def set_font_size(self, size: int) -> None:
        self.font_size = size if size in FONT_SIZES else FONT_SIZES[2]
        self._restyled()

    def set_line_spacing(self, spacing: float) -> None:
        self.line_spacing = spacing if spacing in LINE_SPACINGS else LINE_SPACINGS[0]
        self._restyled()

    def set_theme(self, theme: str) -> None:
        self.theme = theme if theme in THEMES else "day"
        self.state.save_preferences(theme=self.theme)

    def _restyled(self) -> None:
        self._show(self.anchor)  # the position last turned to, not this layout's page start
        self.state.save_preferences(font_size=self.font_size, line_spacing=self.line_spacing)

    # -- progress, contents, bookmarks -------------------------------------------------------------
    def chapter_progress(self) -> tuple[int, int]:
        return self.index + 1, len(self.pages(self.chapter))

    def book_progress(self) -> float:
        chapters = self.package.meta.chapters
        total = sum(int(c.get("chars", 0)) for c in chapters) or 1
        done = sum(int(c.get("chars", 0)) for c in chapters[: self.chapter])
        block, offset = self.page().end
        blocks = self.package.chapter(self.chapter).blocks
        done += sum(len(b.text) for b in blocks[:block] if b.kind != "image") + offset
        return min(1.0, done / total)

    def toc(self) -> list[str]:
        return [c.get("title", "") for c in self.package.meta.chapters]

    def add_bookmark(self) -> bool:
        return self.state.add_bookmark(self.package.content_id, self.position())

    def bookmarks(self) -> list[Position]:
        return self.state.bookmarks(self.package.content_id)

    # -- pictures ----------------------------------------------------------------------------
    def _render(self, chapter: int, index: int, style: Style, theme: str) -> Image.Image:
        page = self.pages(chapter, style)[index]
        return render_page(page, self.package.chapter(chapter), style, theme, self.package.folder)

    def _future(self, chapter: int, index: int) -> Future:
        key = (chapter, index, self.style, self.theme)
        with self._lock:
            future = self._images.get(key)
            if future is None:
                future = self._pool.submit(self._render, chapter, index, self.style, self.theme)
                self._images[key] = future
                while len(self._images) > _CACHE:
                    self._images.pop(next(iter(self._images)))
            return future

    def image(self) -> Image.Image:
        """The current page as an RGBA picture (already rendered if it was prefetched)."""
        return self._future(self.chapter, self.index).result()

    def prefetch(self) -> list[Future]:
        """Render the previous and next pages in the background (returns their futures)."""
        futures = []
        for step in (1, -1):
            chapter, index = self._neighbour(step)
            if (chapter, index) != (self.chapter, self.index):
                futures.append(self._future(chapter, index))
        return futures

    def close(self) -> None:
        """Stop rendering and wait until the last position is on disk."""
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._saver.shutdown(wait=True)
