"""Draw the reading screens' icons (128 px PNGs in ``kiosk/screens/icons/``) with Pillow.

Same style as ``draw_icons``: one bold white shape on a coloured tile, so readers who cannot
read the captions find each control by its picture. Run
``python -m kiosk.screens.draw_reader_icons`` after changing a drawing and commit the PNGs.
Pillow only, no Kivy; nothing runs at import.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

SIZE = 128
OUT = Path(__file__).resolve().parent / "icons"
KHMER_FONT = "/usr/share/fonts/truetype/khmeros/KhmerOSbattambang.ttf"
INK = (255, 255, 255, 255)
TILE = (55, 71, 79)
NAMES = ("contents", "smaller", "bigger", "spacing", "theme", "bookmark", "play", "pause",
         "back30", "forward30", "zoom", "previous", "next")  # fmt: skip


def _khmer(d: ImageDraw.ImageDraw, text: str, size: int, xy: tuple[int, int]) -> None:
    d.text(xy, text, font=ImageFont.truetype(KHMER_FONT, size), fill=INK, anchor="mm")


def _skip(d: ImageDraw.ImageDraw, forward: bool) -> None:
    d.arc((24, 24, 104, 104), 200 if forward else -20, 520 if forward else 340, fill=INK, width=9)
    x = 96 if forward else 32
    d.polygon([(x - 14, 22), (x + 14, 22), (x, 44)], fill=INK)
    _khmer(d, "៣០", 34, (64, 66))


def draw(name: str) -> Image.Image:
    im = Image.new("RGBA", (SIZE, SIZE), (0, 0, 0, 0))
    d = ImageDraw.Draw(im)
    d.rounded_rectangle((2, 2, SIZE - 3, SIZE - 3), 26, fill=TILE + (255,))
    if name == "contents":
        for y in (34, 58, 82):
            d.ellipse((22, y - 6, 34, y + 6), fill=INK)
            d.line((44, y, 106, y), fill=INK, width=9)
    elif name in ("smaller", "bigger"):
        _khmer(d, "ក", 40 if name == "smaller" else 76, (54, 62))
        d.line((88, 64, 116, 64), fill=INK, width=8)
        if name == "bigger":
            d.line((102, 50, 102, 78), fill=INK, width=8)
    elif name == "spacing":
        for y in (30, 64, 98):
            d.line((44, y, 110, y), fill=INK, width=8)
        d.line((24, 30, 24, 98), fill=INK, width=6)
        d.polygon([(14, 40), (34, 40), (24, 24)], fill=INK)
        d.polygon([(14, 88), (34, 88), (24, 104)], fill=INK)
    elif name == "theme":
        d.ellipse((22, 22, 106, 106), fill=INK)
        d.pieslice((22, 22, 106, 106), 90, 270, fill=(30, 30, 30, 255))
    elif name == "bookmark":
        d.polygon([(38, 18), (90, 18), (90, 110), (64, 86), (38, 110)], fill=INK)
    elif name == "play":
        d.polygon([(40, 24), (40, 104), (106, 64)], fill=INK)
    elif name == "pause":
        d.rectangle((34, 26, 56, 102), fill=INK)
        d.rectangle((72, 26, 94, 102), fill=INK)
    elif name in ("back30", "forward30"):
        _skip(d, name == "forward30")
    elif name == "zoom":
        d.ellipse((18, 18, 82, 82), outline=INK, width=10)
        d.line((76, 76, 108, 108), fill=INK, width=14)
        d.line((36, 50, 64, 50), fill=INK, width=8)
        d.line((50, 36, 50, 64), fill=INK, width=8)
    elif name in ("previous", "next"):
        pts = (
            [(84, 24), (40, 64), (84, 104)]
            if name == "previous"
            else [(44, 24), (88, 64), (44, 104)]
        )
        d.line(pts, fill=INK, width=14, joint="curve")
    return im


def main() -> None:
    OUT.mkdir(exist_ok=True)
    for name in NAMES:
        draw(name).save(OUT / f"{name}.png", optimize=True)
    print(f"{len(NAMES)} icons in {OUT}")


if __name__ == "__main__":
    main()
