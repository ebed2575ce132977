"""The kiosk's screens: the only Kivy code besides ``kiosk/app.py``.

Conventions every screen follows (the reading station's ``bookshelf`` and reader screens too):

- **One screen = one module + one .kv file**: ``kiosk/screens/<name>.py`` defines a subclass of
  ``base.KioskScreen`` and exposes it as ``SCREEN``; ``<name>.kv`` next to it holds the layout.
  ``screen_classes()`` finds every such module (no list to edit) and loads its .kv once.
- **Name and access**: the class sets ``screen_name`` (``"bookshelf"``) and ``staff_only``. The app
  registers it with the flow (``Flow.add_screen``) and Home shows a "Read" tile when a screen
  named ``bookshelf`` exists. A screen is built the first time it is shown or asked for
  (``app.manager.get_screen(name)`` builds it); ``app.screen_names()`` lists them all.
- **State lives in the flow**, not in widgets: ``self.flow`` (``kiosk.flow.Flow``, UI-free and
  tested without Kivy) decides; ``self.library`` is the process's one ``Library``. A screen
  draws the flow's state in ``refresh()`` and calls flow methods from touches, then
  ``self.app.changed()`` (which refreshes the current screen and follows ``flow.screen``).
  Navigate with ``self.app.go(name)``.
- **Scans**: every source's ``ScanEvent`` reaches the UI thread through ``Clock.schedule_once``;
  the app passes it to the *current* screen's ``on_scan(event)``. The default hands the code to
  ``flow.scan`` (the handler given to ``Flow.add_screen``); override it to do something else.
- **Text**: every user-facing string goes through gettext: ``app.t("Text", app.lang)`` in .kv
  (re-evaluated when the language changes) and ``self.flow._("Text")`` in Python; numbers and
  dates through ``flow.texts.number`` / ``flow.texts.date`` (Khmer digits and month/day names).
  Long Khmer text uses ``WrapLabel`` (ICU line breaks, never inside a cluster). Lists of scan
  outcomes use ``show_rows`` (reuses ``LineRow`` widgets: rebuilding them per scan was slow).
- **No TextInput for Khmer**: it is shaped (``khmer_setup``) but wraps inside clusters (a line
  can start with a vowel sign). Show typed text in a Label fed by an on-screen keyboard, as the
  catalogue does.
- **Icons** for every detainee action: ``kiosk/screens/icons/<name>.png`` (``draw_icons.py``),
  ``IconButton`` in kv. Touch targets at least 96 px for detainees.
- Never block the UI thread on the network or a device; workers use ``Clock.schedule_once``.
"""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

NOT_SCREENS = {
    "base",
    "khmer_setup",
    "draw_icons",
    "draw_reader_icons",
}  # helpers; draw_* import PIL
_loaded: dict[str, type] | None = None


def screen_classes() -> dict[str, type]:
    """``{screen_name: class}`` for every screen module; loads each module's .kv once."""
    global _loaded
    if _loaded is not None:
        return _loaded
    from kivy.lang import Builder

    here = Path(__file__).resolve().parent
    Builder.load_file(str(here / "base.kv"))
    found: dict[str, type] = {}
    for info in sorted(pkgutil.iter_modules([str(here)]), key=lambda m: m.name):
        if info.name in NOT_SCREENS or info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        cls = getattr(module, "SCREEN", None)
        if cls is None:
            continue
        kv = here / f"{info.name}.kv"
        if kv.exists():
            Builder.load_file(str(kv))
        found[cls.screen_name] = cls
    _loaded = found
    return found
