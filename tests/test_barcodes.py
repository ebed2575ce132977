"""kiosk.barcodes: check digits, normalisation, label formats, and no exception on any input."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from kiosk.barcodes import SYMBOLOGIES, Invalid, Scan, check_label, ean_check_digit, validate
from kiosk.config import Settings

LIBRARY = Settings(
    home=Path("/nonexistent"),
    item_label_pattern=r"(PP|CC|KC)\d-\d{6}|L\d{6}",
    card_label_pattern=r"D\d{7}|KHDET:[A-Z0-9]{2,4}:(?P<code>\d{7}):[A-Z ]{1,40}",
)
DEFAULTS = Settings(home=Path("/nonexistent"))


def ean(first12: str) -> str:
    return first12 + ean_check_digit(first12)


@pytest.mark.parametrize(
    ("raw", "symbology", "code", "kind"),
    [
        ("9789995012342", "ean13", "9789995012342", "isbn"),
        ("9780306406157", "keyboard", "9780306406157", "isbn"),
        ("0306406152", "keyboard", "9780306406157", "isbn"),  # ISBN-10 converted
        ("0-306-40615-2", "keyboard", "9780306406157", "isbn"),
        ("080442957X", "keyboard", "9780804429573", "isbn"),  # X check digit
        ("036000291452", "keyboard", "0036000291452", "ean"),  # UPC-A zero-padded
        ("\x02PP1-004512\r\n", "code128", "PP1-004512", "item"),  # control prefix/suffix
        ("pp1-004512", "keyboard", "PP1-004512", "item"),  # caps lock on a typed entry
        ("*L004512*", "code39", "L004512", "item"),
        ("D2412345", "code128", "D2412345", "card"),
        ("KHDET:PP1:2412345:SOK DARA", "qr", "2412345", "card"),
        ("https://example.org/x", "qr", "https://example.org/x", "qr"),
    ],
)
def test_valid_codes_are_normalised(raw, symbology, code, kind):
    assert validate(raw, symbology, LIBRARY) == Scan(code, kind, symbology)


@pytest.mark.parametrize(
    ("raw", "symbology", "reason"),
    [
        ("9789995012343", "ean13", "bad_check_digit"),
        ("7122211724803", "ean13", "not_isbn"),  # measured misread: valid check, wrong prefix
        ("036000291452", "upca", "not_isbn"),  # from a camera: prefix rule applies
        ("97899950123", "ean13", "bad_length"),
        ("97899950123AB", "ean13", "bad_length"),
        ("", "code128", "empty"),
        ("\r\n\t", "keyboard", "empty"),
        ("X" * 300, "code128", "too_long"),
        ("PP1-00\u200b4512", "code128", "bad_characters"),
        ("PP1-0045", "code128", "unknown_format"),
        ("PP1-004512", "datamatrix", "unknown_symbology"),
        ("0306406153", "keyboard", "unknown_format"),  # ISBN-10 with a wrong check digit
    ],
)
def test_invalid_codes_give_a_reason(raw, symbology, reason):
    result = validate(raw, symbology, LIBRARY)
    assert isinstance(result, Invalid), result
    assert result.reason == reason


def test_default_formats_overlap_so_the_kind_is_label():
    assert validate("ABC123", "code128", DEFAULTS) == Scan("ABC123", "label", "code128")


def test_wedge_digits_that_are_no_ean_can_still_be_item_labels():
    digits = LIBRARY.updated(item_label_pattern=r"\d{13}")
    assert validate("1234567890123", "keyboard", digits) == Scan(
        "1234567890123", "item", "keyboard"
    )
    assert validate("1234567890123", "keyboard", LIBRARY).reason == "bad_check_digit"
    assert validate("9789995012343", "keyboard", DEFAULTS).reason == "bad_check_digit"


def test_other_ean_allowed_by_a_switch():
    open_settings = LIBRARY.updated(accept_other_ean=True)
    assert validate("7122211724803", "ean13", open_settings).kind == "ean"


def test_disabled_symbology_is_refused():
    only_qr = LIBRARY.updated(symbologies=["qr"])
    assert validate("PP1-004512", "code128", only_qr) == Invalid("symbology_disabled", "PP1-004512")
    assert validate("PP1-004512", "keyboard", only_qr).kind == "item"


def test_label_check_digits():
    luhn = LIBRARY.updated(item_label_pattern=r"\d{11}", item_label_check="mod10")
    assert validate("79927398713", "code128", luhn) == Scan("79927398713", "item", "code128")
    assert validate("79927398710", "code128", luhn) == Invalid("bad_check_digit", "79927398710")
    mod11 = LIBRARY.updated(card_label_pattern=r"D\d{9}[0-9X]", card_label_check="mod11")
    assert validate("D080442957X", "code128", mod11) == Scan("D080442957X", "card", "code128")
    assert validate("D0804429571", "code128", mod11).reason == "bad_check_digit"
    assert not check_label("12345", "mod97")  # an unknown scheme refuses, never passes


def test_broken_pattern_setting_is_a_refusal_not_a_crash():
    broken = LIBRARY.updated(item_label_pattern="([")
    assert validate("PP1-004512", "code128", broken) == Invalid("bad_settings", "PP1-004512")


@given(st.text(max_size=300), st.sampled_from(SYMBOLOGIES + ("", "EAN13", "bogus")))
@hsettings(max_examples=400, deadline=None)
def test_never_raises(raw, symbology):
    for settings in (LIBRARY, DEFAULTS):
        result = validate(raw, symbology, settings)
        assert isinstance(result, Scan | Invalid)
        if isinstance(result, Invalid):
            assert result.reason and len(result.raw) <= 256


@given(st.text(alphabet="0123456789", min_size=12, max_size=12))
def test_every_check_digit_is_the_only_valid_one(first12):
    good = ean(first12)
    for d in "0123456789":
        result = validate(good[:12] + d, "keyboard", LIBRARY)
        assert isinstance(result, Scan) == (d == good[12])


@given(
    st.text(alphabet="0123456789", min_size=13, max_size=13), st.integers(0, 12), st.integers(1, 9)
)
def test_a_single_wrong_digit_is_always_caught(digits, position, delta):
    good = ean(digits[:12])
    bad = good[:position] + str((int(good[position]) + delta) % 10) + good[position + 1 :]
    assert validate(bad, "ean13", LIBRARY.updated(accept_other_ean=True)).reason == (
        "bad_check_digit"
    )


@given(st.text(alphabet="0123456789", min_size=9, max_size=9))
def test_isbn10_and_isbn13_agree(body):
    check = (11 - sum(int(d) * (10 - i) for i, d in enumerate(body)) % 11) % 11
    isbn10 = body + ("X" if check == 10 else str(check))
    assert validate(isbn10, "keyboard", LIBRARY) == validate(ean("978" + body), "keyboard", LIBRARY)


@given(st.text(max_size=40), st.sampled_from(SYMBOLOGIES))
@hsettings(max_examples=200)
def test_a_valid_code_validates_to_itself(raw, symbology):
    """Normalisation is idempotent: what the kiosk stores validates again unchanged."""
    first = validate(raw, symbology, LIBRARY)
    if isinstance(first, Scan) and first.kind != "card":  # card QR yields the id alone
        again = validate(first.code, symbology, LIBRARY.updated(accept_other_ean=True))
        assert isinstance(again, Scan) and again.code == first.code
