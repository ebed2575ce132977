"""Make every Kivy widget draw Khmer correctly (research/khmer-rendering-in-kivy.md §3).

Kivy's sdl2 text provider shapes with HarfBuzz but defaults to the Latin script, measures text
unshaped, and wraps only at ASCII spaces. ``setup()`` must run before any widget is built:

1. a Khmer OS font that also has Latin letters and digits becomes the default font 'Roboto'
   (Debian's Noto Sans Khmer has no Latin: tofu for card numbers);
2. ``<Label>: font_script_name: 'Khmr'`` for Label, Button and everything built on them;
3. ``TTF_SetScript('Khmr')`` in the bundled SDL2_ttf, so measuring, TextInput and any fresh font
   object shape as Khmer too.

``wrap`` breaks text into lines only at ICU line-break opportunities (never inside a cluster),
measured with the same shaping engine that draws it. Never set another script on a widget: the
script is shared per font object.
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from kiosk.khmer import cluster_boundaries, line_break_opportunities

FONT_DIRS = (Path(__file__).resolve().parent / "fonts", Path("/usr/share/fonts/truetype/khmeros"))
UI_FONT = "KhmerOSbattambang.ttf"
SCRIPT = "Khmr"
NO_BREAK_BEFORE = "ៗ។៕៖!?.,:;)%"  # a line never starts with these (ICU allows some)
_done = False


def font_path(name: str = UI_FONT) -> Path:
    for folder in FONT_DIRS:
        if (folder / name).is_file():
            return folder / name
    raise FileNotFoundError(f"Khmer font {name} not found in {', '.join(map(str, FONT_DIRS))}")


def sdl2_ttf_set_script(tag: str = SCRIPT) -> None:
    """Set SDL2_ttf's global HarfBuzz script (the library Kivy's wheel bundles)."""
    import kivy.core.text._text_sdl2  # noqa: F401  (loads libSDL2_ttf into the process)

    with open("/proc/self/maps") as maps:
        path = next((ln.split()[-1] for ln in maps if "libSDL2_ttf" in ln), None)
    if path is None:
        raise RuntimeError("libSDL2_ttf is not loaded: Kivy's sdl2 text provider is required")
    if ctypes.CDLL(path).TTF_SetScript(int.from_bytes(tag.encode(), "big")) != 0:
        raise RuntimeError("SDL2_ttf was built without HarfBuzz: Khmer cannot be shaped")


def setup() -> None:
    """Idempotent; call after Kivy's Config is set and before any widget exists."""
    global _done
    if _done:
        return
    from kivy.core.text import LabelBase
    from kivy.lang import Builder

    regular = str(font_path())
    LabelBase.register(name="Roboto", fn_regular=regular, fn_bold=regular)
    Builder.load_string(f"<Label>:\n    font_script_name: '{SCRIPT}'\n")
    sdl2_ttf_set_script()
    _done = True


@lru_cache(maxsize=16)
def measurer(font_size: float, font_name: str = "Roboto") -> Callable[[str], int]:
    """Width in pixels of a string as Kivy will draw it (shaped, thanks to ``setup``)."""
    from kivy.core.text import Label as CoreLabel

    label = CoreLabel(font_size=font_size, font_name=font_name, font_script_name=SCRIPT)

    @lru_cache(maxsize=4096)
    def measure(text: str) -> int:
        return label.get_extents(text)[0]

    return measure


def wrap(text: str, width: float, measure: Callable[[str], int]) -> list[str]:
    """Lines no wider than ``width`` (when possible), cut at ICU breaks, else between clusters."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        lines.extend(_wrap_paragraph(paragraph, width, measure))
    return lines


def _wrap_paragraph(text: str, width: float, measure) -> list[str]:
    if not text or measure(text) <= width:
        return [text]
    lines, start = [], 0
    breaks = [
        b
        for b in line_break_opportunities(text)
        if b == len(text) or text[b] not in NO_BREAK_BEFORE
    ] or [len(text)]
    while start < len(text):
        fit = None
        for b in breaks:
            if b <= start:
                continue
            if measure(text[start:b].rstrip()) <= width:
                fit = b
            else:
                break
        if fit is None:  # one word wider than the line: cut between grapheme clusters
            fit = _cluster_fit(text, start, width, measure)
        lines.append(text[start:fit].rstrip())
        start = fit
        while start < len(text) and text[start] == " ":
            start += 1
    return lines


def _cluster_fit(text: str, start: int, width: float, measure) -> int:
    ends = [
        start + e
        for e in cluster_boundaries(text[start:])
        if start + e == len(text) or text[start + e] not in NO_BREAK_BEFORE
    ]
    fit = ends[0]
    for end in ends[1:]:
        if measure(text[start:end]) > width:
            break
        fit = end
    return fit
