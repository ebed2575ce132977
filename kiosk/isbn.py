"""ISBNs as the catalogue keeps them: ISBN-13 digits, the form a scanner reads off the EAN bars.

MARC records and spreadsheets carry ISBN-10s, hyphens and qualifiers ("0-471-38314-7 (paper)");
the desk scans the EAN-13 on the cover. One normal form makes a MARC import, a CSV import and a
scan meet on the same title. Pure functions; never raises on any input.
"""

from __future__ import annotations

import re

from kiosk.barcodes import ean_check_digit

_LEADING = re.compile(r"[0-9][0-9\- ]{8,20}[0-9Xx]?")


def _isbn10_ok(text: str) -> bool:
    if len(text) != 10 or not text[:9].isdigit() or not (text[9].isdigit() or text[9] == "X"):
        return False
    values = [int(d) for d in text[:9]] + [10 if text[9] == "X" else int(text[9])]
    return sum(v * (10 - i) for i, v in enumerate(values)) % 11 == 0


def normalise_isbn(raw: str) -> str | None:
    """ISBN-13 digits from an ISBN-10 or -13 with hyphens/qualifiers; None if not a valid ISBN."""
    found = _LEADING.search(raw or "")
    if not found:
        return None
    text = found.group(0).replace("-", "").replace(" ", "").upper()
    if len(text) == 10 and _isbn10_ok(text):
        body = "978" + text[:9]
        return body + ean_check_digit(body)
    if len(text) == 13 and text.isdigit() and text.startswith(("978", "979")):
        return text if ean_check_digit(text[:12]) == text[12] else None
    return None


def isbn10(isbn13: str) -> str | None:
    """The ISBN-10 form of a 978 ISBN-13 (979 books have none)."""
    if len(isbn13) != 13 or not isbn13.startswith("978"):
        return None
    body = isbn13[3:12]
    check = sum(int(d) * (10 - i) for i, d in enumerate(body)) % 11
    digit = (11 - check) % 11
    return body + ("X" if digit == 10 else str(digit))


def isbn_variants(isbn: str) -> list[str]:
    """Every form the catalogue may hold for ``isbn``: as given, ISBN-13, ISBN-10."""
    forms = [isbn]
    normal = normalise_isbn(isbn)
    if normal:
        forms.append(normal)
        if ten := isbn10(normal):
            forms.append(ten)
    return list(dict.fromkeys(forms))
