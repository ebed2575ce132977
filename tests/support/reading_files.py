"""Generate the good and hostile files the reading tests import (nothing is checked in)."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from pathlib import Path

from PIL import Image

from kiosk.reading.epubmaker import write_epub

STORY = [
    "កាលពីព្រេងនាយ មានក្មេងប្រុសម្នាក់ឈ្មោះសុខា។",
    "គាត់រស់នៅក្នុងភូមិតូចមួយជិតមាត់ទន្លេមេគង្គ ជាមួយម្តាយ និងជីដូនរបស់គាត់។",
    "រៀងរាល់ព្រឹក សុខាក្រោកពីដំណេកមុនថ្ងៃរះ។",
]
LIMON = "kalBIeRBgnay manekµgRbusmñak; rs;enAkñúgPUmitUcmYy Citmat;TenøemKgÁ Rbusmñak;"


def png_bytes(width: int = 8, height: int = 8, colour=(200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, "PNG")
    return out.getvalue()


def huge_png_header(width: int = 40000, height: int = 40000) -> bytes:
    """A tiny PNG whose header claims ``width`` x ``height`` pixels (never decodable)."""
    data = bytearray(png_bytes(1, 1))
    ihdr = struct.pack(">II", width, height) + bytes(data[24:29])
    data[16:29] = ihdr
    data[29:33] = struct.pack(">I", zlib.crc32(b"IHDR" + ihdr) & 0xFFFFFFFF)
    return bytes(data)


def good_epub(path: Path, chapters: int = 3, lang: str = "km") -> Path:
    return write_epub(
        path,
        "រឿងសុខា",
        [(f"ជំពូកទី{i + 1}", STORY) for i in range(chapters)],
        lang=lang,
        extra_members={"OEBPS/images/p.png": png_bytes(60, 40)},
        extra_manifest='<item id="img" href="images/p.png" media-type="image/png"/>',
        chapter_extra='<p><img src="../images/p.png" alt="រូបភាព"/></p>',
    )


def zip_bomb(path: Path, megabytes: int = 40) -> Path:
    """A book whose second spine document is ``megabytes`` of blanks (compresses ~1000:1)."""
    write_epub(path, "bomb", [("a", STORY)])
    padding = "<html><body><p>" + " " * (megabytes << 20) + "</p></body></html>"
    _add_docs(path, {"OEBPS/text/blank.xhtml": padding})
    return path


def many_entries(path: Path, count: int) -> Path:
    members = {f"OEBPS/junk/{i}.txt": b"x" for i in range(count)}
    return write_epub(path, "many", [("a", STORY)], extra_members=members)


def traversal_epub(path: Path) -> Path:
    write_epub(
        path,
        "traversal",
        [("ជំពូក", STORY)],
        extra_manifest=(
            '<item id="evil" href="../../../../etc/passwd" media-type="application/xhtml+xml"/>'
            '<item id="abs" href="/etc/passwd" media-type="application/xhtml+xml"/>'
        ),
        chapter_extra='<img src="../../../../../etc/passwd"/><img src="/etc/hostname"/>',
    )
    with zipfile.ZipFile(path, "a") as book:
        book.writestr("../../evil.txt", "evil")
        book.writestr("/tmp/evil-abs.txt", "evil")
        book.writestr("OEBPS\\..\\..\\evil-win.txt", "evil")
    return path


XXE_DOC = (
    '<?xml version="1.0"?><!DOCTYPE html [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    '<html xmlns="http://www.w3.org/1999/xhtml"><body><p>&x;</p></body></html>'
)
_LAUGHS = ['<!ENTITY lol0 "lol">'] + [
    f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)
]
LAUGHS_DOC = (
    '<?xml version="1.0"?><!DOCTYPE html [' + "".join(_LAUGHS) + "]>"
    '<html xmlns="http://www.w3.org/1999/xhtml"><body><p>&lol9;</p></body></html>'
)


def entity_epub(path: Path) -> Path:
    """Two good chapters, one XXE chapter and one billion-laughs chapter."""
    write_epub(path, "entities", [("ក", STORY), ("ខ", STORY)])
    _add_docs(path, {"OEBPS/text/xxe.xhtml": XXE_DOC, "OEBPS/text/laughs.xhtml": LAUGHS_DOC})
    return path


def _add_docs(path: Path, docs: dict[str, str]) -> None:
    """Append documents to the spine by rewriting the OPF."""
    with zipfile.ZipFile(path) as book:
        members = {n: book.read(n) for n in book.namelist()}
    opf = members["OEBPS/content.opf"].decode()
    for i, name in enumerate(docs):
        href = name.removeprefix("OEBPS/")
        opf = opf.replace(
            "</manifest>",
            f'<item id="x{i}" href="{href}" media-type="application/xhtml+xml"/></manifest>',
        )
        opf = opf.replace("</spine>", f'<itemref idref="x{i}"/></spine>')
    members["OEBPS/content.opf"] = opf.encode()
    members.update({k: v.encode() for k, v in docs.items()})
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as book:
        for name, data in members.items():
            book.writestr(name, data)


def scripts_epub(path: Path) -> Path:
    extra = (
        "<script>alert('pwned')</script><style>p{color:red}</style>"
        '<img src="http://example.invalid/track.png" alt="remote"/>'
        '<img src="file:///etc/hostname"/><iframe src="http://example.invalid/">frame</iframe>'
        '<object data="x.swf">object text</object><form><input value="form text"/></form>'
        '<svg xmlns="http://www.w3.org/2000/svg"><text>svg text</text></svg>'
        '<link rel="stylesheet" href="http://example.invalid/x.css"/>'
    )
    return write_epub(path, "scripts", [("ជំពូក", STORY)], chapter_extra=extra)


def broken_manifest_epub(path: Path) -> Path:
    write_epub(
        path,
        "broken",
        [("ក", STORY), ("ខ", STORY)],
        extra_manifest='<item id="gone" href="text/missing.xhtml" media-type="application/xhtml+xml"/>',
    )
    with zipfile.ZipFile(path) as book:
        members = {n: book.read(n) for n in book.namelist()}
    opf = members["OEBPS/content.opf"].decode()
    opf = opf.replace("</spine>", '<itemref idref="gone"/><itemref idref="nothere"/></spine>')
    members["OEBPS/content.opf"] = opf.encode()
    members["OEBPS/text/ch001.xhtml"] = b"<html><body><p>unclosed <b>tags <p>broken &nbsp; html"
    members["OEBPS/images/bad.png"] = b"\x89PNG not really"
    with zipfile.ZipFile(path, "w") as book:
        for name, data in members.items():
            book.writestr(name, data)
    return path


def huge_image_epub(path: Path) -> Path:
    return write_epub(
        path,
        "huge image",
        [("ក", STORY)],
        extra_members={"OEBPS/images/huge.png": huge_png_header()},
        extra_manifest=(
            '<item id="huge" href="images/huge.png" media-type="image/png" '
            'properties="cover-image"/>'
        ),
        chapter_extra='<img src="../images/huge.png"/>',
    )


def legacy_epub(path: Path) -> Path:
    return write_epub(
        path,
        "esovePA",
        [("CMBUkTI1", [LIMON, LIMON])],
        extra_members={"OEBPS/style.css": b"p { font-family: 'Limon S1'; }"},
        extra_manifest='<item id="css" href="style.css" media-type="text/css"/>',
    )


def pdf_file(path: Path, pages: int = 3) -> Path:
    images = [Image.new("RGB", (300, 420), (255, 255, 255 - 40 * i)) for i in range(pages)]
    images[0].save(path, "PDF", save_all=True, append_images=images[1:], resolution=72)
    return path


def encrypted_member_epub(path: Path) -> Path:
    """Three chapters; the central directory marks the second one as encrypted."""
    write_epub(path, "encrypted", [("ក", STORY), ("ខ", STORY), ("គ", STORY)])
    data = bytearray(path.read_bytes())
    target = b"OEBPS/text/ch001.xhtml"
    at = data.find(b"PK\x01\x02")
    while at >= 0:
        name_len = struct.unpack("<H", data[at + 28 : at + 30])[0]
        if bytes(data[at + 46 : at + 46 + name_len]) == target:
            flags = struct.unpack("<H", data[at + 8 : at + 10])[0] | 0x1
            data[at + 8 : at + 10] = struct.pack("<H", flags)
        at = data.find(b"PK\x01\x02", at + 4)
    path.write_bytes(bytes(data))
    return path
