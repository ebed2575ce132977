"""Shown instead of everything else when the kiosk has no identity: the reason, no way out."""

from __future__ import annotations

from kiosk.screens.base import KioskScreen


class NotProvisionedScreen(KioskScreen):
    screen_name = "notprovisioned"
    staff_only = True  # never offered on Home; the app opens it only when not provisioned

    def refresh(self) -> None:
        self.ids.reason.source_text = self.app.problem or ""


SCREEN = NotProvisionedScreen
