"""User-facing text in Khmer, English and French: gettext catalogues, numbers and dates.

Catalogues live in ``kiosk/locale/<lang>/LC_MESSAGES/bannalai.{po,mo}`` and are managed with
Babel (``babel.cfg`` at the repository root, see ``kiosk/locale/README.md``). Khmer is the
default everywhere; numbers shown to people use Khmer digits in Khmer, dates Khmer month and
day names (``kiosk.khmer`` does the digits and months). Must never import Kivy.
"""

from __future__ import annotations

import gettext
from datetime import date
from functools import cache
from pathlib import Path

from kiosk.khmer import format_date, khmer_digits

DOMAIN = "bannalai"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
LANGUAGES = ("km", "en", "fr")
LANGUAGE_NAMES = {"km": "ខ្មែរ", "en": "English", "fr": "Français"}
KHMER_WEEKDAYS = ("ច័ន្ទ", "អង្គារ", "ពុធ", "ព្រហស្បតិ៍", "សុក្រ", "សៅរ៍", "អាទិត្យ")


def N_(text: str) -> str:  # noqa: N802 (gettext's "mark now, translate later")
    return text


@cache
def translation(lang: str) -> gettext.NullTranslations:
    """The compiled catalogue for ``lang``; English source text when there is none."""
    return gettext.translation(DOMAIN, LOCALE_DIR, languages=[lang], fallback=True)


class Texts:
    """Everything a screen needs to say things in one language."""

    def __init__(self, lang: str) -> None:
        self.lang = lang if lang in LANGUAGES else "km"
        self._t = translation(self.lang)

    def _(self, message: str, **values) -> str:
        text = self._t.gettext(message)
        if not values:
            return text
        values = {k: self.number(v) if isinstance(v, int) else v for k, v in values.items()}
        try:
            return text.format(**values)
        except (KeyError, IndexError, ValueError):
            return message.format(**values)

    def number(self, value: int | str) -> str:
        return khmer_digits(value) if self.lang == "km" else str(value)

    def date(self, day: date | str) -> str:
        """A date with its day name: 'ថ្ងៃសុក្រ ២៧ វិច្ឆិកា ២០២៦', 'Friday 27 November 2026'."""
        if isinstance(day, str):
            try:
                day = date.fromisoformat(day[:10])
            except ValueError:
                return day
        if self.lang == "km":
            return f"ថ្ងៃ{KHMER_WEEKDAYS[day.weekday()]} {format_date(day, 'km')}"
        from babel.dates import format_date as babel_format_date

        return babel_format_date(day, format="EEEE d MMMM y", locale=self.lang)
