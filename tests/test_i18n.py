"""Every user-facing string is in the Khmer (and French, English) catalogue, compiled and consistent."""

from __future__ import annotations

import gettext
import re
import string
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from kiosk.i18n import LOCALE_DIR, Texts
from kiosk.messages import REASONS

ROOT = Path(__file__).resolve().parent.parent
KEYWORDS = {"_": None, "N_": None, "t": None, "gettext": None}


def source_messages() -> set[str]:
    """What ``pybabel extract`` with kiosk/locale/babel.cfg finds in the code right now."""
    with open(LOCALE_DIR / "babel.cfg") as f:
        method_map, options_map = parse_mapping_cfg(f)
    found = set()
    for _file, _line, message, _comments, _ctx in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


def catalogue(lang: str):
    with open(LOCALE_DIR / lang / "LC_MESSAGES" / "bannalai.po", "rb") as f:
        return read_po(f, locale=lang)


def fields(text: str) -> set[str]:
    return {name for _lit, name, _spec, _conv in string.Formatter().parse(text) if name}


def test_extraction_finds_the_screens_and_refusals():
    found = source_messages()
    assert {"Lend", "Return", "My books", "Find a book", "Done"} <= found
    assert set(REASONS.values()) <= found


@pytest.mark.parametrize("lang", ["km", "fr", "en"])
def test_every_user_facing_string_is_translated(lang):
    po = catalogue(lang)
    translated = {m.id: m.string for m in po if m.id and m.string and not m.fuzzy}
    missing = sorted(source_messages() - set(translated))
    assert not missing, f"not in the {lang} catalogue (run pybabel extract/update): {missing}"


@pytest.mark.parametrize("lang", ["km", "fr"])
def test_translations_keep_their_placeholders(lang):
    for m in catalogue(lang):
        if m.id and m.string:
            assert fields(m.string) == fields(m.id), m.id


def test_khmer_catalogue_is_khmer():
    for m in catalogue("km"):
        if m.id:
            assert re.search("[\u1780-\u17ff]", m.string), m.id


@pytest.mark.parametrize("lang", ["km", "fr", "en"])
def test_compiled_catalogue_matches_the_po(lang):
    with open(LOCALE_DIR / lang / "LC_MESSAGES" / "bannalai.mo", "rb") as f:
        mo = gettext.GNUTranslations(f)
    for m in catalogue(lang):
        if m.id:
            assert mo.gettext(m.id) == m.string, f"{lang}: run pybabel compile ({m.id!r})"


def test_texts_use_khmer_digits_and_day_names():
    from datetime import date

    km = Texts("km")
    assert km.date(date(2026, 11, 27)) == "ថ្ងៃសុក្រ ២៧ វិច្ឆិកា ២០២៦"
    assert km._("You have {count} books.", count=3) == "អ្នកមានសៀវភៅ ៣ ក្បាល។"
    assert Texts("en").date("2026-11-27") == "Friday 27 November 2026"
    assert Texts("fr").date("2026-11-27") == "vendredi 27 novembre 2026"
    assert km.date("not a date") == "not a date"
    assert Texts("xx").lang == "km"
