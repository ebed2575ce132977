"""The decode cascade on real image files the project generates, with ground truth."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from kiosk.barcodes import Scan, validate
from kiosk.config import Settings
from kiosk.scanner.decode import decode_all, decode_image, decode_zbar, decode_zxing, to_gray

ROOT = Path(__file__).resolve().parents[1]
sys.path.append(
    str(ROOT / "bench")
)  # after the project root: bench/provisioning.py must not shadow provisioning/
import scanframes  # noqa: E402

LIBRARY = Settings(
    home=Path("/nonexistent"),
    item_label_pattern=scanframes.ITEM_PATTERN,
    card_label_pattern=scanframes.CARD_PATTERN,
)


def _load(folder: Path):
    import json

    truths = json.loads((folder / "truth.json").read_text())
    return [(folder / name, scanframes.Truth(**t)) for name, t in sorted(truths.items())]


@pytest.fixture(scope="module")
def easy_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("easy")
    scanframes.write_set(folder, scanframes.make_set(6, 6, profile="easy", seed=11), ".png")
    return _load(folder)


@pytest.fixture(scope="module")
def kiosk_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("kiosk")
    scanframes.write_set(folder, scanframes.make_set(15, 10, profile="kiosk", seed=12), ".jpg")
    return _load(folder)


def read(path: Path) -> np.ndarray:
    gray = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
    assert gray is not None, path
    return gray


def test_cascade_reads_every_easy_frame_and_nothing_on_empty_ones(easy_files):
    for path, truth in easy_files:
        texts = [d.text for d in decode_image(read(path))]
        if truth.text:
            assert truth.text in texts, (path.name, truth)
            assert {d.symbology for d in decode_image(read(path))} == {truth.symbology}
        else:
            assert texts == [], path.name


def test_cascade_is_at_least_as_good_as_either_decoder(kiosk_files):
    hits = {"cascade": 0, "zxing": 0, "zbar": 0}
    for path, truth in kiosk_files:
        gray = read(path)
        results = {
            "cascade": decode_image(gray),
            "zxing": decode_zxing(gray),
            "zbar": decode_zbar(gray),
        }
        for name, found in results.items():
            hits[name] += truth.text != "" and truth.text in [d.text for d in found]
            for item in found:  # whatever is read and passes validation must be on the frame
                if isinstance(validate(item.text, item.symbology, LIBRARY), Scan):
                    assert item.text == truth.text, (name, path.name, item)
    assert hits["cascade"] >= max(hits["zxing"], hits["zbar"]), hits
    assert hits["cascade"] >= 0.6 * 60, hits


def test_zbar_fallback_reads_a_code_at_45_degrees():
    rng = np.random.default_rng(3)
    sym, _ = scanframes.symbol_modules("PP1-004512", "code128")
    sym = cv2.resize(sym, None, fx=3, fy=3, interpolation=cv2.INTER_NEAREST)
    canvas = np.full((900, 900), 255, np.uint8)
    y, x = (900 - sym.shape[0]) // 2, (900 - sym.shape[1]) // 2
    canvas[y : y + sym.shape[0], x : x + sym.shape[1]] = sym
    turned = cv2.warpAffine(
        canvas, cv2.getRotationMatrix2D((450, 450), 45, 1), (900, 900), borderValue=255
    )
    turned = np.clip(turned + rng.normal(0, 3, turned.shape), 0, 255).astype(np.uint8)
    assert decode_zxing(turned) == []  # zxing reads 1D codes near the axes only
    assert [d.text for d in decode_image(turned)] == ["PP1-004512"]


def test_sheet_of_labels_at_300_dpi_decodes_completely():
    rng = np.random.default_rng(7)
    codes = [(scanframes.random_text(rng, s), s) for s in ("code128", "ean13", "code39", "qr") * 6]
    page = scanframes.make_sheet(codes, dpi=300)
    assert page.shape[0] >= 3500 and page.shape[1] >= 2480  # A4 at 300 dpi
    found = {(d.text, d.symbology) for d in decode_all(page)}
    assert found == set(codes)


def test_restricted_symbologies_and_odd_inputs():
    sym, _ = scanframes.symbol_modules("9789995012342", "ean13")
    sym = cv2.resize(sym, None, fx=3, fy=3, interpolation=cv2.INTER_NEAREST)
    assert [d.text for d in decode_image(sym)] == ["9789995012342"]
    assert decode_image(sym, symbologies=("qr", "code128")) == []
    bgr = cv2.cvtColor(sym, cv2.COLOR_GRAY2BGR)
    assert [d.text for d in decode_image(bgr)] == ["9789995012342"]
    assert decode_image(np.zeros((0, 0), np.uint8)) == []
    assert decode_image(np.full((5, 5), 255, np.uint8)) == []
    assert to_gray(np.zeros((4, 4, 1), np.float32)).dtype == np.uint8


def test_decode_command_prints_path_tab_code_and_survives_bad_files(easy_files, tmp_path):
    junk = tmp_path / "junk.png"
    junk.write_bytes(b"not an image")
    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    paths = [p for p, _ in easy_files[:6]]
    args = [str(paths[0]), str(junk), str(tmp_path / "missing.png"), str(empty)] + [
        str(p) for p in paths[1:]
    ]
    out = subprocess.run(
        [sys.executable, "-m", "kiosk", "decode", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert out.returncode != 0
    errors = out.stderr.strip().splitlines()
    assert len(errors) == 3 and all(line.startswith("error: ") for line in errors), errors
    truth = {str(p): t.text or "-" for p, t in easy_files}
    lines = out.stdout.strip().splitlines()
    assert sorted(lines) == sorted(f"{p}\t{truth[str(p)]}" for p in paths)
