"""Add a book (staff, circulation desk): scan the ISBN, type the Khmer title, save, print.

The decisions are ``kiosk.flow_desk`` and ``kiosk.desk``; this screen draws the form, feeds the
on-screen Khmer keyboard into it and sends the saved label to CUPS (``lp``) in a worker thread.
"""

from __future__ import annotations

import shutil
import subprocess
import threading

from kivy.clock import Clock
from kivy.properties import BooleanProperty

from kiosk.screens.base import BAD_COLOUR, KioskScreen, fill_khmer_keyboard

GREY, INK = (0.45, 0.45, 0.45, 1), (0.1, 0.1, 0.1, 1)


class DeskScreen(KioskScreen):
    screen_name = "desk"
    staff_only = True
    typing = BooleanProperty(False)
    has_printer = BooleanProperty(
        False
    )  # ``lp`` (CUPS) on PATH  # an ISBN is shown and not yet saved: the keyboard is open

    def on_pre_enter(self, *args) -> None:
        self._build_keyboard()
        super().on_pre_enter(*args)

    def _build_keyboard(self) -> None:
        fill_khmer_keyboard(self.ids.keyboard, self.type_key, font_size=28)

    def refresh(self) -> None:
        flow = self.flow
        form = flow.desk
        ids = self.ids
        ids.prompt.source_text, bad = self._prompt_text()
        ids.prompt.color = BAD_COLOUR if bad else INK
        for name in ("title", "author"):
            value = getattr(form, name)
            ids[f"{name}_value"].text = value or "…"
            ids[f"{name}_value"].color = INK if value else GREY
            ids[f"{name}_field"].selected = form.active == name and form.added is None
        can_save = form.known is not None and form.added is None
        self.typing = can_save
        # Dimmed, not disabled: a disabled label turns white and the caption vanishes.
        ids.save.opacity = 1 if can_save else 0.3
        self.has_printer = self.printer() is not None  # else the prompt says where the PDF is
        ids.print.opacity = (1 if form.added is not None else 0.3) if self.has_printer else 0
        ids.print.disabled = not self.has_printer

    def _prompt_text(self) -> tuple[str, bool]:
        flow = self.flow
        form = flow.desk
        if form.refusal:
            return form.refusal, True
        if form.added is not None:
            title = form.title or (form.known.title or {}).get("title", "")
            path = str(form.added.label_pdf)
            lines = [
                flow._(
                    "Saved: {title}. New label: {barcode}.", title=title, barcode=form.added.barcode
                ),
                flow._("The label is in {path}", path=path),
            ]
            if self.printer() is None:
                lines.append(flow._("No printer here: print this file from another computer."))
            if form.note:
                lines.append(form.note)
            lines.append(flow._("Scan the book's ISBN."))
            return "\n".join(lines), False
        if form.known is None:
            return flow._("Scan the book's ISBN."), False
        count = flow.texts.number(len(form.copies))
        known = (
            flow._("Already in the library: {count} copies.", count=count)
            if form.known.title
            else flow._("A new book for the library.")
        )
        label = flow._("New label: {barcode}.", barcode=flow.desk_barcode())
        return f"ISBN {form.known.isbn}. {known} {label}", False

    # -- touches -----------------------------------------------------------------------------
    def choose_field(self, name: str) -> None:
        self.flow.desk_field(name)
        self.app.changed()

    def type_key(self, key: str) -> None:
        if self.flow.desk.added is None:
            self.flow.desk_key(key)
        self.app.changed()

    def backspace(self) -> None:
        self.flow.desk_backspace()
        self.app.changed()

    def save(self) -> None:
        if self.flow.desk.added is None:
            self.flow.desk_save(self.app.settings.paths.home / "labels")
            self.app.changed()

    # -- printing: CUPS, never on the UI thread ------------------------------------------------
    @staticmethod
    def printer() -> str | None:
        return shutil.which("lp")

    def print_label(self) -> None:
        form, lp = self.flow.desk, self.printer()
        if form.added is None or lp is None:
            return
        form.note = self.flow._("Sending the label to the printer…")
        self.app.changed()
        path = str(form.added.label_pdf)

        def work() -> None:
            try:
                done = subprocess.run([lp, path], capture_output=True, timeout=60).returncode == 0
            except (OSError, subprocess.SubprocessError):
                done = False
            Clock.schedule_once(lambda dt: self._printed(form, done))

        threading.Thread(target=work, daemon=True).start()

    def _printed(self, form, done: bool) -> None:
        flow = self.flow
        form.note = (
            flow._("The label was sent to the printer.")
            if done
            else flow._("The printer did not take the label.")
        )
        if flow.desk is form:
            self.app.changed()


SCREEN = DeskScreen
