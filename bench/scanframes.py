"""Synthetic camera frames and label sheets with ground truth, for scanner tests and benchmarks.

The project makes its own test images (python-barcode / segno for the symbols, OpenCV for the
camera): a printed label on a cluttered book cover, put in view with scale, in-plane rotation,
perspective tilt, uneven light, glare, defocus and motion blur, noise and JPEG, following
research/barcode-scanning.md §2. Seeded: the same seed gives the same frames. Frames without any
code are part of every set. Nothing here decodes or validates.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path

import barcode
import cv2
import numpy as np
import segno

SYMBOLOGIES = ("code128", "code39", "ean13", "qr")
# Label formats the generated codes follow; tests and the bench validate with these.
ITEM_PATTERN = r"(PP|CC|KC)\d-\d{6}|L\d{6}"
CARD_PATTERN = r"D\d{7}|KHDET:[A-Z0-9]{2,4}:(?P<code>\d{7}):[A-Z ]{1,40}"
PROFILES = ("easy", "kiosk", "stress")


@dataclass
class Truth:
    """What is on a frame: ``text`` and ``symbology`` are empty for a frame without a code."""

    name: str
    text: str = ""
    symbology: str = ""
    ppm: float = 0.0  # pixels per narrow module (QR: per module), narrower edge after tilt
    angle: float = 0.0  # in-plane rotation in degrees
    params: dict = field(default_factory=dict)


def ean_check(first12: str) -> str:
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(first12))
    return str((10 - total % 10) % 10)


def random_text(rng: np.random.Generator, symbology: str) -> str:
    """A code in the shape the library prints: items, detainee cards, ISBNs, card QR."""
    n = int(rng.integers(0, 10**6))
    if symbology == "code128":
        if rng.random() < 0.5:
            return f"D{int(rng.integers(0, 10**7)):07d}"
        return f"{rng.choice(['PP', 'CC', 'KC'])}{int(rng.integers(1, 10))}-{n:06d}"
    if symbology == "code39":
        return f"L{n:06d}"
    if symbology == "ean13":
        body = ("97899950" if rng.random() < 0.5 else "9789924") + f"{n:06d}"
        return body[:12] + ean_check(body[:12])
    name = rng.choice(["SOK DARA", "CHAN THOU", "KEO SREY", "MEAS VANNA"])
    return f"KHDET:PP1:{int(rng.integers(0, 10**7)):07d}:{name}"


def symbol_modules(text: str, symbology: str) -> tuple[np.ndarray, int]:
    """The symbol at one pixel per module (0 = ink, 255 = paper) with its quiet zone, and the
    number of modules across (for pixels-per-module)."""
    if symbology == "qr":
        matrix = np.array(segno.make(text, error="m").matrix, dtype=bool)
        img = np.where(matrix, 0, 255).astype(np.uint8)
        return np.pad(img, 4, constant_values=255), matrix.shape[1]
    if symbology == "code39":
        modules = barcode.Code39(text, add_checksum=False).build()[0]
    else:
        modules = barcode.get(symbology, text[:12] if symbology == "ean13" else text).build()[0]
    row = np.array([0 if m == "1" else 255 for m in modules], np.uint8)
    height = max(8, int(len(row) * (0.62 if symbology == "ean13" else 0.32)))
    img = np.tile(row, (height, 1))
    return np.pad(img, ((4, 4), (10, 10)), constant_values=255), len(row)


def background(rng: np.random.Generator, w: int, h: int, decoys: bool) -> np.ndarray:
    """A cluttered book cover: flat colour, shapes, text lines and (sometimes) stripe decoys."""
    img = np.full((h, w), int(rng.integers(90, 220)), np.uint8)
    for _ in range(int(rng.integers(4, 12))):
        p1 = (int(rng.integers(0, w)), int(rng.integers(0, h)))
        p2 = (int(rng.integers(0, w)), int(rng.integers(0, h)))
        cv2.rectangle(img, p1, p2, int(rng.integers(0, 255)), -1 if rng.random() < 0.6 else 3)
    for _ in range(int(rng.integers(2, 6))):
        org = (int(rng.integers(0, w)), int(rng.integers(20, h)))
        cv2.putText(img, "BANNALAI 2412", org, cv2.FONT_HERSHEY_SIMPLEX, 0.4 + rng.random(),
                    int(rng.integers(0, 255)), 2)  # fmt: skip
    if decoys:
        x0, y0 = int(rng.integers(0, w - 80)), int(rng.integers(0, h - 60))
        for i in range(int(rng.integers(6, 20))):
            x = x0 + i * int(rng.integers(3, 9))
            cv2.line(img, (x, y0), (x, y0 + 50), 20, int(rng.integers(1, 3)))
    return img


def _homography(rng, sw, sh, width_px, angle, tilt, center):
    """Map the symbol image (sw x sh) to a plane ``width_px`` wide, turned and tilted."""
    f = 1.0 / math.tan(math.radians(30))  # ~60° field of view, focal in units of half-width
    ax, ay = (math.radians(t) for t in tilt)
    rx = np.array([[1, 0, 0], [0, math.cos(ax), -math.sin(ax)], [0, math.sin(ax), math.cos(ax)]])
    ry = np.array([[math.cos(ay), 0, math.sin(ay)], [0, 1, 0], [-math.sin(ay), 0, math.cos(ay)]])
    a = math.radians(angle)
    rz = np.array([[math.cos(a), -math.sin(a), 0], [math.sin(a), math.cos(a), 0], [0, 0, 1]])
    corners = np.array([[-sw / 2, -sh / 2, 0], [sw / 2, -sh / 2, 0], [sw / 2, sh / 2, 0],
                        [-sw / 2, sh / 2, 0]], float) * (width_px / sw)  # fmt: skip
    distance = f * 320.0
    pts = corners @ (rz @ ry @ rx).T + np.array([0, 0, distance])
    proj = pts[:, :2] * (distance / pts[:, 2:3]) + np.array(center)
    src = np.array([[0, 0], [sw, 0], [sw, sh], [0, sh]], np.float32)
    return cv2.getPerspectiveTransform(src, proj.astype(np.float32)), proj


PROFILE_RANGES = {  # width fraction, max in-plane angle, max tilt, blur sigma max, noise max
    "easy": ((0.45, 0.65), 4.0, 6.0, 0.5, 3.0),
    "kiosk": ((0.35, 0.65), 20.0, 15.0, 1.2, 6.0),
    "stress": ((0.20, 0.60), 180.0, 20.0, 1.8, 10.0),
}


def make_frame(rng, text, symbology, size=(640, 480), profile="stress", name="frame"):
    """One camera frame (gray uint8) showing ``text`` (or nothing when ``text`` is ""), and
    its ``Truth``."""
    w, h = size
    (fmin, fmax), max_angle, max_tilt, max_sigma, max_noise = PROFILE_RANGES[profile]
    img = background(rng, w, h, decoys=rng.random() < 0.3).astype(np.float32)
    truth = Truth(name)
    if text:
        truth = _place(rng, img, text, symbology, size, (fmin, fmax), max_angle, max_tilt, name)
    return _degrade(rng, img, max_sigma, max_noise, truth, profile), truth


def _place(rng, img, text, symbology, size, fractions, max_angle, max_tilt, name) -> Truth:
    w, h = size
    sym, modules = symbol_modules(text, symbology)
    scale = 4  # draw the symbol at 4 px/module so the warp filters rather than aliases
    sym = cv2.resize(sym, None, fx=scale, fy=scale, interpolation=cv2.INTER_NEAREST)
    sh, sw = sym.shape
    frac = rng.uniform(*fractions) * (0.55 if symbology == "qr" else 1.0)
    angle = float(rng.uniform(-max_angle, max_angle))
    tilt = (float(rng.uniform(-max_tilt, max_tilt)), float(rng.uniform(-max_tilt, max_tilt)))
    margin = 0.5 * frac * w * 0.8
    center = (w / 2 + rng.uniform(-1, 1) * max(0, w / 2 - margin) * 0.4,
              h / 2 + rng.uniform(-1, 1) * max(0, h / 2 - margin) * 0.3)  # fmt: skip
    matrix, proj = _homography(rng, sw, sh, frac * w, angle, tilt, center)
    paper, ink = float(rng.uniform(200, 245)), 0.0
    contrast = float(rng.uniform(0.45, 1.0))
    ink = paper - contrast * (paper - 25)
    label = np.where(sym > 127, paper, ink).astype(np.float32)
    warped = cv2.warpPerspective(label, matrix, (w, h), flags=cv2.INTER_AREA)
    mask = cv2.warpPerspective(np.ones_like(label), matrix, (w, h), flags=cv2.INTER_LINEAR)
    img[:] = img * (1 - mask) + warped * mask
    quiet = 8 if symbology == "qr" else 20
    edges = [np.linalg.norm(proj[1] - proj[0]), np.linalg.norm(proj[2] - proj[3])]
    ppm = min(edges) * modules / (modules + quiet) / modules
    params = {"frac": frac, "tilt": tilt, "contrast": contrast}
    return Truth(name, text, symbology, round(float(ppm), 2), round(angle, 1), params)


def _degrade(rng, img, max_sigma, max_noise, truth: Truth, profile: str) -> np.ndarray:
    h, w = img.shape
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    grad = 1 - rng.uniform(0, 0.5) * (xx / w if rng.random() < 0.5 else yy / h)
    vignette = 1 - rng.uniform(0, 0.35) * (((xx - w / 2) / w) ** 2 + ((yy - h / 2) / h) ** 2) * 2
    img *= grad * vignette * rng.uniform(0.85, 1.15)
    if profile != "easy" and rng.random() < 0.3:  # a glare blob, partly over the code
        cx, cy, r = rng.uniform(0.3, 0.7) * w, rng.uniform(0.3, 0.7) * h, rng.uniform(15, 50)
        img += 120 * np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / (2 * r * r))
    sigma = float(rng.uniform(0, max_sigma))
    if sigma > 0.3:
        img = cv2.GaussianBlur(img, (0, 0), sigma)
    if profile != "easy" and rng.random() < 0.15:
        length = int(rng.integers(3, 8))
        kernel = np.zeros((length, length), np.float32)
        kernel[length // 2, :] = 1.0 / length
        rot = cv2.getRotationMatrix2D((length / 2 - 0.5, length / 2 - 0.5), rng.uniform(0, 180), 1)
        img = cv2.filter2D(img, -1, cv2.warpAffine(kernel, rot, (length, length)))
    img += rng.normal(0, rng.uniform(1, max_noise), img.shape).astype(np.float32)
    gray = np.clip(img, 0, 255).astype(np.uint8)
    quality = int(rng.integers(35 if profile == "stress" else 60, 91))
    ok, jpeg = cv2.imencode(".jpg", gray, [cv2.IMWRITE_JPEG_QUALITY, quality])
    truth.params.update(sigma=round(sigma, 2), jpeg=quality)
    return cv2.imdecode(jpeg, cv2.IMREAD_GRAYSCALE)


def make_set(n_per_sym=20, n_empty=10, size=(640, 480), profile="stress", seed=1):
    """``n_per_sym`` frames of each symbology plus ``n_empty`` without a code, shuffled."""
    rng = np.random.default_rng(seed)
    jobs = [(s, i) for s in SYMBOLOGIES for i in range(n_per_sym)] + [
        ("", i) for i in range(n_empty)
    ]
    rng.shuffle(jobs)
    out = []
    for k, (symbology, _) in enumerate(jobs):
        text = random_text(rng, symbology) if symbology else ""
        out.append(
            make_frame(rng, text, symbology, size, profile, f"f{k:04d}-{symbology or 'none'}")
        )
    return out


def write_set(folder: Path, frames, ext: str = ".png") -> list[Path]:
    """Write frames as image files plus ``truth.json``; returns the image paths."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for image, truth in frames:
        path = folder / f"{truth.name}{ext}"
        cv2.imwrite(str(path), image)
        paths.append(path)
    truths = {f"{t.name}{ext}": asdict(t) for _, t in frames}
    (folder / "truth.json").write_text(json.dumps(truths, indent=1))
    return paths


def make_sheet(codes: list[tuple[str, str]], dpi: int = 300, columns: int = 3) -> np.ndarray:
    """An A4 page of printed labels at ``dpi`` (0.33 mm modules), as the label printer renders."""
    page_w, page_h = int(8.27 * dpi), int(11.69 * dpi)
    page = np.full((page_h, page_w), 255, np.uint8)
    module_px = max(1, round(0.33 / 25.4 * dpi))
    cell_w, cell_h = page_w // columns, int(0.9 * dpi)
    for i, (text, symbology) in enumerate(codes):
        sym, _ = symbol_modules(text, symbology)
        sym = cv2.resize(sym, None, fx=module_px, fy=module_px, interpolation=cv2.INTER_NEAREST)
        if sym.shape[1] > cell_w - 20 or sym.shape[0] > cell_h - 20:
            factor = min((cell_w - 20) / sym.shape[1], (cell_h - 20) / sym.shape[0])
            sym = cv2.resize(sym, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)
        row, col = divmod(i, columns)
        top, left = 60 + row * cell_h, (col * cell_w) + (cell_w - sym.shape[1]) // 2
        if top + sym.shape[0] > page_h:
            raise ValueError("too many labels for one page")
        page[top : top + sym.shape[0], left : left + sym.shape[1]] = sym
    return page
