"""What the bookshelf shows: books in reading order for people, searchable in Khmer.

"Continue reading" comes first (most recently read), then every other book in Khmer (ICU
``km``) order of its title. Search compares normalised keys, so a title typed with coeng-ro
first or with zero-width spaces still matches. Pure functions over package metadata and the
reading state; this module must never write.
"""

from __future__ import annotations

from dataclasses import dataclass

from kiosk import khmer
from kiosk.config import Settings
from kiosk.reading.model import PackageMeta
from kiosk.reading.packages import list_packages
from kiosk.reading.state import ReadingState


@dataclass(frozen=True)
class ShelfItem:
    meta: PackageMeta
    progress: float = 0.0  # 0..1 of the book, as last saved
    last_read: str = ""  # ISO time, "" = never opened on this station

    @property
    def continuing(self) -> bool:
        return bool(self.last_read) and self.progress < 0.995


def search_key(meta: PackageMeta) -> str:
    return khmer.normalise_for_search(" ".join((meta.title, meta.title_latin, meta.author)))


def matches(meta: PackageMeta, query: str) -> bool:
    words = khmer.normalise_for_search(query).split()
    key = search_key(meta)
    return all(word in key for word in words)


def arrange(
    metas: list[PackageMeta],
    state: ReadingState | None = None,
    *,
    query: str = "",
    category: str = "",
) -> list[ShelfItem]:
    """Filter by query and category; continue-reading first, then ICU title order."""
    items = []
    for meta in metas:
        if category and meta.category != category:
            continue
        if query and not matches(meta, query):
            continue
        if state is None:
            items.append(ShelfItem(meta))
        else:
            items.append(
                ShelfItem(meta, state.progress(meta.content_id), state.last_read(meta.content_id))
            )
    reading = sorted((i for i in items if i.continuing), key=lambda i: i.last_read, reverse=True)
    rest = sorted(
        (i for i in items if not i.continuing), key=lambda i: khmer.sort_key(i.meta.title)
    )
    return reading + rest


def categories(metas: list[PackageMeta]) -> list[str]:
    return sorted({m.category for m in metas if m.category}, key=khmer.sort_key)


def shelf(settings: Settings, *, query: str = "", category: str = "") -> list[ShelfItem]:
    return arrange(list_packages(settings), ReadingState(settings), query=query, category=category)
