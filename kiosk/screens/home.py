"""Home: big pictures for every action, the language switch, and the kiosk's state for staff."""

from __future__ import annotations

from kiosk.i18n import LANGUAGE_NAMES, LANGUAGES, N_
from kiosk.screens.base import IconButton, KioskScreen, TextButton, fill, icon

# (screen, icon, caption) in the order they appear; a tile shows only when its screen exists
# and the flow allows it here (lend/return/attendance on a circulation station or for staff).
TILES = (
    ("lend", "lend", N_("Lend")),
    ("return", "return", N_("Return")),
    ("myloans", "myloans", N_("My books")),
    ("catalogue", "catalogue", N_("Find a book")),
    ("bookshelf", "read", N_("Read")),
    ("attendance", "attendance", N_("Class")),
    ("desk", "desk", N_("Add a book")),
    ("staff", "staff", N_("Staff")),
)


class HomeScreen(KioskScreen):
    screen_name = "home"

    def refresh(self) -> None:
        flow, app = self.flow, self.app
        tiles = []
        for screen, picture, caption in TILES:
            if screen in app.screen_names() and flow.allowed(screen):
                button = IconButton(icon=icon(picture), caption=flow._(caption))
                button.bind(on_release=lambda _b, s=screen: app.go(s))
                tiles.append(button)
        self.ids.tiles.cols = 4 if len(tiles) > 4 else max(len(tiles), 1)
        fill(self.ids.tiles, tiles)
        langs = []
        for lang in LANGUAGES:
            button = TextButton(text=LANGUAGE_NAMES[lang], selected=lang == flow.lang)
            button.bind(on_release=lambda _b, lg=lang: app.set_language(lg))
            langs.append(button)
        fill(self.ids.languages, langs)
        self.ids.message.source_text = flow.message
        self.ids.state.source_text = self._state_text() if flow.staff else ""

    def _state_text(self) -> str:
        flow = self.flow
        state = flow.kiosk_state()
        hub = flow._("Hub reachable") if state["hub_reachable"] else flow._("Hub not reachable")
        last = state["last_sync"] or flow._("never")
        clock = "" if state["clock_synced"] else "  ·  " + flow._("Clock not set")
        parts = (
            hub,
            flow._("Last sync: {when}", when=last),
            flow._("Waiting to send: {count}", count=state["pending"]),
        )
        return "  ·  ".join(parts) + clock


SCREEN = HomeScreen
