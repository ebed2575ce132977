"""What every kiosk screen shows and does, without a screen: the app's state machine.

The Kivy screens only draw ``Flow``'s state and forward touches and scans to its methods; all
decisions live here and are tested without Kivy (tests/test_flow*.py). Rules that matter:

- A scan goes to the current screen's handler (``scan``); other screens (reader, bookshelf)
  add theirs with ``add_screen``.
- Privacy: leaving a screen, or staying idle for ``settings.idle_timeout_s``, clears whoever was
  shown; the last ``COUNTDOWN_S`` seconds are counted down on screen. ``My loans`` shows only
  the card just scanned.
- Staff: lend, return, attendance and "Add a book" (``flow_desk``) are offered on a circulation
  station; on a reading station they need a signed-in staff member. The PIN is checked by
  ``kiosk.staffpin`` (hashed, slowed after wrong tries). Idle signs staff out.

Never imports Kivy, never blocks on the network, never raises on any scanned string.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from kiosk.browse import Browse, TitleEntry
from kiosk.circulation import LIMIT_REACHED, PATRON_NOT_ACTIVE, Refusal, rule_for
from kiosk.flow_desk import DeskFlow
from kiosk.flow_staff import StaffFlow
from kiosk.i18n import N_, Texts
from kiosk.messages import describe
from kiosk.staffpin import PinGate
from wire.events import Activity

log = logging.getLogger(__name__)
HOME, LEND, RETURN, MY_LOANS = "home", "lend", "return", "myloans"
CATALOGUE, ATTENDANCE, STAFF, DESK = "catalogue", "attendance", "staff", "desk"
STAFF_ONLY = {LEND, RETURN, ATTENDANCE, DESK}
COUNTDOWN_S = 10
MAX_LINES = 12  # scan outcomes kept on screen, newest first
ACTIVITY_NAMES = {
    Activity.LITERACY_CLASS: N_("Literacy class"),
    Activity.VOCATIONAL_TRAINING: N_("Vocational training"),
    Activity.VOCATIONAL_ORIENTATION: N_("Vocational orientation"),
    Activity.LIBRARY_VISIT: N_("Library visit"),
}


@dataclass(frozen=True)
class Line:
    """One scan's outcome on lend, return or attendance: ``ok`` green, else red."""

    ok: bool
    code: str
    title: str
    detail: str
    reason: str = ""


@dataclass(frozen=True)
class LoanView:
    barcode: str
    title: str
    due: str  # the date in words
    overdue: bool


@dataclass
class PatronView:
    card: str
    name: str
    loans: list[LoanView] = field(default_factory=list)
    block: str = ""  # why this card cannot borrow now, in words


@dataclass(frozen=True)
class Screen:
    name: str
    on_scan: Callable[[str], None] | None = None
    staff_only: bool = False


class Flow(StaffFlow, DeskFlow):
    def __init__(
        self,
        library,
        settings,
        *,
        now: Callable[[], float] = time.monotonic,
        save_settings: Callable[[object], None] | None = None,
        on_prompt: Callable[[str], None] | None = None,
        pin_gate: PinGate | None = None,
    ) -> None:
        self.library, self.settings, self.now = library, settings, now
        self.save_settings = save_settings or (lambda s: s.save())
        self.on_prompt = on_prompt or (lambda key: None)
        self.gate = pin_gate or PinGate(settings.paths.home / "pin-attempts.json")
        self.screens: dict[str, Screen] = {}
        for name, handler in (
            (HOME, self._scan_home),
            (LEND, self._scan_lend),
            (RETURN, self._scan_return),
            (MY_LOANS, self._scan_my_loans),
            (CATALOGUE, self._scan_catalogue),
            (ATTENDANCE, self._scan_attendance),
            (STAFF, None),
            (DESK, self.desk_scan),
        ):
            self.add_screen(name, handler, staff_only=name in STAFF_ONLY)
        self.staff = False
        self.texts = Texts(settings.language)
        self.screen = HOME
        self.last_activity = now()
        self.countdown: int | None = None
        self.browse: Browse | None = None
        self._clear()

    # -- screens, language, idle -------------------------------------------------------------
    def add_screen(self, name: str, on_scan=None, staff_only: bool = False) -> None:
        """Let another screen (e.g. ``bookshelf``) be opened with ``go`` and receive scans."""
        self.screens[name] = Screen(name, on_scan, staff_only)

    def _(self, message: str, **values) -> str:
        return self.texts._(message, **values)

    @property
    def lang(self) -> str:
        return self.texts.lang

    def set_language(self, lang: str) -> None:
        self.texts = Texts(lang)
        self.touch()

    def allowed(self, name: str) -> bool:
        screen = self.screens.get(name)
        if screen is None:
            return False
        return not screen.staff_only or self.staff or self.settings.role == "circulation"

    def go(self, name: str) -> bool:
        """Open a screen with nothing shown on it; False when it is not allowed here."""
        if not self.allowed(name):
            return False
        self._clear()
        self.screen = name
        self.touch()
        if name == CATALOGUE:
            self.browse = Browse(self.library.titles())
            self.on_prompt("search")
        elif name in (LEND, MY_LOANS):
            self.on_prompt("scan_card")
        elif name == RETURN:
            self.on_prompt("scan_book")
        elif name == ATTENDANCE:
            self.on_prompt("choose_activity")
        elif name == DESK:
            self.on_prompt("scan_book")
        elif name == STAFF and not self.staff:
            self.on_prompt("staff_pin")
        elif name == HOME:
            self.on_prompt("welcome")
        return True

    def _clear(self) -> None:
        self.patron: PatronView | None = None
        self.lines: list[Line] = []
        self.message = ""
        self.activity: str | None = None
        self.present = 0  # people recorded for the chosen activity in this session
        self.query = ""
        self.category: str | None = None
        self.pin = ""
        self.countdown = None
        self.desk_reset()

    def touch(self) -> None:
        """Someone touched the screen or scanned: restart the idle timer."""
        self.last_activity = self.now()
        self.countdown = None

    def tick(self) -> bool:
        """Call about once a second; True when something shown changed (countdown, reset)."""
        if self.screen == HOME and not self.staff and self.patron is None:
            return False
        left = self.settings.idle_timeout_s - (self.now() - self.last_activity)
        if left <= 0:
            self.staff = False
            self.texts = Texts(self.settings.language)
            self.go(HOME)
            self.on_prompt("goodbye")
            return True
        countdown = math.ceil(left) if left <= COUNTDOWN_S else None
        if countdown != self.countdown and countdown == COUNTDOWN_S:
            self.on_prompt("idle_warning")
        changed, self.countdown = countdown != self.countdown, countdown
        return changed

    # -- scans ---------------------------------------------------------------------------------
    def scan(self, code: str) -> None:
        """A validated scan (``ScanEvent.code``) for the current screen."""
        self.touch()
        screen = self.screens.get(self.screen)
        if screen is not None and screen.on_scan is not None:
            screen.on_scan(code.strip())
        del self.lines[MAX_LINES:]

    def _scan_home(self, code: str) -> None:
        if self.library.patron(code) is None:
            self.message = self._("Touch a picture first.")
            return
        target = LEND if self.settings.role == "circulation" or self.staff else MY_LOANS
        self.go(target)
        self.scan(code)

    def _show_patron(self, card: str) -> bool:
        patron = self.library.patron(card)
        if patron is None:
            return False
        today = self.library.clock.today().isoformat()
        loans = [
            LoanView(
                loan["barcode"], loan["title"], self.texts.date(loan["due"]), loan["due"] < today
            )
            for loan in self.library.patron_loans(card)
        ]
        block = ""
        limit = rule_for(self.library.rules(), patron.get("category", "adult"), "book").max_loans
        if patron.get("status", "active") != "active":
            block = self._describe(Refusal(PATRON_NOT_ACTIVE))
        elif len(loans) >= limit:
            block = self._describe(Refusal(LIMIT_REACHED, {"limit": limit}))
        self.patron = PatronView(card, patron.get("name", card), loans, block)
        self.lines = []
        return True

    def _scan_lend(self, code: str) -> None:
        if self.library.patron(code) is not None:
            self._show_patron(code)
            self.message = self._("Now scan the books.")
            self.on_prompt("scan_book")
            return
        if self.patron is None:
            self.message = self._("Scan the card first.")
            self.on_prompt("scan_card")
            return
        outcome = self.library.check_out(self.patron.card, code)
        if isinstance(outcome, Refusal):
            self._refused(code, outcome)
            return
        # Logged only once the loan is saved for good (check_out returned): the twin's power-cut
        # test counts these lines as acknowledged loans.
        log.info("lent %s to %s, due %s", code, self.patron.card, outcome.loan["due"])
        title = (outcome.title or {}).get("title", code)
        due = self.texts.date(outcome.loan["due"])
        self.lines.insert(0, Line(True, code, title, self._("Bring it back by {due}", due=due)))
        self._show_patron_keep_lines(self.patron.card)
        self.message = self._("Lent. Scan the next book, or touch Done.")
        self.on_prompt("lent")

    def _show_patron_keep_lines(self, card: str) -> None:
        lines = self.lines
        self._show_patron(card)
        self.lines = lines

    def _refused(self, code: str, refusal: Refusal) -> None:
        copy = self.library.copy(code)
        title = (self.library.title(copy["title_id"]) or {}).get("title", code) if copy else code
        text = self._describe(refusal)
        self.lines.insert(0, Line(False, code, title, text, refusal.reason))
        self.message = text
        self.on_prompt("refused")

    def _describe(self, refusal: Refusal) -> str:
        """The refusal in words, its dates and numbers written for this language."""
        details = {
            k: self.texts.date(v)
            if k == "due"
            else self.texts.number(v)
            if isinstance(v, int)
            else v
            for k, v in refusal.details.items()
        }
        return describe(Refusal(refusal.reason, details), self.texts._)

    def finish(self) -> None:
        """Done with this person: clear the screen for the next one."""
        name = self.screen
        self._clear()
        self.message = self._("Done. Next person.") if name in (LEND, ATTENDANCE) else ""
        self.touch()

    def _scan_return(self, code: str) -> None:
        outcome = self.library.check_in(code)
        if isinstance(outcome, Refusal):
            self._refused(code, outcome)
            return
        log.info("returned %s from %s", code, outcome.loan["card"])
        title = (outcome.title or {}).get("title", code)
        who = (outcome.patron or {}).get("name", outcome.loan["card"])
        if outcome.days_late > 0:
            detail = self._("From {name}. {days} days late.", name=who, days=outcome.days_late)
        else:
            detail = self._("From {name}. On time.", name=who)
        late = outcome.days_late > 0
        self.lines.insert(0, Line(not late, code, title, detail, "late" if late else ""))
        self.message = self._("Returned. Scan the next book.")
        self.on_prompt("returned")

    def _scan_my_loans(self, code: str) -> None:
        if not self._show_patron(code):
            self.patron = None
            self.message = self._("Scan your own card.")
            self.on_prompt("scan_card")
            return
        self.message = ""
        self.on_prompt("your_loans" if self.patron.loans else "no_loans")

    def _scan_catalogue(self, code: str) -> None:
        copy = self.library.copy(code)
        title = self.library.title(copy["title_id"]) if copy else None
        if title:
            self.category, self.query = None, title.get("title", "")

    def choose_activity(self, activity: str) -> None:
        self.touch()
        self.activity = Activity(activity).value
        self.lines, self.present = [], 0
        self.message = self._("Now each person scans their card.")
        self.on_prompt("scan_card")

    def _scan_attendance(self, code: str) -> None:
        if self.activity is None:
            self.message = self._("Choose the class first.")
            self.on_prompt("choose_activity")
            return
        outcome = self.library.record_attendance(code, self.activity)
        if isinstance(outcome, Refusal):
            self._refused(code, outcome)
            return
        name = outcome["patron"].get("name", code)
        self.lines.insert(0, Line(True, code, name, self._("Present")))
        self.present += 1
        self.message = self._("{count} people present.", count=self.present)
        self.on_prompt("attendance_recorded")

    # -- catalogue -----------------------------------------------------------------------------
    def type_key(self, key: str) -> None:
        self.touch()
        if len(self.query) < 40:
            self.query += key

    def backspace(self) -> None:
        self.touch()
        self.query = self.query[:-1]

    def choose_category(self, category: str | None) -> None:
        self.touch()
        self.category = category

    def results(self) -> list[tuple[TitleEntry, int, int]]:
        """Matching titles with (on the shelf, all copies)."""
        if self.browse is None:
            self.browse = Browse(self.library.titles())
        found = self.browse.search(self.query, self.category)
        return [(e, *self.library.availability(e.title_id)) for e in found]

    def today(self) -> date:
        return self.library.clock.today()
