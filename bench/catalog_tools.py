"""Catalogue tools benchmark: MARC import rate, 240-label PDF time, decode rate of printed labels.

    python -m bench.catalog_tools [--records 20000] [--labels 240]

Numbers for a reader to compare (never asserted by tests): records/s for reading + mapping a
MARC21 file and for storing it, seconds (wall and CPU) to write 240 labels per template, and the
share of labels and cards that our decoder reads back from the PDF rasterised at 300 dpi.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from kiosk.config import Settings
from kiosk.labels.cards import CardFace, render_cards
from kiosk.labels.items import ItemLabel, render_item_labels
from kiosk.labels.templates import TEMPLATES
from kiosk.labels.textimage import label_font
from kiosk.library import Library
from kiosk.marc import parse_marc
from kiosk.marcstore import apply_marc
from tests.support.marc_records import book, iso2709, item
from tests.test_labels import cells

WORDS = ["ប្រវត្តិសាស្ត្រ", "ខ្មែរ", "រឿងព្រេង", "សៀវភៅ", "អក្សរ", "កុមារ", "ស្ត្រី", "ក្រសួង"]


def title(n: int) -> str:
    return " ".join(WORDS[(n * k) % len(WORDS)] for k in range(1, 5)) + f" {n}"


def bench_marc(folder: Path, count: int) -> None:
    path = folder / "bench.mrc"
    with path.open("wb") as fh:
        for n in range(count):
            items = [item(f"{n:06d}{k}", call=f"959.{n % 10}") for k in range(2)]
            fh.write(iso2709(book(title(n), author="ត្រឹង ងា", items=items, subjects=["Khmer"])))
    start = time.perf_counter()
    parsed = parse_marc(path)
    parse_s = time.perf_counter() - start
    home = folder / "home"
    Library.init(Settings.load(home), "bench", "p1")
    with Library.open(Settings.load(home)) as library:
        start = time.perf_counter()
        counts = apply_marc(library, parsed)
        store_s = time.perf_counter() - start
    print(
        f"MARC: {count} records ({path.stat().st_size // 1024} KB, {counts['added']} copies): "
        f"read+map {count / parse_s:,.0f} records/s, store {count / store_s:,.0f} records/s, "
        f"end to end {count / (parse_s + store_s):,.0f} records/s"
    )


def degraded(crop, seed: int):
    """The crop as a worn print seen by a cheap scanner: blurred, noisy, turned 3 degrees."""
    import cv2
    import numpy as np

    rng = np.random.default_rng(seed)
    image = cv2.GaussianBlur(crop, (0, 0), 1.2).astype(float)
    image = np.clip(image * 0.8 + 30 + rng.normal(0, 18, image.shape), 0, 255).astype("uint8")
    h, w = image.shape
    turn = cv2.getRotationMatrix2D((w / 2, h / 2), 3, 1.0)
    return cv2.warpAffine(image, turn, (w, h), borderValue=255)


def bench_labels(folder: Path, count: int) -> None:
    font = label_font()
    shapes = ("{:08d}", "BK{:06d}", "P1-{:04d}")
    labels = [ItemLabel(shapes[n % 3].format(n + 1), title(n), "959.6") for n in range(count)]
    read = total = 0
    from kiosk.scanner.decode import decode_image

    for name in ("a4-3x8", "a4-2x7", "spine"):
        out = folder / f"{name}.pdf"
        wall, cpu = time.perf_counter(), time.process_time()
        sheet = render_item_labels(out, TEMPLATES[name], labels, "បណ្ណាល័យពន្ធនាគារ", font)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        crops = cells(out, TEMPLATES[name])
        ok = sum(
            1
            for crop, label in zip(crops, labels, strict=True)
            if [d.text for d in decode_image(crop, ("code128",))] == [label.barcode]
        )
        worn = sum(
            1
            for n, (crop, label) in enumerate(zip(crops, labels, strict=True))
            if [d.text for d in decode_image(degraded(crop, n), ("code128",))] == [label.barcode]
        )
        read, total = read + ok, total + len(crops)
        print(
            f"labels {name}: {count} in {wall:.2f} s wall, {cpu:.2f} s CPU, {sheet.pages} pages, "
            f"{out.stat().st_size // 1024} KB; decoded {ok}/{len(crops)}, "
            f"blurred+noisy+3deg {worn}/{len(crops)}"
        )
    faces = [CardFace(f"C{n:05d}", f"សុខ ចាន់ដារ៉ា {n}", f"Sok Chandara {n}") for n in range(40)]
    for name, symbology in (("card", "code128"), ("card-qr", "qr")):
        out = folder / f"{name}.pdf"
        render_cards(out, TEMPLATES[name], faces, "ពន្ធនាគារ · បណ្ណាល័យ", font)
        crops = cells(out, TEMPLATES[name])
        ok = sum(
            1
            for crop, face in zip(crops, faces, strict=True)
            if [d.text for d in decode_image(crop, (symbology,))] == [face.card]
        )
        read, total = read + ok, total + len(crops)
        print(f"cards {name}: decoded {ok}/{len(crops)}")
    print(f"decode success at 300 dpi: {read}/{total} = {read / total:.1%}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--labels", type=int, default=240)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        bench_marc(Path(folder), args.records)
        bench_labels(Path(folder), args.labels)


if __name__ == "__main__":
    main()
