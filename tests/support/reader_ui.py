"""Drive the real kiosk app's bookshelf and reader under Xvfb; print what happened as JSON.

Run by tests/test_reader_ui.py as ``xvfb-run -a python tests/support/reader_ui.py OUT``. Takes
a screenshot of the shelf and of one Khmer page at every font size, taps and swipes through
pages, and compares the page area of each screenshot with the page picture the reading core
rendered (they must be the same pixels: the screen only shows the core's texture).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


class Touch:
    def __init__(self, x: float, y: float) -> None:
        self.x, self.y, self.pos = x, y, (x, y)


def page_difference(shot: Path, widget, image) -> float:
    from kivy.core.window import Window
    from PIL import Image, ImageChops

    x, y = int(widget.x), int(widget.y)
    top = int(Window.height - (y + widget.height))
    with Image.open(shot) as screen:
        crop = screen.convert("RGB").crop((x, top, x + image.width, top + image.height))
    diff = ImageChops.difference(crop, image.convert("RGB")).convert("L")
    return sum(i * n for i, n in enumerate(diff.histogram())) / (image.width * image.height)


def open_other_kinds(app, settings, out: Path, reader) -> dict:
    """A PDF (zoom, pan) and an audiobook (without GStreamer here: a message, no crash)."""
    from kiosk.app import pump, screenshot
    from kiosk.reading.importer import import_content
    from tests.support.reading_files import pdf_file

    seen = {}
    pdf = import_content(settings, pdf_file(out / "doc.pdf", 2), content_id="pdf-1")
    ogg = out / "talk.ogg"
    ogg.write_bytes(b"OggS" + bytes(4000))
    audio = import_content(settings, ogg, content_id="audio-1", title="សំឡេង")
    for meta in (pdf, audio):
        app.manager.get_screen("bookshelf").open_book(meta.content_id)
        app.go("reader")
        pump(6)
        if meta.kind == "pdf":
            reader.font_step(1)  # fit width
            reader.turn(1)
            pump(2)
        screenshot(out / f"reader-{meta.kind}.png")
        seen[meta.kind] = {"view": type(reader.view).__name__, "message": reader.message}
        app.go("bookshelf")
        pump(2)
    return seen


def main(out: Path) -> dict:
    from kiosk.demohome import make_demo_home
    from kiosk.reading.layout import FONT_SIZES
    from kiosk.reading.samples import install_samples

    settings = make_demo_home(
        out / "home", fullscreen=False, window_size=(1024, 600), role="reading"
    )
    install_samples(settings)
    from kiosk.app import pump, screenshot, start

    app = start(settings, sources=[])
    pump(2)
    app.go("bookshelf")
    pump(4)
    result = {"screens": app.screen_names(), "shots": {}, "diff": {}, "pages": {}}
    screenshot(out / "bookshelf.png")
    shelf = app.manager.get_screen("bookshelf")
    result["tiles"] = len(shelf.ids.books.children)
    shelf.toggle_keyboard()
    for key in "សៀវភៅ":
        shelf.type_key(key)
    pump(3)
    screenshot(out / "bookshelf-search.png")
    result["found"] = len(shelf.ids.books.children)
    shelf.toggle_keyboard()
    while shelf.query:
        shelf.backspace()
    shelf.open_book("sample-story-km")
    app.go("reader")
    pump(6)
    reader = app.manager.get_screen("reader")
    page = reader.ids.page
    reader.page_touch_down(Touch(page.right - 50, page.center_y))  # tap the right side: next
    reader.page_touch_up(Touch(page.right - 50, page.center_y))
    pump(2)
    result["after_tap"] = reader.view.position().to_json()
    for size in FONT_SIZES:
        reader.view.set_font_size(size)
        reader.show()
        pump(3)
        shot = screenshot(out / f"reader-{size}px.png")
        result["shots"][size] = str(shot)
        result["diff"][size] = page_difference(shot, page, reader.view.image())
        result["pages"][size] = reader.view.chapter_progress()[1]
    reader.page_touch_down(Touch(page.x + 400, page.center_y))  # swipe right: back
    reader.page_touch_up(Touch(page.x + 700, page.center_y))
    pump(2)
    result["after_swipe"] = reader.view.position().to_json()
    reader.contents()
    pump(2)
    screenshot(out / "contents.png")
    from kivy.core.window import Window
    from kivy.uix.modalview import ModalView

    modals = [w for w in Window.children if isinstance(w, ModalView)]
    result["contents_modal"] = len(modals)
    for modal in modals:
        modal.dismiss()
    pump(2)
    app.go("bookshelf")
    pump(3)
    result["outbox"] = app.library.outbox_count()
    result["other_kinds"] = open_other_kinds(app, settings, out, reader)
    import resource

    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    app.stop()
    return result


if __name__ == "__main__":
    target = Path(sys.argv[1])
    target.mkdir(parents=True, exist_ok=True)
    print("RESULT " + json.dumps(main(target)))
