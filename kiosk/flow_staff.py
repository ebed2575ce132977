"""The staff part of the screen flow: PIN pad, sign-in/out, settings, rules, kiosk state.

A mixin of ``kiosk.flow.Flow`` (it uses the flow's ``touch``, ``texts``, ``settings``, ``gate``,
``library`` and ``go``), kept apart so each module stays small. The PIN is checked by
``kiosk.staffpin`` (hashed, slowed after wrong tries). UI-free: never imports Kivy.
"""

from __future__ import annotations

import math

from kiosk.circulation import DEFAULT_RULE
from kiosk.i18n import Texts
from kiosk.staffpin import MAX_DIGITS


class StaffFlow:
    def pin_key(self, digit: str) -> None:
        self.touch()
        if digit.isdigit() and len(self.pin) < MAX_DIGITS:
            self.pin += digit

    def pin_back(self) -> None:
        self.touch()
        self.pin = self.pin[:-1]

    def pin_submit(self) -> bool:
        self.touch()
        pin, self.pin = self.pin, ""
        if not self.settings.staff_pin_hash:
            self.message = self._("No staff PIN is set. A technician must set one.")
            return False
        result = self.gate.attempt(pin, self.settings.staff_pin_hash, self.now())
        if result is True:
            self.staff, self.message = True, ""
            return True
        wait = self.gate.wait_s(self.now())
        if wait > 0:
            self.message = self._("Wrong PIN. Wait {seconds} seconds.", seconds=math.ceil(wait))
        else:
            self.message = self._("Wrong PIN. Try again.")
        return False

    def sign_out(self) -> None:
        self.staff = False
        self.go("home")

    def change_settings(self, **changes) -> None:
        """Staff only: apply and save role, language or idle timeout."""
        if not self.staff:
            return
        self.touch()
        if "idle_timeout_s" in changes:
            changes["idle_timeout_s"] = max(20, min(600, int(changes["idle_timeout_s"])))
        self.settings = self.settings.updated(**changes)
        self.save_settings(self.settings)
        if "language" in changes:
            self.texts = Texts(self.settings.language)

    def rules(self) -> list[dict]:
        return self.library.rules() or [DEFAULT_RULE.model_dump()]

    def kiosk_state(self) -> dict:
        """For staff on Home: is the hub reachable, when was the last sync, what is waiting."""
        sync = self.library.sync_state()
        last = sync.get("last_sync_at") or sync.get("last_success_at") or ""
        return {
            "hub_reachable": bool(sync.get("hub_reachable", sync.get("reachable", False))),
            "last_sync": self.texts.date(last) if last else "",
            "pending": self.library.outbox_count(),
            "clock_synced": self.library.clock.synced,
        }
