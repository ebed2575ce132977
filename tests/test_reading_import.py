"""The importer over real generated files: good books, and hostile ones that must not hurt."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.config import Settings
from kiosk.errors import ImportRefused
from kiosk.reading import packages
from kiosk.reading.importer import import_content
from kiosk.reading.limits import ImportLimits
from tests.support import reading_files as files


@pytest.fixture
def settings(kiosk_home) -> Settings:
    return Settings(home=kiosk_home)


@pytest.fixture
def src(tmp_path) -> Path:
    folder = tmp_path / "src"
    folder.mkdir()
    return folder


def all_text(settings: Settings, content_id: str) -> str:
    package = packages.load(settings, content_id)
    return " ".join(
        block.text for i in range(package.chapter_count()) for block in package.chapter(i).blocks
    )


def files_outside(tmp_path: Path, settings: Settings, src: Path) -> list[Path]:
    allowed = (settings.home, src)
    return [
        p
        for p in tmp_path.rglob("*")
        if p.is_file() and not any(p.is_relative_to(a) for a in allowed)
    ]


def assert_nothing_left(settings: Settings) -> None:
    content = settings.paths.content
    assert (
        not [p for p in content.iterdir() if p.name.startswith(".")] if content.exists() else True
    )


def test_good_epub_becomes_a_package(settings, src):
    meta = import_content(settings, files.good_epub(src / "good.epub"), category="រឿង")
    assert meta.title == "រឿងសុខា" and meta.language == "km" and meta.category == "រឿង"
    assert [c["title"] for c in meta.chapters] == ["ជំពូកទី1", "ជំពូកទី2", "ជំពូកទី3"]
    assert meta.cover and meta.licence == "CC-BY-4.0" and not meta.legacy_font
    package = packages.load(settings, meta.content_id)
    kinds = [b.kind for b in package.chapter(0).blocks]
    assert kinds[0] == "heading" and "image" in kinds
    para = next(b for b in package.chapter(0).blocks if b.kind == "para")
    assert para.breaks and para.breaks[-1] == len(para.text)
    assert package.cover_path.is_file()
    assert [m.content_id for m in packages.list_packages(settings)] == [meta.content_id]
    assert len(meta.sha256) == 64 and all(len(h) == 64 for h in meta.files.values())
    assert_nothing_left(settings)


def test_reimport_with_hub_content_id_replaces(settings, src):
    first = import_content(settings, files.good_epub(src / "a.epub"), content_id="hub-42")
    second = import_content(settings, files.good_epub(src / "b.epub", 1), content_id="hub-42")
    assert first.content_id == second.content_id == "hub-42"
    assert len(packages.load(settings, "hub-42").meta.chapters) == 1
    with pytest.raises(ImportRefused):
        import_content(settings, src / "a.epub", content_id="../escape")
    with pytest.raises(ImportRefused, match="checksum mismatch"):
        import_content(settings, src / "a.epub", content_id="hub-42", sha256="0" * 64)
    assert len(packages.load(settings, "hub-42").meta.chapters) == 1  # untouched


@pytest.mark.parametrize(
    "make, limits, reason",
    [
        (lambda p: files.zip_bomb(p, 12), ImportLimits(), "zip bomb"),
        (lambda p: files.zip_bomb(p, 3), ImportLimits(entry_bytes=1 << 20, ratio=1e9), "too large"),
        (
            lambda p: files.zip_bomb(p, 3),
            ImportLimits(total_bytes=2 << 20, ratio=1e9),
            "size limit",
        ),
        (lambda p: files.many_entries(p, 60), ImportLimits(zip_entries=50), "too many files"),
    ],
)
def test_zip_bombs_are_refused(settings, src, tmp_path, make, limits, reason):
    path = make(src / "bomb.epub")
    with pytest.raises(ImportRefused, match=reason):
        import_content(settings, path, limits=limits)
    assert packages.list_packages(settings) == []
    assert_nothing_left(settings)
    assert files_outside(tmp_path, settings, src) == []


def test_path_traversal_is_ignored_and_nothing_written_outside(settings, src, tmp_path):
    meta = import_content(settings, files.traversal_epub(src / "t.epub"))
    text = all_text(settings, meta.content_id)
    assert "root:" not in text and "evil" not in text
    assert any("unsafe" in w or "skipped" in w for w in meta.warnings)
    assert files_outside(tmp_path, settings, src) == []
    assert not (tmp_path / "evil.txt").exists() and not Path("/tmp/evil-abs.txt").exists()
    package = packages.load(settings, meta.content_id)
    assert package.file("../../evil.txt") is None


def test_entities_are_never_expanded(settings, src):
    meta = import_content(settings, files.entity_epub(src / "e.epub"))
    text = all_text(settings, meta.content_id)
    assert "root:" not in text and "lollol" not in text
    assert len(meta.chapters) == 2  # both entity documents skipped, the book kept
    assert sum("entities" in w for w in meta.warnings) == 2


def test_encrypted_member_is_skipped_not_the_book(settings, src):
    meta = import_content(settings, files.encrypted_member_epub(src / "x.epub"))
    assert [c["title"] for c in meta.chapters] == ["ក", "គ"]
    assert any("encrypted" in w for w in meta.warnings)


def test_huge_image_is_skipped_not_the_book(settings, src):
    meta = import_content(settings, files.huge_image_epub(src / "h.epub"))
    assert any("pixels" in w or "too large" in w for w in meta.warnings)
    assert meta.chapters and meta.cover == "cover.png"  # a drawn cover, not the huge picture
    assert not [f for f in meta.files if f.startswith("images/")]


def test_scripts_and_remote_references_are_dropped(settings, src):
    meta = import_content(settings, files.scripts_epub(src / "s.epub"))
    text = all_text(settings, meta.content_id)
    for bad in ("alert", "pwned", "color:red", "frame", "object text", "form text", "svg text"):
        assert bad not in text
    package = packages.load(settings, meta.content_id)
    assert not [b for b in package.chapter(0).blocks if b.kind == "image"]
    assert (
        not list((package.folder / "images").glob("*"))
        if (package.folder / "images").exists()
        else True
    )


def test_broken_manifest_keeps_the_rest_of_the_book(settings, src):
    meta = import_content(settings, files.broken_manifest_epub(src / "b.epub"))
    assert len(meta.chapters) == 2
    assert "broken" in all_text(settings, meta.content_id)  # HTML fallback for bad XHTML
    assert any("missing" in w or "skipped" in w for w in meta.warnings)


def test_legacy_font_text_is_flagged(settings, src):
    meta = import_content(settings, files.legacy_epub(src / "l.epub"))
    assert meta.legacy_font and any("legacy" in w for w in meta.warnings)
    good = import_content(settings, files.good_epub(src / "g.epub"))
    assert not good.legacy_font


def test_markdown_and_text(settings, src):
    md = src / "book.md"
    md.write_text("# ចំណងជើង\n\n## ក\n\nកថាខណ្ឌ **មួយ** <script>x()</script>\n\n## ខ\n\nពីរ\n")
    meta = import_content(settings, md)
    assert meta.title == "ចំណងជើង" and [c["title"] for c in meta.chapters] == ["ក", "ខ"]
    assert "script" not in all_text(settings, meta.content_id)
    txt = src / "plain.txt"
    txt.write_bytes("សួស្តី\n\nHello".encode("utf-8-sig"))
    assert import_content(settings, txt).chars > 0
    latin1 = src / "old.txt"
    latin1.write_bytes("caf\xe9 na\xefve".encode("latin-1"))
    with pytest.raises(ImportRefused, match="not UTF-8"):
        import_content(settings, latin1)


def test_pdf_becomes_page_pictures(settings, src):
    meta = import_content(settings, files.pdf_file(src / "doc.pdf", 3))
    package = packages.load(settings, meta.content_id)
    assert meta.kind == "pdf" and meta.pages == 3 and package.page_image(3).is_file()
    broken = src / "broken.pdf"
    broken.write_bytes(b"%PDF-1.7\n garbage garbage")
    with pytest.raises(ImportRefused, match="PDF"):
        import_content(settings, broken)


def test_audio_with_its_text(settings, src):
    ogg = src / "story.ogg"
    ogg.write_bytes(b"OggS" + bytes(2000))
    text = src / "story.md"
    text.write_text("---\ntitle: រឿងនិទាន\n---\n\nកាលពីព្រេងនាយ")
    meta = import_content(settings, ogg, text=text)
    assert meta.kind == "audio" and meta.audio == "audio.ogg" and meta.title == "រឿងនិទាន"
    assert packages.load(settings, meta.content_id).file("audio.ogg").is_file()
    fake = src / "fake.mp3"
    fake.write_bytes(b"<html>not audio</html>")
    with pytest.raises(ImportRefused, match="unknown file type"):
        import_content(settings, fake)  # named .mp3 but not audio by its bytes


def test_unknown_and_empty_files_are_refused(settings, src):
    blob = src / "x.bin"
    blob.write_bytes(b"\x00\x01\x02")
    with pytest.raises(ImportRefused, match="unknown file type"):
        import_content(settings, blob)
    empty = src / "e.epub"
    empty.write_bytes(b"")
    with pytest.raises(ImportRefused, match="empty"):
        import_content(settings, empty)


def test_timeout_and_memory_limit_refuse(settings, src):
    book = files.good_epub(src / "g.epub")
    with pytest.raises(ImportRefused, match="longer than"):
        import_content(settings, book, limits=ImportLimits(seconds=0.001))
    with pytest.raises(ImportRefused, match="import process failed|memory"):
        import_content(settings, book, limits=ImportLimits(memory_bytes=40 << 20))
    assert packages.list_packages(settings) == []
    assert_nothing_left(settings)


def test_cli_refusal_is_one_line_and_non_zero(kiosk_home, src):
    path = files.zip_bomb(src / "bomb.epub", 12)
    run = subprocess.run(
        [sys.executable, "-m", "kiosk", "import-content", str(path), "--home", str(kiosk_home)],
        capture_output=True,
        text=True,
    )
    assert run.returncode != 0
    assert len(run.stderr.strip().splitlines()) == 1 and "zip bomb" in run.stderr
    good = files.good_epub(src / "g.epub")
    args = ["--home", str(kiosk_home)]
    subprocess.run(
        [sys.executable, "-m", "kiosk", "import-content", str(good), "--title", "T", *args],
        check=True,
        capture_output=True,
    )
    listed = subprocess.run(
        [sys.executable, "-m", "kiosk", "content", "--json", *args],
        check=True,
        capture_output=True,
        text=True,
    )
    assert [row["title"] for row in json.loads(listed.stdout)] == ["T"]
