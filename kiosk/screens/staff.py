"""Staff: a PIN on a number pad, then the settings (role, language, idle time), rules, sign out."""

from __future__ import annotations

from kiosk.i18n import LANGUAGE_NAMES, LANGUAGES, N_
from kiosk.screens.base import KioskScreen, TextButton, fill

ROLES = {"circulation": N_("Lending desk"), "reading": N_("Reading station")}


class StaffScreen(KioskScreen):
    screen_name = "staff"

    def refresh(self) -> None:
        flow = self.flow
        self.ids.pages.current = "settings" if flow.staff else "pin"
        if not flow.staff:
            self._refresh_pin()
        else:
            self._refresh_settings()

    def _refresh_pin(self) -> None:
        flow = self.flow
        self.ids.dots.text = "●" * len(flow.pin) if flow.pin else flow._("Type the staff PIN")
        self.ids.pin_message.source_text = flow.message
        if not self.ids.pad.children:
            for key in ("1", "2", "3", "4", "5", "6", "7", "8", "9", "<", "0", "OK"):
                button = TextButton(text=key, font_size=34)
                button.bind(on_release=lambda _b, k=key: self.press(k))
                self.ids.pad.add_widget(button)

    def press(self, key: str) -> None:
        if key == "<":
            self.flow.pin_back()
        elif key == "OK":
            self.flow.pin_submit()
        else:
            self.flow.pin_key(key)
        self.app.changed()

    def _refresh_settings(self) -> None:
        flow, settings = self.flow, self.flow.settings
        fill(
            self.ids.roles,
            [
                self._choice(flow._(text), settings.role == role, role=role)
                for role, text in ROLES.items()
            ],
        )
        fill(
            self.ids.languages,
            [
                self._choice(LANGUAGE_NAMES[lg], settings.language == lg, language=lg)
                for lg in LANGUAGES
            ],
        )
        self.ids.idle.text = flow._(
            "{seconds} seconds", seconds=flow.texts.number(settings.idle_timeout_s)
        )
        rules = []
        for rule in flow.rules():
            rules.append(
                flow._(
                    "{who} / {item}: {days} days, {max} books, {renewals} renewals",
                    who=flow._("Everyone")
                    if rule["patron_category"] == "*"
                    else rule["patron_category"],
                    item=flow._("Any book") if rule["item_type"] == "*" else rule["item_type"],
                    days=flow.texts.number(rule["loan_days"]),
                    max=flow.texts.number(rule["max_loans"]),
                    renewals=flow.texts.number(rule["max_renewals"]),
                )
            )
        self.ids.rules.source_text = "\n".join(rules)

    def _choice(self, text: str, selected: bool, **change) -> TextButton:
        button = TextButton(text=text, selected=selected)
        button.bind(on_release=lambda _b: self.change(**change))
        return button

    def change(self, **change) -> None:
        self.flow.change_settings(**change)
        if "language" in change:
            self.app.set_language(change["language"])
        self.app.changed()

    def idle_step(self, step: int) -> None:
        self.change(idle_timeout_s=self.flow.settings.idle_timeout_s + step)

    def sign_out(self) -> None:
        self.flow.sign_out()
        self.app.changed()


SCREEN = StaffScreen
