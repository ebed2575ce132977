"""Draw the kiosk's icons (128 px PNGs in ``kiosk/screens/icons/``) with Pillow.

Plain, bold shapes in one colour per action, so a person who cannot read finds the same picture
in the same colour every time. Run ``python -m kiosk.screens.draw_icons`` after changing a
drawing and commit the PNGs; the app only loads them. Pillow only, no Kivy.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

SIZE = 128
OUT = Path(__file__).resolve().parent / "icons"
KHMER_FONT = "/usr/share/fonts/truetype/khmeros/KhmerOSbattambang.ttf"
INK = (255, 255, 255, 255)
COLOURS = {
    "lend": (46, 125, 50),
    "return": (21, 101, 192),
    "myloans": (123, 31, 162),
    "catalogue": (230, 119, 0),
    "attendance": (0, 131, 143),
    "staff": (84, 110, 122),
    "read": (198, 40, 40),
    "home": (55, 71, 79),
    "done": (46, 125, 50),
    "search": (230, 119, 0),
    "backspace": (84, 110, 122),
    "scan": (38, 50, 56),
    "desk": (0, 105, 92),
    "print": (38, 50, 56),
    "literacy_class": (0, 131, 143),
    "vocational_training": (109, 76, 65),
    "vocational_orientation": (245, 124, 0),
    "library_visit": (21, 101, 192),
}


def _book(d: ImageDraw.ImageDraw, x: int, y: int, w: int, h: int) -> None:
    d.rounded_rectangle((x, y, x + w, y + h), 6, fill=INK)
    d.line((x + 10, y + 4, x + 10, y + h - 4), fill=(0, 0, 0, 90), width=4)


def _arrow(d, x0, x1, y, right=True) -> None:
    d.line((x0, y, x1, y), fill=INK, width=10)
    tip, back = (x1, x1 - 18) if right else (x0, x0 + 18)
    d.polygon([(tip + (6 if right else -6), y), (back, y - 18), (back, y + 18)], fill=INK)


def _person(d, cx, cy, r=16) -> None:
    d.ellipse((cx - r, cy - r, cx + r, cy + r), fill=INK)
    d.pieslice((cx - 2 * r, cy + r + 2, cx + 2 * r, cy + 5 * r), 180, 360, fill=INK)


def _check(d, pts) -> None:
    d.line(pts, fill=INK, width=12, joint="curve")


def draw(name: str) -> Image.Image:
    im = Image.new("RGBA", (SIZE, SIZE), (0, 0, 0, 0))
    d = ImageDraw.Draw(im)
    d.rounded_rectangle((2, 2, SIZE - 3, SIZE - 3), 26, fill=COLOURS[name] + (255,))
    if name == "lend":
        _book(d, 20, 28, 46, 66)
        _arrow(d, 62, 108, 62)
    elif name == "return":
        _book(d, 62, 28, 46, 66)
        _arrow(d, 18, 62, 62, right=False)
    elif name == "myloans":
        d.rounded_rectangle((16, 30, 112, 98), 10, outline=INK, width=7)
        _person(d, 44, 54, 10)
        for y in (50, 66, 82):
            d.line((64, y, 100, y), fill=INK, width=6)
    elif name in ("catalogue", "library_visit"):
        for i, h in enumerate((62, 72, 56, 68)):
            _book(d, 18 + i * 24, 96 - h, 20, h)
        d.line((12, 100, 116, 100), fill=INK, width=6)
    elif name == "attendance":
        _person(d, 46, 40)
        _check(d, [(70, 76), (84, 92), (112, 58)])
    elif name == "staff":
        d.ellipse((18, 40, 66, 88), outline=INK, width=12)
        d.line((62, 64, 112, 64), fill=INK, width=12)
        d.line((96, 64, 96, 84), fill=INK, width=10)
        d.line((108, 64, 108, 80), fill=INK, width=8)
    elif name == "read":
        d.polygon([(64, 40), (16, 28), (16, 96), (64, 108)], fill=INK)
        d.polygon([(64, 40), (112, 28), (112, 96), (64, 108)], fill=INK)
        d.line((64, 40, 64, 108), fill=COLOURS[name], width=4)
    elif name == "home":
        d.polygon([(64, 18), (14, 62), (114, 62)], fill=INK)
        d.rectangle((30, 60, 98, 106), fill=INK)
        d.rectangle((54, 76, 74, 106), fill=COLOURS[name])
    elif name == "done":
        _check(d, [(28, 66), (54, 92), (102, 38)])
    elif name == "search":
        d.ellipse((20, 20, 80, 80), outline=INK, width=11)
        d.line((74, 74, 106, 106), fill=INK, width=14)
    elif name == "backspace":
        d.polygon([(14, 64), (44, 30), (112, 30), (112, 98), (44, 98)], fill=INK)
        d.line((62, 48, 94, 80), fill=COLOURS[name], width=9)
        d.line((94, 48, 62, 80), fill=COLOURS[name], width=9)
    elif name == "scan":
        x = 22
        for w in (6, 3, 9, 3, 6, 12, 3, 6, 3, 9):
            d.rectangle((x, 28, x + w - 1, 100), fill=INK)
            x += w + 3
    elif name == "desk":
        _book(d, 18, 26, 56, 78)
        d.line((92, 46, 92, 98), fill=INK, width=14)
        d.line((66, 72, 118, 72), fill=INK, width=14)
    elif name == "print":
        d.rectangle((38, 16, 90, 44), fill=INK)
        d.rounded_rectangle((14, 42, 114, 92), 10, fill=INK)
        d.rectangle((38, 74, 90, 114), fill=INK, outline=COLOURS[name], width=5)
        d.line((46, 88, 82, 88), fill=COLOURS[name], width=4)
        d.line((46, 100, 72, 100), fill=COLOURS[name], width=4)
    elif name == "literacy_class":
        d.rectangle((14, 20, 114, 90), outline=INK, width=7)
        font = ImageFont.truetype(KHMER_FONT, 44)
        d.text((64, 52), "កខ", font=font, fill=INK, anchor="mm")
        d.line((50, 92, 40, 112), fill=INK, width=7)
        d.line((78, 92, 88, 112), fill=INK, width=7)
    elif name == "vocational_training":
        d.rectangle((24, 24, 88, 48), fill=INK)
        d.line((56, 46, 56, 108), fill=INK, width=14)
    elif name == "vocational_orientation":
        d.line((64, 20, 64, 112), fill=INK, width=10)
        d.polygon([(28, 30), (96, 30), (110, 44), (96, 58), (28, 58)], fill=INK)
        d.polygon([(100, 66), (32, 66), (18, 80), (32, 94), (100, 94)], fill=INK)
    return im


def main() -> None:
    OUT.mkdir(exist_ok=True)
    for name in COLOURS:
        draw(name).save(OUT / f"{name}.png", optimize=True)
    print(f"{len(COLOURS)} icons in {OUT}")


if __name__ == "__main__":
    main()
