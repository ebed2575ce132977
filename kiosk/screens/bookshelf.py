"""Bookshelf: the reading station's books as covers, "continue reading" first, by category.

Lists what ``kiosk.reading.shelf`` arranges (ICU Khmer order, books being read first), finds
titles typed on the on-screen Khmer keyboard (normalised search), and opens the reader screen
on a touch. A card scanned here is remembered for the reading session only,
so the hub can count readers; without a card the session is anonymous.
"""

from __future__ import annotations

from kivy.properties import BooleanProperty, NumericProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout

from kiosk.reading.packages import list_packages
from kiosk.reading.shelf import arrange, categories
from kiosk.reading.state import ReadingState
from kiosk.screens.base import KioskScreen, TextButton, fill, fill_khmer_keyboard

KIND_MARK = {"text": "", "pdf": "PDF", "audio": "♪"}


class ShelfTile(ButtonBehavior, BoxLayout):
    title = StringProperty("")
    cover = StringProperty("")
    mark = StringProperty("")
    level = StringProperty("")  # reading level, in the kiosk's digits
    progress = NumericProperty(0)


class BookshelfScreen(KioskScreen):
    screen_name = "bookshelf"
    keyboard_open = BooleanProperty(False)
    query = StringProperty("")

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.category = ""
        self.card: str | None = None

    def on_pre_enter(self, *args) -> None:
        self.category, self.query, self.keyboard_open = "", "", False
        super().on_pre_enter(*args)

    def _build_keyboard(self) -> None:
        fill_khmer_keyboard(self.ids.keyboard, self.type_key)

    def toggle_keyboard(self) -> None:
        self._build_keyboard()  # built on first use, as the catalogue's: 60 keys cost ~8 MB
        self.keyboard_open = not self.keyboard_open
        self.flow.touch()

    def type_key(self, key: str) -> None:
        self.query = (self.query + key)[:40]
        self.flow.touch()
        self.refresh()

    def backspace(self) -> None:
        self.query = self.query[:-1]
        self.flow.touch()
        self.refresh()

    def refresh(self) -> None:
        settings, flow = self.app.settings, self.flow
        metas = list_packages(settings)
        buttons = [TextButton(text=flow._("All books"), selected=not self.category)]
        buttons[0].bind(on_release=lambda _b: self.choose(""))
        for name in categories(metas):
            button = TextButton(text=name, selected=name == self.category)
            button.bind(on_release=lambda _b, n=name: self.choose(n))
            buttons.append(button)
        for button in buttons:
            button.size_hint_x, button.width = None, max(150, 24 * len(button.text) + 40)
        fill(self.ids.categories, buttons)
        tiles = []
        state = ReadingState.shared(settings)
        for item in arrange(metas, state, query=self.query, category=self.category):
            meta = item.meta
            package_folder = settings.paths.content / meta.content_id
            cover = str(package_folder / meta.cover) if meta.cover else ""
            tile = ShelfTile(
                title=meta.title,
                cover=cover,
                mark=KIND_MARK.get(meta.kind, ""),
                level=flow.texts.number(meta.reading_level) if meta.reading_level else "",
                progress=item.progress if item.continuing else 0,
            )
            tile.bind(on_release=lambda _t, cid=meta.content_id: self.open_book(cid))
            tiles.append(tile)
        fill(self.ids.books, tiles)
        self.ids.nothing.text = "" if tiles else flow._("No book found.")

    def choose(self, category: str) -> None:
        self.category = category
        self.flow.touch()
        self.refresh()

    def open_book(self, content_id: str) -> None:
        if "reader" not in self.app.screen_names():
            return
        self.app.manager.get_screen("reader").open_book(content_id, self.card)
        self.app.go("reader")

    def on_scan(self, event) -> None:
        if self.library is not None and self.library.patron(event.code) is not None:
            self.card = event.code  # for this visit's reading sessions only

    def on_leave(self, *args) -> None:
        if self.app.manager.current != "reader":
            self.card = None


SCREEN = BookshelfScreen
