"""Scanner benchmark: the decode cascade against pyzbar alone and zxing-cpp alone, and the
end-to-end camera pipeline with decoding slowed down to mimic a Raspberry Pi 4.

    python bench/scan.py [--json] [--n-per-sym 125] [--empty 60] [--scenes 40] [--slowdowns 1,4]

All configurations decode the same generated frames in one run, in a shuffled order per frame;
times are the decoding thread's CPU time (``time.thread_time``), which other jobs on a shared
machine disturb far less than wall time. Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import threading
import time
from pathlib import Path

import cv2
import numpy as np
from pyzbar import pyzbar

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import scanframes  # noqa: E402

from kiosk.barcodes import Scan, validate  # noqa: E402
from kiosk.config import Settings  # noqa: E402
from kiosk.scanner import Acceptor  # noqa: E402
from kiosk.scanner.camera import ZBAR_EVERY, CameraSource  # noqa: E402
from kiosk.scanner.decode import Decoded, decode_image, decode_zxing, rotated45  # noqa: E402
from kiosk.scanner.fake import FakeFrames  # noqa: E402

LIBRARY = Settings(
    home=Path("/nonexistent"),
    item_label_pattern=scanframes.ITEM_PATTERN,
    card_label_pattern=scanframes.CARD_PATTERN,
)
ZBAR_ALL = [
    pyzbar.ZBarSymbol.CODE128,
    pyzbar.ZBarSymbol.CODE39,
    pyzbar.ZBarSymbol.EAN13,
    pyzbar.ZBarSymbol.QRCODE,
]
ZBAR_NAMES = {"CODE128": "code128", "CODE39": "code39", "EAN13": "ean13", "QRCODE": "qr"}


def zbar_alone(gray: np.ndarray) -> list[Decoded]:
    """pyzbar as the only decoder: 4 symbologies including QR, plain then turned 45°."""
    for image in (gray, None):
        image = gray if image is not None else rotated45(gray)
        found = [
            Decoded(r.data.decode("utf-8", "replace"), ZBAR_NAMES.get(r.type, r.type), "zbar")
            for r in pyzbar.decode(image, symbols=ZBAR_ALL)
        ]
        if found:
            return found
    return []


CONFIGS = {"cascade": decode_image, "zxing": decode_zxing, "pyzbar": zbar_alone}


def percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))] if values else 0.0


def bench_decoders(frames, seed: int) -> dict:
    rng = random.Random(seed)
    stats = {name: {"ok": {}, "n": {}, "ms": [], "ms_empty": [], "wrong": 0, "wrong_valid": 0}
             for name in CONFIGS}  # fmt: skip
    for gray in (frames[0][0], frames[1][0]):  # warm-up
        for decode in CONFIGS.values():
            decode(gray)
    for gray, truth in frames:
        order = list(CONFIGS)
        rng.shuffle(order)
        for name in order:
            started = time.thread_time()
            found = CONFIGS[name](gray)
            ms = (time.thread_time() - started) * 1000
            s = stats[name]
            s["ms"].append(ms)
            key = truth.symbology or "none"
            s["n"][key] = s["n"].get(key, 0) + 1
            s["ok"][key] = s["ok"].get(key, 0) + (
                truth.text in [d.text for d in found] if truth.text else not found
            )
            if not truth.text:
                s["ms_empty"].append(ms)
            wrong = [d for d in found if d.text != truth.text]
            s["wrong"] += bool(wrong)
            s["wrong_valid"] += any(
                isinstance(validate(d.text, d.symbology, LIBRARY), Scan) for d in wrong
            )
    return {name: summarise(s) for name, s in stats.items()}


def summarise(s: dict) -> dict:
    rates = {k: round(100.0 * s["ok"][k] / s["n"][k], 1) for k in sorted(s["n"])}
    coded = [k for k in s["n"] if k != "none"]
    all_ok = sum(s["ok"][k] for k in coded) / max(1, sum(s["n"][k] for k in coded))
    return {
        "ok_percent": rates,
        "ok_percent_all_codes": round(100 * all_ok, 1),
        "frames_with_wrong_text": s["wrong"],
        "frames_with_wrong_text_passing_validation": s["wrong_valid"],
        "cpu_ms_median": round(statistics.median(s["ms"]), 2),
        "cpu_ms_p95": round(percentile(s["ms"], 0.95), 2),
        "cpu_ms_median_no_code": round(statistics.median(s["ms_empty"] or [0]), 2),
    }


def scene_frames(rng, text, symbology, n_variants=6, size=(640, 480)):
    """One code held in front of the camera: a fixed placement, per-frame shake, noise, focus."""
    w, h = size
    while True:
        base = scanframes.background(rng, w, h, decoys=rng.random() < 0.3).astype(np.float32)
        truth = scanframes._place(rng, base, text, symbology, size, (0.35, 0.65), 20, 15, "s")
        if symbology == "qr" or truth.ppm >= 1.5:
            break
    variants = []
    for _ in range(n_variants):
        shake = cv2.getRotationMatrix2D((w / 2, h / 2), rng.uniform(-1, 1), 1)
        shake[:, 2] += rng.uniform(-3, 3, 2)
        moved = cv2.warpAffine(base, shake, size, borderMode=cv2.BORDER_REPLICATE)
        variants.append(scanframes._degrade(rng, moved, 1.2, 6.0, truth, "kiosk"))
    return variants


def slowed(factor: float):
    """The cascade made ``factor`` times slower by sleeping (GIL released) after each decode."""

    def decode(gray, symbologies, fallback=True):
        started = time.thread_time()
        found = decode_image(gray, symbologies, fallback)
        time.sleep((time.thread_time() - started) * (factor - 1))
        return found

    return decode


def bench_end_to_end(
    n_scenes: int, slowdown: float, seed: int, zbar_every: int, fps: float = 30.0
) -> dict:
    rng = np.random.default_rng(seed)
    empties = [scanframes.make_frame(rng, "", "", profile="kiosk")[0] for _ in range(3)]
    sequence, starts, expected = [], [], []
    for k in range(n_scenes):
        symbology = scanframes.SYMBOLOGIES[k % 4]
        text = scanframes.random_text(rng, symbology)
        variants = scene_frames(rng, text, symbology)
        starts.append(len(sequence))
        expected.append(validate(text, symbology, LIBRARY).code)
        sequence += [variants[i % len(variants)] for i in range(int(1.5 * fps))]
        sequence += [empties[i % 3] for i in range(int(0.7 * fps))]
    fake = FakeFrames(sequence, fps=fps)
    accepted: list[tuple[str, float]] = []
    lock = threading.Lock()

    def on_scan(event):
        with lock:
            accepted.append((event.code, time.monotonic()))

    source = CameraSource(
        lambda: fake, Acceptor(LIBRARY), decoder=slowed(slowdown), box=1.0, zbar_every=zbar_every
    )
    source.start(on_scan)
    source.ended.wait(n_scenes * 2.2 * 3 + 30)
    time.sleep(0.5)
    source.stop()
    return end_to_end_figures(accepted, fake, starts, expected, source, slowdown)


def end_to_end_figures(accepted, fake, starts, expected, source, slowdown) -> dict:
    scene_times = [fake.shown_at.get(i, float("inf")) for i in starts]
    latencies, wrong, duplicates, read = [], 0, 0, set()
    for code, at in accepted:
        k = max((i for i, t in enumerate(scene_times) if t <= at), default=None)
        if k is None or code != expected[k]:
            wrong += 1
        elif k in read:
            duplicates += 1
        else:
            read.add(k)
            latencies.append(at - scene_times[k])
    return {
        "slowdown": slowdown,
        "zbar_every": source.zbar_every,
        "scenes": len(starts),
        "scenes_read": len(read),
        "wrong_accepted": wrong,
        "duplicate_accepts": duplicates,
        "accept_ms_median": round(1000 * statistics.median(latencies or [0]), 1),
        "accept_ms_p95": round(1000 * percentile(latencies, 0.95), 1),
        "frames_captured": source.captured,
        "frames_decoded": source.decoded,
        "frames_dropped_stale": source.stale,
    }


def targets(decode: dict, e2e: list[dict]) -> dict:
    cascade = decode["cascade"]
    best = {
        k: max(decode["zxing"]["ok_percent"][k], decode["pyzbar"]["ok_percent"][k])
        for k in cascade["ok_percent"]
        if k != "none"
    }
    slow = [r for r in e2e if r["slowdown"] == 4]
    return {
        "cascade_at_least_best_single_each_symbology": all(
            cascade["ok_percent"][k] >= v for k, v in best.items()
        ),
        "zero_wrong_after_validation": all(
            r["frames_with_wrong_text_passing_validation"] == 0 for r in decode.values()
        )
        and all(r["wrong_accepted"] == 0 for r in e2e),
        "cascade_median_ms_le_20": cascade["cpu_ms_median"] <= 20,
        "e2e_p95_le_500ms_slowed_4x": all(r["accept_ms_p95"] <= 500 for r in slow)
        if slow
        else None,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--n-per-sym", type=int, default=125)
    parser.add_argument("--empty", type=int, default=60)
    parser.add_argument("--profile", choices=scanframes.PROFILES, default="stress")
    parser.add_argument("--size", default="640x480")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--scenes", type=int, default=40)
    parser.add_argument("--slowdowns", default="1,4")
    parser.add_argument("--zbar-every", type=int, default=ZBAR_EVERY, help="camera fallback rate")
    args = parser.parse_args(argv)
    cv2.setNumThreads(1)
    size = tuple(int(v) for v in args.size.split("x"))
    frames = scanframes.make_set(args.n_per_sym, args.empty, size, args.profile, args.seed)
    decode = bench_decoders(frames, args.seed)
    e2e = [
        bench_end_to_end(args.scenes, float(s), args.seed + 100, args.zbar_every)
        for s in args.slowdowns.split(",")
        if s and args.scenes > 0
    ]
    result = {
        "frames": {"count": len(frames), "size": list(size), "profile": args.profile},
        "decode": decode,
        "end_to_end": e2e,
        "targets": targets(decode, e2e),
    }
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print_table(result)
    return 0


def print_table(result: dict) -> None:
    f = result["frames"]
    print(f"{f['count']} frames {f['size'][0]}x{f['size'][1]}, profile {f['profile']}")
    print(f"{'config':9} {'code128':>8} {'code39':>7} {'ean13':>6} {'qr':>6} {'none':>5} "
          f"{'all':>6} {'wrong':>5} {'wrong✓':>6} {'ms med':>7} {'p95':>6} {'no-code':>7}")  # fmt: skip
    for name, r in result["decode"].items():
        ok = r["ok_percent"]
        print(f"{name:9} {ok.get('code128', 0):8.1f} {ok.get('code39', 0):7.1f} "
              f"{ok.get('ean13', 0):6.1f} {ok.get('qr', 0):6.1f} {ok.get('none', 0):5.0f} "
              f"{r['ok_percent_all_codes']:6.1f} {r['frames_with_wrong_text']:5d} "
              f"{r['frames_with_wrong_text_passing_validation']:6d} {r['cpu_ms_median']:7.2f} "
              f"{r['cpu_ms_p95']:6.2f} {r['cpu_ms_median_no_code']:7.2f}")  # fmt: skip
    for r in result["end_to_end"]:
        print(f"end-to-end x{r['slowdown']:g}: {r['scenes_read']}/{r['scenes']} scenes, "
              f"wrong {r['wrong_accepted']}, duplicates {r['duplicate_accepts']}, accept ms "
              f"median {r['accept_ms_median']} p95 {r['accept_ms_p95']}, frames decoded "
              f"{r['frames_decoded']} / stale {r['frames_dropped_stale']}")  # fmt: skip
    for name, ok in result["targets"].items():
        print(f"target {name}: {'not run' if ok is None else 'met' if ok else 'NOT met'}")


if __name__ == "__main__":
    sys.exit(main())
