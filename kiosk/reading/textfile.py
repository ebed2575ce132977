"""Read a UTF-8 plain text or Markdown file into chapters of blocks.

Markdown is the easiest way for the project and its partners to write books, so a small
subset is understood: an optional ``---`` front matter of ``key: value`` lines, ``#``
headings (chapters split at the first heading level used more than once), paragraphs
separated by blank lines, and inline emphasis/links reduced to their text. Raw HTML is shown
as nothing, never interpreted; image references are ignored (a Markdown file cannot carry
pictures safely). Text that is not UTF-8 is refused.
"""

from __future__ import annotations

import re
from pathlib import Path

from kiosk.errors import ImportRefused
from kiosk.reading.blocks import text_blocks
from kiosk.reading.limits import ImportLimits
from kiosk.reading.model import Block, Chapter
from kiosk.reading.parsed import Parsed

FRONT_MATTER_KEYS = {"title", "title_latin", "author", "language", "licence", "category",
                     "reading_level", "attribution"}  # fmt: skip
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_INLINE = [
    (re.compile(r"!\[([^\]]*)\]\([^)]*\)"), ""),  # images
    (re.compile(r"\[([^\]]*)\]\([^)]*\)"), r"\1"),  # links -> their text
    (re.compile(r"<[^>]*>"), ""),  # raw HTML tags
    (re.compile(r"(\*\*|__|\*|_|`)(?=\S)(.+?)(?<=\S)\1"), r"\2"),
]


def decode_utf8(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportRefused(f"text is not UTF-8 (byte {exc.start}); convert it first") from exc


def _front_matter(lines: list[str], meta: dict[str, str]) -> list[str]:
    if not lines or lines[0].strip() != "---":
        return lines
    for i, line in enumerate(lines[1:40], start=1):
        if line.strip() == "---":
            for entry in lines[1:i]:
                key, _, value = entry.partition(":")
                if key.strip() in FRONT_MATTER_KEYS and value.strip():
                    meta[key.strip()] = value.strip()[:300]
            return lines[i + 1 :]
    return lines


def _inline(text: str) -> str:
    for pattern, replacement in _INLINE:
        text = pattern.sub(replacement, text)
    return text


def _items(lines: list[str], markdown: bool) -> list[tuple[str, str, int]]:
    items, para = [], []

    def flush() -> None:
        if para:
            items.append(("para", " ".join(para), 0))
            para.clear()

    for raw in lines:
        line = raw.strip()
        heading = _HEADING.match(line) if markdown else None
        if heading:
            flush()
            items.append(("heading", _inline(heading.group(2)), len(heading.group(1))))
        elif not line or (markdown and re.fullmatch(r"(\*\s*){3,}|(-\s*){3,}", line)):
            flush()
        else:
            para.append(_inline(line) if markdown else line)
    flush()
    return items


def _split_level(items) -> int:
    levels = [level for kind, _, level in items if kind == "heading"]
    for level in range(1, 7):
        if levels.count(level) > 1:
            return level
    return 0


def read_text(path: Path, limits: ImportLimits, *, markdown: bool) -> Parsed:
    if path.stat().st_size > limits.text_bytes:
        raise ImportRefused(f"text file is larger than {limits.text_bytes} bytes")
    text = decode_utf8(path.read_bytes())
    parsed = Parsed("markdown" if markdown else "text")
    meta: dict[str, str] = {}
    lines = _front_matter(text.splitlines(), meta) if markdown else text.splitlines()
    items = _items(lines, markdown)
    split = _split_level(items)
    if split > 1:  # a single top heading above the chapters is the book's title
        tops = [t for kind, t, level in items if kind == "heading" and level < split]
        meta.setdefault("title", tops[0] if tops else "")
        items = [i for i in items if not (i[0] == "heading" and i[2] < split)]
    chapters: list[tuple[str, list[Block]]] = [("", [])]
    for kind, body, level in items:
        if kind == "heading" and level == split and (chapters[-1][1] or chapters[-1][0]):
            chapters.append(("", []))
        if kind == "heading" and level == split:
            chapters[-1] = (body, chapters[-1][1])
        chapters[-1][1].extend(text_blocks(kind, body, level=level, max_chars=limits.block_chars))
    parsed.chapters = [Chapter(t[:200], tuple(b)) for t, b in chapters if b]
    if not parsed.chapters:
        raise ImportRefused("the file has no text")
    parsed.title = meta.pop("title", "")
    parsed.title_latin = meta.pop("title_latin", "")
    parsed.author = meta.pop("author", "")
    parsed.language = meta.pop("language", "")
    parsed.licence = meta.pop("licence", "")
    parsed.extra = meta
    return parsed
