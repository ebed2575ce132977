"""PDF page view (zoom, pan, position) and the audiobook controls, without a screen."""

from __future__ import annotations

import pytest

from kiosk.config import Settings
from kiosk.reading import packages
from kiosk.reading.audio_player import Audiobook, Unavailable, open_player
from kiosk.reading.importer import import_content
from kiosk.reading.pdfview import PdfView
from kiosk.reading.state import ReadingState
from tests.support import reading_files as files


@pytest.fixture
def settings(kiosk_home) -> Settings:
    return Settings(home=kiosk_home)


def test_pdf_view_turns_zooms_pans_and_remembers(settings, tmp_path):
    meta = import_content(settings, files.pdf_file(tmp_path / "doc.pdf", 3))
    view = PdfView(settings, packages.load(settings, meta.content_id))
    assert view.pages == 3 and view.image().size == (1024, 600)
    assert view.turn(1) and view.turn(1) and not view.turn(1)
    view.set_zoom("width")
    view.pan(0, 10_000)
    assert view.y > 0 and view.x == 0  # fit width: only vertical panning
    bottom = view.y
    view.pan(0, 10_000)
    assert view.y == bottom  # clamped at the page's bottom edge
    view.pan(0, -10_000)
    assert view.y == 0
    assert view.image().size == (1024, 600)
    again = PdfView(settings, packages.load(settings, meta.content_id))
    assert again.page == 2


class FakePlayer:
    reason = ""

    def __init__(self, duration: float = 600.0) -> None:
        self.at, self.length, self.calls = 0.0, duration, []

    def play(self):
        self.calls.append("play")

    def pause(self):
        self.calls.append("pause")

    def seek(self, seconds):
        self.at = seconds

    def position(self):
        return self.at

    def duration(self):
        return self.length

    def close(self):
        self.calls.append("close")


def test_audiobook_skips_and_resumes(settings):
    state = ReadingState(settings)
    player = FakePlayer()
    book = Audiobook("audio-1", player, state)
    assert book.toggle() is True and player.calls == ["play"]
    assert book.skip(30) == 30.0 and book.skip(-60) == 0.0
    player.at = 590.0
    assert book.skip(30) == 600.0  # never past the end
    book.close()
    resumed = FakePlayer()
    Audiobook("audio-1", resumed, ReadingState(settings))
    assert resumed.at == 600.0


def test_missing_gstreamer_gives_a_clear_message(tmp_path):
    path = tmp_path / "a.ogg"
    path.write_bytes(b"OggS" + bytes(100))
    player = open_player(path)
    if isinstance(player, Unavailable):
        assert "not available" in player.reason and player.position() == 0.0
    else:  # a kiosk with GStreamer
        player.close()
