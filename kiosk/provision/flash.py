"""Write an image onto an SD card (or a file), then prove it by reading it back.

Cheap SD cards and card readers fail silently: a write that "succeeded" can read back different
bytes. So the image is hashed while it is written, the device is flushed and its cache dropped,
and the same number of bytes is read back and hashed again; only equal hashes count as flashed.
When a ``IMAGE.sha256`` from ``finalise-image.sh`` sits next to the image, the image must match
it too (a damaged download is caught before a technician carries the card to a prison).

Refuses a device that is mounted or smaller than the image. A regular file as DEVICE is allowed
(tests, and preparing an image copy); zero blocks are then skipped so the copy stays sparse.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from kiosk.provision import ProvisionError

CHUNK = 4 * 1024 * 1024
Progress = Callable[[str, int, int], None]  # (phase, done bytes, total bytes)


@dataclass(frozen=True)
class Flashed:
    device: Path
    size: int
    sha256: str
    release_checksum: bool  # the image matched IMAGE.sha256


def flash(image: Path, device: Path, progress: Progress | None = None) -> Flashed:
    image, device = Path(image), Path(device)
    report = progress or (lambda phase, done, total: None)
    size = _image_size(image)
    expected = _release_checksum(image)
    is_block = _check_device(device, size)
    written = _write(image, device, size, is_block, report)
    if expected and written != expected:
        raise ProvisionError(
            f"{image} does not match {image.name}.sha256 (damaged copy, or an image personalised "
            "after finalising: flash the golden image, then personalise the card)"
        )
    read_back = _hash_device(device, size, report)
    if read_back != written:
        raise ProvisionError(
            f"verification failed: {device} reads back different bytes than were written "
            "(bad card or card reader: try another card)"
        )
    return Flashed(device, size, written, expected is not None)


def _image_size(image: Path) -> int:
    try:
        st = image.stat()
    except OSError as exc:
        raise ProvisionError(f"cannot read the image {image}: {exc.strerror}") from None
    if not stat.S_ISREG(st.st_mode) or st.st_size == 0:
        raise ProvisionError(f"{image} is not an image file")
    return st.st_size


def _release_checksum(image: Path) -> str | None:
    sums = image.with_name(image.name + ".sha256")
    if not sums.exists():
        return None
    text = sums.read_text(encoding="utf-8", errors="replace").split()
    if not text or len(text[0]) != 64:
        raise ProvisionError(f"{sums} is not a sha256sum file")
    return text[0].lower()


def _check_device(device: Path, size: int) -> bool:
    """True for a block device; refuses anything unsafe to overwrite."""
    in_dev = os.path.realpath(device).startswith("/dev/")
    if not device.exists():
        if in_dev:  # a mistyped /dev/sdX must not become a file in /dev that "flashed" fine
            raise ProvisionError(
                f"{device}: no such device (is the card in the reader? find it with lsblk)"
            )
        return False  # a new regular file
    st = device.stat()
    if stat.S_ISREG(st.st_mode):
        if in_dev:
            raise ProvisionError(f"{device} is a plain file in /dev, not a card: delete it")
        return False
    if not stat.S_ISBLK(st.st_mode):
        raise ProvisionError(f"{device} is neither a block device nor a regular file")
    real = os.path.realpath(device)
    for source in _mounted_sources():
        if source == real or (
            source.startswith(real) and source[len(real) :].lstrip("p").isdigit()
        ):
            raise ProvisionError(f"{device} is mounted ({source}): unmount it first")
    with open(device, "rb") as f:
        capacity = f.seek(0, os.SEEK_END)
    if capacity < size:
        raise ProvisionError(f"{device} holds {capacity} bytes, the image needs {size}")
    return True


def _mounted_sources() -> list[str]:
    try:
        lines = Path("/proc/self/mounts").read_text().splitlines()
    except OSError:
        return []
    return [os.path.realpath(line.split()[0]) for line in lines if line.startswith("/dev/")]


def _write(image: Path, device: Path, size: int, is_block: bool, report: Progress) -> str:
    digest = hashlib.sha256()
    flags = os.O_WRONLY | os.O_CLOEXEC | (0 if is_block else os.O_CREAT | os.O_TRUNC)
    zero = bytes(CHUNK)
    done = 0
    with open(image, "rb") as src:
        fd = os.open(device, flags, 0o644)
        try:
            while chunk := src.read(CHUNK):
                digest.update(chunk)
                if not is_block and chunk == zero[: len(chunk)]:
                    os.lseek(fd, len(chunk), os.SEEK_CUR)  # keep a file copy sparse
                else:
                    _write_all(fd, chunk)
                done += len(chunk)
                report("write", done, size)
            if not is_block:
                os.ftruncate(fd, size)
            os.fsync(fd)
            # Drop the cached pages so the read-back comes from the card, not from memory.
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)
    return digest.hexdigest()


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _hash_device(device: Path, size: int, report: Progress) -> str:
    digest = hashlib.sha256()
    done = 0
    fd = os.open(device, os.O_RDONLY | os.O_CLOEXEC)
    try:
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        while done < size:
            chunk = os.read(fd, min(CHUNK, size - done))
            if not chunk:
                raise ProvisionError(f"{device} ended after {done} of {size} bytes")
            digest.update(chunk)
            done += len(chunk)
            report("verify", done, size)
    finally:
        os.close(fd)
    return digest.hexdigest()
