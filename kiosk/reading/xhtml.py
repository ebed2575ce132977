"""Pull headings, paragraphs and picture references out of one untrusted (X)HTML document.

Entity declarations are never expanded (no XXE, no billion laughs), no DTD or network is
loaded, and script, style, forms, embedded objects, SVG and MathML are dropped with their
text. Broken XHTML falls back to lxml's HTML parser. This module returns plain values; it
must never fetch, follow or open anything an href names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree
from lxml import html as lxml_html

from kiosk.reading.blocks import clean_text

DROPPED = {
    "script", "style", "iframe", "object", "embed", "form", "svg", "math", "video",
    "audio", "noscript", "template", "head", "button", "input", "select", "textarea",
}  # fmt: skip
HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
BLOCKS = {"p", "div", "li", "blockquote", "section", "article", "td", "th", "dd", "dt",
          "pre", "figcaption", "caption", "body", "tr", "ul", "ol", "table", "figure",
          "aside", "header", "footer", "nav", "main", "dl", "hr", "br"}  # fmt: skip
_ENTITY_DECL = re.compile(rb"<!ENTITY", re.I)


@dataclass(frozen=True)
class Item:
    kind: str  # heading | para | image
    text: str = ""
    level: int = 0
    href: str = ""


class DocumentSkipped(Exception):
    """This document cannot be read safely; skip it and keep the book."""


def parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
        dtd_validation=False, remove_comments=True, remove_pis=True,
    )  # fmt: skip


def parse_xml(data: bytes) -> etree._Element:
    """Parse OPF/NCX/container XML; refuses entity declarations outright."""
    if _ENTITY_DECL.search(data):
        raise DocumentSkipped("declares XML entities")
    try:
        return etree.fromstring(data, parser())
    except etree.XMLSyntaxError as exc:
        raise DocumentSkipped(f"broken XML: {exc}") from exc


def _root(data: bytes) -> etree._Element:
    if _ENTITY_DECL.search(data):
        raise DocumentSkipped("declares XML entities")
    try:
        return etree.fromstring(data, parser())
    except etree.XMLSyntaxError:
        try:
            return lxml_html.fromstring(data, parser=lxml_html.HTMLParser(no_network=True))
        except (etree.ParserError, ValueError) as exc:
            raise DocumentSkipped(f"unreadable document: {exc}") from exc


def local(tag) -> str:
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1].lower()


class _Walker:
    def __init__(self) -> None:
        self.items: list[Item] = []
        self.buffer: list[str] = []
        self.kind, self.level = "para", 0

    def flush(self) -> None:
        text = clean_text("".join(self.buffer))
        if text:
            self.items.append(Item(self.kind, text, self.level))
        self.buffer, self.kind, self.level = [], "para", 0

    def walk(self, el) -> None:
        name = local(el.tag)
        if name in DROPPED or not isinstance(el.tag, str):
            return  # comments, entities, PIs and dropped elements: their text is not read
        if name in HEADINGS or name in BLOCKS:
            self.flush()
        if name in HEADINGS:
            self.kind, self.level = "heading", HEADINGS[name]
        if name == "img":
            self.flush()
            alt = el.get("alt") or ""
            self.items.append(Item("image", clean_text(alt), href=el.get("src") or ""))
        if el.text:
            self.buffer.append(el.text)
        for child in el:
            self.walk(child)
            if child.tail:
                self.buffer.append(child.tail)
        if name in HEADINGS or name in BLOCKS:
            self.flush()


def extract(data: bytes) -> list[Item]:
    """Headings, paragraphs and image references of a document, in reading order."""
    root = _root(data)
    body = next((el for el in root.iter() if local(el.tag) == "body"), root)
    walker = _Walker()
    try:
        walker.walk(body)
    except RecursionError as exc:
        raise DocumentSkipped("elements nested too deeply") from exc
    walker.flush()
    return walker.items


def css_font_families(data: bytes) -> list[str]:
    """font-family values in a stylesheet or style attribute text (for legacy-font checks)."""
    text = data.decode("utf-8", "replace")
    return re.findall(r"font-family\s*:\s*([^;}{]+)", text, flags=re.I)
