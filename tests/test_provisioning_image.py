"""Real image files: build, finalise, personalise, flash, first boot, grow -- no loop, no mount.

A synthetic image with the golden image's shape (provisioning/make-test-image.sh: sfdisk, FAT
and ext4 written at offsets) goes through the same scripts and commands a release and a
technician use; every result is read back with mtools, debugfs, partx and fsck.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from kiosk.config import Settings
from kiosk.firstboot import import_identity, load_identity
from kiosk.provision.__main__ import main as provision_main
from kiosk.provision.bootfs import BootPartition, partitions
from wire.identity import BOOT_FILE_NAME, parse_identity

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = ROOT / "provisioning"
TOKEN = "tok_" + "C" * 28
IDENTITY = f"""
kiosk_id = "HMP07-K2"
prison_id = "HMP07"
hub_url = "https://hub.prison.lan:8443"
enrolment_token = "{TOKEN}"
"""


def run(*argv, env=None, check=True) -> subprocess.CompletedProcess:
    out = subprocess.run(
        [str(a) for a in argv], capture_output=True, text=True, env=env, timeout=120
    )
    if check and out.returncode != 0:
        raise AssertionError(f"{argv} failed ({out.returncode}):\n{out.stdout}\n{out.stderr}")
    return out


class Ran:
    def __init__(self, returncode: int, stdout: str, stderr: str):
        self.returncode, self.stdout, self.stderr = returncode, stdout, stderr


@pytest.fixture
def provision(capsys):
    """``python -m kiosk.provision ARGS`` in this process (saves an interpreter start)."""

    def call(*args) -> Ran:
        capsys.readouterr()
        code = provision_main([str(a) for a in args])
        out = capsys.readouterr()
        return Ran(code, out.out, out.err)

    return call


def copy(src: Path, dst: Path) -> Path:
    run("cp", "--sparse=always", src, dst)
    return dst


@pytest.fixture(scope="module")
def golden(tmp_path_factory) -> Path:
    """A finalised image, built once per module (about 3 s)."""
    folder = tmp_path_factory.mktemp("golden")
    img = folder / "golden.img"
    run(SCRIPTS / "make-test-image.sh", img)
    run(SCRIPTS / "finalise-image.sh", "--data-size", "32", img)
    return img


@pytest.fixture
def image(golden, tmp_path) -> Path:
    return copy(golden, tmp_path / "card.img")


def e2fsck_clean(img: Path, start_sector: int) -> str:
    out = run("e2fsck", "-fn", f"{img}?offset={start_sector * 512}")
    return out.stdout


def test_finalise_adds_data_partition_and_locks_cmdline(golden):
    parts = {p.number: p for p in partitions(golden)}
    assert sorted(parts) == [1, 2, 3]
    data = parts[3]
    assert data.start % 8192 == 0 and data.sectors == 32 * 2048
    assert (data.start + data.sectors) * 512 == golden.stat().st_size
    blkid = run("blkid", "-p", "-O", str(data.start * 512), golden).stdout
    assert 'LABEL="kioskdata"' in blkid and 'TYPE="ext4"' in blkid
    assert "kioskdata" in e2fsck_clean(golden, data.start)
    assert "rootfs" in e2fsck_clean(golden, parts[2].start)

    cmdline = BootPartition.of(golden).read("cmdline.txt").decode().split()
    assert "overlayroot=tmpfs:recurse=0" in cmdline
    assert not [a for a in cmdline if a.startswith(("init=", "console=serial"))]
    assert "console=tty1" in cmdline and "root=PARTUUID=6c6b0001-02" in cmdline
    fstab = run("debugfs", "-R", "cat /etc/fstab", f"{golden}?offset={parts[2].start * 512}")
    assert "LABEL=kioskdata" in fstab.stdout

    digest = run("sha256sum", golden).stdout.split()[0]
    assert (golden.parent / "golden.img.sha256").read_text().split() == [digest, "golden.img"]
    assert "<bmap version=" in (golden.parent / "golden.img.bmap").read_text()


def test_finalise_again_changes_nothing(image):
    before = run("sha256sum", image).stdout.split()[0]
    out = run(SCRIPTS / "finalise-image.sh", "--data-size", "32", image)
    assert "already present" in out.stdout
    assert run("sha256sum", image).stdout.split()[0] == before


def test_finalise_refuses_an_image_whose_fstab_lacks_the_data_partition(tmp_path):
    fstab = tmp_path / "fstab"
    fstab.write_text("PARTUUID=6c6b0001-01 /boot/firmware vfat defaults 0 2\n")
    env = dict(os.environ, FSTAB_FILE=str(fstab))
    img = tmp_path / "bad.img"
    run(SCRIPTS / "make-test-image.sh", img, env=env)
    out = run(SCRIPTS / "finalise-image.sh", "--data-size", "16", img, check=False)
    assert out.returncode == 1
    assert "mounts /boot/firmware read-write" in out.stderr


def test_finalise_refuses_a_file_without_partitions(tmp_path):
    junk = tmp_path / "junk.img"
    junk.write_bytes(b"\0" * 1024 * 1024)
    out = run(SCRIPTS / "finalise-image.sh", junk, check=False)
    assert out.returncode == 1 and "no Raspberry Pi partition table" in out.stderr


def test_personalise_writes_identity_and_machine_id(image, tmp_path, provision):
    (tmp_path / "id.toml").write_text(IDENTITY)
    out = provision("personalise", image, "--identity", tmp_path / "id.toml")
    assert out.returncode == 0, out.stderr
    boot = BootPartition.of(image)
    identity = parse_identity(boot.read(BOOT_FILE_NAME))
    assert identity.kiosk_id == "HMP07-K2" and identity.enrolment_token == TOKEN
    cmdline = boot.read("cmdline.txt").decode()
    assert cmdline.count("systemd.machine_id=") == 1
    assert f"systemd.machine_id={identity.machine_id}" in cmdline.split()
    assert "overlayroot=tmpfs:recurse=0" in cmdline.split()

    # Again with another identity: still one machine id, the new one.
    (tmp_path / "id2.toml").write_text(IDENTITY.replace("K2", "K3"))
    assert provision("personalise", image, "--identity", tmp_path / "id2.toml").returncode == 0
    cmdline = boot.read("cmdline.txt").decode()
    assert cmdline.count("systemd.machine_id=") == 1
    assert parse_identity(boot.read(BOOT_FILE_NAME)).kiosk_id == "HMP07-K3"

    # The FAT file system is still sound (fsck.fat has no offset option: check a copy).
    part = boot.partition
    with open(image, "rb") as f:
        f.seek(part.start * 512)
        (tmp_path / "boot.fat").write_bytes(f.read(part.sectors * 512))
    run("fsck.fat", "-n", tmp_path / "boot.fat")


@pytest.mark.parametrize(
    "change, message",
    [
        (('hub_url = "https://hub.prison.lan:8443"', 'hub_url = "http://hub.prison.lan"'), "https"),
        (('kiosk_id = "HMP07-K2"\n', ""), "kiosk_id: missing"),
        (('prison_id = "HMP07"', "prison_id = 7"), "prison_id: must be text in quotes"),
    ],
)
def test_personalise_refuses_bad_identity_files(image, tmp_path, provision, change, message):
    boot = BootPartition.of(image)
    cmdline = boot.read("cmdline.txt")
    (tmp_path / "id.toml").write_text(IDENTITY.replace(*change))
    out = provision("personalise", image, "--identity", tmp_path / "id.toml")
    assert out.returncode == 1 and message in out.stderr
    assert not boot.exists(BOOT_FILE_NAME) and boot.read("cmdline.txt") == cmdline


def test_personalise_refuses_an_image_that_was_not_finalised(tmp_path, provision):
    img = tmp_path / "raw.img"
    run(SCRIPTS / "make-test-image.sh", img)
    (tmp_path / "id.toml").write_text(IDENTITY)
    out = provision("personalise", img, "--identity", tmp_path / "id.toml")
    assert out.returncode == 1 and "was not finalised" in out.stderr


def test_flash_writes_and_verifies_onto_a_file(golden, tmp_path, provision):
    card = tmp_path / "card.bin"
    out = provision("flash", golden, card, "--quiet")
    assert out.returncode == 0, out.stderr
    assert "matches its .sha256" in out.stdout
    assert run("cmp", golden, card).returncode == 0
    assert os.stat(card).st_blocks * 512 < card.stat().st_size  # sparse copy


def test_flash_refuses_a_device_path_that_does_not_exist(golden, provision):
    device = Path("/dev/bannalai-test-no-such-card")
    out = provision("flash", golden, device, "--quiet")
    assert out.returncode == 1 and "no such device" in out.stderr
    assert not device.exists()  # no regular file left in /dev


def test_flash_refuses_an_image_that_differs_from_its_checksum(golden, tmp_path, provision):
    img = copy(golden, tmp_path / "golden.img")
    shutil.copy(golden.parent / "golden.img.sha256", tmp_path / "golden.img.sha256")
    with open(img, "r+b") as f:  # one flipped byte, as from a damaged download
        f.seek(512 * 9000)
        f.write(b"\x01")
    out = provision("flash", img, tmp_path / "card.bin", "--quiet")
    assert out.returncode == 1 and "does not match golden.img.sha256" in out.stderr


def test_first_boot_imports_what_personalise_wrote(image, tmp_path, provision, kiosk_home):
    (tmp_path / "id.toml").write_text(IDENTITY)
    assert provision("personalise", image, "--identity", tmp_path / "id.toml").returncode == 0
    # The Pi mounts the FAT at /boot/firmware; here its files are copied out with mtools.
    bootdir = tmp_path / "firmware"
    bootdir.mkdir()
    boot = BootPartition.of(image)
    (bootdir / BOOT_FILE_NAME).write_bytes(boot.read(BOOT_FILE_NAME))
    settings = Settings.load(kiosk_home)
    result = import_identity(settings, bootdir)
    assert result.ok, result.reason
    stored = load_identity(settings)
    cmdline = boot.read("cmdline.txt").decode().split()
    assert f"systemd.machine_id={stored.machine_id}" in cmdline
    assert not (bootdir / BOOT_FILE_NAME).exists()


def test_grow_data_fills_a_bigger_card(image):
    with open(image, "r+b") as f:
        f.truncate(image.stat().st_size + 32 * 1024 * 1024)
    grow = SCRIPTS / "sbin" / "bannalai-grow-data"
    assert "grown" in run(grow, "--image", image, 3).stdout
    data = {p.number: p for p in partitions(image)}[3]
    assert (data.start + data.sectors) * 512 == image.stat().st_size
    assert data.sectors == (32 + 32) * 2048
    summary = e2fsck_clean(image, data.start)
    assert "kioskdata" in summary
    blocks = summary.split("/")[-1].split()[0]  # "... 12345/163840 blocks"
    assert int(blocks) * 1024 == data.sectors * 512
    assert "nochange" in run(grow, "--image", image, 3).stdout
