"""My loans: a detainee scans their own card and sees only their own books and due dates."""

from __future__ import annotations

from kiosk.screens.base import KioskScreen, show_rows
from kiosk.screens.patron import loan_rows


class MyLoansScreen(KioskScreen):
    screen_name = "myloans"

    def refresh(self) -> None:
        flow = self.flow
        patron = flow.patron
        if patron is None:
            self.ids.prompt.source_text = flow.message or flow._("Show your card to the scanner.")
            self.ids.name.text = ""
            show_rows(self.ids.loans, [])
        else:
            self.ids.name.text = patron.name
            if patron.loans:
                text = flow._("You have {count} books.", count=len(patron.loans))
            else:
                text = flow._("You have no books now.")
            self.ids.prompt.source_text = text
            show_rows(self.ids.loans, loan_rows(flow, patron))
        self.ids.scan_picture.opacity = 0 if patron else 1
        self.ids.scan_picture.width = 0 if patron else 110
        self.ids.done.opacity = 1 if patron else 0
        self.ids.done.disabled = patron is None

    def done(self) -> None:
        self.flow.finish()
        self.app.go("home")


SCREEN = MyLoansScreen
