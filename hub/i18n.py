"""The dashboard's and the printed report's languages: Khmer, English, French (gettext + Babel).

Messages live in ``hub/locale/<lang>/LC_MESSAGES/messages.po`` and are compiled to ``.mo`` with
``pybabel compile -d hub/locale``; ``tests/test_exports*.py`` fails when a ``.mo`` is older than its
``.po``. Khmer is the default. Catalogues load on first use, not at import.
"""

from __future__ import annotations

import gettext
from functools import cache
from pathlib import Path

from babel.numbers import format_decimal

LANGUAGES = {"km": "ខ្មែរ", "en": "English", "fr": "Français"}
DEFAULT = "km"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"


@cache
def translations(lang: str) -> gettext.NullTranslations:
    if lang not in LANGUAGES or lang == "en":
        return gettext.NullTranslations()
    return gettext.translation("messages", LOCALE_DIR, languages=[lang], fallback=True)


def gettext_for(lang: str):
    return translations(lang).gettext


def pick(requested: str | None, accept_language: str = "") -> str:
    """The requested language if we have it, else the first one the browser accepts, else km."""
    if requested in LANGUAGES:
        return requested
    for part in accept_language.split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LANGUAGES:
            return code
    return DEFAULT


def number(value, lang: str) -> str:
    """Grouped digits in the reader's locale; suppressed values (``<5``) pass through."""
    if isinstance(value, int | float):
        return format_decimal(value, locale=lang)
    return "" if value is None else str(value)


def N_(message: str) -> str:
    """Marks a message for extraction; translated where it is shown."""
    return message


INDICATORS = {
    "readers": N_("Readers"),
    "anonymous_sessions": N_("Anonymous reading sessions"),
    "loans": N_("Loans"),
    "returns": N_("Returns"),
    "renewals": N_("Renewals"),
    "overdue_loans": N_("Overdue loans"),
    "reading_sessions": N_("E-reading sessions"),
    "reading_minutes": N_("E-reading minutes"),
}
ACTIVITY_LABELS = {
    "literacy_class": N_("Literacy class"),
    "vocational_training": N_("Vocational training"),
    "vocational_orientation": N_("Vocational orientation"),
    "library_visit": N_("Library visit"),
}

# Values shown through ``_()`` in templates: roles, statuses, conflict kinds, export names.
SHOWN_VALUES = (
    N_("admin"), N_("librarian"), N_("viewer"), N_("active"), N_("available"), N_("on_loan"),
    N_("lost"), N_("withdrawn"), N_("closed"), N_("flagged"), N_("loans"), N_("patrons"),
    N_("catalogue"), N_("figures"), N_("imported"), N_("replaced"), N_("already"), N_("older"),
    N_("copy_already_on_loan"), N_("return_without_open_loan"), N_("renewal_without_loan"),
    N_("duplicate_loan_id"), N_("patron_left_with_loan"),
)  # fmt: skip
