"""Recorded voice prompts for people who cannot read well: one sound file per prompt key.

A librarian or NGO records each prompt (there is no open Khmer text-to-speech) and puts it in
``settings.paths.prompts`` as ``<lang>/<key>.ogg`` (or ``.wav``/``.mp3``), or ``<key>.ogg`` for
every language. A missing file is simply silent. ``python -m kiosk prompts`` lists the keys.
This module only finds files; the app plays them. Must never import Kivy.
"""

from __future__ import annotations

from pathlib import Path

# key -> what the recording should say (in the reader's language).
PROMPTS: dict[str, str] = {
    "welcome": "Welcome to the library. Touch a picture.",
    "scan_card": "Show your card to the scanner.",
    "scan_book": "Show the book to the scanner.",
    "lent": "The book is lent to you. Bring it back by the date shown.",
    "returned": "Thank you. The book is back.",
    "refused": "That did not work. Ask the librarian.",
    "your_loans": "These are your books.",
    "no_loans": "You have no books now.",
    "choose_activity": "Choose the class.",
    "attendance_recorded": "You are on the list. Thank you.",
    "search": "Touch the letters to find a book.",
    "idle_warning": "The screen will close soon. Touch it to stay.",
    "goodbye": "Goodbye.",
    "staff_pin": "Type the staff PIN.",
}
EXTENSIONS = (".ogg", ".wav", ".mp3")


def prompt_file(folder: Path, key: str, lang: str) -> Path | None:
    """The recording for ``key`` in ``lang`` (else language-neutral), or None."""
    if key not in PROMPTS:
        return None
    for base in (folder / lang, folder):
        for ext in EXTENSIONS:
            path = base / f"{key}{ext}"
            if path.is_file():
                return path
    return None
