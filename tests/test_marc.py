"""MARC21 and MARCXML imports from real files: every bad record is reported, none stops the file."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kiosk.__main__ import main
from kiosk.config import Settings
from kiosk.library import Library
from kiosk.marc import parse_marc
from kiosk.marcfile import MarcRefused, Read, Unreadable, decode_record, read_records
from kiosk.marcstore import apply_marc
from tests.support.marc_records import book, field, iso2709, item

DATA = Path(__file__).parent / "data" / "marc"
KHMER_TITLE = "ប្រវត្តិសាស្ត្រខ្មែរ"
KHMER_AUTHOR = "ត្រឹង ងា"


@pytest.fixture
def home(tmp_path) -> Path:
    home = tmp_path / "home"
    assert main(["init", "--kiosk-id", "k1", "--prison-id", "p1", "--home", str(home)]) == 0
    return home


def write(tmp_path, name: str, *records: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(b"".join(records))
    return path


def test_pymarc_sample_titles_authors_isbns_subjects():
    parsed = parse_marc(DATA / "test.dat")
    assert parsed.records_read == 10 and not parsed.problems
    by_isbn = {d.record.isbn: d for d in parsed.titles.values()}
    perl = by_isbn["9780471383147"]  # "0471383147 (paper/cd-rom : alk. paper)" as ISBN-13
    assert perl.record.title == "ActivePerl with ASP and ADO"
    assert perl.record.author == "Martinsson, Tobias"  # $a only: no dates
    assert perl.subjects[0] == "Perl (Computer program language)"
    assert by_isbn["9780130208682"].record.title == "Perl programmer's interactive workbook"
    assert parsed.titles_without_items == 10


def test_multiple_isbns_all_kept_first_is_the_key():
    parsed = parse_marc(DATA / "multi_isbn.dat")
    (draft,) = parsed.titles.values()
    assert draft.isbns == ["9780914378280", "9780914378297", "9780914378266"]
    assert draft.record.title_id == "isbn:9780914378280"


def test_bad_records_are_reported_one_by_one_and_the_rest_imported(home):
    parsed = parse_marc(DATA / "bad_records.mrc")
    assert [p.record for p in parsed.problems] == [4, 5, 7]
    assert "directory" in str(parsed.problems[0]) and "no fields" in str(parsed.problems[2])
    assert parsed.records_read == 8
    assert any("record 2: leader base address repaired" in n for n in parsed.notes)
    (title,) = parsed.titles.values()  # five readable copies of one record, merged
    assert title.record.title == "The pragmatic programmer : from journeyman to master"


def test_marc8_and_utf8_versions_of_a_record_read_the_same():
    (a,) = parse_marc(DATA / "marc8.dat").titles.values()
    (b,) = parse_marc(DATA / "utf8_with_leader_flag.dat").titles.values()
    assert a.record == b.record and a.subjects == b.subjects


def test_marc8_diacritics_become_composed_unicode(tmp_path):
    marc8 = iso2709(
        book("Cafe", author="Nguy\xe2en"),  # ANSEL 0xE2 = combining acute, before the letter
        charset=" ",
        encode=lambda text: text.encode("latin-1"),
    )
    (draft,) = parse_marc(write(tmp_path, "m8.mrc", marc8)).titles.values()
    assert draft.record.author == "Nguyén"  # NFC: one code point


def test_khmer_utf8_under_a_marc8_leader_is_read_as_utf8(tmp_path):
    record = iso2709(book(KHMER_TITLE, author=KHMER_AUTHOR), charset=" ")
    parsed = parse_marc(write(tmp_path, "km.mrc", record))
    (draft,) = parsed.titles.values()
    assert draft.record.title == KHMER_TITLE and draft.record.author == KHMER_AUTHOR
    assert any("the leader says MARC-8 but the text is UTF-8" in n for n in parsed.notes)


def test_vernacular_880_becomes_the_title_and_245_the_latin_title(tmp_path):
    fields = book("Pravattisastr Khmaer", extra=[field("880", ("6", "245-01"), ("a", KHMER_TITLE))])
    (draft,) = parse_marc(write(tmp_path, "880.mrc", iso2709(fields))).titles.values()
    assert (draft.record.title, draft.record.title_latin) == (KHMER_TITLE, "Pravattisastr Khmaer")


def test_koha_items_become_copies_with_call_numbers(tmp_path, home):
    items = [
        item("B0001", call="959.6 ត"),
        item("B0002", itype="MAG"),
        item("B0003", lost="1"),
        item("B0004", withdrawn="2"),
    ]
    path = write(
        tmp_path, "koha.mrc", iso2709(book(KHMER_TITLE, items=items, isbns=["9789995000011"]))
    )
    parsed = parse_marc(path)
    assert not parsed.problems
    with Library.open(Settings.load(home)) as library:
        counts = apply_marc(library, parsed)
        copies = {b: library.copy(b) for b in ("B0001", "B0002", "B0003", "B0004")}
    assert counts["added"] == 4 and counts["titles_added"] == 1
    assert copies["B0001"]["call_number"] == "959.6 ត"
    assert copies["B0001"]["title_id"] == "isbn:9789995000011"
    assert copies["B0002"]["item_type"] == "MAG"
    assert (copies["B0003"]["status"], copies["B0004"]["status"]) == ("lost", "withdrawn")


def test_duplicates_by_isbn_and_barcode_are_merged_and_reported(tmp_path):
    first = book("Reading for adults", isbns=["0-914378-28-7"], items=[item("C1")])
    again = book(
        "Reading for adults, vol. 1", isbns=["9780914378280"], items=[item("C2"), item("C1")]
    )
    clash = book("Another book", items=[item("C2")])
    parsed = parse_marc(write(tmp_path, "dup.mrc", *(iso2709(r) for r in (first, again, clash))))
    (title,) = [t for t in parsed.titles.values() if t.isbns]
    assert title.record.title == "Reading for adults"
    assert {b: c.copy.title_id for b, c in parsed.copies.items()} == {
        "C1": title.record.title_id,
        "C2": title.record.title_id,
    }
    assert any("record 2: same ISBN as record 1: merged" in n for n in parsed.notes)
    assert any("barcode C1 repeats record 1: merged" in n for n in parsed.notes)
    assert [str(p) for p in parsed.problems] == [
        "record 3: barcode C2 is also on record 2, another title: kept the first"
    ]


def test_isbn_already_in_the_catalogue_merges_into_that_title(tmp_path, home):
    with Library.open(Settings.load(home)) as library:
        library.add_copy(barcode="D1", title=KHMER_TITLE, isbn="0914378287")
        marc = iso2709(
            book("Reading", isbns=["9780914378280"], items=[item("D2")], subjects=["Khmer"])
        )
        counts = apply_marc(library, parse_marc(write(tmp_path, "m.mrc", marc)))
        titles = library.titles()
        d2 = library.copy("D2")
    assert len(titles) == 1 and d2["title_id"] == "isbn:0914378287"
    assert titles[0]["title"] == "Reading" and titles[0]["subjects"] == ["Khmer"]
    assert any("ISBN already in the catalogue: merged" in n for n in counts["notes"])


def test_huge_record_over_99999_bytes_keeps_every_item(tmp_path):
    items = [item(f"H{n:05d}", call=f"895.932 {n}") for n in range(5000)]
    raw = iso2709(book("Serial", items=items))
    assert len(raw) > 100_000
    parsed = parse_marc(write(tmp_path, "huge.mrc", raw))
    assert len(parsed.copies) == 5000 and not parsed.problems
    assert parsed.copies["H04999"].call_number == "895.932 4999"
    assert any("fields read in order" in n for n in parsed.notes)


def test_records_missing_fields_are_refused_alone_legacy_fonts_noted(tmp_path):
    no_title = [field("100", ("a", "Nobody"))]
    legacy = book("ikßIwkarGb;rM", author="Rbmuxs")  # Limon-typed Khmer
    good = book("Good", items=[item("G1")])
    bad_item = book("Bad label", items=[item("has space")])
    path = write(tmp_path, "mixed.mrc", *(iso2709(r) for r in (no_title, legacy, good, bad_item)))
    parsed = parse_marc(path)
    assert [(p.record, p.reason.split(" ")[0]) for p in parsed.problems] == [(1, "no"), (4, "item")]
    assert any("record 2: title may be Khmer typed in a legacy font" in n for n in parsed.notes)
    assert set(parsed.copies) == {"G1"}


def test_garbage_between_records_and_a_missing_final_terminator(tmp_path):
    good = iso2709(book("One", items=[item("X1")]))
    tail = iso2709(book("Two", items=[item("X2")]))[:-1]  # cut before its 0x1D
    path = write(
        tmp_path, "junk.mrc", good, b"\r\n\x00garbage\x1d", good.replace(b"X1", b"X3"), tail
    )
    parsed = parse_marc(path)
    assert set(parsed.copies) == {"X1", "X3", "X2"}
    assert len(parsed.problems) == 1 and parsed.problems[0].record == 2


def test_a_record_without_terminator_for_megabytes_is_one_problem(tmp_path):
    path = write(tmp_path, "runaway.mrc", b"0" * 3_000_000, b"\x1d", iso2709(book("After")))
    results = list(read_records(path))
    assert isinstance(results[0], Unreadable) and "without a record end" in results[0].reason
    assert [type(r) for r in results] == [Unreadable, Read]


def test_not_marc_at_all_is_refused_as_a_whole(tmp_path, home, capsys):
    path = tmp_path / "letter.mrc"
    path.write_text("Dear librarian, here is our catalogue.")
    with pytest.raises(MarcRefused):
        parse_marc(path)
    other = tmp_path / "feed.xml"
    other.write_text("<rss><channel><title>news</title></channel></rss>")
    assert main(["import-catalog", str(other), "--home", str(home)]) == 1
    assert "holds no MARC record" in capsys.readouterr().err


def test_marcxml_collection_and_a_broken_xml_file(tmp_path):
    parsed = parse_marc(DATA / "batch.xml")
    assert [d.record.title for d in parsed.titles.values()] == [
        "The Great Ray Charles",
        "The White House",
    ]
    text = (DATA / "batch.xml").read_text(encoding="utf-8")
    cut = text.index("<marc:record>", text.index("</marc:record>"))
    broken = tmp_path / "broken.xml"
    broken.write_text(text[: cut + 200], encoding="utf-8")
    parsed = parse_marc(broken)
    assert len(parsed.titles) == 1
    assert parsed.problems[0].record == 2 and "XML is broken" in parsed.problems[0].reason


def test_xml_entities_are_not_expanded(tmp_path):
    evil = tmp_path / "evil.xml"
    evil.write_text(
        '<?xml version="1.0"?><!DOCTYPE c [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        "<collection><record><leader>00000nam a2200000   4500</leader>"
        '<datafield tag="245" ind1="0" ind2="0"><subfield code="a">T &x;</subfield></datafield>'
        "</record></collection>"
    )
    parsed = parse_marc(evil)
    assert all("root:" not in d.record.title for d in parsed.titles.values())


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_damaged_bytes_never_raise(data):
    raw = bytearray(iso2709(book(KHMER_TITLE, isbns=["9789995000011"], items=[item("B1")]))[:-1])
    for _ in range(data.draw(st.integers(1, 8))):
        position = data.draw(st.integers(0, len(raw) - 1))
        raw[position] = data.draw(st.integers(0, 255))
    if data.draw(st.booleans()):
        raw = raw[: data.draw(st.integers(0, len(raw)))]
    assert isinstance(decode_record(bytes(raw), 1), Read | Unreadable)


def test_xml_fields_in_odd_places_are_one_problem_each(tmp_path):
    odd = tmp_path / "odd.xml"
    odd.write_text(
        "<collection>"
        '<record><controlfield tag="245">Title as a control field</controlfield>'
        '<datafield tag="952"/></record>'
        '<record><datafield tag="245" ind1="0" ind2="0"><subfield code="a">Fine</subfield>'
        '</datafield><datafield tag="952"><subfield code="p">F1</subfield></datafield></record>'
        "</collection>"
    )
    parsed = parse_marc(odd)
    assert [p.record for p in parsed.problems] == [1] and set(parsed.copies) == {"F1"}


def test_a_broken_first_leader_does_not_hide_the_file(tmp_path):
    first = bytearray(iso2709(book("First", items=[item("L1")])))
    first[0:5] = b"x9?z!"  # record length not a number
    path = write(tmp_path, "leader.mrc", b"\n" * 600, bytes(first), iso2709(book("Second")))
    parsed = parse_marc(path)
    assert set(parsed.copies) == {"L1"} and len(parsed.titles) == 2
    assert any("record 1: leader record length repaired" in n for n in parsed.notes)


def test_command_all_or_nothing_then_skip_bad(tmp_path, home, capsys):
    path = write(
        tmp_path,
        "cat.mrc",
        iso2709(book(KHMER_TITLE, items=[item("K1"), item("K2")])),
        iso2709([field("100", ("a", "No title"))]),
    )
    assert main(["import-catalog", str(path), "--home", str(home)]) == 1
    err = capsys.readouterr().err
    assert "cat.mrc: record 2: no title (245 $a)" in err and "nothing was imported" in err
    with Library.open(Settings.load(home)) as library:
        assert library.status()["copies"] == 0
    assert main(["import-catalog", str(path), "--skip-bad", "--home", str(home)]) == 0
    out = capsys.readouterr().out
    assert "2 records read" in out and "copies: 2 added" in out and "1 bad records" in out
    assert main(["import-catalog", str(DATA / "batch.xml"), "--home", str(home)]) == 0


def test_csv_imports_still_go_to_the_csv_reader(tmp_path, home, capsys):
    path = tmp_path / "cat.csv"
    path.write_text("barcode,title\nZ1,សៀវភៅ\n,missing barcode\n", encoding="utf-8")
    assert main(["import-catalog", str(path), "--home", str(home)]) == 1
    assert "line 3" in capsys.readouterr().err
