"""The screen flow without a screen: lend, return, my loans, attendance, catalogue, staff, idle."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from kiosk import flow as F
from kiosk.clock import Clock
from kiosk.demohome import make_demo_home
from kiosk.library import Library
from kiosk.staffpin import PinGate, hash_pin


class FakeTime:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def home(tmp_path_factory):
    return make_demo_home(tmp_path_factory.mktemp("kiosk"), staff_pin_hash=hash_pin("2468"))


@pytest.fixture
def library(home):
    with Library.open(home) as lib:
        yield lib


@pytest.fixture
def clock():
    return FakeTime()


@pytest.fixture
def flow(library, home, clock):
    saved = []
    prompts = []
    f = F.Flow(
        library,
        home,
        now=clock,
        save_settings=saved.append,
        on_prompt=prompts.append,
        pin_gate=PinGate(None),
    )
    f.saved, f.prompts = saved, prompts
    return f


def test_lend_shows_patron_then_each_book_with_due_date_in_khmer(flow, library):
    assert flow.go(F.LEND)
    flow.scan("B0001")
    assert flow.patron is None and flow.message == "ស្កេនកាតជាមុនសិន។"
    flow.scan("C1001")
    assert flow.patron.name == "សុខ សំណាង" and flow.patron.loans == []
    flow.scan("B0001")
    flow.scan("B0003")
    assert [line.ok for line in flow.lines] == [True, True]
    assert "សងវិញត្រឹម ថ្ងៃ" in flow.lines[0].detail  # Khmer day name
    assert not any(c.isascii() and c.isdigit() for c in flow.lines[0].detail)
    assert {loan["barcode"] for loan in library.patron_loans("C1001")} == {"B0001", "B0003"}
    assert len(flow.patron.loans) == 2
    assert flow.prompts[-1] == "lent"


def test_lend_refusals_are_plain_khmer_lines_and_change_nothing(flow, library):
    flow.go(F.LEND)
    flow.scan("C1001")
    flow.scan("B0001")
    flow.scan("B0001")  # already yours
    flow.scan("NOSUCH")  # unknown copy
    reasons = [line.reason for line in flow.lines]
    assert reasons == ["unknown_copy", "already_yours", ""]
    assert flow.lines[0].detail.startswith("សៀវភៅនេះមិនមាន")
    assert "ធ្នូ" in flow.lines[1].detail or "មករា" in flow.lines[1].detail  # due as a date
    flow.scan("C1002")  # next person: their own session
    flow.scan("B0001")
    assert flow.lines[0].reason == "copy_on_loan"
    assert len(library.patron_loans("C1002")) == 0


def test_lend_shows_the_block_before_any_book(flow, library):
    for barcode in ("B0001", "B0003", "B0004"):
        library.check_out("C1001", barcode)  # the default rule allows 3 books
    flow.go(F.LEND)
    flow.scan("C1001")
    assert flow.patron.block == "អ្នកមានសៀវភៅ ៣ ក្បាលហើយ។ សូមសងមួយក្បាលជាមុនសិន។"
    flow.scan("B0005")
    assert flow.lines[0].reason == "limit_reached"


def test_done_clears_the_person(flow):
    flow.go(F.LEND)
    flow.scan("C1001")
    flow.finish()
    assert flow.patron is None and flow.lines == []


def test_return_says_who_had_it_and_how_late(flow, library, home):
    library.check_out("C1002", "B0004")
    later = Clock(now=lambda: datetime.now(UTC) + timedelta(days=40))
    with_clock = Library(home, library.store, later)
    f = F.Flow(with_clock, home, pin_gate=PinGate(None), save_settings=lambda s: None)
    f.go(F.RETURN)
    f.scan("B0004")
    line = f.lines[0]
    assert not line.ok and line.reason == "late"
    assert "ចាន់ ធារី" in line.detail and "យឺត" in line.detail
    f.scan("B0004")  # again: not lent to anyone
    assert f.lines[0].reason == "not_on_loan"


def test_my_loans_shows_only_the_scanned_card(flow, library):
    library.check_out("C1001", "B0001")
    library.check_out("C1002", "B0004")
    flow.go(F.MY_LOANS)
    flow.scan("B0004")  # a book is not a card
    assert flow.patron is None and flow.message == "ស្កេនកាតរបស់អ្នកផ្ទាល់។"
    flow.scan("C1002")
    assert [loan.barcode for loan in flow.patron.loans] == ["B0004"]
    flow.scan("UNKNOWNCARD")
    assert flow.patron is None


def test_idle_counts_down_then_clears_and_goes_home(flow, clock, home):
    flow.go(F.MY_LOANS)
    flow.scan("C1001")
    clock.t += home.idle_timeout_s - 5
    assert flow.tick() and flow.countdown == 5
    flow.touch()
    assert flow.countdown is None
    clock.t += home.idle_timeout_s + 1
    assert flow.tick()
    assert flow.screen == F.HOME and flow.patron is None
    assert flow.prompts[-1] in ("goodbye", "welcome")


def test_idle_restores_the_default_language_and_signs_staff_out(flow, clock):
    flow.set_language("en")
    flow.pin = "2468"
    assert flow.pin_submit()
    clock.t += 10_000
    flow.tick()
    assert flow.lang == "km" and not flow.staff


def test_attendance_needs_an_activity_and_goes_to_the_outbox(flow, library):
    flow.go(F.ATTENDANCE)
    before = library.outbox_count()
    flow.scan("C1003")
    assert library.outbox_count() == before and flow.message == "សូមជ្រើសរើសថ្នាក់ជាមុនសិន។"
    flow.choose_activity("literacy_class")
    flow.scan("C1003")
    flow.scan("C1004")
    flow.scan("BADCARD")
    assert [line.ok for line in flow.lines] == [False, True, True]
    assert flow.message.startswith("សៀវភៅ") is False
    events = library.outbox_pending(100)
    recorded = [e for e in events if e.type == "attendance_recorded"]
    assert [e.data["card"] for e in recorded] == ["C1003", "C1004"]
    assert all(e.data["activity"] == "literacy_class" for e in recorded)


def test_reading_station_hides_desk_screens_unless_staff(library, home, clock):
    reading = home.updated(role="reading")
    f = F.Flow(library, reading, now=clock, pin_gate=PinGate(None), save_settings=lambda s: None)
    assert not f.go(F.LEND) and not f.allowed(F.ATTENDANCE)
    assert f.go(F.MY_LOANS) and f.go(F.CATALOGUE)
    f.go(F.HOME)
    f.scan("C1001")  # a card on Home opens My loans here
    assert f.screen == F.MY_LOANS and f.patron.card == "C1001"
    f.pin = "2468"
    assert f.pin_submit() and f.go(F.LEND)


def test_catalogue_search_uses_normalised_khmer_and_categories(flow):
    flow.go(F.CATALOGUE)
    assert "រឿងនិទាន" in flow.browse.categories()
    for ch in "ទន្សាយ":
        flow.type_key(ch)
    titles = [entry.title for entry, _free, _all in flow.results()]
    assert titles == ["ទន្សាយនិងអណ្តើក"]
    assert flow.results()[0][1:] == (2, 2)
    flow.backspace()
    flow.query = "\u200bទន្សាយ"  # a zero-width space typed or pasted still matches
    assert len(flow.results()) == 1
    flow.query = ""
    flow.choose_category("សិក្សា")
    assert {e.category for e, *_ in flow.results()} == {"សិក្សា"}


def test_staff_pin_wrong_tries_then_growing_delay(flow, clock):
    flow.go(F.STAFF)
    for _ in range(5):
        for d in "1111":
            flow.pin_key(d)
        assert not flow.pin_submit()
    assert "៣០" in flow.message  # wait 30 s, in Khmer digits
    flow.pin = "2468"
    assert not flow.pin_submit()  # right PIN, but too soon
    clock.t += 31
    flow.pin = "2468"
    assert flow.pin_submit() and flow.staff


def test_staff_settings_are_saved_and_clamped(flow):
    flow.change_settings(role="reading")
    assert flow.saved == []  # not signed in
    flow.pin = "2468"
    flow.pin_submit()
    flow.change_settings(role="reading", idle_timeout_s=5)
    assert flow.saved[-1].role == "reading" and flow.saved[-1].idle_timeout_s == 20
    flow.change_settings(language="fr")
    assert flow.lang == "fr"
    flow.sign_out()
    assert not flow.staff and flow.screen == F.HOME


def test_no_pin_configured_refuses_everyone(library, home):
    f = F.Flow(library, home.updated(staff_pin_hash=""), pin_gate=PinGate(None))
    f.pin = "0000"
    assert not f.pin_submit() and "បច្ចេកទេស" in f.message


def test_pin_gate_persists_failures(tmp_path):
    gate = PinGate(tmp_path / "pin.json")
    stored = hash_pin("1234")
    for i in range(6):
        assert gate.attempt("9999", stored, now=float(i * 1000)) is False
    again = PinGate(tmp_path / "pin.json")
    assert again.failures == 6 and again.wait_s(now=5.0) == 60.0


def test_home_state_for_staff(flow, library):
    state = flow.kiosk_state()
    assert state["pending"] == library.outbox_count() and state["last_sync"] == ""


BAD_SCANS = ["", " ", "\x00", "A" * 5000, "ក្ក្ក្ក", "'; DROP TABLE", "\u202e1001C", "C1001\n"]


@pytest.mark.parametrize(
    "screen", [F.HOME, F.LEND, F.RETURN, F.MY_LOANS, F.ATTENDANCE, F.CATALOGUE]
)
def test_bad_scans_never_raise(flow, screen):
    flow.go(screen)
    if screen == F.ATTENDANCE:
        flow.choose_activity("library_visit")
    for code in BAD_SCANS:
        flow.scan(code)
    flow.type_key("ក")
    flow.results()


@hsettings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.tuples(
            st.sampled_from([F.LEND, F.RETURN, F.MY_LOANS]),
            st.sampled_from(["C1001", "C1002", "C1004", "B0001", "B0002", "B0004", "X"]),
        ),
        max_size=25,
    )
)
def test_any_scan_sequence_keeps_a_copy_on_at_most_one_loan(flow, library, steps):
    for screen, code in steps:
        if flow.screen != screen:
            flow.go(screen)
        flow.scan(code)
    open_by_copy: dict[str, int] = {}
    for loan in library.loans():
        open_by_copy[loan["barcode"]] = open_by_copy.get(loan["barcode"], 0) + 1
    assert all(n == 1 for n in open_by_copy.values())
