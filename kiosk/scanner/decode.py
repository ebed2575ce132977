"""Find barcodes and QR codes in a grayscale image: zxing-cpp first, pyzbar where it fails.

Measured (research/barcode-scanning.md §3): zxing-cpp is fastest and the best QR reader but reads
1D codes only near the image axes; pyzbar reads skewed 1D codes, better still after one 45°
turn. So: zxing restricted to the configured symbologies on every frame; where it finds nothing,
pyzbar with 1D symbologies only, plain and then turned 45°. Grayscale in, no CLAHE, no upscaling.

Never use ``cv2.barcode``: it invents valid-looking EAN numbers from Code 128 bars. Nothing here
validates content (that is ``kiosk.barcodes``) or touches a device; every decoder releases the
GIL, so callers run these in a worker thread.
"""

from __future__ import annotations

from collections.abc import Iterable
from ctypes import c_void_p, cast
from dataclasses import dataclass

import cv2
import numpy as np
import zxingcpp
from pyzbar import pyzbar, wrapper

try:  # pyzbar 0.1.9's helpers; its public decode() cannot set the scan density
    from pyzbar.pyzbar import _FOURCC, _decode_symbols, _image, _image_scanner, _symbols_for_image
except ImportError:  # another pyzbar: fall back to its public decode() at full density
    _image_scanner = None

DEFAULT_SYMBOLOGIES = ("code128", "code39", "ean13", "qr")
_ZXING = {
    "code128": zxingcpp.BarcodeFormat.Code128,
    "code39": zxingcpp.BarcodeFormat.Code39,
    "ean13": zxingcpp.BarcodeFormat.EAN13,
    "qr": zxingcpp.BarcodeFormat.QRCode,
}
_ZXING_NAMES = {fmt: name for name, fmt in _ZXING.items()}
_ZBAR_1D = {
    "code128": pyzbar.ZBarSymbol.CODE128,
    "code39": pyzbar.ZBarSymbol.CODE39,
    "ean13": pyzbar.ZBarSymbol.EAN13,
}
_ZBAR_NAMES = {"CODE128": "code128", "CODE39": "code39", "EAN13": "ean13", "QRCODE": "qr"}
# zbar scans every row and column by default. Every 2nd loses no 1D read on the generated
# frames (1D bars are tall, and the module width along a scan line is untouched) and halves its
# time. Measured on the 500 stress frames with 1D codes (bench/scan.py set, seed 1), reads by
# zxing + zbar 0°/45° for Code128/Code39/EAN-13: density 1 29/35/67, density 2 29/34/70,
# density 3 25/35/67 with more EAN misreads; cascade median 19-20 ms at density 2, 15.5 at 3.
ZBAR_DENSITY = 2
# zbar reports how many scan lines agreed. Every EAN-13 misread it made on the generated frames
# (6, all with a valid check digit, one with a 978 prefix) came from a single line, against 16
# of 436 correct EAN reads: drop single-line EAN reads. Code 128 has its own check character
# and Code 39 needs two reads in the acceptor.
ZBAR_MIN_EAN_QUALITY = 2


@dataclass(frozen=True)
class Decoded:
    """One code found: its text, our symbology name, and which decoder found it."""

    text: str
    symbology: str
    decoder: str = ""


def to_gray(image: np.ndarray) -> np.ndarray:
    """A 2-D uint8 contiguous array from gray, BGR or BGRA input (decoders want exactly that)."""
    if image.ndim == 3 and image.shape[2] == 1:
        image = image[:, :, 0]
    elif image.ndim == 3:
        code = cv2.COLOR_BGRA2GRAY if image.shape[2] == 4 else cv2.COLOR_BGR2GRAY
        image = cv2.cvtColor(image, code)
    if image.dtype != np.uint8:
        image = np.clip(image, 0, 255).astype(np.uint8)
    return np.ascontiguousarray(image)


def decode_zxing(
    gray: np.ndarray, symbologies: Iterable[str] = DEFAULT_SYMBOLOGIES, downscale: bool = False
) -> list[Decoded]:
    """zxing-cpp alone, restricted to ``symbologies``, no inverted search.

    ``downscale`` also searches shrunken copies: it finds codes that are large in a large image
    (a printed sheet) and costs 15 % on camera frames, where it read nothing more (bench set).
    """
    formats = tuple(_ZXING[s] for s in symbologies if s in _ZXING)
    if not formats or gray.size == 0:
        return []
    found = zxingcpp.read_barcodes(gray, formats=formats, try_invert=False, try_downscale=downscale)
    return [Decoded(r.text, _ZXING_NAMES.get(r.format, str(r.format)), "zxing") for r in found]


def decode_zbar(
    gray: np.ndarray, symbologies: Iterable[str] = DEFAULT_SYMBOLOGIES, rotate45: bool = True
) -> list[Decoded]:
    """pyzbar on the 1D symbologies only, plain and, when that finds nothing, turned 45°."""
    symbols = [_ZBAR_1D[s] for s in symbologies if s in _ZBAR_1D]
    if not symbols or gray.size == 0:
        return []
    found = _zbar(gray, symbols)
    if not found and rotate45:
        found = _zbar(rotated45(gray), symbols)
    return found


def _zbar(gray: np.ndarray, symbols: list, density: int = ZBAR_DENSITY) -> list[Decoded]:
    if _image_scanner is None:
        found = pyzbar.decode(gray, symbols=symbols)
    else:
        found = _zbar_scan(gray, symbols, density)
    out = []
    for r in found:
        if r.type == "EAN13" and r.quality < ZBAR_MIN_EAN_QUALITY:
            continue
        text = r.data.decode("utf-8", errors="replace")
        out.append(Decoded(text, _ZBAR_NAMES.get(r.type, r.type.lower()), "zbar"))
    return out


def _zbar_scan(gray: np.ndarray, symbols: list, density: int) -> list:
    """pyzbar.decode with only ``symbols`` enabled and zbar's scan density set."""
    height, width = gray.shape[:2]
    pixels = np.ascontiguousarray(gray).tobytes()
    config, everything = wrapper.ZBarConfig, wrapper.ZBarSymbol.NONE
    with _image_scanner() as scanner:
        wrapper.zbar_image_scanner_set_config(scanner, everything, config.CFG_ENABLE, 0)
        for symbol in symbols:
            wrapper.zbar_image_scanner_set_config(scanner, symbol, config.CFG_ENABLE, 1)
        for axis in (config.CFG_X_DENSITY, config.CFG_Y_DENSITY):
            wrapper.zbar_image_scanner_set_config(scanner, everything, axis, density)
        with _image() as image:
            wrapper.zbar_image_set_format(image, _FOURCC["L800"])
            wrapper.zbar_image_set_size(image, width, height)
            wrapper.zbar_image_set_data(image, cast(pixels, c_void_p), len(pixels), None)
            if wrapper.zbar_scan_image(scanner, image) < 0:
                return []
            return list(_decode_symbols(_symbols_for_image(image)))


def rotated45(gray: np.ndarray) -> np.ndarray:
    """The image turned 45° on a canvas large enough to keep every corner, padded white."""
    h, w = gray.shape[:2]
    side = int((h + w) * 0.7072) + 2
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), 45, 1.0)
    matrix[0, 2] += side / 2 - w / 2
    matrix[1, 2] += side / 2 - h / 2
    return cv2.warpAffine(gray, matrix, (side, side), flags=cv2.INTER_LINEAR, borderValue=255)


def decode_image(
    gray: np.ndarray, symbologies: Iterable[str] = DEFAULT_SYMBOLOGIES, fallback: bool = True
) -> list[Decoded]:
    """The cascade: zxing-cpp; if it finds nothing and ``fallback``, pyzbar 1D (0°, then 45°)."""
    gray = to_gray(gray)
    symbologies = tuple(symbologies)
    found = decode_zxing(gray, symbologies)
    if found or not fallback:
        return found
    return decode_zbar(gray, symbologies)


def decode_all(gray: np.ndarray, symbologies: Iterable[str] = DEFAULT_SYMBOLOGIES) -> list[Decoded]:
    """Every code on a page (e.g. a 300 dpi sheet of labels): both decoders, duplicates dropped.

    Slower than ``decode_image`` (both decoders always run); meant for checking printed sheets
    and technicians' image files, not for camera frames.
    """
    gray = to_gray(gray)
    symbologies = tuple(symbologies)
    seen: dict[tuple[str, str], Decoded] = {}
    everything = decode_zxing(gray, symbologies, downscale=True)
    for found in everything + decode_zbar(gray, symbologies, rotate45=False):
        seen.setdefault((found.text, found.symbology), found)
    return list(seen.values())
