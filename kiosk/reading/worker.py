"""The import subprocess: parse one untrusted file into a staging folder, under hard limits.

``kiosk.reading.importer`` starts ``python -m kiosk.reading.worker`` with a JSON job on stdin.
The worker first caps its own address space, CPU time and file sizes, then reads the file and
writes the package into the staging folder it was given (inside the kiosk home). It prints
one JSON line: the package metadata, or ``{"refused": reason}`` with exit code 3. It must never
write anywhere but the staging folder, and never open the network.
"""

from __future__ import annotations

import hashlib
import json
import resource
import sys
from datetime import UTC, datetime
from pathlib import Path

from kiosk import khmer
from kiosk.errors import ImportRefused
from kiosk.reading.limits import ImportLimits
from kiosk.reading.model import PackageMeta
from kiosk.reading.parsed import Parsed

REFUSED_EXIT = 3
TEXT_FIELDS = ("title_latin", "author", "category", "reading_level", "licence", "attribution")
LEGACY_WARNING = "text looks typed in a legacy (non-Unicode) Khmer font; check it before use"


def sniff(path: Path) -> str:
    """The source format from the file's first bytes (and, for text, its name)."""
    from kiosk.reading.audio import sniff_audio

    with path.open("rb") as stream:
        head = stream.read(8)
    if head.startswith(b"PK\x03\x04"):
        return "epub"
    if head.startswith(b"%PDF-"):
        return "pdf"
    if sniff_audio(head):
        return sniff_audio(head)
    if path.suffix.lower() in (".md", ".markdown"):
        return "markdown"
    if path.suffix.lower() in (".txt", ".text", ""):
        return "text"
    raise ImportRefused(f"unknown file type {path.suffix or '(no extension)'}")


def read_source(path: Path, limits: ImportLimits, out: Path, text: Path | None) -> Parsed:
    fmt = sniff(path)
    if fmt == "epub":
        from kiosk.reading.epub import read_epub

        return read_epub(path, limits, out)
    if fmt == "pdf":
        from kiosk.reading.pdf import read_pdf

        return read_pdf(path, limits, out)
    if fmt in ("mp3", "ogg"):
        from kiosk.reading.audio import read_audio

        return read_audio(path, limits, out, text)
    from kiosk.reading.textfile import read_text

    return read_text(path, limits, markdown=fmt == "markdown")


def _sample(parsed: Parsed, limit: int = 30_000) -> str:
    parts, size = [], 0
    for chapter in parsed.chapters:
        for block in chapter.blocks:
            parts.append(block.text)
            size += len(block.text)
            if size > limit:
                return " ".join(parts)
    return " ".join(parts)


def _hash_files(out: Path) -> dict[str, str]:
    files = {}
    for path in sorted(p for p in out.rglob("*") if p.is_file()):
        files[path.relative_to(out).as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    return files


def _check_legacy(parsed: Parsed, title: str, language: str, sample: str) -> bool:
    legacy = parsed.legacy_font_css or khmer.has_legacy_font_text(sample)
    legacy |= language == "km" and khmer.has_legacy_font_text(title)
    if legacy:
        parsed.warn(LEGACY_WARNING)
    return legacy


def _write_chapters(parsed: Parsed, out: Path) -> None:
    folder = out / "chapters"
    folder.mkdir(exist_ok=True)
    for index, chapter in enumerate(parsed.chapters):
        (folder / f"{index:04d}.json").write_text(
            json.dumps(chapter.to_json(), ensure_ascii=False), encoding="utf-8"
        )


def _field(over: dict, parsed: Parsed, key: str) -> str:
    """An override from the command line or hub, else what the file said, bounded."""
    return str(over.get(key) or getattr(parsed, key, "") or parsed.extra.get(key, ""))[:300]


def build(job: dict) -> PackageMeta:
    """Read the source into ``job['staging']`` and write its chapters, cover and meta.json."""
    limits = ImportLimits.from_json(job.get("limits", {}))
    source, out = Path(job["source"]), Path(job["staging"])
    text = Path(job["text"]) if job.get("text") else None
    parsed = read_source(source, limits, out, text)
    over = {k: v for k, v in job.get("overrides", {}).items() if v}
    sample = _sample(parsed)
    title = (over.get("title") or parsed.title or source.stem)[:300]
    ratio = khmer.khmer_ratio([sample or title])
    language = parsed.language or ("km" if ratio >= 0.3 else "en")
    legacy = _check_legacy(parsed, title, language, sample)
    if parsed.kind in ("text", "audio") and not parsed.cover:
        from kiosk.reading.render import make_cover

        parsed.cover = make_cover(title, parsed.author, out / "cover.png", job.get("font", ""))
    _write_chapters(parsed, out)
    meta = PackageMeta(
        content_id=job["content_id"],
        kind=parsed.kind,
        source_format=parsed.source_format,
        title=title,
        sha256=job["sha256"],
        size_bytes=source.stat().st_size,
        **{k: _field(over, parsed, k) for k in TEXT_FIELDS},
        language=language,
        cover=parsed.cover,
        chapters=tuple({"title": c.title, "chars": c.chars} for c in parsed.chapters),
        pages=parsed.pages,
        audio=parsed.audio,
        legacy_font=legacy,
        warnings=tuple(parsed.warnings),
        imported_at=datetime.now(UTC).isoformat(timespec="seconds"),
        files=_hash_files(out),
    )
    (out / "meta.json").write_text(
        json.dumps(meta.to_json(), ensure_ascii=False, indent=1), encoding="utf-8"
    )
    return meta


def _cap_resources(limits: ImportLimits) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (limits.memory_bytes, limits.memory_bytes))
    cpu = int(limits.seconds) + 5
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))
    biggest = max(limits.audio_bytes, limits.file_bytes) + 1024 * 1024
    resource.setrlimit(resource.RLIMIT_FSIZE, (biggest, biggest))


def main() -> int:
    job = json.loads(sys.stdin.read())
    _cap_resources(ImportLimits.from_json(job.get("limits", {})))
    try:
        meta = build(job)
    except ImportRefused as exc:
        print(json.dumps({"refused": str(exc)}, ensure_ascii=False))
        return REFUSED_EXIT
    except MemoryError:
        print(json.dumps({"refused": "the file needs more memory than the import limit"}))
        return REFUSED_EXIT
    print(json.dumps(meta.to_json(), ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
