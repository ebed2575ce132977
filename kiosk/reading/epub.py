"""Read an untrusted EPUB 2/3 into chapters of blocks, pictures and a cover.

Built on ``SafeZip`` and ``xhtml`` so every byte is counted and no entity, script or remote
reference survives. A broken manifest entry, document or picture is skipped with a warning;
only limit violations and an unreadable package document refuse the book. Pictures are
written under the package folder with generated names; member names are never used as paths.
"""

from __future__ import annotations

from pathlib import Path

from kiosk import khmer
from kiosk.errors import ImportRefused
from kiosk.reading import xhtml
from kiosk.reading.blocks import clean_text, text_blocks
from kiosk.reading.images import ImageSkipped, save_downscaled
from kiosk.reading.limits import ImportLimits
from kiosk.reading.model import Block, Chapter
from kiosk.reading.parsed import Parsed
from kiosk.reading.safezip import SafeZip

XHTML_TYPES = {"application/xhtml+xml", "text/html", "application/xml", "text/xml"}


def _opf_path(book: SafeZip) -> str:
    try:
        root = xhtml.parse_xml(book.read("META-INF/container.xml"))
        for el in root.iter():
            if xhtml.local(el.tag) == "rootfile" and book.exists(el.get("full-path", "")):
                return el.get("full-path")
    except (KeyError, xhtml.DocumentSkipped):
        pass
    opfs = [n for n in book.names() if n.lower().endswith(".opf")]
    if not opfs:
        raise ImportRefused("no package document (.opf) in the EPUB")
    return opfs[0]


def _metadata(opf, parsed: Parsed) -> str:
    """Fill title/author/language/licence; return the cover item id from <meta name=cover>."""
    titles, cover_id = [], ""
    for el in opf.iter():
        name, text = xhtml.local(el.tag), clean_text(el.text or "")
        if name == "title" and text:
            titles.append(text)
        elif name == "creator" and text and not parsed.author:
            parsed.author = text
        elif name == "language" and text and not parsed.language:
            parsed.language = text.split("-")[0].lower()[:8]
        elif name == "rights" and text and not parsed.licence:
            parsed.licence = text
        elif name == "meta" and el.get("name") == "cover":
            cover_id = el.get("content", "")
    khmer_titles = [t for t in titles if khmer.khmer_ratio([t]) > 0.5]
    latin_titles = [t for t in titles if t not in khmer_titles]
    parsed.title = (khmer_titles or latin_titles or [""])[0]
    parsed.title_latin = latin_titles[0] if khmer_titles and latin_titles else ""
    return cover_id


def _manifest(book: SafeZip, opf_name: str, opf, parsed: Parsed) -> dict[str, dict]:
    items = {}
    for el in opf.iter():
        if xhtml.local(el.tag) != "item":
            continue
        member = book.resolve(opf_name, el.get("href", ""))
        if member is None:
            parsed.warn(f"manifest item {el.get('href', '')[:80]!r} skipped (missing or unsafe)")
            continue
        items[el.get("id", member)] = {
            "member": member,
            "type": (el.get("media-type") or "").lower(),
            "props": (el.get("properties") or "").split(),
        }
    return items


def _toc_titles(book: SafeZip, items: dict[str, dict]) -> dict[str, str]:
    """Member -> first TOC label pointing at it, from the EPUB 3 nav or the EPUB 2 NCX."""
    titles: dict[str, str] = {}
    for item in items.values():
        is_nav = "nav" in item["props"]
        if not is_nav and item["type"] != "application/x-dtbncx+xml":
            continue
        try:
            root = xhtml.parse_xml(book.read(item["member"]))
        except (KeyError, xhtml.DocumentSkipped):
            continue
        for el in root.iter():
            tag = xhtml.local(el.tag)
            if is_nav and tag == "a":
                target, label = el.get("href", ""), "".join(el.itertext())
            elif not is_nav and tag == "navpoint":
                content = next((c for c in el.iter() if xhtml.local(c.tag) == "content"), None)
                label_el = next((c for c in el.iter() if xhtml.local(c.tag) == "text"), None)
                target = content.get("src", "") if content is not None else ""
                label = label_el.text or "" if label_el is not None else ""
            else:
                continue
            member = book.resolve(item["member"], target.split("#")[0])
            if member and member not in titles and clean_text(label):
                titles[member] = clean_text(label)
        if titles:
            break
    return titles


class _Pictures:
    def __init__(self, book: SafeZip, limits: ImportLimits, out: Path, parsed: Parsed) -> None:
        self.book, self.limits, self.out, self.parsed = book, limits, out, parsed
        self.done: dict[str, tuple[str, int, int] | None] = {}

    def save(self, member: str) -> tuple[str, int, int] | None:
        if member not in self.done:
            self.done[member] = None
            try:
                data = self.book.read(member, image=True)
                dest = self.out / "images" / f"{len(self.done):04d}"
                dest.parent.mkdir(exist_ok=True)
                path, w, h = save_downscaled(data, self.limits, dest)
                self.done[member] = (f"images/{path.name}", w, h)
            except (KeyError, ImageSkipped) as exc:
                self.parsed.warn(f"picture {member[:80]!r} skipped: {exc}")
        return self.done[member]


def _chapter(items: list[xhtml.Item], doc: str, title: str, ctx) -> Chapter:
    book, pictures, limits = ctx
    blocks: list[Block] = []
    for item in items:
        if item.kind == "image":
            member = book.resolve(doc, item.href)
            saved = pictures.save(member) if member else None
            if saved:
                blocks.append(
                    Block("image", item.text, src=saved[0], width=saved[1], height=saved[2])
                )
            continue
        blocks.extend(
            text_blocks(item.kind, item.text, level=item.level, max_chars=limits.block_chars)
        )
    if not title:
        title = next((b.text for b in blocks if b.kind == "heading"), "")
    return Chapter(title[:200], tuple(blocks))


def read_epub(path: Path, limits: ImportLimits, out: Path) -> Parsed:
    parsed = Parsed("epub")
    with SafeZip(path, limits) as book:
        for name in book.skipped_names[:5]:
            parsed.warn(f"unsafe member name {name[:80]!r} ignored")
        opf_name = _opf_path(book)
        try:
            opf = xhtml.parse_xml(book.read(opf_name))
        except (KeyError, xhtml.DocumentSkipped) as exc:
            raise ImportRefused(f"unreadable package document: {exc}") from exc
        cover_id = _metadata(opf, parsed)
        items = _manifest(book, opf_name, opf, parsed)
        toc = _toc_titles(book, items)
        pictures = _Pictures(book, limits, out, parsed)
        spine = [el.get("idref", "") for el in opf.iter() if xhtml.local(el.tag) == "itemref"]
        docs = [items[i] for i in spine if i in items and "nav" not in items[i]["props"]]
        if not docs:
            parsed.warn("empty spine: reading documents in manifest order")
            docs = [
                i for i in items.values() if i["type"] in XHTML_TYPES and "nav" not in i["props"]
            ]
        for item in docs:
            try:
                found = xhtml.extract(book.read(item["member"]))
            except (KeyError, xhtml.DocumentSkipped) as exc:
                parsed.warn(f"document {item['member'][:80]!r} skipped: {exc}")
                continue
            chapter = _chapter(
                found, item["member"], toc.get(item["member"], ""), (book, pictures, limits)
            )
            if chapter.blocks:
                parsed.chapters.append(chapter)
        for item in items.values():
            if item["type"] == "text/css":
                try:
                    families = xhtml.css_font_families(book.read(item["member"]))
                except KeyError:
                    continue
                parsed.legacy_font_css |= any(khmer.is_legacy_font_name(f) for f in families)
        _cover(book, items, cover_id, pictures, parsed, limits, out)
    if not parsed.chapters:
        raise ImportRefused("the EPUB has no readable text")
    return parsed


def _cover(book, items, cover_id, pictures, parsed, limits, out) -> None:
    candidates = [i["member"] for i in items.values() if "cover-image" in i["props"]]
    if cover_id in items:
        candidates.append(items[cover_id]["member"])
    candidates += [m for m, saved in pictures.done.items() if saved]
    for member in candidates:
        try:
            data = book.read(member, image=True)
            saved, _, _ = save_downscaled(data, limits, out / "cover", limits.cover_max_side)
            parsed.cover = saved.name
            return
        except (KeyError, ImageSkipped) as exc:
            parsed.warn(f"cover {member[:80]!r} skipped: {exc}")
