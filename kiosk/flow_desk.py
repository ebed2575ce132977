"""The desk part of the screen flow: add a book by scanning its ISBN (see ``kiosk.desk``).

A mixin of ``kiosk.flow.Flow`` (it uses the flow's ``touch``, ``_`` and ``library``). The staff
member scans the ISBN, completes the Khmer title and author on the on-screen keyboard (a scanned
item label gives the new copy's barcode), then saves. UI-free: never imports Kivy, never prints.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from kiosk.i18n import N_

if TYPE_CHECKING:
    from kiosk import desk

MAX_CHARS = 80
DESK_REASONS = {
    "isbn_invalid": N_("This is not a book's ISBN. Scan the bars on the back cover."),
    "title_missing": N_("Type the Khmer title first."),
    "legacy_font": N_("This text uses an old Khmer font. Type it again on the keyboard."),
    "barcode_format": N_("This label cannot be used for a book."),
    "barcode_taken": N_("This label is already on another book."),
    "barcode_unscannable": N_("This label would not scan when printed."),
    "no_isbn": N_("Scan the book's ISBN first."),
}


@dataclass
class DeskForm:
    known: desk.Known | None = None
    title: str = ""
    author: str = ""
    active: str = "title"  # which of title/author the keyboard types into
    barcode: str = ""  # a label scanned for the new copy; empty: the next free code
    added: desk.Added | None = None
    refusal: str = ""  # the last refusal, in words
    note: str = ""  # what the printer did, in words
    copies: list[str] = field(default_factory=list)


class DeskFlow:
    def desk_reset(self) -> None:
        self.desk = DeskForm()

    def _desk_refuse(self, reason: str) -> None:
        self.desk.refusal = self._(DESK_REASONS.get(reason, DESK_REASONS["isbn_invalid"]))

    def desk_scan(self, code: str) -> None:
        """An ISBN starts a new book; an item label, once an ISBN is shown, is its barcode."""
        from kiosk import desk  # labels pull in PIL, numpy, reportlab: only when used

        self.touch()
        form = self.desk
        if form.known is not None and form.added is None and desk._is_item_code(self.library, code):
            if self.library.copy(code) is not None:
                self._desk_refuse("barcode_taken")
            else:
                form.barcode, form.refusal = code, ""
            return
        known = desk.look_up_isbn(self.library, code)
        if isinstance(known, desk.DeskRefusal):
            self._desk_refuse(known.reason)
            return
        title = known.title or {}
        self.desk = DeskForm(
            known, title.get("title", ""), title.get("author", ""), copies=known.copies
        )

    def desk_field(self, name: str) -> None:
        self.touch()
        if name in ("title", "author"):
            self.desk.active = name

    def desk_key(self, key: str) -> None:
        self.touch()
        form = self.desk
        text = getattr(form, form.active)
        if len(text) < MAX_CHARS:
            setattr(form, form.active, text + key)

    def desk_backspace(self) -> None:
        self.touch()
        form = self.desk
        setattr(form, form.active, getattr(form, form.active)[:-1])

    def desk_barcode(self) -> str:
        """The code the new copy will get: the scanned label, else the next free one."""
        if self.desk.barcode:
            return self.desk.barcode
        return self.desk.known.next_barcode if self.desk.known else ""

    def desk_save(self, label_dir: Path) -> bool:
        """Add the copy and write its label PDF in ``label_dir``; False (and why) if refused."""
        from kiosk import desk

        self.touch()
        form = self.desk
        if form.added is not None:
            return False  # saved already: the next ISBN starts the next book
        if form.known is None:
            self._desk_refuse("no_isbn")
            return False
        barcode = form.barcode or desk.next_barcode(self.library)
        Path(label_dir).mkdir(parents=True, exist_ok=True)
        outcome = desk.add_book(
            self.library,
            title=form.title,
            author=form.author,
            isbn=form.known.isbn,
            barcode=barcode,
            label_pdf=Path(label_dir) / f"label-{barcode}.pdf",
        )
        if isinstance(outcome, desk.DeskRefusal):
            self._desk_refuse(outcome.reason)
            return False
        form.added, form.refusal = outcome, ""
        return True
