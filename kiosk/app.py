"""The kiosk's Kivy application: a locked-down touchscreen over ``kiosk.flow``.

``configure_kivy`` must run before anything imports ``kivy.core.window``: no command-line options
for Kivy (``KIVY_NO_ARGS``), Escape never quits, no settings panel, inspector or console,
fullscreen on the device unless the settings ask for a window. ``start`` builds a ready app
without entering the main loop (tests, benches and ``screenshot`` pump frames with ``pump``);
``run`` is the kiosk's main loop. Scans arrive from worker threads and reach the UI only through
``Clock.schedule_once``. Screen conventions: see ``kiosk/screens/__init__.py``.
"""

from __future__ import annotations

import logging
import os
import signal
import time
from pathlib import Path

from kiosk import prompts, watchdog
from kiosk.config import Settings

log = logging.getLogger("kiosk.app")


def configure_kivy(settings: Settings) -> None:
    """Environment and Config for a locked-down kiosk; idempotent, call before importing kivy UI."""
    os.environ["KIVY_NO_ARGS"] = "1"
    os.environ.setdefault("KIVY_NO_FILELOG", "0")
    os.environ.setdefault("KIVY_HOME", str(settings.paths.home / "kivy"))
    Path(os.environ["KIVY_HOME"]).mkdir(parents=True, exist_ok=True)
    import kivy
    from kivy.config import Config

    # SDL2_image reads every picture the kiosk shows (PNG icons, PNG/JPEG covers); Kivy's PIL
    # loader would import PIL and, through it, numpy (~25 MB) at start for nothing.
    kivy.kivy_options["image"] = ("tex", "dds", "sdl2")

    Config.set("kivy", "exit_on_escape", "0")
    Config.set("kivy", "pause_on_minimize", "0")
    Config.set("kivy", "keyboard_mode", "system")  # our own on-screen keyboards, no VKeyboard
    Config.set("kivy", "log_dir", str(settings.paths.logs))
    Config.set("kivy", "log_maxfiles", "20")
    Config.set("input", "mouse", "mouse,disable_multitouch")
    for name in Config.options("modules") if Config.has_section("modules") else []:
        Config.remove_option("modules", name)  # no inspector, console, monitor...
    width, height = settings.window_size
    Config.set("graphics", "width", str(width))
    Config.set("graphics", "height", str(height))
    Config.set("graphics", "fullscreen", "auto" if settings.fullscreen else "0")
    Config.set("graphics", "borderless", "1" if settings.fullscreen else "0")
    Config.set("graphics", "show_cursor", "0" if settings.fullscreen else "1")
    Config.set("graphics", "resizable", "0")
    # Kivy turns the picture and maps touches back through the same rotation.
    Config.set("graphics", "rotation", str(settings.rotation))


def _app_class():
    from kivy.app import App
    from kivy.clock import Clock
    from kivy.core.window import Window
    from kivy.properties import StringProperty
    from kivy.uix.screenmanager import NoTransition, ScreenManager

    from kiosk.i18n import Texts
    from kiosk.scanner import ScanEvent
    from kiosk.scanner.keyburst import KeyBurst, Scanned
    from kiosk.screens import khmer_setup, screen_classes
    from kiosk.screens.base import BACKGROUND

    class LazyScreens(ScreenManager):
        """Builds a screen the first time it is asked for: a faster first frame, less memory."""

        def __init__(self, factories: dict, **kwargs):
            self.factories = factories
            super().__init__(**kwargs)

        def get_screen(self, name):
            for screen in self.screens:
                if screen.name == name:
                    return screen
            if name not in self.factories:
                return super().get_screen(name)  # raises ScreenManagerException
            screen = self.factories[name](name=name)
            self.add_widget(screen)
            return screen

    class KioskApp(App):
        lang = StringProperty("km")
        countdown_text = StringProperty("")
        use_kivy_settings = False

        def __init__(self, settings, flow=None, library=None, problem=None, acceptor=None):
            super().__init__()
            self.settings, self.flow, self.library = settings, flow, library
            self.problem, self.acceptor = problem, acceptor
            self.sources: list = []
            self.keyburst = KeyBurst()
            self.scan_done: list = []  # callbacks(event) after a scan was shown (bench, tests)
            self.texts = Texts(settings.language)
            self.lang = settings.language
            self._sound = None

        def build(self):
            self.title = "Bannalai"
            khmer_setup.setup()
            # The screens' background: a clear costs far less than a full-window rectangle.
            Window.clearcolor = BACKGROUND
            first = "notprovisioned" if self.problem is not None else "home"
            factories = {
                name: cls
                for name, cls in screen_classes().items()
                if (name == "notprovisioned") == (self.problem is not None)
            }
            for name, cls in factories.items():
                if self.flow is not None and name not in self.flow.screens:
                    self.flow.add_screen(name, staff_only=cls.staff_only)
            self.manager = LazyScreens(factories, transition=NoTransition())
            self.manager.get_screen(first)
            Window.bind(on_keyboard=self._on_keyboard, on_touch_down=self._on_touch)
            # On the device nothing closes the window (Alt+F4, a compositor's close request).
            Window.bind(on_request_close=lambda *a, **k: bool(self.settings.fullscreen))
            Clock.schedule_interval(self._tick, 1.0)
            interval = watchdog.ping_interval()
            if interval:
                Clock.schedule_interval(lambda dt: watchdog.ping(), interval)
            self.manager.current = first
            return self.manager

        def on_start(self):
            for source in self.sources:
                source.start(self.deliver)
            self._flips = 0
            Window.bind(on_flip=self._on_flip)

        def _on_flip(self, *_args) -> None:
            """SDL's KMSDRM driver never shows the first frame it is given (the twin showed a
            black screen until something changed): draw once more, and tell systemd READY
            only once that second, visible frame is out."""
            self._flips += 1
            if self._flips == 1:
                Clock.schedule_once(lambda dt: Window.canvas.ask_update(), 0)
            elif self._flips == 2:
                Window.unbind(on_flip=self._on_flip)
                watchdog.ready("not provisioned" if self.problem else "ready")

        def on_stop(self):
            watchdog.stopping()
            for source in self.sources:
                source.stop()

        def open_settings(self, *args):
            return False  # locked down: no Kivy settings panel (F1)

        # -- what screens call ----------------------------------------------------------------
        def t(self, message: str, _lang: str = "") -> str:
            """gettext for .kv: ``app.t('Text', app.lang)`` re-evaluates when the language changes."""
            return (self.flow.texts if self.flow else self.texts)._(message)

        def screen_names(self) -> list[str]:
            """Every screen this app can show (built or not yet)."""
            return list(self.manager.factories)

        def go(self, name: str) -> None:
            if self.flow is not None and self.flow.go(name):
                self.changed()

        def set_language(self, lang: str) -> None:
            if self.flow is not None:
                self.flow.set_language(lang)
            self.lang = lang
            self.changed()

        def changed(self) -> None:
            """Show the flow's state: follow ``flow.screen`` and redraw the current screen."""
            if self.flow is None:
                return
            self.lang = self.flow.lang
            if self.flow.screen != self.manager.current and self.flow.screen in self.screen_names():
                self.manager.current = self.flow.screen  # on_pre_enter refreshes
            else:
                self.manager.current_screen.refresh()
            countdown = self.flow.countdown
            self.countdown_text = (
                ""
                if countdown is None
                else self.flow._("Closing in {seconds}. Touch to stay.", seconds=countdown)
            )

        # -- input ----------------------------------------------------------------------------
        def deliver(self, event) -> None:
            """Called by scan sources from their threads: hand over to the UI thread."""
            Clock.schedule_once(lambda dt: self.handle_scan(event))

        def handle_scan(self, event) -> None:
            if self.flow is None:
                return
            self.flow.touch()
            self.manager.current_screen.on_scan(event)
            self.changed()
            for callback in self.scan_done:
                callback(event)

        def _on_touch(self, window, touch):
            if self.flow is not None:
                self.flow.touch()
            return False

        def _on_keyboard(self, window, key, scancode, codepoint, modifiers):
            if key in (13, 271):
                name = "enter"
            elif key == 9:
                name = "tab"
            else:
                name = codepoint or ""
            if name and self.acceptor is not None:
                found = self.keyburst.feed(name, time.monotonic())
                if isinstance(found, Scanned):
                    event = self.acceptor.offer(found.code, "keyboard", "keys")
                    if isinstance(event, ScanEvent):  # else refused (Invalid) or held (None)
                        self.handle_scan(event)
            return True  # Escape, F1 and every other key stop here: nothing quits or opens

        def _tick(self, dt) -> None:
            self.keyburst.flush(time.monotonic())
            if self.flow is None:
                return
            if self.flow.tick():
                self.changed()
            if self.flow.screen == "home" and self.flow.patron is None:
                self.library.compact_if_needed()

        def play_prompt(self, key: str) -> None:
            path = prompts.prompt_file(self.settings.paths.prompts, key, self.lang)
            if path is None:
                return
            from kivy.core.audio import SoundLoader

            if self._sound is not None:
                self._sound.stop()
            self._sound = SoundLoader.load(str(path))
            if self._sound is not None:
                self._sound.play()

    return KioskApp


def start(settings: Settings, *, library=None, sources=None, acceptor=None, flow_now=None):
    """A built, started app (window shown, not yet looping) over ``settings``' kiosk home.

    Returns the app; the caller runs ``app.run()`` or pumps frames with ``pump``. When the kiosk
    is not provisioned the app shows only the reason.
    """
    from kiosk.firstboot import provisioning_state

    configure_kivy(settings)
    ok, reason = provisioning_state(settings)
    KioskApp = _app_class()
    if not ok:
        app = KioskApp(settings, problem=reason)
    else:
        from kiosk.flow import Flow
        from kiosk.library import Library
        from kiosk.scanner import Acceptor, sources_for

        if library is None:
            _ensure_store(settings)
            library = Library.open(settings)
        acceptor = acceptor or Acceptor(settings)
        kwargs = {"now": flow_now} if flow_now else {}
        flow = Flow(library, settings, **kwargs)
        app = KioskApp(settings, flow=flow, library=library, acceptor=acceptor)
        flow.on_prompt = app.play_prompt
        app.sources = list(sources) if sources is not None else sources_for(settings, acceptor)
    app._run_prepare()
    return app


def _ensure_store(settings: Settings) -> None:
    """A provisioned kiosk whose store has no identity yet gets the identity's ids."""
    from kiosk.firstboot import load_identity
    from kiosk.library import Library

    identity = load_identity(settings)
    Library.init(settings, identity.kiosk_id, identity.prison_id)


def pump(frames: int = 3) -> None:
    """Advance the event loop by ``frames`` frames (tests, benches, screenshots)."""
    from kivy.base import EventLoop

    for _ in range(frames):
        EventLoop.idle()


def screenshot(path: Path) -> Path:
    """Save what the window shows now as ``path`` (PNG)."""
    from kivy.core.window import Window

    made = Window.screenshot(name=str(path.with_name(path.stem + "-shot.png")))
    os.replace(made, path)
    return path


def run(settings: Settings) -> int:
    """The kiosk's main loop; returns when the window closes. Crashes propagate to the caller."""
    app = start(settings)
    from kivy.base import runTouchApp
    from kivy.clock import Clock

    from kiosk.sync import start_sync

    # The sync thread shares the one Library; it never blocks the UI (see kiosk/sync.py).
    agent = start_sync(app.library, settings) if app.library is not None else None
    # systemd stops the kiosk with SIGTERM: close the window and the store cleanly.
    signal.signal(signal.SIGTERM, lambda *_: Clock.schedule_once(lambda dt: app.stop()))
    try:
        runTouchApp()
    finally:
        app._stop()
        if agent is not None:
            agent.stop()
        if app.library is not None:
            app.library.close()
    return 0
