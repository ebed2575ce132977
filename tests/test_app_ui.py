"""The real Kivy app under Xvfb, driven by injected scans (fake scanner source) and touches.

One app per module (Kivy has one window per process): the tests run in order and share it, each
starting from Home. Screenshots of every screen in Khmer and English go to a tmp folder
(``BANNALAI_SHOTS=dir`` keeps copies).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.demohome import make_demo_home
from kiosk.staffpin import hash_pin

pytestmark = pytest.mark.ui
SCREENS = ("home", "lend", "return", "myloans", "catalogue", "attendance", "staff", "desk")


class FakeTime:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


class Driver:
    def __init__(self, app, source, clock, shots: Path) -> None:
        from kiosk.app import pump

        self.app, self.source, self.clock, self.shots, self.pump = app, source, clock, shots, pump
        self.shown = 0
        app.scan_done.append(lambda event: setattr(self, "shown", self.shown + 1))

    @property
    def screen(self):
        return self.app.manager.current_screen

    def scan(self, code: str) -> None:
        before = self.shown
        self.source.push(code)
        self.source.drain()
        for _ in range(100):
            self.pump(1)
            if self.shown > before:
                break
        self.pump(1)

    def tap(self, widget) -> None:
        from kivy.tests.common import UnitTestTouch

        x, y = widget.to_window(*widget.center)
        touch = UnitTestTouch(x, y)
        touch.touch_down()
        touch.touch_up()
        self.pump(2)

    def find(self, cls_name: str, **attrs):
        for widget in self.screen.walk():
            if type(widget).__name__ == cls_name and all(
                getattr(widget, k, None) == v for k, v in attrs.items()
            ):
                return widget
        raise LookupError(f"no {cls_name} {attrs} on {self.screen.name}")

    def texts(self) -> str:
        return "\n".join(
            w.text for w in self.screen.walk() if hasattr(w, "text") and isinstance(w.text, str)
        )

    def home(self) -> None:
        self.app.go("home")
        self.pump(2)

    def shot(self, name: str) -> Path:
        from kiosk.app import screenshot

        self.pump(2)
        path = screenshot(self.shots / f"{name}.png")
        if os.environ.get("BANNALAI_SHOTS"):
            Path(os.environ["BANNALAI_SHOTS"]).mkdir(parents=True, exist_ok=True)
            shutil.copy(path, Path(os.environ["BANNALAI_SHOTS"]) / path.name)
        return path


@pytest.fixture(scope="module")
def ui(tmp_path_factory):
    if not os.environ.get("DISPLAY"):
        pytest.skip("needs an X display: run the tests under xvfb-run")
    home = make_demo_home(
        tmp_path_factory.mktemp("ui-home"),
        fullscreen=False,
        window_size=(1024, 600),
        staff_pin_hash=hash_pin("2468"),
    )
    os.environ.update(KIVY_NO_ARGS="1", KIVY_NO_CONSOLELOG="1")
    os.environ["KIVY_HOME"] = str(tmp_path_factory.mktemp("kivy-home"))
    from kiosk.app import pump, start
    from kiosk.scanner import Acceptor
    from kiosk.scanner.fake import FakeSource

    acceptor = Acceptor(home, hold_s=0.0)
    source = FakeSource(acceptor)
    clock = FakeTime()
    app = start(home, sources=[source], acceptor=acceptor, flow_now=clock)
    pump(3)
    driver = Driver(app, source, clock, tmp_path_factory.mktemp("shots"))
    yield driver
    app.stop()
    app.library.close()


def test_home_shows_every_action_as_a_picture_in_khmer(ui):
    assert ui.screen.name == "home"
    captions = {b.caption for b in ui.screen.walk() if type(b).__name__ == "IconButton"}
    assert {"ឲ្យខ្ចី", "សង", "សៀវភៅរបស់ខ្ញុំ", "រកសៀវភៅ", "ថ្នាក់រៀន", "បុគ្គលិក"} <= captions
    for button in ui.screen.ids.tiles.children:
        assert button.height >= 96 and button.width >= 96
    ui.shot("home_km")


def test_lend_by_touch_and_scans(ui):
    ui.tap(ui.find("IconButton", caption="ឲ្យខ្ចី"))
    assert ui.screen.name == "lend"
    ui.scan("C1001")
    assert ui.screen.ids.name.text == "សុខ សំណាង"
    ui.scan("B0001")
    ui.scan("B0003")
    ui.scan("B9999")
    rows = ui.screen.ids.lines.children[::-1]  # Kivy keeps children last-first
    assert [r.ok for r in rows] == [False, True, True]
    assert rows[0].detail.startswith("សៀវភៅនេះមិនមាន")
    assert "សងវិញត្រឹម" in rows[1].detail
    loans = ui.app.library.patron_loans("C1001")
    assert {loan["barcode"] for loan in loans} == {"B0001", "B0003"}
    assert len(ui.screen.ids.loans.children) == 2
    ui.shot("lend_km")
    ui.tap(ui.screen.ids.done)
    assert ui.screen.ids.name.text == "" and not ui.screen.ids.lines.children


def test_return_shows_who_had_it(ui):
    ui.home()
    ui.tap(ui.find("IconButton", caption="សង"))
    ui.scan("B0001")
    row = ui.screen.ids.lines.children[-1]
    assert row.ok and "សុខ សំណាង" in row.detail
    assert ui.app.library.copy("B0001")["status"] == "available"
    ui.shot("return_km")


def test_my_loans_shows_only_my_books_then_idle_clears_them(ui):
    ui.app.library.check_out("C1002", "B0004")
    ui.home()
    ui.tap(ui.find("IconButton", caption="សៀវភៅរបស់ខ្ញុំ"))
    ui.shot("myloans_km_waiting")
    ui.scan("C1002")
    shown = ui.texts()
    assert "ចាន់ ធារី" in shown and "គណិតវិទ្យាងាយៗ" in shown
    assert "ភាសាខ្មែរ ថ្នាក់ទី១" not in shown  # C1001's book is never shown here
    ui.shot("myloans_km")
    ui.clock.t += ui.app.flow.settings.idle_timeout_s - 4
    ui.app._tick(0)
    ui.pump(2)
    assert "៤" in ui.app.countdown_text and "ចុច" in ui.app.countdown_text
    ui.shot("myloans_km_countdown")
    ui.clock.t += 5
    ui.app._tick(0)
    ui.pump(2)
    assert ui.screen.name == "home" and ui.app.flow.patron is None
    assert "ចាន់ ធារី" not in ui.texts()


def test_attendance_records_to_the_outbox(ui):
    ui.home()
    ui.tap(ui.find("IconButton", caption="ថ្នាក់រៀន"))
    before = ui.app.library.outbox_count()
    ui.tap(ui.find("IconButton", caption="ថ្នាក់អក្ខរកម្ម"))
    ui.scan("C1003")
    ui.scan("C1005")
    assert ui.app.library.outbox_count() == before + 2
    assert "មានវត្តមាន ២ នាក់។" in ui.texts()
    events = [e for e in ui.app.library.outbox_pending(1000) if e.type == "attendance_recorded"]
    assert [e.data["card"] for e in events[-2:]] == ["C1003", "C1005"]
    ui.shot("attendance_km")


def test_catalogue_search_with_the_khmer_keyboard(ui):
    ui.home()
    ui.tap(ui.find("IconButton", caption="រកសៀវភៅ"))
    assert len(ui.screen.ids.results.children) > 5
    ui.tap(ui.find("IconButton", icon=_icon("search")))
    assert ui.screen.keyboard_open
    for key in "ទន":
        ui.tap(ui.find("TextButton", text=key))
    titles = [tile.title for tile in ui.screen.ids.results.children]
    assert titles == ["ទន្សាយនិងអណ្តើក"] or all("ទន" in t for t in titles)
    ui.shot("catalogue_km_search")
    ui.tap(ui.find("IconButton", icon=_icon("search")))
    ui.app.flow.query = ""
    ui.app.changed()
    ui.shot("catalogue_km")


def _icon(name: str) -> str:
    from kiosk.screens.base import icon

    return icon(name)


def test_staff_pin_pad_and_settings(ui):
    ui.home()
    ui.tap(ui.find("IconButton", caption="បុគ្គលិក"))
    for key in "1111":
        ui.tap(ui.find("TextButton", text=key))
    assert ui.screen.ids.dots.text == "●●●●"
    ui.tap(ui.find("TextButton", text="OK"))
    assert "លេខសម្ងាត់ខុស" in ui.screen.ids.pin_message.text
    ui.shot("staff_km")
    for key in ["2", "4", "6", "8", "OK"]:
        ui.tap(ui.find("TextButton", text=key))
    assert ui.app.flow.staff and ui.screen.ids.pages.current == "settings"
    ui.shot("staff_km_settings")
    ui.home()
    assert "ម៉ាស៊ីនមេ" in ui.screen.ids.state.text  # kiosk state, for staff only
    ui.shot("home_km_staff")
    ui.app.flow.sign_out()
    ui.app.changed()
    ui.pump(2)
    assert ui.screen.ids.state.text == ""


def test_desk_adds_a_book_from_its_isbn_with_the_khmer_keyboard(ui):
    library = ui.app.library
    ui.home()
    ui.tap(ui.find("IconButton", caption="បន្ថែមសៀវភៅ"))
    assert ui.screen.name == "desk"
    ui.scan("C1001")  # a patron card is not an ISBN: refused in words, nothing added
    assert ui.screen.name == "desk" and "ISBN" in ui.screen.ids.prompt.text
    assert ui.app.flow.desk.known is None
    ui.tap(ui.screen.ids.save)
    assert "ISBN" in ui.screen.ids.prompt.text and ui.app.flow.desk.added is None
    ui.scan("9789995000011")
    assert "9789995000011" in ui.screen.ids.prompt.text
    for key in "ទន្សាយ":
        ui.tap(ui.find("TextButton", text="\u25cc" + key if key in "្ា" else key))
    assert ui.screen.ids.title_value.text == "ទន្សាយ"
    assert_no_line_starts_with_a_mark(ui.screen)
    ui.shot("desk_km")
    before = library.outbox_count()
    ui.tap(ui.screen.ids.save)
    added = ui.app.flow.desk.added
    assert added is not None, ui.screen.ids.prompt.text
    copy = library.copy(added.barcode)
    assert copy is not None and library.title(copy["title_id"])["title"] == "ទន្សាយ"
    assert library.outbox_count() == before + 1
    events = [e for e in library.outbox_pending(1000) if e.type == "copy_added"]
    assert events and events[-1].data["barcode"] == added.barcode
    assert added.label_pdf.is_file() and added.label_pdf.read_bytes().startswith(b"%PDF")
    shown = ui.screen.ids.prompt.source_text
    assert added.barcode in shown and str(added.label_pdf) in shown
    assert_no_line_starts_with_a_mark(ui.screen)
    ui.shot("desk_km_saved")
    ui.app.set_language("en")
    ui.pump(2)
    ui.shot("desk_en")
    ui.app.set_language("km")
    ui.home()


def test_desk_prints_the_label_with_lp_off_the_ui_thread(ui, tmp_path, monkeypatch):
    import time

    bin_dir, log = tmp_path / "bin", tmp_path / "lp.log"
    bin_dir.mkdir()
    (bin_dir / "lp").write_text(f'#!/bin/sh\nsleep 0.3\necho "$@" > {log}\n')
    (bin_dir / "lp").chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:{os.environ['PATH']}")
    ui.app.go("desk")
    ui.scan("9789995000028")
    ui.tap(ui.find("TextButton", text="ក"))
    ui.tap(ui.screen.ids.save)
    added = ui.app.flow.desk.added
    assert added is not None and ui.screen.has_printer
    started = time.monotonic()
    ui.tap(ui.screen.ids.print)
    assert time.monotonic() - started < 0.3  # the UI thread never waits for the printer
    for _ in range(200):
        ui.pump(1)
        if "sent to the printer" in ui.app.flow.desk.note or "បានផ្ញើ" in ui.app.flow.desk.note:
            break
        time.sleep(0.02)
    assert log.read_text().strip() == str(added.label_pdf)
    assert ui.app.flow.desk.note in ui.screen.ids.prompt.source_text
    ui.home()


def test_escape_f1_and_keys_do_not_leave_the_app(ui):
    from kivy.core.window import Window

    ui.home()
    for key in (27, 282, 1073741882):
        Window.dispatch("on_keyboard", key, 0, None, [])
        Window.dispatch("on_key_down", key, 0, None, [])
        ui.pump(1)
    assert ui.app.manager.current == "home" and ui.app.open_settings() is False
    assert Window.children and Window.children[0] is ui.app.root


def test_usb_wedge_scanner_keys_are_a_scan(ui):
    from kivy.core.window import Window

    ui.app.go("lend")
    ui.pump(1)
    for ch in "C1004":
        Window.dispatch("on_keyboard", ord(ch.lower()), 0, ch, [])
    Window.dispatch("on_keyboard", 13, 40, None, [])
    ui.pump(2)
    assert ui.screen.ids.name.text == "គឹម សុភាព"
    ui.app.flow.finish()


def assert_no_line_starts_with_a_mark(screen) -> None:
    """Every line Kivy actually laid out (after our ICU wrapping and its own) on the screen."""
    import unicodedata

    from kivy.uix.label import Label

    for widget in screen.walk():
        if not isinstance(widget, Label) or not widget.text:
            continue
        widget.texture_update()
        for line in widget._label._cached_lines:
            text = "".join(word.text for word in line.words).lstrip()
            if text and not text.startswith("\u25cc"):  # a keyboard key shows its mark on ◌
                assert unicodedata.category(text[0]) not in ("Mn", "Mc"), (widget, text)
                assert not text.endswith("\u17d2"), (widget, text)


def test_every_screen_in_khmer_and_english(ui):
    from PIL import Image

    made = []
    for lang in ("en", "km"):
        ui.home()
        ui.tap(ui.find("TextButton", text={"en": "English", "km": "ខ្មែរ"}[lang]))
        assert ui.app.flow.lang == lang
        for name in SCREENS:
            ui.app.go(name)
            ui.pump(2)
            assert ui.screen.name == name
            assert_no_line_starts_with_a_mark(ui.screen)
            made.append(ui.shot(f"{name}_{lang}_all"))
    for path in made:
        with Image.open(path) as im:
            assert im.size == (1024, 600)
            assert len(im.convert("RGB").getcolors(1 << 20) or []) > 8, path  # not blank


def test_not_provisioned_shows_the_reason(ui, tmp_path):
    out = tmp_path / "np.png"
    env = dict(os.environ, KIVY_HOME=str(tmp_path / "kivy"))
    result = subprocess.run(
        [sys.executable, "-m", "kiosk", "screenshot", "--home", str(tmp_path / "empty")]
        + ["--out", str(out)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert out.stat().st_size > 5000
    if os.environ.get("BANNALAI_SHOTS"):
        shutil.copy(out, Path(os.environ["BANNALAI_SHOTS"]) / "notprovisioned_km.png")


def _subprocess_home(tmp_path) -> tuple[Path, dict]:
    home = make_demo_home(tmp_path / "home", fullscreen=False, window_size=(800, 480))
    env = dict(os.environ, KIVY_HOME=str(tmp_path / "kivy"), KIVY_NO_CONSOLELOG="1")
    return home.home, env


def test_run_tells_systemd_ready_and_a_crash_exits_non_zero_with_a_log(ui, tmp_path):
    import socket

    home, env = _subprocess_home(tmp_path)
    sock_path = tmp_path / "notify.sock"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(sock_path))
    sock.settimeout(60)
    env["NOTIFY_SOCKET"] = str(sock_path)
    crash = (
        "import sys, kiosk.flow\n"
        "calls = []\n"
        "def boom(self):\n"  # a few seconds in: after the first visible frame (READY)
        "    calls.append(1)\n"
        "    if len(calls) >= 3:\n"
        "        raise RuntimeError('injected crash')\n"
        "    return False\n"
        "kiosk.flow.Flow.tick = boom\n"
        "from kiosk.__main__ import main\n"
        f"sys.exit(main(['run', '--home', {str(home)!r}]))\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", crash], env=env, stderr=subprocess.PIPE)
    try:
        assert sock.recv(1024).startswith(b"READY=1")
        _out, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
        sock.close()
    assert proc.returncode == 70, err[-2000:]
    assert "injected crash" in (home / "logs" / "kiosk-app.log").read_text()


def test_sigterm_stops_the_app_cleanly(ui, tmp_path):
    import signal
    import socket

    home, env = _subprocess_home(tmp_path)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(tmp_path / "notify.sock"))
    sock.settimeout(60)
    env["NOTIFY_SOCKET"] = str(tmp_path / "notify.sock")
    proc = subprocess.Popen(
        [sys.executable, "-m", "kiosk", "run", "--home", str(home)], env=env, stderr=subprocess.PIPE
    )
    try:
        assert sock.recv(1024).startswith(b"READY=1")
        proc.send_signal(signal.SIGTERM)
        _out, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
        sock.close()
    assert proc.returncode == 0, err[-2000:]


def test_bad_scans_are_refused_before_the_screen_and_never_crash_it(ui):
    ui.app.go("lend")
    ui.pump(1)
    ui.scan("C1001")
    for bad in ["", "\x00\x01", "x" * 300, "ក្ក្ក", "b0001", "C1001; rm -rf /", "\u202eC1001"]:
        ui.source.push(bad)
    ui.source.drain()
    ui.pump(3)
    assert ui.screen.name == "lend" and ui.screen.ids.name.text == "សុខ សំណាង"
    ui.scan("NOSUCHBOOK1")
    assert ui.screen.ids.lines.children[-1].ok is False
    ui.app.flow.finish()


def test_a_recorded_prompt_is_played_when_its_file_exists(ui):
    import wave

    folder = ui.app.settings.paths.prompts / "km"
    folder.mkdir(parents=True, exist_ok=True)
    with wave.open(str(folder / "scan_card.wav"), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"\0\0" * 800)
    ui.home()
    ui.app._sound = None
    ui.app.go("myloans")  # asks for the 'scan_card' prompt
    ui.pump(2)
    assert ui.app._sound is not None and ui.app._sound.source.endswith("scan_card.wav")
    ui.app._sound.stop()
    ui.home()


def test_drawn_label_button_and_textinput_widths_match_harfbuzz(ui):
    """In the running app (real GL textures), not only measured: every widget kind is shaped."""
    import uharfbuzz as hb
    from kivy.uix.button import Button
    from kivy.uix.label import Label
    from kivy.uix.textinput import TextInput

    from kiosk.screens.khmer_setup import font_path

    face = hb.Face(hb.Blob.from_file_path(str(font_path())))
    font = hb.Font(face)

    def shaped(text: str, size: int) -> int:
        font.scale, font.ppem = (size * 64, size * 64), (size, size)
        buf = hb.Buffer()
        buf.add_str(text)
        buf.guess_segment_properties()
        hb.shape(font, buf)
        return sum(round(p.x_advance / 64) for p in buf.glyph_positions)

    for text in ("ព្រះរាជាណាចក្រកម្ពុជា", "សៀវភៅរបស់ខ្ញុំ", "ខ្ញុំស្រឡាញ់ការអាន"):
        want = shaped(text, 31)
        for widget in (Label(text=text, font_size=31), Button(text=text, font_size=31)):
            widget.texture_update()
            assert abs(widget.texture_size[0] - want) <= max(3, 0.025 * want), (widget, text)
        field = TextInput()  # font_size given to the constructor is not applied to its measuring
        field.font_size = 31
        field.text = text
        got = field._get_text_width(text, field.tab_width, None)  # its own line label
        assert abs(got - want) <= max(3, 0.025 * want), ("TextInput", text)
