"""Write a small, well-formed EPUB 3 (nav + NCX) from chapters of paragraphs.

Used to build the benchmark's long Khmer book and the test suite's good and hostile EPUBs
(callers may add raw members to make them hostile). Text is XML-escaped; this module only
writes the one file it is given.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

CONTAINER = """<?xml version="1.0" encoding="UTF-8"?>
<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">
<rootfiles><rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/></rootfiles>
</container>"""

XHTML = """<?xml version="1.0" encoding="UTF-8"?>
<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="{lang}"><head><title>{title}</title></head>
<body>{body}</body></html>"""


def chapter_xhtml(title: str, paragraphs: list[str], lang: str = "km", extra: str = "") -> str:
    body = f"<h1>{escape(title)}</h1>" + "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    return XHTML.format(lang=lang, title=escape(title), body=body + extra)


def _opf(title: str, author: str, lang: str, docs: list[str], extra_items: str) -> str:
    items = "".join(
        f'<item id="c{i}" href="{name}" media-type="application/xhtml+xml"/>'
        for i, name in enumerate(docs)
    )
    spine = "".join(f'<itemref idref="c{i}"/>' for i in range(len(docs)))
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="id">
<metadata xmlns:dc="http://purl.org/dc/elements/1.1/">
<dc:identifier id="id">urn:bannalai:{escape(title)}</dc:identifier>
<dc:title>{escape(title)}</dc:title><dc:creator>{escape(author)}</dc:creator>
<dc:language>{lang}</dc:language><dc:rights>CC-BY-4.0</dc:rights>
</metadata>
<manifest><item id="nav" href="nav.xhtml" media-type="application/xhtml+xml" properties="nav"/>
<item id="ncx" href="toc.ncx" media-type="application/x-dtbncx+xml"/>{items}{extra_items}</manifest>
<spine toc="ncx">{spine}</spine></package>"""


def _nav(titles: list[str], docs: list[str]) -> str:
    links = "".join(
        f'<li><a href="{d}">{escape(t)}</a></li>' for t, d in zip(titles, docs, strict=True)
    )
    body = f'<nav xmlns:epub="http://www.idpf.org/2007/ops" epub:type="toc"><ol>{links}</ol></nav>'
    return XHTML.format(lang="km", title="nav", body=body)


def _ncx(titles: list[str], docs: list[str]) -> str:
    points = "".join(
        f'<navPoint id="p{i}"><navLabel><text>{escape(t)}</text></navLabel>'
        f'<content src="{d}"/></navPoint>'
        for i, (t, d) in enumerate(zip(titles, docs, strict=True))
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<ncx xmlns="http://www.daisy.org/z3986/2005/ncx/" version="2005-1">'
        f"<navMap>{points}</navMap></ncx>"
    )


def write_epub(
    path: Path,
    title: str,
    chapters: list[tuple[str, list[str]]],
    *,
    author: str = "Bannalai",
    lang: str = "km",
    extra_members: dict[str, bytes] | None = None,
    extra_manifest: str = "",
    chapter_extra: str = "",
) -> Path:
    """An EPUB 3 with one XHTML document per chapter; extras make hostile variants."""
    docs = [f"text/ch{i:03d}.xhtml" for i in range(len(chapters))]
    with zipfile.ZipFile(path, "w") as book:
        book.writestr("mimetype", "application/epub+zip", compress_type=zipfile.ZIP_STORED)
        book.writestr("META-INF/container.xml", CONTAINER)
        book.writestr("OEBPS/content.opf", _opf(title, author, lang, docs, extra_manifest))
        titles = [t for t, _ in chapters]
        book.writestr("OEBPS/nav.xhtml", _nav(titles, docs))
        book.writestr("OEBPS/toc.ncx", _ncx(titles, docs))
        for doc, (chapter_title, paragraphs) in zip(docs, chapters, strict=True):
            text = chapter_xhtml(chapter_title, paragraphs, lang, chapter_extra)
            book.writestr(f"OEBPS/{doc}", text, compress_type=zipfile.ZIP_DEFLATED)
        for name, data in (extra_members or {}).items():
            book.writestr(name, data, compress_type=zipfile.ZIP_DEFLATED)
    return path
