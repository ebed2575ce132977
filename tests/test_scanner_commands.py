"""``python -m kiosk scan-test``: a technician sees accepted and refused scans."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.append(
    str(ROOT / "bench")
)  # after the project root: bench/provisioning.py must not shadow provisioning/
import scanframes  # noqa: E402


def run(*args: str, home: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "kiosk", *args, "--home", str(home)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )


def test_scan_test_with_fake_codes_shows_accepts_and_refusals(tmp_path):
    out = run(
        "scan-test", "--fake", "9789995012342", "--fake", "9789995012343",
        "--fake", "9789995012342", home=tmp_path,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert sum("isbn  9789995012342" in line for line in lines) == 1  # the repeat is held
    assert any("refused bad_check_digit" in line for line in lines)


def test_scan_test_plays_an_image_folder_through_the_camera_pipeline(tmp_path):
    rng = np.random.default_rng(4)
    folder = tmp_path / "frames"
    folder.mkdir()
    isbn = "978992412345" + scanframes.ean_check("978992412345")
    image, _ = scanframes.make_frame(rng, isbn, "ean13", profile="easy")
    cv2.imwrite(str(folder / "a.png"), image)
    (folder / "notes.txt").write_text("not an image")
    out = run("scan-test", "--frames", str(folder), home=tmp_path)
    assert out.returncode == 0, out.stderr
    assert f"ean13  isbn  {isbn}" in out.stdout
    assert "decoded" in out.stderr


def test_scan_test_without_a_device_says_so(tmp_path):
    out = run("scan-test", home=tmp_path)
    assert out.returncode != 0
    assert out.stderr.startswith("error: no scanner configured")
