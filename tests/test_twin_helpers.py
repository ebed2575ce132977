"""The twin's host-side helpers, on this machine: frame checks on real renderings, the QEMU
command line's promises (flushes honoured, only the hub reachable), and the card reader on a
real partitioned image. The twin itself is booted by ``./bannalai twin test`` (.ci/run)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from provisioning.twin import frames
from provisioning.twin.card import Card, copy_card, partitions
from provisioning.twin.qemu import Machine

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def home_png(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("frames") / "home.png"
    subprocess.run(
        [sys.executable, "-m", "kiosk", "screenshot", "--demo", "--size", "800x480", "--lang",
         "km", "--out", str(out)],
        cwd=ROOT, check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    return out


def test_a_black_or_flat_screen_is_blank(tmp_path):
    black = tmp_path / "black.png"
    Image.new("RGB", (800, 480)).save(black)
    console = tmp_path / "console.png"
    image = Image.new("RGB", (800, 480))
    ImageDraw.Draw(image).text((10, 10), "Debian GNU/Linux 12", fill=(170, 170, 170))
    image.save(console)
    assert frames.is_blank(black)
    assert frames.colours(console) < 300  # console text is not a drawn app screen


def test_the_same_rendering_is_the_same_screen(home_png):
    assert not frames.is_blank(home_png)
    like = frames.likeness(home_png, home_png)
    assert like.same_screen() and like.mean_difference == 0


def test_a_broken_label_row_is_not_the_same_screen(home_png, tmp_path):
    """Boxes instead of shaped Khmer in one row of labels: caught by the band figure."""
    broken = tmp_path / "broken.png"
    with Image.open(home_png) as image:
        image = image.convert("RGB")
    draw = ImageDraw.Draw(image)
    for x in range(20, 780, 28):
        draw.rectangle((x, 190, x + 18, 225), outline=(0, 0, 0), width=2)
    image.save(broken)
    like = frames.likeness(broken, home_png)
    assert not like.same_screen(), like


def test_a_frame_of_another_size_is_not_the_same_screen(home_png, tmp_path):
    small = tmp_path / "small.png"
    with Image.open(home_png) as image:
        image.resize((640, 480)).save(small)
    assert not frames.likeness(small, home_png).same_screen()


def test_the_machine_honours_flushes_and_reaches_only_the_hub(tmp_path):
    argv = Machine(tmp_path, tmp_path / "card.img", tmp_path / "vmlinuz", tmp_path / "initrd",
                   "root=PARTUUID=6b696f31-02", hub_port=4443).argv()  # fmt: skip
    line = " ".join(argv)
    assert "cache=writeback" in line  # a guest flush is an fsync on the host; not "unsafe"
    assert "cache=unsafe" not in line
    assert (
        "restrict=on" in line
        and "guestfwd=tcp:10.0.2.100:8443-cmd:socat - TCP:127.0.0.1:4443" in line
    )
    assert "hostfwd" not in line
    assert "i6300esb" in line and "watchdog=reset" in line
    assert argv[argv.index("-cpu") + 1] == "cortex-a72" and argv[argv.index("-m") + 1] == "2048"
    assert "virtio-gpu-pci,xres=800,yres=480" in line


@pytest.fixture(scope="module")
def finalised(tmp_path_factory) -> Path:
    img = tmp_path_factory.mktemp("card") / "card.img"
    subprocess.run([ROOT / "provisioning/make-test-image.sh", img], check=True, capture_output=True)
    subprocess.run([ROOT / "provisioning/finalise-image.sh", "--data-size", "32", img],
                   check=True, capture_output=True)  # fmt: skip
    return img


def test_the_card_reader_sees_what_finalise_wrote(finalised, tmp_path):
    card = Card(copy_card(finalised, tmp_path / "card.img"))
    assert "cmdline.txt" in card.boot_files()
    assert "overlayroot=tmpfs:recurse=0" in card.cmdline()
    settings = tmp_path / "settings.toml"
    settings.write_text('scanner_evdev = "QEMU Virtio Keyboard"\n')
    card.write_data_file(settings, "settings.toml")
    for number in (1, 2, 3):
        ok, text = card.fsck(number)
        assert ok, text


def test_fsck_reports_a_damaged_data_partition(finalised, tmp_path):
    card = Card(copy_card(finalised, tmp_path / "card.img"))
    data = partitions(card.path)[3]
    with open(card.path, "r+b") as f:  # zero the first block group's descriptors and bitmaps
        f.seek(data.start + 4096)
        f.write(b"\0" * 65536)
    ok, text = card.fsck(3)
    assert not ok and text
