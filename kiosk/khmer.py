"""Khmer text helpers without a screen: search keys, breaks, sort order, digits, dates, legacy fonts.

Khmer has no spaces between words, no decompositions (NFC changes nothing) and several visually
identical spellings, so every part of the kiosk that compares, sorts, wraps or numbers Khmer text
goes through here instead of doing it ad hoc. Line breaks and clusters come from ICU; ICU's
grapheme clusters end after a COENG, so ``grapheme_clusters`` glues a subscript to its base — a
line or page must never be cut between them.

This module must never import Kivy, touch files or the network, or keep state beyond caches of
immutable ICU objects.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from datetime import date, datetime
from enum import IntEnum
from functools import cache

import icu

COENG = "\u17d2"
NO_BREAK_BEFORE = "ៗ។៕៖"  # repetition sign and Khmer punctuation close the word before them
ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff\u00ad"
_STRIP_ZW = str.maketrans("", "", ZERO_WIDTH)
_TO_KHMER_DIGITS = str.maketrans("0123456789", "០១២៣៤៥៦៧៨៩")
_TO_ASCII_DIGITS = str.maketrans("០១២៣៤៥៦៧៨៩", "0123456789")

KHMER_MONTHS = (
    "មករា",
    "កុម្ភៈ",
    "មីនា",
    "មេសា",
    "ឧសភា",
    "មិថុនា",
    "កក្កដា",
    "សីហា",
    "កញ្ញា",
    "តុលា",
    "វិច្ឆិកា",
    "ធ្នូ",
)


class _Cat(IntEnum):
    """Order of the parts of a Khmer syllable when normalised (after SIL khnormal, MIT)."""

    OTHER = 0
    BASE = 1
    ROBAT = 2
    COENG = 3  # COENG and the consonant it subscripts
    SHIFT = 4
    VPRE = 5  # pre-base and split vowels
    VB = 6
    VA = 7
    VPOST = 8
    MS = 9
    MF = 10


def _category(ch: str) -> _Cat:
    cp = ord(ch)
    if 0x1780 <= cp <= 0x17A2 or 0x17A5 <= cp <= 0x17B3:
        return _Cat.BASE
    if cp == 0x17B6:
        return _Cat.VPOST
    if 0x17B7 <= cp <= 0x17BA:
        return _Cat.VA
    if 0x17BB <= cp <= 0x17BD:
        return _Cat.VB
    if 0x17BE <= cp <= 0x17C5:
        return _Cat.VPRE
    if cp in (0x17C7, 0x17C8):
        return _Cat.MF
    if cp in (0x17C9, 0x17CA):
        return _Cat.SHIFT
    if cp == 0x17CC:
        return _Cat.ROBAT
    if cp == 0x17D2:
        return _Cat.COENG
    if cp in (0x17C6, 0x17CB, 0x17D3, 0x17DD) or 0x17CD <= cp <= 0x17D1:
        return _Cat.MS
    return _Cat.OTHER


_SYLLABLE_FIXES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(COENG + "{2,}"), COENG),  # doubled COENG typed by mistake
    (re.compile("\u17c1([\u17bb-\u17bd]?)\u17b8"), "\u17be\\1"),  # e + ii -> oe
    (re.compile("\u17c1([\u17bb-\u17bd]?)\u17b6"), "\u17c4\\1"),  # e + aa -> oo
    (re.compile("\u17be\u17b8"), "\u17be"),
    (re.compile("(\u17d2\u179a)(\u17d2[\u1780-\u17b3])"), "\\2\\1"),  # coeng-ro goes last
    (re.compile("\u17d2\u178a"), "\u17d2\u178f"),  # coeng DA and coeng TA look the same
)


def _normalise_syllable(chars: str, cats: list[_Cat]) -> str:
    order = sorted(range(len(chars)), key=lambda i: (cats[i], i))
    text = "".join(chars[i] for i in order)
    for pattern, replacement in _SYLLABLE_FIXES:
        text = pattern.sub(replacement, text)
    return text


def _reorder(text: str) -> str:
    cats = [_category(c) for c in text]
    for i in range(1, len(text)):
        if text[i - 1] == COENG and cats[i] == _Cat.BASE:
            cats[i] = _Cat.COENG  # a subscript consonant travels with its COENG
    out: list[str] = []
    i = 0
    while i < len(text):
        if cats[i] != _Cat.BASE:
            out.append(text[i])
            i += 1
            continue
        j = i + 1
        while j < len(text) and cats[j] > _Cat.BASE:
            j += 1
        out.append(_normalise_syllable(text[i:j], cats[i:j]))
        i = j
    return "".join(out)


def normalise_for_search(text: str) -> str:
    """A key for substring search: visually identical spellings give the same key.

    NFC, zero-width characters removed, each Khmer syllable put in canonical order (coeng-ro
    last, coeng DA as TA, split vowels composed), Latin casefolded, whitespace collapsed.
    """
    text = unicodedata.normalize("NFC", text).translate(_STRIP_ZW)
    for _ in range(4):  # the fixes can expose a new order; stop at the fixed point
        new = _reorder(text)
        if new == text:
            break
        text = new
    return " ".join(text.casefold().split())


@cache
def _collator() -> icu.Collator:
    return icu.Collator.createInstance(icu.Locale("km"))


def sort_key(text: str) -> bytes:
    """ICU ``km`` collation key of the normalised text: ``sorted(items, key=sort_key)``."""
    return _collator().getSortKey(normalise_for_search(text))


def _boundaries(iterator: icu.BreakIterator, text: str) -> list[int]:
    """UTF-16 boundaries from ICU, as Python string offsets (never 0, always len(text))."""
    if not text:
        return []
    iterator.setText(text)
    units = list(iterator)
    if len(text) == len(text.encode("utf-16-le")) // 2:
        return units
    index_of: dict[int, int] = {}
    unit = 0
    for i, ch in enumerate(text):
        index_of[unit] = i
        unit += 2 if ord(ch) > 0xFFFF else 1
    index_of[unit] = len(text)
    return [index_of[u] for u in units]


def _cluster_ends(text: str) -> list[int]:
    ends = _boundaries(icu.BreakIterator.createCharacterInstance(icu.Locale("km")), text)
    # ICU ends a cluster after COENG (or ZWJ); the subscript that follows belongs to it.
    return [e for e in ends if e == len(text) or text[e - 1] not in (COENG, "\u200d")]


def grapheme_clusters(text: str) -> list[str]:
    """What a reader sees as one character: a base with its subscripts, vowels and signs."""
    out, start = [], 0
    for end in _cluster_ends(text):
        out.append(text[start:end])
        start = end
    return out


def cluster_boundaries(text: str) -> list[int]:
    """Offsets where a cluster ends (excluding 0, including ``len(text)``)."""
    return _cluster_ends(text)


def line_break_opportunities(text: str) -> list[int]:
    """Offsets where a line may end (ICU dictionary breaks; never inside a cluster).

    Excludes 0 and includes ``len(text)`` for non-empty text.
    """
    lines = _boundaries(icu.BreakIterator.createLineInstance(icu.Locale("km")), text)
    clusters = set(_cluster_ends(text))
    # ICU allows a break before ៗ (it is "SA" like letters); a line must not start with it.
    return [
        b for b in lines if b in clusters and (b == len(text) or text[b] not in NO_BREAK_BEFORE)
    ]


def khmer_digits(value: str | int) -> str:
    """ASCII digits as Khmer digits: ``khmer_digits(2025) == '២០២៥'``."""
    return str(value).translate(_TO_KHMER_DIGITS)


def ascii_digits(text: str) -> str:
    """Khmer digits as ASCII digits (for parsing what someone typed)."""
    return text.translate(_TO_ASCII_DIGITS)


def format_date(day: date | datetime, lang: str) -> str:
    """A long date for people: '២៧ វិច្ឆិកា ២០២៦' in Khmer, Babel's long format otherwise."""
    if isinstance(day, datetime):
        day = day.date()
    if lang == "km":
        return f"{khmer_digits(day.day)} {KHMER_MONTHS[day.month - 1]} {khmer_digits(day.year)}"
    from babel.dates import format_date as babel_format_date

    return babel_format_date(day, format="long", locale=lang)


# --- legacy (non-Unicode) Khmer fonts --------------------------------------------------------
# Limon, ABC and similar fonts draw Khmer glyphs on Latin-1 code points, so such text reaches
# us as Latin "soup": case switching inside words, Latin-1 symbols and punctuation glued to
# letters ("kalBIeRBgnay manekµgRbusmñak;"). Real English or French has none of these often.

LEGACY_FONT_NAME = re.compile(
    r"\b(limon|abc[-_ ]?|khmer ?s1|kh[-_ ]?(?:sys|battambang|siemreap)\b)", re.I
)
_LEGACY_SYMBOLS = set("µ¦§¨ª¬®¯°±²³´¶·¸¹º¼½¾×÷þÞðÐ¡¿¤¥¢£")
_WORD = re.compile(r"[A-Za-z\u00a0-\u00ff;:\[\]{}\\|_'\"`~^@#$%&*+=<>/-]+")


def is_legacy_font_name(font_family: str) -> bool:
    """True for a CSS font-family or font name of a known legacy Khmer font."""
    return bool(LEGACY_FONT_NAME.search(font_family or ""))


def _word_signals(word: str) -> int:
    letters = [c for c in word if c.isalpha()]
    if len(letters) < 2:
        return 0
    switches = sum(1 for a, b in zip(word, word[1:], strict=False) if a.islower() and b.isupper())
    symbols = sum(1 for c in word if c in _LEGACY_SYMBOLS)
    glued = len(re.findall(r"(?<=[A-Za-z])[;\[\]{}\\|](?=[A-Za-z])|[A-Za-z][;\]]$", word))
    return switches + 2 * symbols + 2 * glued


def has_legacy_font_text(text: str) -> bool:
    """True when text that should be Khmer looks typed in a legacy font (Limon, ABC...).

    Text that is mostly Khmer code points is never flagged; plain English or French is not
    flagged. Callers use it on fields and books declared Khmer, to flag them for review.
    """
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return False
    khmer = sum(1 for c in letters if "\u1780" <= c <= "\u17ff" or "\u19e0" <= c <= "\u19ff")
    if khmer / len(letters) >= 0.3:
        return False
    words = _WORD.findall(text)
    if not words:
        return False
    scores = [_word_signals(w) for w in words]
    strong = sum(1 for s in scores if s >= 2)
    weak = sum(1 for s in scores if s == 1)
    if len(words) <= 3:
        return strong >= 1 or weak >= 2
    return (strong + weak / 2) / len(words) >= 0.2


def khmer_ratio(texts: Iterable[str]) -> float:
    """Share of letters that are Khmer across ``texts`` (1.0 when there are no letters)."""
    total = khmer = 0
    for text in texts:
        for c in text:
            if c.isalpha():
                total += 1
                khmer += "\u1780" <= c <= "\u17ff"
    return khmer / total if total else 1.0
