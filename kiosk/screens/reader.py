"""Reader: one book's pages (text, PDF or audio) with big tap zones, swipes and few controls.

All layout, rendering, positions and bookmarks happen in ``kiosk.reading`` (UI-free); this
screen turns the page picture into a texture and forwards touches. Left third of the page or a
swipe right goes back, the rest or a swipe left goes forward. The session (minutes, pages,
card) is recorded through the ``Library`` when the screen is left, including by the idle timer.
"""

from __future__ import annotations

import logging

from kivy.clock import Clock
from kivy.graphics.texture import Texture
from kivy.properties import BooleanProperty, NumericProperty, StringProperty
from kivy.uix.image import Image
from kivy.uix.modalview import ModalView

from kiosk.errors import KioskError
from kiosk.reading import packages
from kiosk.reading.audio_player import Audiobook, open_player
from kiosk.reading.session import ReadingSession
from kiosk.reading.state import ReadingState
from kiosk.screens.base import KioskScreen, TextButton, fill

log = logging.getLogger("kiosk.reader")
SWIPE_PX = 60
READING_IDLE_S = 300  # a slow reader may look at one page for minutes; settings may change it


def _views():
    """``Reader, PdfView``, imported when a book first opens: they pull in PIL (and numpy with
    it), HarfBuzz and pdfium, ~25 MB a kiosk that never opens a book need not hold."""
    from kiosk.reading.pdfview import PdfView
    from kiosk.reading.reader import Reader

    return Reader, PdfView


def to_texture(image, reuse: Texture | None = None) -> Texture:
    """The page as a texture; an existing one of the same size is refilled, not reallocated."""
    texture = reuse
    if texture is None or tuple(texture.size) != image.size:
        texture = Texture.create(size=image.size, colorfmt="rgba")
        texture.flip_vertical()
    texture.blit_buffer(image.tobytes(), colorfmt="rgba", bufferfmt="ubyte")
    return texture


class PageImage(Image):
    """The page picture; hands its touches to the reader screen."""

    def on_touch_down(self, touch):
        if self.collide_point(*touch.pos):
            return self.parent_screen().page_touch_down(touch)
        return super().on_touch_down(touch)

    def on_touch_up(self, touch):
        if self.collide_point(*touch.pos):
            return self.parent_screen().page_touch_up(touch)
        return super().on_touch_up(touch)

    def parent_screen(self):
        widget = self.parent
        while not isinstance(widget, ReaderScreen):
            widget = widget.parent
        return widget


class ReaderScreen(KioskScreen):
    screen_name = "reader"
    kind = StringProperty("text")
    book_title = StringProperty("")
    progress_text = StringProperty("")
    progress = NumericProperty(0)
    playing = BooleanProperty(False)
    notice = StringProperty("")  # a short mark in the top bar (bookmark added)
    message = StringProperty("")  # a sentence over the page (audio not available)

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.content_id, self.card = "", None
        self.view = None  # Reader | PdfView | Audiobook
        self.session: ReadingSession | None = None
        self._down = None
        self._tick = None
        self._keep_awake = None
        self._last_touch = 0.0

    def open_book(self, content_id: str, card: str | None = None) -> None:
        self.content_id, self.card = content_id, card

    # -- life cycle ----------------------------------------------------------------------------
    def on_pre_enter(self, *args) -> None:
        self.notice = ""
        self._last_touch = Clock.get_time()
        self._keep_awake = Clock.schedule_interval(lambda dt: self._hold_idle_timer(), 5.0)
        Clock.schedule_once(lambda dt: self._open(), 0)  # after layout: the page size is known

    def _open(self, tries: int = 20) -> None:
        if self.ids.page.height < 100 and tries > 0:  # not laid out yet: try next frame
            Clock.schedule_once(lambda dt: self._open(tries - 1), 0)
            return
        settings = self.app.settings
        try:
            package = packages.load(settings, self.content_id)
        except KioskError:
            self.app.go("bookshelf")
            return
        Reader, PdfView = _views()
        self.kind, self.book_title = package.meta.kind, package.meta.title
        self.progress_text, self.progress, self.message = "", 0, ""
        width, height = int(self.ids.page.width), int(self.ids.page.height)
        state = ReadingState.shared(settings)
        if self.kind == "pdf":
            self.view = PdfView(settings, package, width=width, height=height, state=state)
        elif self.kind == "audio":
            self._open_audio(package, state)
        else:
            self.view = Reader(settings, package, width=width, height=height, state=state)
        if self.library is not None:
            self.session = ReadingSession(self.content_id, self._now(), card=self.card)
        self.show()

    def _open_audio(self, package, state) -> None:
        path = package.file(package.meta.audio)
        player = open_player(path) if path else open_player(package.folder / "missing")
        self.view = Audiobook(self.content_id, player, state)
        if player.reason:
            log.warning("%s", player.reason)
            self.message = self.flow._("This kiosk cannot play sound. Ask the librarian.")
        cover = package.cover_path
        if cover is not None:
            self.ids.page.source = str(cover)
        self._tick = Clock.schedule_interval(lambda dt: self._audio_progress(), 1.0)

    def _hold_idle_timer(self) -> None:
        """Keep the flow's (short) idle timer from closing the book while someone reads.

        Only for ``reading_idle_timeout_s`` after the last touch; then the flow's own timer
        counts down and returns to the start screen as everywhere else (privacy).
        """
        limit = float(self.app.settings.extra.get("reading_idle_timeout_s", READING_IDLE_S))
        if Clock.get_time() - self._last_touch < limit:
            self.flow.touch()

    def on_touch_down(self, touch):
        self._last_touch = Clock.get_time()
        return super().on_touch_down(touch)

    def on_leave(self, *args) -> None:
        for event in (self._tick, self._keep_awake):
            if event is not None:
                event.cancel()
        self._tick = self._keep_awake = None
        if self.session is not None and self.library is not None:
            try:
                self.session.record(self.library, self._now())
            except (KioskError, ValueError) as exc:
                log.warning("reading session not recorded: %s", exc)
        self.session = None
        if self.view is not None and isinstance(self.view, Audiobook | _views()[0]):
            self.view.close()
        self.view, self.playing = None, False
        self.ids.page.texture = None
        self.ids.page.source = ""

    def _now(self):
        return self.library.clock.now()

    # -- showing -------------------------------------------------------------------------------
    def show(self) -> None:
        if self.view is None:  # no book open: nothing to do, nothing to import
            return
        Reader, PdfView = _views()
        view, flow = self.view, self.flow
        if isinstance(view, Reader):
            self._show_image(view.image())
            page, pages = view.chapter_progress()
            title = view.toc()[view.chapter] or ""
            numbers = flow._("{page} / {pages}", page=page, pages=pages)
            self.progress_text = f"{title}   {numbers}".strip()
            self.progress = view.book_progress()
            view.prefetch()
        elif isinstance(view, PdfView):
            self._show_image(view.image())
            self.progress_text = flow._("{page} / {pages}", page=view.page + 1, pages=view.pages)
            self.progress = (view.page + 1) / max(view.pages, 1)

    def _show_image(self, image) -> None:
        page = self.ids.page
        texture = to_texture(image, page.texture)
        if texture is page.texture:
            page.canvas.ask_update()
        else:
            page.texture = texture

    def _audio_progress(self) -> None:
        view = self.view
        if not isinstance(view, Audiobook):
            return
        position, duration = view.player.position(), view.player.duration()
        self.progress = position / duration if duration else 0
        minutes = flow_minutes(position)
        self.progress_text = self.flow.texts.number(minutes)
        if self.playing:
            self.flow.touch()  # listening is activity: do not send the listener home

    # -- touches -------------------------------------------------------------------------------
    def page_touch_down(self, touch) -> bool:
        self._down = touch.pos
        return True

    def page_touch_up(self, touch) -> bool:
        if self._down is None or self.view is None:
            return False
        _, PdfView = _views()
        dx, dy = touch.x - self._down[0], touch.y - self._down[1]
        self._down = None
        page = self.ids.page
        if (
            isinstance(self.view, PdfView)
            and self.view.zoom != "page"
            and max(abs(dx), abs(dy)) > 20
        ):
            self.view.pan(int(-dx), int(dy))
            self.show()
            return True
        if abs(dx) > SWIPE_PX and abs(dx) > abs(dy):
            self.turn(-1 if dx > 0 else 1)
        elif touch.x < page.x + page.width / 3:
            self.turn(-1)
        else:
            self.turn(1)
        return True

    def turn(self, step: int) -> None:
        if self.view is None:  # no book open: nothing to do, nothing to import
            return
        Reader, PdfView = _views()
        if isinstance(self.view, Reader | PdfView) and self.view.turn(step):
            if self.session is not None:
                self.session.page_turned()
            self.show()

    # -- controls ------------------------------------------------------------------------------
    def font_step(self, step: int) -> None:
        if self.view is None:  # no book open: nothing to do, nothing to import
            return
        Reader, PdfView = _views()
        from kiosk.reading.layout import FONT_SIZES
        from kiosk.reading.pdfview import ZOOMS

        if isinstance(self.view, Reader):
            index = (
                FONT_SIZES.index(self.view.font_size) if self.view.font_size in FONT_SIZES else 2
            )
            self.view.set_font_size(FONT_SIZES[max(0, min(len(FONT_SIZES) - 1, index + step))])
            self.show()
        elif isinstance(self.view, PdfView):
            self.view.set_zoom(ZOOMS[(ZOOMS.index(self.view.zoom) + 1) % len(ZOOMS)])
            self.show()

    def toggle_spacing(self) -> None:
        if self.view is None:  # no book open: nothing to do, nothing to import
            return
        Reader, _ = _views()
        from kiosk.reading.layout import LINE_SPACINGS

        if isinstance(self.view, Reader):
            other = [s for s in LINE_SPACINGS if s != self.view.line_spacing]
            self.view.set_line_spacing(other[0] if other else LINE_SPACINGS[0])
            self.show()

    def next_theme(self) -> None:
        if self.view is None:  # no book open: nothing to do, nothing to import
            return
        Reader, _ = _views()
        from kiosk.reading.render import THEMES

        if isinstance(self.view, Reader):
            names = list(THEMES)
            self.view.set_theme(names[(names.index(self.view.theme) + 1) % len(names)])
            self.show()

    def bookmark(self) -> None:
        if self.view is None:  # no book open: nothing to do, nothing to import
            return
        Reader, _ = _views()
        if isinstance(self.view, Reader):
            self.notice = "✓" if self.view.add_bookmark() else ""

    def contents(self) -> None:
        if self.view is None:  # no book open: nothing to do, nothing to import
            return
        Reader, _ = _views()
        if not isinstance(self.view, Reader):
            return
        modal = ModalView(size_hint=(0.8, 0.9))
        modal.add_widget(self._contents_list(modal))
        modal.open()

    def _contents_list(self, modal):
        from kivy.uix.gridlayout import GridLayout
        from kivy.uix.scrollview import ScrollView

        grid = GridLayout(cols=1, size_hint_y=None, spacing=8, padding=8)
        grid.bind(minimum_height=grid.setter("height"))
        buttons = []
        for index, title in enumerate(self.view.toc()):
            number = self.flow.texts.number(index + 1)
            button = TextButton(text=f"{number}. {title}", size_hint_y=None, height=80)
            button.selected = index == self.view.chapter
            button.bind(on_release=lambda _b, i=index: self._go_chapter(i, modal))
            buttons.append(button)
        fill(grid, buttons)
        scroll = ScrollView()
        scroll.add_widget(grid)
        return scroll

    def _go_chapter(self, index: int, modal) -> None:
        modal.dismiss()
        self.view.go_to_chapter(index)
        self.show()

    def audio_toggle(self) -> None:
        if isinstance(self.view, Audiobook):
            self.playing = self.view.toggle()

    def audio_skip(self, seconds: float) -> None:
        if isinstance(self.view, Audiobook):
            self.view.skip(seconds)
            self._audio_progress()


def flow_minutes(seconds: float) -> str:
    whole = int(seconds)
    return f"{whole // 60}:{whole % 60:02d}"


SCREEN = ReaderScreen
