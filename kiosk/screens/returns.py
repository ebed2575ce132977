"""Return: scan books; each shows who had it and whether it came back late."""

from __future__ import annotations

from kiosk.screens.base import KioskScreen, show_rows


class ReturnScreen(KioskScreen):
    screen_name = "return"
    staff_only = True

    def refresh(self) -> None:
        flow = self.flow
        self.ids.prompt.source_text = flow.message or flow._("Scan the books that come back.")
        show_rows(self.ids.lines, [(ln.ok, ln.title, ln.detail) for ln in flow.lines])


SCREEN = ReturnScreen
