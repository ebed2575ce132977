"""The one way content enters a kiosk: import a file into ``<home>/content/<content_id>/``.

Local files from a librarian and files the sync engine downloaded from the hub both come
through ``import_content``. Parsing happens in a separate process (``kiosk.reading.worker``)
with a memory cap and a timeout, writing only into a staging folder inside the content
folder; the finished package is then moved into place in one rename. A refusal raises
``ImportRefused`` with a one-line reason and leaves nothing behind.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import kiosk
from kiosk.config import Settings
from kiosk.errors import ImportRefused
from kiosk.reading.fonts import reading_font
from kiosk.reading.limits import ImportLimits
from kiosk.reading.model import PackageMeta

CONTENT_ID = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$")


def valid_content_id(content_id: str) -> bool:
    return bool(CONTENT_ID.match(content_id or "")) and ".." not in content_id


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def _check_source(path: Path, limits: ImportLimits) -> None:
    if not path.is_file():
        raise ImportRefused(f"no such file: {path}")
    size = path.stat().st_size
    if size == 0:
        raise ImportRefused("the file is empty")
    cap = max(limits.file_bytes, limits.audio_bytes)
    if size > cap:
        raise ImportRefused(f"the file is larger than {cap} bytes")


def _run_worker(job: dict, limits: ImportLimits) -> dict:
    env = dict(os.environ)
    root = str(Path(kiosk.__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [root, env.get("PYTHONPATH", "")]))
    try:
        done = subprocess.run(
            [sys.executable, "-m", "kiosk.reading.worker"],
            input=json.dumps(job),
            capture_output=True,
            text=True,
            timeout=limits.seconds,
            env=env,
        )
    except subprocess.TimeoutExpired as exc:
        raise ImportRefused(f"import took longer than {limits.seconds:g} s") from exc
    lines = done.stdout.strip().splitlines()
    try:
        result = json.loads(lines[-1]) if lines else {}
    except json.JSONDecodeError:
        result = {}
    if "refused" in result:
        raise ImportRefused(str(result["refused"]))
    if done.returncode != 0 or "content_id" not in result:
        tail = (done.stderr.strip().splitlines() or ["no output"])[-1][:160]
        raise ImportRefused(f"import process failed (exit {done.returncode}; {tail})")
    return result


def _move_into_place(staging: Path, final: Path) -> None:
    old = None
    if final.exists():
        old = final.with_name(f".old-{uuid.uuid4().hex}")
        os.replace(final, old)
    os.replace(staging, final)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def import_content(
    settings: Settings,
    path: Path | str,
    *,
    title: str | None = None,
    category: str | None = None,
    licence: str | None = None,
    content_id: str | None = None,
    author: str | None = None,
    title_latin: str | None = None,
    reading_level: str | None = None,
    attribution: str | None = None,
    text: Path | str | None = None,
    sha256: str | None = None,
    limits: ImportLimits | None = None,
) -> PackageMeta:
    """Import one EPUB, Markdown/text, PDF or MP3/Ogg file; re-importing an id replaces it.

    Keyword values override what the file says. ``text``: the text of an audiobook. From the
    hub: ``import_content(settings, downloaded, content_id=hub_id, sha256=hub_sha256, ...)``;
    ``sha256`` is checked and a file that does not match is refused.
    """
    limits = limits or ImportLimits()
    path = Path(path)
    _check_source(path, limits)
    if text is not None:
        _check_source(Path(text), limits)
    expected, sha256 = sha256, file_sha256(path)
    if expected and expected.lower() != sha256:
        raise ImportRefused(f"checksum mismatch: expected {expected[:12]}…, file is {sha256[:12]}…")
    content_id = content_id or sha256[:16]
    if not valid_content_id(content_id):
        raise ImportRefused(f"invalid content id {content_id!r}")
    overrides = {
        "title": title, "category": category, "licence": licence, "author": author,
        "title_latin": title_latin, "reading_level": reading_level, "attribution": attribution,
    }  # fmt: skip
    job = {
        "source": str(path.resolve()),
        "text": str(Path(text).resolve()) if text else "",
        "content_id": content_id,
        "sha256": sha256,
        "limits": limits.to_json(),
        "font": reading_font(settings),
        "overrides": overrides,
    }
    return _import_staged(settings, job, limits)


def _import_staged(settings: Settings, job: dict, limits: ImportLimits) -> PackageMeta:
    content = settings.paths.content
    content.mkdir(parents=True, exist_ok=True)
    staging = content / f".staging-{uuid.uuid4().hex}"
    staging.mkdir()
    try:
        meta = PackageMeta.from_json(_run_worker(job | {"staging": str(staging)}, limits))
        _move_into_place(staging, content / job["content_id"])
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return meta
