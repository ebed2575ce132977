"""Build text blocks the paginator can use directly: clean text plus ICU line breaks.

Segmenting once at import (not on every page turn) is what keeps opening a book fast on a
Pi. Over-long paragraphs are split at a line-break opportunity so no block is huge. This
module must never read files.
"""

from __future__ import annotations

import re

from kiosk import khmer
from kiosk.reading.model import Block

_SPACE = re.compile(r"[ \t\r\n\f\v\u00a0]+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")


def clean_text(text: str) -> str:
    """One line of display text: controls dropped, runs of white space made one space."""
    return _SPACE.sub(" ", _CONTROL.sub("", text)).strip()


def text_blocks(kind: str, text: str, *, level: int = 0, max_chars: int = 4000) -> list[Block]:
    """``text`` as one or more blocks of ``kind``, each with its own break offsets."""
    text = clean_text(text)
    if not text:
        return []
    out: list[Block] = []
    while text:
        breaks = khmer.line_break_opportunities(text)
        if len(text) <= max_chars:
            out.append(Block(kind, text, tuple(breaks), level))
            break
        cut = max((b for b in breaks if b <= max_chars), default=0)
        if cut == 0:
            cut = next(b for b in khmer.cluster_boundaries(text) if b >= max_chars)
        head = text[:cut]
        out.append(Block(kind, head, tuple(khmer.line_break_opportunities(head)), level))
        text = text[cut:]
    return out
