"""Khmer text helpers: search keys, clusters, breaks, collation, digits, dates, legacy fonts."""

from __future__ import annotations

from datetime import date, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk import khmer

KHMER_CHARS = [chr(c) for c in range(0x1780, 0x17DE)] + [chr(c) for c in range(0x17E0, 0x17EA)]
ZW = list(khmer.ZERO_WIDTH)
khmer_text = st.lists(
    st.sampled_from(KHMER_CHARS + ZW + [" ", "a", "B", "é", "1", "\u17d2\u179a", "\u17c1\u17b8"]),
    max_size=40,
).map("".join)
SAMPLE = "កាលពីព្រេងនាយ មានក្មេងប្រុសម្នាក់រស់នៅក្នុងភូមិតូចមួយជិតមាត់ទន្លេមេគង្គ។"


def test_visually_identical_spellings_share_a_key():
    pairs = [
        ("ស្ត្រី", "ស្រ្តី"),  # coeng-ro typed first or last
        ("ម្តាយ", "ម្ដាយ"),  # coeng TA / coeng DA
        ("កើត", "កេ\u17b8ត"),  # precomposed vs split vowel
        ("កោះ", "កេ\u17b6ះ"),
        ("សៀវភៅ", "សៀវ\u200bភៅ"),  # zero-width space
        ("Library", "LIBRARY"),
    ]
    for a, b in pairs:
        assert a != b
        assert khmer.normalise_for_search(a) == khmer.normalise_for_search(b), (a, b)


def test_normalised_substring_search_finds_other_spelling():
    haystack = khmer.normalise_for_search("សិទ្ធិស្រ្តីៗ និងកុមារ")
    assert khmer.normalise_for_search("ស្ត្រី") in haystack


@given(khmer_text)
@settings(max_examples=300, deadline=None)
def test_normalise_is_idempotent(text):
    once = khmer.normalise_for_search(text)
    assert khmer.normalise_for_search(once) == once


@given(khmer_text, st.lists(st.tuples(st.integers(0, 40), st.sampled_from(ZW)), max_size=5))
@settings(max_examples=200, deadline=None)
def test_zero_width_characters_never_change_the_key(text, inserts):
    noisy = text
    for pos, ch in inserts:
        pos = min(pos, len(noisy))
        noisy = noisy[:pos] + ch + noisy[pos:]
    assert khmer.normalise_for_search(noisy) == khmer.normalise_for_search(text)


@given(khmer_text)
@settings(max_examples=300, deadline=None)
def test_clusters_cover_text_and_keep_subscripts(text):
    clusters = khmer.grapheme_clusters(text)
    assert "".join(clusters) == text
    assert all(clusters)
    for cluster in clusters[:-1]:
        assert not cluster.endswith(khmer.COENG)


@given(khmer_text)
@settings(max_examples=300, deadline=None)
def test_line_breaks_are_cluster_boundaries(text):
    breaks = khmer.line_break_opportunities(text)
    assert breaks == sorted(set(breaks))
    assert set(breaks) <= set(khmer.cluster_boundaries(text))
    if text:
        assert breaks[-1] == len(text)


def test_line_breaks_split_khmer_words():
    text = "បណ្ណាល័យនេះមានសៀវភៅជាច្រើន"
    breaks = khmer.line_break_opportunities(text)
    pieces = [text[a:b] for a, b in zip([0, *breaks], breaks, strict=False)]
    assert pieces == ["បណ្ណាល័យ", "នេះ", "មាន", "សៀវភៅ", "ជាច្រើន"]
    assert khmer.grapheme_clusters("ក្សត្រ") == ["ក្ស", "ត្រ"]


def test_no_line_starts_with_the_repetition_sign_or_punctuation():
    for text in ("ស្ត្រីៗ និងកុមារ", "ផ្ទះៗជាច្រើន", "គាត់ទៅផ្សារ។ ខ្ញុំ", "ដូចជា៖ ក"):
        for b in khmer.line_break_opportunities(text)[:-1]:
            assert text[b] not in khmer.NO_BREAK_BEFORE, (text, b)


def test_breaks_handle_text_outside_the_bmp():
    text = "😀 សៀវភៅ 😀ជាច្រើន"
    breaks = khmer.line_break_opportunities(text)
    assert breaks[-1] == len(text)
    assert "".join(khmer.grapheme_clusters(text)) == text


def test_icu_sort_order_digits_then_khmer_then_latin():
    items = ["Zebra", "ខ្លា", "ករុណា", "១០០ រឿង", "គោ", "apple", "ក្របី"]
    assert sorted(items, key=khmer.sort_key) == [
        "១០០ រឿង",
        "ករុណា",
        "ក្របី",
        "ខ្លា",
        "គោ",
        "apple",
        "Zebra",
    ]


@given(st.lists(khmer_text, max_size=8), st.randoms())
@settings(max_examples=100, deadline=None)
def test_sort_order_does_not_depend_on_input_order(items, rnd):
    shuffled = list(items)
    rnd.shuffle(shuffled)
    a = [khmer.sort_key(x) for x in sorted(items, key=khmer.sort_key)]
    b = [khmer.sort_key(x) for x in sorted(shuffled, key=khmer.sort_key)]
    assert a == b


@given(st.integers(min_value=-(10**12), max_value=10**12))
def test_khmer_digits_round_trip(n):
    text = khmer.khmer_digits(n)
    assert not any(c.isascii() and c.isdigit() for c in text)
    assert int(khmer.ascii_digits(text)) == n


def test_khmer_digits_of_strings_keep_other_characters():
    assert khmer.khmer_digits("Book 2025!") == "Book ២០២៥!"


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31)))
@settings(max_examples=100, deadline=None)
def test_khmer_dates_use_khmer_digits_and_month_names(day):
    text = khmer.format_date(day, "km")
    assert not any(c.isascii() and c.isdigit() for c in text)
    assert khmer.KHMER_MONTHS[day.month - 1] in text
    assert khmer.ascii_digits(text.split()[0]) == str(day.day)


def test_dates_in_other_languages_come_from_babel():
    day = datetime(2026, 11, 27, 9, 30)
    assert khmer.format_date(day, "km") == "២៧ វិច្ឆិកា ២០២៦"
    assert khmer.format_date(day, "en") == "November 27, 2026"
    assert khmer.format_date(day, "fr") == "27 novembre 2026"


LEGACY = [
    "kalBIeRBgnay manekµgRbusmñak; rs;enAkñúgPUmitUcmYy Citmat;TenøemKgÁ",
    "esovePA rbs;Gñk",
    "bNÑal½y",
]
NOT_LEGACY = [
    SAMPLE,
    "The little prince lives in a small village near the river.",
    "Le petit prince habite près du fleuve, à côté de l'école. Ça va ?",
    "iPhone",
    "McDonald's farm",
    "សៀវភៅ Book 123",
    "LIBRARY RULES",
    "",
    "12345",
]


def test_legacy_font_text_is_detected():
    for text in LEGACY:
        assert khmer.has_legacy_font_text(text), text


def test_real_khmer_english_and_french_are_not_legacy():
    for text in NOT_LEGACY:
        assert not khmer.has_legacy_font_text(text), text


def test_legacy_font_names():
    assert khmer.is_legacy_font_name("Limon S1")
    assert khmer.is_legacy_font_name("'ABC-TEXT-05', serif")
    assert not khmer.is_legacy_font_name("Khmer OS Battambang")
    assert not khmer.is_legacy_font_name("Noto Sans Khmer")
