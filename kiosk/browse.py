"""Catalogue browsing for people: categories, Khmer search and the on-screen Khmer keyboard.

Titles are matched on normalised keys (``kiosk.khmer.normalise_for_search``: two spellings that
look the same match) and listed in ICU's Khmer order. The keyboard layout is data here so the
screen only draws it. UI-free; never imports Kivy and never writes the store.
"""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.khmer import normalise_for_search, sort_key

MAX_RESULTS = 60

# Consonants, independent and dependent vowels, signs: the letters a title search needs.
# "្" (COENG) makes the next consonant a subscript, as on every Khmer keyboard.
# Vowel signs and other marks are shown on a dotted circle (◌ា) so a key is readable alone.
KHMER_MARKS = "្់៍ាិីឹឺុូួើឿៀេែៃោៅំះៈ៉"
KHMER_KEYS = (
    "កខគឃងចឆជឈញ",
    "ដឋឌឍណតថទធន",
    "បផពភមយរលវស",
    "ហឡអឥឧឯឱ្់៍",
    "ាិីឹឺុូួើឿ",
    "ៀេែៃោៅំះៈ៉",
)


@dataclass(frozen=True)
class TitleEntry:
    title_id: str
    title: str
    title_latin: str
    author: str
    category: str
    cover: str
    key: str  # normalised title + latin title + author, for substring search
    order: bytes  # ICU Khmer sort key


def entry(doc: dict) -> TitleEntry:
    title = doc.get("title", "")
    text = " ".join((title, doc.get("title_latin", ""), doc.get("author", "")))
    return TitleEntry(
        title_id=doc.get("title_id", ""),
        title=title,
        title_latin=doc.get("title_latin", ""),
        author=doc.get("author", ""),
        category=doc.get("category", ""),
        cover=doc.get("cover", ""),
        key=normalise_for_search(text),
        order=sort_key(title),
    )


class Browse:
    """The titles of one library, sorted once, searched many times."""

    def __init__(self, titles: list[dict]) -> None:
        self.entries = sorted((entry(t) for t in titles), key=lambda e: (e.order, e.title_id))

    def categories(self) -> list[str]:
        names = {e.category for e in self.entries if e.category}
        return sorted(names, key=sort_key)

    def search(self, query: str = "", category: str | None = None) -> list[TitleEntry]:
        needle = normalise_for_search(query)
        found = [
            e
            for e in self.entries
            if (category is None or e.category == category) and (not needle or needle in e.key)
        ]
        return found[:MAX_RESULTS]
