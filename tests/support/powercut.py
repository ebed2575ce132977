"""Record the file-system calls of the real store, then build every disk a power cut could leave.

Model (after shared/research/tinydb-durability.md §1): only data that was fsynced is certain;
writes since a file's last fsync may have reached the disk in full, in part (whole 512-byte
sectors, the rest of the range as it was) or not at all, independently; a truncate may or may
not have happened; rename and create are atomic but, until the folder is fsynced, may be lost.
"""

from __future__ import annotations

import os
import random
from dataclasses import dataclass, field
from pathlib import Path

from kiosk.store.journal import FileIO

SECTOR = 512


class RecordingIO(FileIO):
    """Performs every call for real and appends it to ``trace``."""

    def __init__(self, trace: list):
        self.trace = trace
        self.paths: dict[int, str] = {}

    def open(self, path, flags, mode=0o777):
        existed = os.path.exists(path)
        fd = os.open(path, flags, mode)
        self.paths[fd] = os.path.basename(path)
        if not existed:
            self.trace.append(("create", self.paths[fd]))
        if flags & os.O_TRUNC:
            self.trace.append(("truncate", self.paths[fd], 0))
        return fd

    def write(self, fd, data):
        offset = os.lseek(fd, 0, os.SEEK_END) if self._append(fd) else os.lseek(fd, 0, os.SEEK_CUR)
        n = os.write(fd, data)
        self.trace.append(("write", self.paths[fd], offset, bytes(data[:n])))
        return n

    def _append(self, fd) -> bool:
        import fcntl

        return bool(fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_APPEND)

    def fsync(self, fd):
        os.fsync(fd)
        self.trace.append(("fsync", self.paths[fd]))

    fdatasync = fsync

    def ftruncate(self, fd, length):
        os.ftruncate(fd, length)
        self.trace.append(("truncate", self.paths[fd], length))

    def replace(self, src, dst):
        os.replace(src, dst)
        self.trace.append(("replace", os.path.basename(src), os.path.basename(dst)))

    def fsync_dir(self, path):
        FileIO.fsync_dir(path)
        self.trace.append(("fsync_dir",))


@dataclass
class File:
    durable: bytes = b""
    current: bytearray = field(default_factory=bytearray)
    pending: list = field(default_factory=list)  # writes and truncates since the last fsync


def _apply(buf: bytearray, op) -> None:
    if op[0] == "write":
        _, offset, data = op
        if len(buf) < offset:
            buf.extend(b"\0" * (offset - len(buf)))
        buf[offset : offset + len(data)] = data
    else:
        del buf[op[1] :]


class Disk:
    """Replays a trace prefix; ``crash_images`` lists the folders a power cut could leave."""

    def __init__(self, base: dict[str, bytes]):
        self.files: dict[int, File] = {}
        self.names: dict[str, int] = {}
        self.durable_names: dict[str, int] = {}
        for name, data in base.items():
            inode = len(self.files)
            self.files[inode] = File(durable=data, current=bytearray(data))
            self.names[name] = self.durable_names[name] = inode

    def step(self, op) -> None:
        kind = op[0]
        if kind == "create":
            inode = len(self.files)
            self.files[inode] = File()
            self.names[op[1]] = inode
        elif kind in ("write", "truncate"):
            f = self.files[self.names[op[1]]]
            rest = (op[2], op[3]) if kind == "write" else (op[2],)
            f.pending.append((kind, *rest))
            _apply(f.current, (kind, *rest))
        elif kind == "fsync":
            f = self.files[self.names[op[1]]]
            f.durable, f.pending = bytes(f.current), []
        elif kind == "replace":
            self.names[op[2]] = self.names.pop(op[1])
        elif kind == "fsync_dir":
            self.durable_names = dict(self.names)

    def image(self, rng: random.Random, mode: str) -> dict[str, bytes]:
        names = dict(self.durable_names) if mode != "all" else dict(self.names)
        if mode == "random" and rng.random() < 0.5:
            names = dict(self.names)
        out = {}
        for name, inode in names.items():
            f = self.files[inode]
            buf = bytearray(f.durable)
            for op in f.pending:
                if mode == "all":
                    _apply(buf, op)
                elif mode == "random":
                    self._maybe(buf, op, rng)
            out[name] = bytes(buf)
        return out

    @staticmethod
    def _maybe(buf: bytearray, op, rng: random.Random) -> None:
        choice = rng.random()
        if choice < 0.35:
            return
        if choice < 0.7 or op[0] == "truncate":
            _apply(buf, op)
            return
        _, offset, data = op  # torn: only some sectors of this write reached the card
        for start in range(0, len(data), SECTOR):
            if rng.random() < 0.5:
                _apply(buf, ("write", offset + start, data[start : start + SECTOR]))


def write_image(folder: Path, files: dict[str, bytes]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        if name != "lock":
            (folder / name).write_bytes(data)
