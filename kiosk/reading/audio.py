"""Accept an MP3 or Ogg audiobook (optionally with its text) into a content package.

Audio is for people who cannot read well, so it is a first-class book. The importer checks
the container signature and size and copies the bytes as they are; it never decodes audio
(playback streams through GStreamer later). The optional text goes through the same text
reader as any book.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from kiosk.errors import ImportRefused
from kiosk.reading.limits import ImportLimits
from kiosk.reading.parsed import Parsed
from kiosk.reading.textfile import read_text


def sniff_audio(head: bytes) -> str:
    """'ogg', 'mp3' or '' from the first bytes of a file."""
    if head.startswith(b"OggS"):
        return "ogg"
    if head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return "mp3"
    return ""


def read_audio(path: Path, limits: ImportLimits, out: Path, text: Path | None = None) -> Parsed:
    with path.open("rb") as stream:
        fmt = sniff_audio(stream.read(4))
    if not fmt:
        raise ImportRefused("not an MP3 or Ogg audio file")
    if path.stat().st_size > limits.audio_bytes:
        raise ImportRefused(f"audio file is larger than {limits.audio_bytes} bytes")
    parsed = Parsed(fmt, kind="audio")
    if text is not None:
        companion = read_text(text, limits, markdown=text.suffix.lower() in (".md", ".markdown"))
        parsed.chapters = companion.chapters
        parsed.title, parsed.title_latin = companion.title, companion.title_latin
        parsed.author, parsed.licence = companion.author, companion.licence
        parsed.language, parsed.extra = companion.language, companion.extra
    parsed.audio = f"audio.{fmt}"
    shutil.copyfile(path, out / parsed.audio)
    return parsed
