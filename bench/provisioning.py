"""Provisioning round trip: how long each step takes on image files, without privileges.

    python bench/provisioning.py [--json] [--data-mib 256]

Builds the synthetic golden image (provisioning/make-test-image.sh), finalises it with a data
partition of --data-mib (256 MiB as in a release), personalises it, flashes it onto a file with
read-back verification, imports the identity as the first boot would, and grows the data
partition as on a 4x larger card (image mode copies the partition; a Pi resizes online).
Prints seconds per step and the image size. Real tools
(sfdisk, mkfs, mtools, debugfs, e2fsck, fsck.fat, bmaptool); a real SD card is slower to flash.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kiosk.config import Settings  # noqa: E402
from kiosk.firstboot import import_identity  # noqa: E402
from kiosk.provision.bootfs import BootPartition  # noqa: E402
from kiosk.provision.flash import flash  # noqa: E402
from kiosk.provision.personalise import personalise, read_identity_file  # noqa: E402
from wire.identity import BOOT_FILE_NAME, Identity, new_enrolment_token, render_identity  # noqa: E402


def timed(results: dict, name: str, fn):
    start = time.perf_counter()
    value = fn()
    results[name] = round(time.perf_counter() - start, 3)
    return value


def sh(*argv) -> None:
    subprocess.run([str(a) for a in argv], check=True, capture_output=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--data-mib", type=int, default=256)
    args = parser.parse_args()
    scripts = ROOT / "provisioning"
    results: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        img = tmp / "golden.img"
        timed(results, "build_test_image_s", lambda: sh(scripts / "make-test-image.sh", img))
        timed(
            results,
            "finalise_s",
            lambda: sh(scripts / "finalise-image.sh", "--data-size", args.data_mib, img),
        )
        results["image_mib"] = img.stat().st_size // (1024 * 1024)
        card = tmp / "card.img"
        timed(results, "flash_and_verify_s", lambda: flash(img, card))
        identity = Identity(
            kiosk_id="BENCH-K1",
            prison_id="BENCH",
            hub_url="https://hub.bench.lan:8443",
            enrolment_token=new_enrolment_token(),
        )
        (tmp / "id.toml").write_text(render_identity(identity))
        timed(
            results,
            "personalise_s",
            lambda: personalise(card, read_identity_file(tmp / "id.toml")),
        )
        boot = tmp / "firmware"
        boot.mkdir()
        (boot / BOOT_FILE_NAME).write_bytes(BootPartition.of(card).read(BOOT_FILE_NAME))
        settings = Settings.load(tmp / "home")
        timed(results, "first_boot_import_s", lambda: import_identity(settings, boot))
        with open(card, "r+b") as f:
            f.truncate(card.stat().st_size * 4)
        grow = scripts / "sbin" / "bannalai-grow-data"
        timed(results, "grow_data_4x_s", lambda: sh(grow, "--image", card, 3))
    if args.json:
        print(json.dumps(results))
    else:
        for key, value in results.items():
            print(f"{key:24} {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
