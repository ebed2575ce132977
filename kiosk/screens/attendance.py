"""Class attendance: a librarian picks the activity, then each person scans their card."""

from __future__ import annotations

from kiosk.flow import ACTIVITY_NAMES
from kiosk.screens.base import IconButton, KioskScreen, fill, icon, show_rows


class AttendanceScreen(KioskScreen):
    screen_name = "attendance"
    staff_only = True

    def refresh(self) -> None:
        flow = self.flow
        buttons = []
        for activity, caption in ACTIVITY_NAMES.items():
            button = IconButton(
                icon=icon(activity.value),
                caption=flow._(caption),
                icon_size=80,
                selected=flow.activity == activity.value,
            )
            button.bind(on_release=lambda _b, a=activity.value: self.choose(a))
            buttons.append(button)
        fill(self.ids.activities, buttons)
        self.ids.prompt.source_text = flow.message or flow._("Choose the class.")
        show_rows(self.ids.lines, [(ln.ok, ln.title, ln.detail) for ln in flow.lines])

    def choose(self, activity: str) -> None:
        self.flow.choose_activity(activity)
        self.app.changed()


SCREEN = AttendanceScreen
