"""Paint a laid-out page into an RGBA picture with the same Pillow/raqm font that measured it.

Measuring and painting with one engine is what keeps Khmer lines exactly as wide as the
paginator planned; the Kivy screen only turns the picture into a texture. Themes change only
paper and ink colours. Also draws plain covers for books that have none. This module must
never import Kivy and never writes anywhere but the path it is given.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw

from kiosk.reading.layout import Page, Style, measurer
from kiosk.reading.model import Chapter

THEMES = {
    "day": ((255, 255, 255, 255), (20, 20, 20, 255)),
    "night": ((18, 18, 18, 255), (215, 215, 205, 255)),
    "sepia": ((244, 236, 216, 255), (70, 52, 32, 255)),
}


@lru_cache(maxsize=16)
def _picture(path: str, width: int, height: int) -> Image.Image:
    with Image.open(path) as image:
        return image.convert("RGBA").resize((width, height), Image.Resampling.BILINEAR)


def render_page(
    page: Page, chapter: Chapter, style: Style, theme: str = "day", folder: Path | None = None
) -> Image.Image:
    """The page as an RGBA picture of ``style.width`` x ``style.height``."""
    paper, ink = THEMES.get(theme, THEMES["day"])
    image = Image.new("RGBA", (style.width, style.height), paper)
    draw = ImageDraw.Draw(image)
    for line in page.lines:
        block = chapter.blocks[line.block]
        if line.kind == "image":
            if folder is not None and (folder / block.src).is_file():
                picture = _picture(str(folder / block.src), line.width, line.height)
                if theme == "night":
                    picture = _dimmed(picture)
                x = style.margin_x + (style.text_width - line.width) // 2
                image.alpha_composite(picture, (x, line.y))
            continue
        text = block.text[line.start : line.end].rstrip(" ")
        if not text:
            continue
        font = measurer(style.font_path, line.size)
        half_leading = (font.line_height(style.line_spacing) - font.ascent - font.descent) // 2
        with font.lock:
            draw.text((style.margin_x, line.y + half_leading), text, font=font.font, fill=ink)
    return image


def _dimmed(picture: Image.Image) -> Image.Image:
    return Image.blend(picture, Image.new("RGBA", picture.size, (0, 0, 0, 255)), 0.3)


def make_cover(title: str, author: str, dest: Path, font_path: str) -> str:
    """A plain cover (title on a colour from the title's hash); returns the file name."""
    from kiosk.reading.blocks import text_blocks
    from kiosk.reading.layout import paginate

    digest = hashlib.sha256(title.encode("utf-8")).digest()
    colour = (60 + digest[0] % 120, 60 + digest[1] % 120, 60 + digest[2] % 120, 255)
    style = Style(font_path, 30, 1.0, width=300, height=420, margin_x=22, margin_y=40)
    blocks = text_blocks("heading", title or "?") + text_blocks("para", author)
    chapter = Chapter("", tuple(blocks))
    pages = paginate(chapter, 0, style)
    image = Image.new("RGBA", (style.width, style.height), colour)
    if pages:
        text = render_page(pages[0], chapter, style, "night")
        mask = text.convert("L").point(lambda v: 255 if v > 60 else 0)
        image.paste((255, 255, 255, 255), (0, 0), mask)
    image.convert("RGB").save(dest, "PNG")
    return dest.name
