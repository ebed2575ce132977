"""What a source reader hands to the package writer: text, metadata found, and warnings.

Readers for each format fill one of these; only ``kiosk.reading.worker`` turns it into a
package. This module holds values only.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kiosk.reading.model import Chapter


@dataclass
class Parsed:
    source_format: str
    kind: str = "text"
    title: str = ""
    title_latin: str = ""
    author: str = ""
    language: str = ""
    licence: str = ""
    chapters: list[Chapter] = field(default_factory=list)
    cover: str = ""  # file written into the package folder
    pages: int = 0
    audio: str = ""
    legacy_font_css: bool = False
    extra: dict[str, str] = field(default_factory=dict)  # category, reading_level, attribution
    warnings: list[str] = field(default_factory=list)

    def warn(self, message: str) -> None:
        if len(self.warnings) < 50 and message not in self.warnings:
            self.warnings.append(message[:200])
