"""Turn a scanned string into a typed code the kiosk can act on, or a reason it cannot.

Every scan, from a camera decoder, a USB wedge scanner or a typed entry, passes through
``validate`` before anything looks it up: a misread that survives here becomes a wrong loan.
The rules are the measured ones (research/barcode-scanning.md): EAN-13 check digit and the
978/979 book prefix, library labels in a configured format, and nothing else.

Kinds of ``Scan``:

- ``isbn``  EAN-13 with a 978/979 prefix (ISBN-10 is converted to it);
- ``ean``   any other EAN-13 or zero-padded UPC-A, only from a handheld scanner (``keyboard``)
  or when ``settings.extra["accept_other_ean"]`` is true: camera decoders misread the left half
  of an EAN-13 with a valid check digit about once in 125 frames, and the prefix rule is what
  rejects those;
- ``item``  matches ``item_label_pattern`` (and its check digit) but not the card format;
- ``card``  matches ``card_label_pattern`` (and its check digit) but not the item format;
- ``label`` matches both formats: the caller looks the code up as a copy and as a card;
- ``qr``    QR text that is no label: printable, at most ``MAX_LENGTH`` characters, kept as is.

Label patterns are full-match regular expressions; a named group ``code`` picks the code out of a
longer text (e.g. ``KHDET:PP1:(?P<code>\\d{7}):.*`` for a card QR). Check schemes apply to the
digits of the code, the last one being the check digit: ``mod10`` (Luhn), ``mod11`` (weights
1, 2, 3... from the right, ``X`` = 10, the sum divisible by 11, as ISBN-10). Typed or wedge input
of 10 characters that is a valid ISBN-10 is taken as an ISBN: keep item labels off that shape.

This module is pure: no I/O, no clock, and it never raises on any input string.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

MAX_LENGTH = 256
SYMBOLOGIES = ("ean13", "upca", "code128", "code39", "qr", "keyboard")
# What each symbology needs enabled in ``settings.symbologies``; keyboard input always passes.
_ENABLED_BY = {"ean13": "ean13", "upca": "ean13", "code128": "code128", "code39": "code39"}
_BOOK_PREFIXES = ("978", "979")


@dataclass(frozen=True)
class Scan:
    """A code worth looking up: ``code`` normalised, ``kind`` as in the module docstring."""

    code: str
    kind: str
    symbology: str


@dataclass(frozen=True)
class Invalid:
    """A refusal: ``reason`` is a short code for logs and translated messages."""

    reason: str
    raw: str


def validate(raw: str, symbology: str, settings) -> Scan | Invalid:
    """Classify ``raw`` read as ``symbology`` (one of ``SYMBOLOGIES``); never raises."""
    try:
        return _validate(raw, symbology, settings)
    except Exception:  # a bad setting (odd type, broken regex) must not crash a screen
        return Invalid("bad_settings", str(raw)[:MAX_LENGTH])


def _validate(raw: str, symbology: str, settings) -> Scan | Invalid:
    if not isinstance(raw, str):
        return Invalid("not_text", repr(raw)[:MAX_LENGTH])
    symbology = str(symbology).lower()
    if symbology not in SYMBOLOGIES:
        return Invalid("unknown_symbology", raw[:MAX_LENGTH])
    needed = "qr" if symbology == "qr" else _ENABLED_BY.get(symbology)
    if needed and needed not in tuple(settings.symbologies):
        return Invalid("symbology_disabled", raw[:MAX_LENGTH])
    text = clean(raw)
    if not text:
        return Invalid("empty", raw[:MAX_LENGTH])
    if len(text) > MAX_LENGTH:
        return Invalid("too_long", raw[:MAX_LENGTH])
    if not text.isprintable():
        return Invalid("bad_characters", raw[:MAX_LENGTH])
    if symbology in ("ean13", "upca"):
        return _retail(text, symbology, raw, settings, trusted=False)
    if symbology == "qr":
        found = _label(text, symbology, settings)
        if found == "bad_check_digit":
            return Invalid(found, raw[:MAX_LENGTH])
        return found if isinstance(found, Scan) else Scan(text, "qr", symbology)
    if symbology == "code39":
        text = text.strip("*")  # some wedge scanners transmit the start/stop characters
    retail = None
    if symbology == "keyboard" and _looks_retail(text):
        retail = _retail(_compact(text), symbology, raw, settings, trusted=True)
        if isinstance(retail, Scan) or _compact(text).startswith(_BOOK_PREFIXES):
            return retail  # a mistyped ISBN is refused, never taken for a label
    found = _label(text, symbology, settings)
    if isinstance(found, Scan):
        return found  # e.g. 13-digit item labels without an EAN check digit
    return retail or Invalid(found, raw[:MAX_LENGTH])


def clean(raw: str) -> str:
    """Drop control characters (scanner prefixes, CR/LF/Tab suffixes) and outer spaces."""
    return "".join(ch for ch in raw if unicodedata.category(ch) != "Cc").strip()


def _compact(text: str) -> str:
    return text.replace("-", "").replace(" ", "")


def _looks_retail(text: str) -> bool:
    """12/13 digits, or an ISBN-10 (hyphens and spaces allowed), as typed or wedge-scanned."""
    compact = _compact(text)
    if compact.isascii() and compact.isdigit() and len(compact) in (12, 13):
        return True
    return len(compact) == 10 and _is_isbn10(compact)


def _retail(text: str, symbology: str, raw: str, settings, trusted: bool) -> Scan | Invalid:
    short = raw[:MAX_LENGTH]
    if len(text) == 10 and _is_isbn10(text):
        body = "978" + text[:9]
        return Scan(body + ean_check_digit(body), "isbn", symbology)
    if not (text.isascii() and text.isdigit()) or len(text) not in (12, 13):
        return Invalid("bad_length", short)
    code = text.zfill(13)  # UPC-A is EAN-13 with a leading 0, as Koha stores it
    if ean_check_digit(code[:12]) != code[12]:
        return Invalid("bad_check_digit", short)
    if code.startswith(_BOOK_PREFIXES):
        return Scan(code, "isbn", symbology)
    if trusted or _extra(settings).get("accept_other_ean"):
        return Scan(code, "ean", symbology)
    return Invalid("not_isbn", short)


def _label(text: str, symbology: str, settings) -> Scan | str:
    """Match the item and card formats; a ``Scan`` or the reason neither matched."""
    candidate = text if symbology == "qr" else text.upper()
    item = _match(candidate, settings.item_label_pattern, settings.item_label_check)
    card = _match(candidate, settings.card_label_pattern, settings.card_label_check)
    if isinstance(item, str) and isinstance(card, str) and item == card:
        return Scan(item, "label", symbology)
    if isinstance(item, str) and not isinstance(card, str):
        return Scan(item, "item", symbology)
    if isinstance(card, str) and not isinstance(item, str):
        return Scan(card, "card", symbology)
    if isinstance(item, str):  # both match with different extracted codes: the item wins
        return Scan(item, "item", symbology)
    return "bad_check_digit" if False in (item, card) else "unknown_format"


def _match(text: str, pattern: str, check: str) -> str | bool | None:
    """The matched code; ``False`` when the format matches but the check digit does not;
    ``None`` when the format does not match."""
    found = _compiled(pattern).fullmatch(text)
    if found is None:
        return None
    code = found.group("code") if "code" in found.re.groupindex else None
    code = found.group(0) if code is None else code
    if not code:
        return None
    return code if check_label(code, check) else False


@lru_cache(maxsize=32)
def _compiled(pattern: str) -> re.Pattern:
    return re.compile(pattern)


def _extra(settings) -> dict:
    extra = getattr(settings, "extra", None)
    return extra if isinstance(extra, dict) else {}


def ean_check_digit(first12: str) -> str:
    """EAN-13 check digit of 12 digits (weights 1, 3 from the left)."""
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(first12))
    return str((10 - total % 10) % 10)


def _is_isbn10(text: str) -> bool:
    if len(text) != 10 or not text[:9].isascii() or not text[:9].isdigit():
        return False
    last = text[9].upper()
    if not (last == "X" or (last.isascii() and last.isdigit())):
        return False
    values = [int(d) for d in text[:9]] + [10 if last == "X" else int(last)]
    return sum(v * (10 - i) for i, v in enumerate(values)) % 11 == 0


def check_label(code: str, scheme: str) -> bool:
    """Whether ``code`` passes the label check ``scheme`` ("none", "mod10", "mod11")."""
    if scheme in ("", "none"):
        return True
    digits = [c for c in code.upper() if (c.isascii() and c.isdigit()) or c == "X"]
    if len(digits) < 2 or "X" in digits[:-1]:
        return False
    values = [10 if d == "X" else int(d) for d in digits]
    if scheme == "mod10":
        if values[-1] == 10:
            return False
        total = 0
        for i, v in enumerate(reversed(values)):
            doubled = v * 2 if i % 2 else v
            total += doubled - 9 if doubled > 9 else doubled
        return total % 10 == 0
    if scheme == "mod11":
        total = sum(v * w for v, w in zip(reversed(values), range(1, len(values) + 1), strict=True))
        return total % 11 == 0
    return False
