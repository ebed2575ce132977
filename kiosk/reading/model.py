"""The content package's data: metadata, chapters of blocks, and reading positions.

A content package is what every source format (EPUB, Markdown, text, PDF, audio) becomes at
import, so the reader only ever opens one validated shape. A position is (chapter, block,
offset) plus a text snippet, never a page number: page numbers change with the font size.
This module holds values only; it must never read or write files.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

FORMAT_VERSION = 1
KINDS = ("text", "pdf", "audio")
BLOCK_KINDS = ("heading", "para", "image")


@dataclass(frozen=True)
class Block:
    """One paragraph, heading or picture; ``breaks`` are the line-break offsets (ICU)."""

    kind: str
    text: str = ""
    breaks: tuple[int, ...] = ()
    level: int = 0  # heading level, 1 = chapter title
    src: str = ""  # image file inside the package
    width: int = 0
    height: int = 0

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind}
        if self.kind == "image":
            out.update(src=self.src, width=self.width, height=self.height, text=self.text)
        else:
            out.update(text=self.text, breaks=list(self.breaks))
            if self.kind == "heading":
                out["level"] = self.level
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Block:
        return cls(
            kind=data["kind"],
            text=data.get("text", ""),
            breaks=tuple(data.get("breaks", ())),
            level=int(data.get("level", 0)),
            src=data.get("src", ""),
            width=int(data.get("width", 0)),
            height=int(data.get("height", 0)),
        )


@dataclass(frozen=True)
class Chapter:
    title: str
    blocks: tuple[Block, ...]

    @property
    def chars(self) -> int:
        return sum(len(b.text) for b in self.blocks if b.kind != "image")

    def to_json(self) -> dict[str, Any]:
        return {"title": self.title, "blocks": [b.to_json() for b in self.blocks]}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Chapter:
        return cls(data.get("title", ""), tuple(Block.from_json(b) for b in data["blocks"]))


@dataclass(frozen=True)
class PackageMeta:
    """What the shelf shows and the hub reports about one imported book or recording."""

    content_id: str
    kind: str  # text | pdf | audio
    source_format: str  # epub | markdown | text | pdf | mp3 | ogg
    title: str
    sha256: str  # of the source file, as the hub publishes it
    size_bytes: int = 0
    title_latin: str = ""
    author: str = ""
    language: str = "km"
    category: str = ""
    reading_level: str = ""
    licence: str = ""
    attribution: str = ""
    cover: str = ""  # file inside the package, "" = none
    chapters: tuple[dict[str, Any], ...] = ()  # {"title", "chars"} per chapter
    pages: int = 0  # PDF page images
    audio: str = ""  # audio file inside the package
    legacy_font: bool = False
    warnings: tuple[str, ...] = ()
    imported_at: str = ""
    files: dict[str, str] = field(default_factory=dict)  # relative path -> sha256
    format_version: int = FORMAT_VERSION

    @property
    def chars(self) -> int:
        return sum(int(c.get("chars", 0)) for c in self.chapters)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["chapters"] = list(self.chapters)
        data["warnings"] = list(self.warnings)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PackageMeta:
        known = set(cls.__dataclass_fields__)
        clean = {k: v for k, v in data.items() if k in known}
        clean["chapters"] = tuple(clean.get("chapters", ()))
        clean["warnings"] = tuple(clean.get("warnings", ()))
        return cls(**clean)


@dataclass(frozen=True, order=True)
class Position:
    """Where a reader is: stable across font sizes, re-found by its snippet if text moved."""

    chapter: int = 0
    block: int = 0
    offset: int = 0
    snippet: str = field(default="", compare=False)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Position:
        return cls(
            int(data.get("chapter", 0)),
            int(data.get("block", 0)),
            int(data.get("offset", 0)),
            str(data.get("snippet", "")),
        )
