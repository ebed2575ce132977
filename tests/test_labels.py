"""Printed labels and cards scan and read: PDFs rasterised at 300 dpi, decoded by our own decoder,
and the Khmer on them compared with HarfBuzz-shaped references."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_raw
import pytest
from PIL import Image, ImageDraw, ImageFont, ImageOps

from kiosk.__main__ import main
from kiosk.config import Settings
from kiosk.desk import Added, DeskRefusal, add_book, look_up_isbn
from kiosk.labels.cards import CardFace, render_cards
from kiosk.labels.items import ItemLabel, render_item_labels
from kiosk.labels.templates import TEMPLATES, parse_offset
from kiosk.labels.textimage import dotted_circles, label_font, render_run
from kiosk.library import Library
from kiosk.scanner.decode import decode_image
from wire.records import PatronRecord

DPI = 300
PX_PER_MM = DPI / 25.4
TITLES = [
    "ស្ត្រីក្រសួងព្រះរាជាណាចក្រកម្ពុជា ជាតិ សាសនា ព្រះមហាក្សត្រ",
    "រឿងព្រេងខ្មែរ",
    "សៀវភៅអានសម្រាប់មនុស្សពេញវ័យ ភាគទី៣",
    "Khmer-English Dictionary",
]


@pytest.fixture(scope="module")
def font() -> Path:
    return label_font()


def pages(pdf_path: Path) -> list[np.ndarray]:
    doc = pdfium.PdfDocument(str(pdf_path))
    out = []
    for page in doc:
        image = page.render(scale=DPI / 72, grayscale=True).to_numpy()
        out.append(image[:, :, 0] if image.ndim == 3 else image)
    return out


def cells(pdf_path: Path, template, offset=(0.0, 0.0), where: list | None = None) -> list:
    """Every non-blank cell of every page, cropped by the template's geometry (their positions
    appended to ``where``)."""
    found = []
    for number, page in enumerate(pages(pdf_path)):
        for index in range(template.per_page):
            x, y = template.cell_origin(index, offset)
            top = template.page[1] - y - template.height
            crop = page[
                int(top * PX_PER_MM) : int((top + template.height) * PX_PER_MM),
                int(x * PX_PER_MM) : int((x + template.width) * PX_PER_MM),
            ]
            if crop.min() < 128:
                found.append(crop)
                if where is not None:
                    where.append((number, index))
    return found


def codes(count: int) -> list[str]:
    shapes = ("{:08d}", "BK{:06d}", "P1-{:04d}", "{:05d}")
    return [shapes[n % len(shapes)].format(n + 1) for n in range(count)]


@pytest.mark.parametrize(("name", "count"), [("a4-3x8", 30), ("a4-2x7", 16), ("spine", 70)])
def test_every_item_label_scans_at_300_dpi(tmp_path, font, name, count):
    template = TEMPLATES[name]
    labels = [
        ItemLabel(code, TITLES[n % len(TITLES)], "959.6 ក" if n % 3 else "")
        for n, code in enumerate(codes(count))
    ]
    out = tmp_path / f"{name}.pdf"
    sheet = render_item_labels(out, template, labels, "បណ្ណាល័យពន្ធនាគារ", font)
    assert sheet.printed == [label.barcode for label in labels] and not sheet.problems
    assert sheet.pages == -(-count // template.per_page)
    read = []
    for crop in cells(out, template):
        found = decode_image(crop, ("code128",))
        read.append(found[0].text if len(found) == 1 else None)
    assert read == [label.barcode for label in labels]


def test_longest_item_codes_scan_on_sheet_labels(tmp_path, font):
    labels = [ItemLabel(f"KHPP{n:06d}AB{n % 10}Z", TITLES[0]) for n in range(6)]  # 14 chars
    for name in ("a4-3x8", "a4-2x7"):
        out = tmp_path / f"{name}.pdf"
        assert not render_item_labels(out, TEMPLATES[name], labels, "", font).problems
        read = [
            [d.text for d in decode_image(c, ("code128",))] for c in cells(out, TEMPLATES[name])
        ]
        assert read == [[label.barcode] for label in labels]


def test_printer_offset_moves_everything_and_still_scans(tmp_path, font):
    template = TEMPLATES["a4-3x8"]
    labels = [ItemLabel("00001234", TITLES[1])]
    plain, moved = tmp_path / "plain.pdf", tmp_path / "moved.pdf"
    render_item_labels(plain, template, labels, "បណ្ណាល័យ", font)
    render_item_labels(moved, template, labels, "បណ្ណាល័យ", font, offset=parse_offset("2,-1.5"))

    def ink_corner(page):
        rows, cols = np.nonzero(page < 128)
        return cols.min(), rows.min()

    (x0, y0), (x1, y1) = ink_corner(pages(plain)[0]), ink_corner(pages(moved)[0])
    assert abs((x1 - x0) - 2 * PX_PER_MM) <= 2 and abs((y1 - y0) + 1.5 * PX_PER_MM) <= 2
    (crop,) = cells(moved, template, offset=(2.0, -1.5))
    assert [d.text for d in decode_image(crop, ("code128",))] == ["00001234"]


def _reference(text: str, font: Path, size_pt: float, layout) -> Image.Image:
    face = ImageFont.truetype(str(font), round(size_pt / 72 * DPI), layout_engine=layout)
    ascent, descent = face.getmetrics()
    image = Image.new("L", (int(face.getlength(text)) + 8, ascent + descent), 255)
    ImageDraw.Draw(image).text((0, 0), text, font=face, fill=0)
    return image.crop(ImageOps.invert(image).getbbox())


def test_khmer_title_on_the_label_is_shaped_like_harfbuzz(tmp_path, font):
    title = "ស្ត្រីក្រសួងព្រះរាជាណាចក្រ"  # coeng stacks, pre-base vowels, split vowels
    assert dotted_circles(title, font) == 0
    out = tmp_path / "khmer.pdf"
    render_item_labels(out, TEMPLATES["a4-3x8"], [ItemLabel("K0001", title)], "បណ្ណាល័យ", font)
    page = pdfium.PdfDocument(str(out))[0]
    raster = pages(out)[0]
    height = raster.shape[0]
    best = {"raqm": 0.0, "basic": 0.0}
    for image in page.get_objects(filter=[pdfium_raw.FPDF_PAGEOBJ_IMAGE]):
        left, bottom, right, top = (v * DPI / 72 for v in image.get_bounds())
        crop = raster[int(height - top) : int(height - bottom), int(left) : int(right)]
        for name, layout in (("raqm", ImageFont.Layout.RAQM), ("basic", ImageFont.Layout.BASIC)):
            ref = _reference(title, font, TEMPLATES["a4-3x8"].title_pt, layout)
            ref = np.asarray(ref.resize((crop.shape[1], crop.shape[0])), float)
            corr = np.corrcoef(255 - ref.ravel(), 255 - crop.astype(float).ravel())[0, 1]
            best[name] = max(best[name], corr)
    # The printed run matches HarfBuzz's shaping and not the unshaped glyph-by-glyph drawing.
    assert best["raqm"] > 0.85 and best["basic"] < 0.5, best


def test_long_titles_are_cut_between_clusters_never_inside(font):
    run = render_run(TITLES[0] * 3, font, 9, 40)
    assert run.shortened and run.text.endswith("…") and run.width_mm <= 40
    assert dotted_circles(run.text, font) == 0
    assert TITLES[0].startswith(run.text[:-1].rstrip())


def test_misordered_khmer_is_reported_and_a_code_too_long_is_refused(tmp_path, font):
    broken = "\u17b6\u1780\u17d2"  # vowel sign before its consonant, dangling coeng
    assert dotted_circles(broken, font) > 0
    labels = [ItemLabel("OK01", broken), ItemLabel("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123", "x")]
    sheet = render_item_labels(tmp_path / "s.pdf", TEMPLATES["spine"], labels, "", font)
    assert sheet.printed == ["OK01"]
    assert "dotted circles" in sheet.warnings[0] and "too long" in sheet.problems[0]


@pytest.mark.parametrize("name", ["card", "card-qr"])
def test_every_patron_card_scans(tmp_path, font, name):
    faces = [CardFace(f"C{n:05d}", f"សុខ ចាន់ដារ៉ា {n}", f"Sok Chandara {n}") for n in range(12)]
    out = tmp_path / "cards.pdf"
    sheet = render_cards(out, TEMPLATES[name], faces, "ពន្ធនាគារ ព្រៃស · បណ្ណាល័យ", font)
    assert sheet.pages == 2 and not sheet.problems
    symbology = "qr" if name == "card-qr" else "code128"
    read = [
        [d.text for d in decode_image(crop, (symbology,))] for crop in cells(out, TEMPLATES[name])
    ]
    assert read == [[face.card] for face in faces]


@pytest.fixture
def home(tmp_path) -> Path:
    home = tmp_path / "home"
    assert main(["init", "--kiosk-id", "k1", "--prison-id", "p1", "--home", str(home)]) == 0
    return home


def test_labels_command_new_marks_printed_and_cards_command(tmp_path, home, capsys):
    with Library.open(Settings.load(home)) as library:
        for n, title in enumerate(TITLES):
            library.add_copy(barcode=f"B{n:04d}", title=title)
        library.import_patrons([PatronRecord(card="C0001", name="សុខ", name_latin="Sok")])
    out = tmp_path / "new.pdf"
    base = ["--home", str(home), "--out", str(out)]
    assert main(["labels", "--new", *base]) == 0
    assert f"{len(TITLES)} labels on 1 pages" in capsys.readouterr().out
    assert main(["labels", "--new", *base]) == 0
    assert "no labels to print" in capsys.readouterr().out
    assert main(["labels", "--copies", "B0001", "NOPE", *base]) == 1
    assert main(["labels", "--all", "--template", "spine", "--offset-mm", "1,1", *base]) == 0
    assert main(["cards", "--all", "--template", "card-qr", *base]) == 0
    (crop,) = cells(out, TEMPLATES["card-qr"])
    assert [d.text for d in decode_image(crop, ("qr",))] == ["C0001"]
    with Library.open(Settings.load(home)) as library:
        assert all(library.copy(f"B{n:04d}")["label_printed_at"] for n in range(len(TITLES)))


def test_desk_scan_isbn_complete_and_print_one_label(tmp_path, home):
    with Library.open(Settings.load(home)) as library:
        library.add_copy(
            barcode="00000041", title="រឿងព្រេងខ្មែរ", isbn="9789995000011", author="ត្រឹង ងា"
        )
        with library.locked(), library.store.transaction():
            doc = library.catalog.titles.lookup_one("id", "isbn:9789995000011")
            library.catalog.titles.update({"cover": "covers/1.jpg"}, doc_ids=[doc.doc_id])
        known = look_up_isbn(library, "978-99950-0001-1")
        assert known.title["title"] == "រឿងព្រេងខ្មែរ" and known.copies == ["00000041"]
        assert known.next_barcode == "00000042"
        assert look_up_isbn(library, "9789995000012") == DeskRefusal(
            "isbn_invalid", "9789995000012"
        )
        out = tmp_path / "one.pdf"
        added = add_book(
            library, title=known.title["title"], isbn=known.isbn, label_pdf=out, position=5
        )
        assert isinstance(added, Added) and added.barcode == "00000042"
        assert library.copy("00000042")["title_id"] == "isbn:9789995000011"
        assert library.copy("00000042")["label_printed_at"]
        kept = library.title("isbn:9789995000011")
        assert (kept["author"], kept["cover"]) == ("ត្រឹង ងា", "covers/1.jpg")
        new_title = add_book(library, title="ikßIwkarGb;rM")
        taken = add_book(library, title="ក", barcode="00000041")
        assert new_title == DeskRefusal("legacy_font", "title")
        assert taken == DeskRefusal("barcode_taken", "00000041")
        assert add_book(library, title="  ") == DeskRefusal("title_missing")
    where = []
    (crop,) = cells(out, TEMPLATES["a4-3x8"], where=where)
    assert where == [(0, 5)]  # the sixth cell of a partly used sheet
    assert [d.text for d in decode_image(crop, ("code128",))] == ["00000042"]
