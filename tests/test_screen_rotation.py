"""A panel mounted upside down: ``rotation = 180`` in settings.toml turns the whole picture (Kivy
maps touches back through the same rotation), and a bad value is refused with a clear error."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageStat

from kiosk.config import Settings
from kiosk.errors import KioskError

ROOT = Path(__file__).resolve().parents[1]


def screenshot(home: Path, out: Path) -> Image.Image:
    subprocess.run(
        [sys.executable, "-m", "kiosk", "screenshot", "--home", str(home), "--size", "800x480",
         "--lang", "km", "--out", str(out)],
        cwd=ROOT, check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    with Image.open(out) as image:
        return image.convert("RGB")


def test_rotation_180_turns_the_home_screen(tmp_path):
    upright, turned = tmp_path / "upright", tmp_path / "turned"
    upright.mkdir()
    turned.mkdir()
    (turned / "settings.toml").write_text("rotation = 180\n")
    a = screenshot(upright, tmp_path / "a.png")
    b = screenshot(turned, tmp_path / "b.png")
    assert a.size == b.size == (800, 480)
    assert max(ImageStat.Stat(ImageChops.difference(a, b)).mean) > 5  # it did change
    assert max(ImageStat.Stat(ImageChops.difference(a.rotate(180), b)).mean) < 0.5


@pytest.mark.parametrize("value", ["45", "'180'", "-90"])
def test_a_bad_rotation_is_refused(tmp_path, value):
    (tmp_path / "settings.toml").write_text(f"rotation = {value}\n")
    with pytest.raises(KioskError, match="rotation must be one of 0, 90, 180, 270"):
        Settings.load(tmp_path)
