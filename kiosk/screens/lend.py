"""Lend: scan the card, see the person and their books, scan books one after another."""

from __future__ import annotations

from kiosk.screens.base import KioskScreen, icon, show_rows
from kiosk.screens.patron import loan_rows


class LendScreen(KioskScreen):
    screen_name = "lend"
    staff_only = True

    def refresh(self) -> None:
        flow = self.flow
        patron = flow.patron
        self.ids.prompt.source_text = flow.message or flow._("Scan the card first.")
        self.ids.name.text = patron.name if patron else ""
        self.ids.block.source_text = patron.block if patron else ""
        # Due dates come from this kiosk's clock: say so when it is not known to be right.
        unsure = patron is not None and not self.library.clock.synced
        self.ids.clock.text = flow._("Clock not set") if unsure else ""
        self.ids.loans_title.text = (
            flow._("Books now: {count}", count=len(patron.loans)) if patron else ""
        )
        show_rows(self.ids.loans, loan_rows(flow, patron) if patron else [])
        show_rows(self.ids.lines, [(ln.ok, ln.title, ln.detail) for ln in flow.lines])
        self.ids.picture.source = icon("lend" if patron else "myloans")
        self.ids.done.disabled = patron is None
        self.ids.done.opacity = 1 if patron else 0.3

    def done(self) -> None:
        self.flow.finish()
        self.app.changed()


SCREEN = LendScreen
