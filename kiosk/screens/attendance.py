"""Class attendance: a librarian picks the activity, then each person scans their card."""

from __future__ import annotations

from kiosk.flow import ACTIVITY_NAMES
from kiosk.screens.base import IconButton, KioskScreen, LineRow, fill, icon


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
                icon_size=96,
                selected=flow.activity == activity.value,
            )
            button.bind(on_release=lambda _b, a=activity.value: self.choose(a))
            buttons.append(button)
        fill(self.ids.activities, buttons)
        self.ids.prompt.source_text = flow.message or flow._("Choose the class.")
        fill(
            self.ids.lines,
            [LineRow(ok=ln.ok, title=ln.title, detail=ln.detail) for ln in flow.lines],
        )

    def choose(self, activity: str) -> None:
        self.flow.choose_activity(activity)
        self.app.changed()


SCREEN = AttendanceScreen
