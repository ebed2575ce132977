"""What every screen shares: the screen base class and the common widgets (see ``base.kv``).

``KioskScreen`` gives a screen its app, flow and library, refreshes it on entry and forwards
scans to the flow. ``WrapLabel`` wraps Khmer at ICU line breaks; ``IconButton`` is a picture
with a caption, big enough for a thumb; ``LineRow`` shows one scan's outcome.
"""

from __future__ import annotations

from pathlib import Path

from kivy.app import App
from kivy.clock import Clock
from kivy.properties import BooleanProperty, ListProperty, NumericProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.label import Label
from kivy.uix.screenmanager import Screen

from kiosk.browse import KHMER_KEYS, KHMER_MARKS
from kiosk.screens.khmer_setup import measurer, wrap

ICONS = Path(__file__).resolve().parent / "icons"
BACKGROUND = (0.97, 0.96, 0.93, 1)  # every screen's; the app clears the window to it
OK_COLOUR = (0.18, 0.49, 0.2, 1)
BAD_COLOUR = (0.78, 0.16, 0.16, 1)


def icon(name: str) -> str:
    return str(ICONS / f"{name}.png")


class KioskScreen(Screen):
    screen_name = ""
    staff_only = False
    title = StringProperty("")

    @property
    def app(self):
        return App.get_running_app()

    @property
    def flow(self):
        return self.app.flow

    @property
    def library(self):
        return self.app.library

    def on_pre_enter(self, *args) -> None:
        self.refresh()

    def refresh(self) -> None:
        """Draw the flow's current state; called after every change."""

    def on_scan(self, event) -> None:
        self.flow.scan(event.code)


class WrapLabel(Label):
    """A label whose ``source_text`` is wrapped at ICU line breaks to its width."""

    source_text = StringProperty("")

    def __init__(self, **kwargs) -> None:
        # -1: run once, just before the next frame, however many properties changed
        self._trigger_rewrap = Clock.create_trigger(self._rewrap, -1)
        super().__init__(**kwargs)
        self.fbind("source_text", self._trigger_rewrap)
        self.fbind("width", self._trigger_rewrap)
        self.fbind("font_size", self._trigger_rewrap)
        self._rewrap()

    def _rewrap(self, *args) -> None:
        width = self.width - 2 * self.padding[0] if isinstance(self.padding, list) else self.width
        if width <= 1:
            self.text = self.source_text
            return
        measure = measurer(float(self.font_size), self.font_name)
        self.text = "\n".join(wrap(self.source_text, width, measure))


class IconButton(ButtonBehavior, BoxLayout):
    """A picture with a caption under it; ``background`` is the tile colour."""

    icon = StringProperty("")
    caption = StringProperty("")
    icon_size = NumericProperty(96)
    background = ListProperty([1, 1, 1, 1])
    selected = BooleanProperty(False)


class TextButton(ButtonBehavior, Label):
    """A button with words; its ``text`` is re-broken at ICU line breaks to fit (Kivy alone
    would cut an over-long Khmer word anywhere, even before a vowel sign)."""

    background = ListProperty([0.9, 0.88, 0.84, 1])
    selected = BooleanProperty(False)

    def __init__(self, **kwargs) -> None:
        self._source, self._made = "", ""
        self._trigger_rewrap = Clock.create_trigger(self._rewrap, -1)
        super().__init__(**kwargs)
        self.fbind("text", self._trigger_rewrap)
        self.fbind("width", self._trigger_rewrap)
        self._rewrap()

    def _rewrap(self, *args) -> None:
        if self.text != self._made:  # set by its owner, not by us: the words to show
            self._source = self.text
        width = (self.text_size[0] or self.width) if self.text_size else self.width
        if width <= 1:
            return
        measure = measurer(float(self.font_size), self.font_name)
        self._made = "\n".join(wrap(self._source, width, measure))
        if self._made != self.text:
            self.text = self._made


class LineRow(BoxLayout):
    ok = BooleanProperty(True)
    title = StringProperty("")
    detail = StringProperty("")


class TopBar(BoxLayout):
    title = StringProperty("")
    countdown = StringProperty("")
    show_home = BooleanProperty(True)


def show_rows(container, rows) -> None:
    """Show ``(ok, title, detail)`` rows, reusing the ``LineRow`` widgets already there.

    Rebuilding rows from kv rules on every scan cost more than the scan itself, so rows taken
    off stay in the container's spares and come back for the next scan (Lend empties its lists
    for every new card and refills them a scan later).
    """
    spares = container.__dict__.setdefault("_spare_rows", [])
    existing = container.children[::-1]  # Kivy keeps children last-first
    for row in existing[len(rows) :]:
        container.remove_widget(row)
        spares.append(row)
    for i, (ok, title, detail) in enumerate(rows):
        if i < len(existing):
            existing[i].ok, existing[i].title, existing[i].detail = ok, title, detail
        elif spares:
            row = spares.pop()
            row.ok, row.title, row.detail = ok, title, detail
            container.add_widget(row)
        else:
            container.add_widget(LineRow(ok=ok, title=title, detail=detail))


def fill(container, widgets) -> None:
    """Replace a container's children (rows of a list) in order."""
    container.clear_widgets()
    for widget in widgets:
        container.add_widget(widget)


def fill_khmer_keyboard(grid, on_key, font_size: int = 30) -> None:
    """Put the on-screen Khmer keys into ``grid`` once; ``on_key(key)`` gets the character."""
    if grid.children:
        return
    for row in KHMER_KEYS:
        for key in row:
            shown = "\u25cc" + key if key in KHMER_MARKS else key
            button = TextButton(text=shown, font_size=font_size)
            button.bind(on_release=lambda _b, k=key: on_key(k))
            grid.add_widget(button)
