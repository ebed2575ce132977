"""Pictures of the twin's screen: QEMU's ``screendump`` (PPM) made PNG, and two checks on them —
is anything drawn at all, and does it look like the same screen rendered on x86.

"Khmer shaped as on x86": the reference is ``python -m kiosk screenshot`` of the same screen at
the same size on this machine (Kivy + SDL + Mesa here, HarfBuzz shaping through the same code).
A wrongly shaped Khmer label (no HarfBuzz, a missing font, boxes) changes thousands of pixels in
the label rows, far beyond the antialiasing differences two software rasterisers make.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageChops, ImageStat


def to_png(ppm: Path, png: Path) -> Path:
    with Image.open(ppm) as image:
        image.convert("RGB").save(png)
    return png


def colours(path: Path) -> int:
    """How many distinct colours the picture holds (1 = a blank screen)."""
    with Image.open(path) as image:
        found = image.convert("RGB").getcolors(maxcolors=1 << 16)
    return len(found) if found is not None else 1 << 16


def is_blank(path: Path) -> bool:
    """A screen with fewer than 8 colours has nothing on it (black, or one flat fill)."""
    return colours(path) < 8


@dataclass(frozen=True)
class Likeness:
    size_matches: bool
    mean_difference: float  # per channel, 0-255, over the whole screen
    differing_share: float  # share of pixels with a channel off by more than 48
    worst_band: float  # the highest differing share of any 40-pixel-high band

    def same_screen(self) -> bool:
        return (
            self.size_matches
            and self.mean_difference < 4.0
            and self.differing_share < 0.02
            and self.worst_band < 0.08
        )

    def as_dict(self) -> dict[str, object]:
        return {
            "size_matches": self.size_matches,
            "mean_difference": round(self.mean_difference, 3),
            "differing_share": round(self.differing_share, 5),
            "worst_band": round(self.worst_band, 5),
            "same_screen": self.same_screen(),
        }


def likeness(shot: Path, reference: Path) -> Likeness:
    """Compare the twin's frame with the x86 rendering of the same screen.

    The band figure catches a mis-shaped line of text that the whole-screen averages would
    dilute: labels are about 40 pixels high at 800x480.
    """
    with Image.open(shot) as a_image, Image.open(reference) as b_image:
        a, b = a_image.convert("RGB"), b_image.convert("RGB")
        if a.size != b.size:
            return Likeness(False, 255.0, 1.0, 1.0)
        diff = ImageChops.difference(a, b)
        mean = sum(ImageStat.Stat(diff).mean) / 3
        red, green, blue = diff.split()
        largest = ImageChops.lighter(ImageChops.lighter(red, green), blue)
        # a pixel "differs" when any channel is off by more than 48
        mask = largest.point(lambda v: 255 if v > 48 else 0)
        width, height = a.size
        total = ImageStat.Stat(mask).sum[0] / 255
        worst = 0.0
        for top in range(0, height, 40):
            band = mask.crop((0, top, width, min(height, top + 40)))
            share = ImageStat.Stat(band).sum[0] / 255 / (band.size[0] * band.size[1])
            worst = max(worst, share)
        return Likeness(True, mean, total / (width * height), worst)
