"""The desk's add-a-book flow without Kivy: scan the ISBN, a label, type, save; refusals in words."""

from __future__ import annotations

import pytest

from kiosk import flow as F
from kiosk.demohome import make_demo_home
from kiosk.library import Library
from kiosk.staffpin import PinGate

ISBN = "9789995000011"


@pytest.fixture
def home(tmp_path_factory):
    return make_demo_home(tmp_path_factory.mktemp("kiosk"))


@pytest.fixture
def flow(home):
    with Library.open(home) as library:
        yield F.Flow(library, home, save_settings=lambda s: None, pin_gate=PinGate(None))


def test_desk_is_staff_only_on_a_reading_station(flow):
    flow.settings = flow.settings.updated(role="reading")
    assert not flow.allowed(F.DESK)
    flow.staff = True
    assert flow.go(F.DESK)


def test_a_scanned_label_becomes_the_new_copys_barcode(flow, home, tmp_path):
    flow.go(F.DESK)
    flow.desk_save(tmp_path)
    assert flow.desk.refusal == "សូមស្កេន ISBN របស់សៀវភៅជាមុនសិន។"
    flow.scan("C1001; not an isbn")
    assert flow.desk.known is None and "ISBN" in flow.desk.refusal
    flow.scan(ISBN)
    assert flow.desk.known.isbn == ISBN and flow.desk.refusal == ""
    flow.scan("B0001")  # already on a book
    assert flow.desk.refusal == "ស្លាកនេះនៅលើសៀវភៅមួយផ្សេងទៀតហើយ។" and flow.desk.barcode == ""
    flow.scan("B7777")
    assert flow.desk_barcode() == "B7777"
    assert not flow.desk_save(tmp_path)
    assert flow.desk.refusal == "សូមវាយចំណងជើងខ្មែរជាមុនសិន។"
    for key in "ទន":
        flow.desk_key(key)
    flow.desk_field("author")
    flow.desk_key("ក")
    flow.desk_backspace()
    flow.desk_key("ខ")
    assert flow.desk_save(tmp_path)
    assert flow.desk.added.barcode == "B7777"
    assert (tmp_path / "label-B7777.pdf").is_file()
    title = flow.library.title(flow.library.copy("B7777")["title_id"])
    assert (title["title"], title["author"], title["isbn"]) == ("ទន", "ខ", ISBN)
    assert not flow.desk_save(tmp_path)  # saved once; the next ISBN starts the next book
    flow.go(F.HOME)
    assert flow.desk.known is None  # leaving the screen clears the form
