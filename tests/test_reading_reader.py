"""Reader, shelf, reading state and sessions over the project's real sample books."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta

import pytest

from kiosk.config import Settings
from kiosk.reading import packages
from kiosk.reading.layout import FONT_SIZES, LINE_SPACINGS
from kiosk.reading.model import Position
from kiosk.reading.reader import Reader
from kiosk.reading.samples import SAMPLES, install_samples
from kiosk.reading.session import ReadingSession
from kiosk.reading.shelf import categories, shelf
from kiosk.reading.state import ReadingState

STORY = "sample-story-km"


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    home = tmp_path_factory.mktemp("reading") / "home"
    settings = Settings(home=home)
    install_samples(settings)
    return home


@pytest.fixture
def settings(installed, tmp_path) -> Settings:
    home = tmp_path / "home"
    shutil.copytree(installed, home)
    return Settings(home=home)


def open_reader(settings, content_id=STORY, **kwargs) -> Reader:
    return Reader(settings, packages.load(settings, content_id), **kwargs)


def test_samples_are_installed_once(settings):
    metas = install_samples(settings)  # already there: nothing re-imported
    assert sorted(m.content_id for m in metas) == sorted(SAMPLES)
    assert {m.language for m in metas} == {"km", "en"}
    assert all(m.licence == "CC-BY-4.0" and m.cover for m in metas)


def test_reader_walks_every_page_and_back(settings):
    reader = open_reader(settings, width=480, height=320)
    seen = [reader.position()]
    while reader.turn(1):
        seen.append(reader.position())
    assert len(seen) > reader.package.chapter_count()
    assert [p.chapter for p in seen] == sorted(p.chapter for p in seen)
    assert reader.turn(1) is False and reader.book_progress() == 1.0
    back = [reader.position()]
    while reader.turn(-1):
        back.append(reader.position())
    assert back[::-1] == seen
    reader.close()


def test_position_restored_on_open_and_across_font_sizes(settings):
    reader = open_reader(settings, width=480, height=320)
    for _ in range(5):
        reader.turn(1)
    saved = reader.position()
    first_index = reader.index
    for size in FONT_SIZES:
        reader.set_font_size(size)
        page = reader.page()
        assert page.start <= (saved.block, saved.offset) < page.end
    reader.set_font_size(FONT_SIZES[2])
    reader.set_line_spacing(LINE_SPACINGS[1])
    reader.set_line_spacing(LINE_SPACINGS[0])
    assert reader.index == first_index  # toggling sizes does not drift
    reader.close()
    again = open_reader(settings, width=480, height=320)
    assert again.position() == saved and again.font_size == FONT_SIZES[2]
    again.close()


def test_moved_text_is_refound_by_its_snippet(settings):
    reader = open_reader(settings)
    target = reader.package.chapter(2).blocks[1]
    stale = Position(0, 99, 0, target.text[5:35])
    assert reader.resolve(stale) == Position(2, 1, 5, target.text[5:35])
    assert reader.resolve(Position(42, 0, 0, "no such text")) == Position(3, 0, 0)
    reader.close()


def test_pages_are_prefetched_and_rendered(settings):
    reader = open_reader(settings)
    reader.prefetch()
    reader.turn(1)
    image = reader.image()
    assert image.size == (1024, 600) and image.getbbox() is not None
    reader.set_theme("night")
    assert reader.image().getpixel((2, 2))[:3] == (18, 18, 18)
    reader.close()


def test_toc_bookmarks_and_chapter_progress(settings):
    reader = open_reader(settings, width=480, height=320)
    assert reader.toc() == ["ភូមិជិតទន្លេ", "ទូកចាស់", "ទឹកជំនន់", "សៀវភៅថ្មី"]
    reader.go_to_chapter(2)
    assert reader.chapter == 2 and reader.chapter_progress()[0] == 1
    assert reader.add_bookmark() is True and reader.add_bookmark() is False
    reader.go_to(reader.bookmarks()[0])
    assert reader.chapter == 2
    reader.close()


def test_shelf_puts_continue_reading_first_and_searches_khmer(settings):
    titles = [item.meta.title for item in shelf(settings)]
    assert titles == ["ទូកតូចរបស់សុខា", "វិន័យបណ្ណាល័យ", "សៀវភៅរៀនអាន", "The Lantern Keeper"]
    reader = open_reader(settings, "sample-primer-km")
    reader.turn(1)
    reader.close()
    items = shelf(settings)
    assert items[0].meta.content_id == "sample-primer-km" and items[0].continuing
    assert [i.meta.title for i in shelf(settings, query="សៀវ\u200bភៅ")] == ["សៀវភៅរៀនអាន"]
    assert [i.meta.title for i in shelf(settings, query="LANTERN keeper")] == ["The Lantern Keeper"]
    assert [i.meta.content_id for i in shelf(settings, category="អក្ខរកម្ម")] == ["sample-primer-km"]
    assert "រឿងនិទាន" in categories([i.meta for i in items])


def test_reading_state_survives_a_torn_file(settings):
    state = ReadingState(settings)
    state.save_position(STORY, Position(1, 2, 3, "x"), 0.5)
    state.path.write_text('{"sample-story-km": {"posit')
    assert ReadingState(settings).position(STORY) is None


class StandIn:
    def __init__(self) -> None:
        self.calls = []

    def record_reading_session(self, **kwargs):
        self.calls.append(kwargs)
        return kwargs


def test_session_payload_and_recording():
    start = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
    session = ReadingSession(STORY, start, card="C123")
    for _ in range(7):
        session.page_turned()
    library = StandIn()
    session.record(library, start + timedelta(minutes=12, seconds=30))
    assert library.calls == [
        {"content_id": STORY, "started_at": start, "minutes": 12.5, "pages": 7, "card": "C123"}
    ]
    assert session.record(library, start + timedelta(hours=1)) is None  # only once
    short = ReadingSession(STORY, start)
    assert short.record(library, start + timedelta(seconds=5)) is None


def test_session_goes_to_the_real_outbox(kiosk_home):
    from kiosk.library import Library

    settings = Settings(home=kiosk_home)
    Library.init(settings, "kiosk-1", "prison-1")
    library = Library.open(settings)
    try:
        start = datetime.now(UTC) - timedelta(minutes=3)
        session = ReadingSession(STORY, start)
        session.page_turned(4)
        event = session.record(library, datetime.now(UTC))
        assert event.type == "reading_session_recorded" and event.payload().pages == 4
        assert event.payload().card is None and library.outbox_count() >= 1
    finally:
        library.close()


def test_sample_khmer_is_well_formed(settings):
    """HarfBuzz inserts a dotted circle for a broken cluster: the samples must have none."""
    import uharfbuzz as hb

    from kiosk.reading.fonts import reading_font

    font = hb.Font(hb.Face(hb.Blob.from_file_path(reading_font())))
    dotted = font.get_nominal_glyph(0x25CC)
    assert dotted is not None
    for content_id in SAMPLES:
        package = packages.load(settings, content_id)
        for index in range(package.chapter_count()):
            for block in package.chapter(index).blocks:
                buffer = hb.Buffer()
                buffer.add_str(block.text)
                buffer.guess_segment_properties()
                hb.shape(font, buffer, {})
                glyphs = {info.codepoint for info in buffer.glyph_infos}
                assert dotted not in glyphs, (content_id, block.text)
    broken = hb.Buffer()
    broken.add_str("\u17d2\u1780")  # a COENG with no base: the detector itself works
    broken.guess_segment_properties()
    hb.shape(font, broken, {})
    assert dotted in {info.codepoint for info in broken.glyph_infos}
