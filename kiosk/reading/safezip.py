"""Read members of an untrusted zip (EPUB) with every byte counted and every name checked.

A zip's declared sizes can lie and its member names can point anywhere, so this module
counts bytes while decompressing, refuses bombs (size, count and ratio) and resolves hrefs
only to members that exist. It must never extract to disk or use a member name as a path.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from pathlib import Path
from urllib.parse import unquote, urlsplit

from kiosk.errors import ImportRefused
from kiosk.reading.limits import ImportLimits

_CHUNK = 64 * 1024
_BAD_NAME = re.compile(r"(^/|^\\|\\|\x00|^[A-Za-z]:|(^|/)\.\.(/|$))")


def safe_member_name(name: str) -> bool:
    """False for absolute, drive-prefixed, backslashed, NUL or ``..`` member names."""
    return bool(name) and not _BAD_NAME.search(name)


class SafeZip:
    """A zip opened for reading under ``limits``; raises ImportRefused for bombs."""

    def __init__(self, path: Path, limits: ImportLimits) -> None:
        self.limits = limits
        self.total = 0
        try:
            self._zip = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError) as exc:
            raise ImportRefused(f"not a readable zip/EPUB file: {exc}") from exc
        infos = self._zip.infolist()
        if len(infos) > limits.zip_entries:
            raise ImportRefused(f"too many files in the EPUB ({len(infos)} > {limits.zip_entries})")
        self._members = {i.filename: i for i in infos if safe_member_name(i.filename)}
        self.skipped_names = [i.filename for i in infos if not safe_member_name(i.filename)]
        declared = sum(i.file_size for i in infos)
        if declared > limits.total_bytes:
            raise ImportRefused("EPUB would decompress to more than the size limit (zip bomb?)")
        for info in infos:
            self._check_ratio(info, info.file_size)

    def close(self) -> None:
        self._zip.close()

    def __enter__(self) -> SafeZip:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def names(self) -> list[str]:
        return list(self._members)

    def exists(self, name: str) -> bool:
        return name in self._members

    def _check_ratio(self, info: zipfile.ZipInfo, size: int) -> None:
        if size > self.limits.ratio_floor:
            ratio = size / max(info.compress_size, 1)
            if ratio > self.limits.ratio:
                raise ImportRefused(
                    f"compression ratio {ratio:.0f}:1 in {info.filename!r} (zip bomb?)"
                )

    def read(self, name: str, *, image: bool = False) -> bytes:
        """The member's bytes; refuses when a counted limit is passed while decompressing."""
        info = self._members.get(name)
        if info is None:
            raise KeyError(name)
        cap = self.limits.image_entry_bytes if image else self.limits.entry_bytes
        if info.file_size > cap:
            raise ImportRefused(f"{name!r} is too large ({info.file_size} bytes)")
        parts, size = [], 0
        try:
            with self._zip.open(info) as stream:
                while chunk := stream.read(_CHUNK):
                    size += len(chunk)
                    self.total += len(chunk)
                    if size > cap or self.total > self.limits.total_bytes:
                        raise ImportRefused(
                            f"{name!r} decompresses past the size limit (zip bomb?)"
                        )
                    self._check_ratio(info, size)
                    parts.append(chunk)
        except (
            zipfile.BadZipFile,
            OSError,
            EOFError,
            NotImplementedError,
            RuntimeError,
            ValueError,
        ) as exc:
            # broken, encrypted or unsupported member: skip it, keep the book
            reason = "encrypted" if "encrypted" in str(exc) else str(exc)[:80]
            raise KeyError(f"{name}: {reason}") from exc
        return b"".join(parts)

    def resolve(self, base: str, href: str) -> str | None:
        """The member an ``href`` in ``base`` points to, or None (remote, absolute, missing)."""
        if not href:
            return None
        parts = urlsplit(href)
        if parts.scheme or parts.netloc or parts.path.startswith("/"):
            return None  # never fetched, never read from the file system
        path = unquote(parts.path)
        if not path:
            return None
        joined = posixpath.normpath(posixpath.join(posixpath.dirname(base), path))
        if joined.startswith("../") or joined == ".." or not safe_member_name(joined):
            return None
        return joined if joined in self._members else None
