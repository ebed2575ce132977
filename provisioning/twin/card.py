"""The twin's SD card as a file: read its partitions, boot files and file systems from the host,
with the same tools the technician's runbook uses (partx, mtools, debugfs, e2fsck), no mounts.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

MTOOLS_ENV = dict(os.environ, MTOOLS_SKIP_CHECK="1")


def run(*argv: str | Path, check: bool = True, env: dict[str, str] | None = None,
        input_text: str | None = None) -> subprocess.CompletedProcess[str]:  # fmt: skip
    out = subprocess.run(
        [str(a) for a in argv], capture_output=True, text=True, env=env, input=input_text
    )
    if check and out.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, argv))} failed ({out.returncode}): {out.stderr}")
    return out


@dataclass(frozen=True)
class Partition:
    number: int
    start: int  # bytes
    size: int  # bytes


def partitions(card: Path) -> dict[int, Partition]:
    table = json.loads(run("sfdisk", "--json", card).stdout)["partitiontable"]
    sector = int(table.get("sectorsize", 512))
    return {
        n: Partition(n, int(p["start"]) * sector, int(p["size"]) * sector)
        for n, p in enumerate(table["partitions"], start=1)
    }


class Card:
    def __init__(self, path: Path) -> None:
        self.path = path

    def _fat(self) -> str:
        return f"{self.path}@@{partitions(self.path)[1].start}"

    def boot_files(self) -> list[str]:
        out = run("mdir", "-b", "-i", self._fat(), "::/", env=MTOOLS_ENV).stdout
        return sorted(line.removeprefix("::/").strip() for line in out.splitlines() if line)

    def read_boot_file(self, name: str) -> str | None:
        out = run("mtype", "-i", self._fat(), f"::/{name}", env=MTOOLS_ENV, check=False)
        return out.stdout if out.returncode == 0 else None

    def extract_boot_file(self, name: str, dest: Path) -> Path:
        run("mcopy", "-o", "-i", self._fat(), f"::/{name}", dest, env=MTOOLS_ENV)
        return dest

    def cmdline(self) -> str:
        text = self.read_boot_file("cmdline.txt")
        if text is None:
            raise RuntimeError(f"{self.path} has no cmdline.txt")
        return text.strip().splitlines()[0]

    def write_data_file(self, local: Path, name: str) -> None:
        """Put ``local`` at the top of the data partition (root-owned, 0644), offline."""
        data = partitions(self.path)[3]
        fs = f"{self.path}?offset={data.start}"
        run("debugfs", "-w", "-R", f"rm /{name}", fs, check=False)
        run("debugfs", "-w", "-R", f"write {local} /{name}", fs)
        run("debugfs", "-w", "-R", f"set_inode_field /{name} mode 0100644", fs)

    def fsck(self, number: int) -> tuple[bool, str]:
        """Check partition ``number`` as the kiosk's next boot would find it, on a copy.

        ext4: the journal is replayed first (a mount would do that), then a full read-only check:
        a torn journal replay or any inconsistency is an error. FAT: fsck.fat -n.
        """
        part = partitions(self.path)[number]
        with tempfile.TemporaryDirectory(prefix="twin-fsck-") as tmp:
            copy = Path(tmp) / "part.img"
            with open(self.path, "rb") as src, open(copy, "wb") as dst:
                src.seek(part.start)
                left = part.size
                while left:
                    chunk = src.read(min(left, 8 << 20))
                    if not chunk:
                        break
                    dst.write(chunk)
                    left -= len(chunk)
            kind = run("blkid", "-p", "-o", "value", "-s", "TYPE", copy, check=False).stdout.strip()
            if kind == "vfat":
                out = run("fsck.fat", "-n", copy, check=False)
                return out.returncode == 0, out.stdout + out.stderr
            replay = run("e2fsck", "-E", "journal_only", "-y", copy, check=False)
            if replay.returncode > 1:
                return False, replay.stdout + replay.stderr
            out = run("e2fsck", "-f", "-n", copy, check=False)
            return out.returncode == 0, out.stdout + out.stderr


def personalise(card: Path, identity: Path, python: str) -> str:
    """The technician's step: ``python -m kiosk.provision personalise CARD --identity FILE``."""
    root = Path(__file__).resolve().parents[2]
    out = run(python, "-m", "kiosk.provision", "personalise", card, "--identity", identity,
              env=dict(os.environ, PYTHONPATH=str(root)))  # fmt: skip
    return out.stdout


def copy_card(src: Path, dest: Path) -> Path:
    """A sparse copy (the finalised image stays pristine for the next run)."""
    run("cp", "--sparse=always", src, dest)
    return dest
