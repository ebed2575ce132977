"""Small files that survive a power cut: after it, a path holds the old bytes or the new, never half.

Temp file in the same folder, fsync, ``os.replace``, fsync of the folder (without the last step
the rename itself can be lost). The kiosk store has its own journal; this is for the small files
beside it: settings, the hub credential, the imported identity, reading positions, PIN state.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems (FAT on a few kernels) refuse fsync on a folder
    finally:
        os.close(fd)


def write_atomically(
    path: Path,
    data: bytes,
    mode: int = 0o600,
    before_replace: Callable[[Path], None] | None = None,
) -> None:
    """Replace ``path`` with ``data`` atomically and durably; ``before_replace`` may chown the temp."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, mode)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    if before_replace is not None:
        before_replace(tmp)
    os.replace(tmp, path)
    fsync_dir(path.parent)
