"""The FAT boot partition of an image file or SD card, read and written with mtools.

mtools addresses a FAT file system inside a larger file as ``IMAGE@@BYTE_OFFSET``; the offset
comes from the partition table (``partx``). This is how a card is personalised without mounting
it and without root for image files. Only whole small files are read and written here.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from kiosk.provision import ProvisionError

FAT_TYPES = {"0xb", "0xc", "0xe"}
SECTOR = 512
MAX_READ = 1024 * 1024


@dataclass(frozen=True)
class Partition:
    number: int
    start: int  # in 512-byte sectors
    sectors: int
    type: str


def partitions(target: Path) -> list[Partition]:
    """The MBR partitions of an image file or a whole-disk device."""
    out = _run(["partx", "-g", "-o", "NR,START,SECTORS,TYPE", str(target)], check=False)
    if out.returncode != 0:
        raise ProvisionError(
            f"{target} has no partition table (is it a Raspberry Pi image or card?)"
        )
    result = []
    for line in out.stdout.splitlines():
        fields = line.split()
        if len(fields) == 4:
            result.append(Partition(int(fields[0]), int(fields[1]), int(fields[2]), fields[3]))
    return result


class BootPartition:
    """Partition 1 of a Raspberry Pi image: FAT, with ``cmdline.txt`` in its root."""

    def __init__(self, target: Path, partition: Partition):
        self.target = Path(target)
        self.partition = partition
        self.address = f"{self.target}@@{partition.start * SECTOR}"

    @classmethod
    def of(cls, target: Path) -> BootPartition:
        target = Path(target)
        if not target.exists():
            raise ProvisionError(f"{target} does not exist")
        parts = {p.number: p for p in partitions(target)}
        first = parts.get(1)
        if first is None or first.type.lower() not in FAT_TYPES:
            raise ProvisionError(f"{target}: partition 1 is not a FAT boot partition")
        boot = cls(target, first)
        if not boot.exists("cmdline.txt"):
            raise ProvisionError(
                f"{target}: the boot partition has no cmdline.txt (not a Pi image)"
            )
        return boot

    def exists(self, name: str) -> bool:
        return (
            _mtools(["mdir", "-b", "-i", self.address, f"::/{name}"], check=False).returncode == 0
        )

    def read(self, name: str) -> bytes:
        out = _mtools(["mcopy", "-n", "-i", self.address, f"::/{name}", "-"], text=False)
        return out.stdout[:MAX_READ]

    def write(self, name: str, data: bytes) -> None:
        """Replace ``name`` and check that it reads back byte for byte."""
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / name
            path.write_bytes(data)
            _mtools(["mcopy", "-o", "-i", self.address, str(path), f"::/{name}"])
        if self.read(name) != data:
            raise ProvisionError(f"{self.target}: {name} did not read back as written")

    def delete(self, name: str) -> None:
        if self.exists(name):
            _mtools(["mdel", "-i", self.address, f"::/{name}"])


def _mtools(argv: list[str], *, check: bool = True, text: bool = True):
    env = dict(os.environ, MTOOLS_SKIP_CHECK="1")
    return _run(argv, check=check, text=text, env=env)


def _run(argv: list[str], *, check: bool = True, text: bool = True, env=None):
    try:
        out = subprocess.run(argv, capture_output=True, text=text, env=env, timeout=120)
    except FileNotFoundError:
        raise ProvisionError(
            f"{argv[0]} is not installed (apt-get install mtools util-linux)"
        ) from None
    if check and out.returncode != 0:
        err = out.stderr if text else out.stderr.decode("utf-8", "replace")
        raise ProvisionError(f"{' '.join(argv[:1])} failed: {err.strip()}")
    return out
