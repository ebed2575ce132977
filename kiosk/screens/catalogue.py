"""Catalogue: browse by category and cover, search Khmer titles with an on-screen keyboard."""

from __future__ import annotations

from kivy.properties import BooleanProperty, NumericProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout

from kiosk.screens.base import KioskScreen, TextButton, fill, fill_khmer_keyboard


class BookTile(BoxLayout):
    title = StringProperty("")
    availability = StringProperty("")
    cover = StringProperty("")
    available = BooleanProperty(True)
    hue = NumericProperty(0)


class CatalogueScreen(KioskScreen):
    screen_name = "catalogue"
    keyboard_open = BooleanProperty(False)

    def on_pre_enter(self, *args) -> None:
        self.keyboard_open = False
        super().on_pre_enter(*args)

    def refresh(self) -> None:
        flow = self.flow
        self.ids.query.text = flow.query or flow._("Touch the letters to find a book")
        self.ids.query.color = (0.1, 0.1, 0.1, 1) if flow.query else (0.45, 0.45, 0.45, 1)
        categories = [TextButton(text=flow._("All books"), selected=flow.category is None)]
        categories[0].bind(on_release=lambda _b: self.choose(None))
        for name in flow.browse.categories() if flow.browse else []:
            button = TextButton(text=name, selected=flow.category == name)
            button.bind(on_release=lambda _b, n=name: self.choose(n))
            categories.append(button)
        for button in categories:
            button.size_hint_y, button.height = None, 72
        fill(self.ids.categories, categories)
        tiles = []
        for entry, on_shelf, total in flow.results():
            text = flow._(
                "{free} of {total} on the shelf",
                free=flow.texts.number(on_shelf),
                total=flow.texts.number(total),
            )
            tiles.append(
                BookTile(
                    title=entry.title,
                    availability=text,
                    cover=self._cover(entry.cover),
                    available=on_shelf > 0,
                    hue=(sum(map(ord, entry.category)) % 12) / 12,
                )
            )
        fill(self.ids.results, tiles)
        self.ids.nothing.text = "" if tiles else flow._("No book found.")

    def _cover(self, cover: str) -> str:
        if not cover:
            return ""
        path = (self.app.settings.paths.content / cover).resolve()
        inside = self.app.settings.paths.content.resolve() in path.parents
        return str(path) if inside and path.is_file() else ""

    def _build_keyboard(self) -> None:
        fill_khmer_keyboard(self.ids.keyboard, self.type_key)

    def type_key(self, key: str) -> None:
        self.flow.type_key(key)
        self.app.changed()

    def backspace(self) -> None:
        self.flow.backspace()
        self.app.changed()

    def choose(self, category: str | None) -> None:
        self.flow.choose_category(category)
        self.app.changed()

    def toggle_keyboard(self) -> None:
        self._build_keyboard()  # built on first use: 60 keys cost ~8 MB of RSS
        self.keyboard_open = not self.keyboard_open
        self.flow.touch()


SCREEN = CatalogueScreen
