"""Plain-language text for every refusal reason, written once and translated with gettext.

The strings are marked with ``N_`` so Babel extracts them into the km/en/fr catalogues; callers
translate at display time (``describe(refusal, gettext)``). Short words, one idea per sentence:
many readers are just learning to read.
"""

from __future__ import annotations

from collections.abc import Callable

from kiosk import circulation as c
from kiosk.circulation import Refusal


def N_(text: str) -> str:  # noqa: N802 (the gettext convention for "mark, translate later")
    return text


REASONS: dict[str, str] = {
    c.UNKNOWN_CARD: N_("This card is not known. Ask the librarian."),
    c.UNKNOWN_COPY: N_("This book is not in the library list. Ask the librarian."),
    c.PATRON_NOT_ACTIVE: N_("This card cannot borrow now. Ask the librarian."),
    c.COPY_ON_LOAN: N_("This book is already lent to card {card}. Return it first."),
    c.ALREADY_YOURS: N_("You already have this book. Bring it back by {due}."),
    c.COPY_UNAVAILABLE: N_("This book cannot be lent ({status})."),
    c.LIMIT_REACHED: N_("You have {limit} books already. Return one first."),
    c.NOT_ON_LOAN: N_("This book is not lent to anyone."),
    c.RENEWALS_USED_UP: N_("This book cannot be kept longer. Please return it."),
    c.TOO_SOON_TO_RENEW: N_("It is too early to keep this book longer. Come back closer to {due}."),
    c.LOANS_NOT_ALLOWED: N_("This card cannot borrow books."),
}


def describe(refusal: Refusal, gettext: Callable[[str], str] = lambda s: s) -> str:
    template = REASONS.get(refusal.reason, N_("Not possible: {reason}"))
    try:
        return gettext(template).format(reason=refusal.reason, **refusal.details)
    except (KeyError, IndexError):
        return gettext(template)
