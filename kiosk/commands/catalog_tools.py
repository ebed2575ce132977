"""Catalogue tools: labels, patron cards, Koha exports, and MARC files for ``import-catalog``.

``import-catalog`` (in ``circulation``) hands ``.mrc``/``.marc``/``.dat``/``.iso``/``.xml`` files
to ``import_marc`` here: every bad record is reported on its own line, and, as for CSV files,
nothing is imported while there are bad records unless ``--skip-bad`` is given. Handlers stay
thin (parse arguments, call ``kiosk.marc``/``kiosk.labels``/``kiosk.koha``, print); none writes a
PDF or export when an asked-for barcode or card is unknown.
"""

from __future__ import annotations

import sys
from pathlib import Path

from kiosk.commands._common import fail, settings_from
from kiosk.errors import ImportRefused
from kiosk.library import Library

MARC_SUFFIXES = (".mrc", ".marc", ".dat", ".iso", ".xml")
MAX_NOTES = 200


def register(subparsers, parent) -> None:
    p = subparsers.add_parser("labels", parents=[parent], help="print item labels to a PDF")
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--copies", nargs="+", metavar="BARCODE")
    which.add_argument("--new", action="store_true", help="copies whose label was never printed")
    which.add_argument("--all", action="store_true", help="every copy on the shelf")
    p.add_argument("--template", default="a4-3x8", help="a4-3x8 (default), a4-2x7 or spine")
    p.add_argument("--offset-mm", metavar="X,Y", help="printer offset, mm (right, down)")
    p.add_argument("--skip", type=int, default=0, help="labels already used on the first sheet")
    p.add_argument("--no-mark", action="store_true", help="do not mark the labels printed")
    p.add_argument("--out", type=Path, required=True)
    p.set_defaults(func=cmd_labels)

    p = subparsers.add_parser("cards", parents=[parent], help="print patron cards to a PDF")
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--patrons", nargs="+", metavar="CARD")
    which.add_argument("--all", action="store_true", help="every active patron")
    p.add_argument("--template", default="card", help="card (Code 128, default) or card-qr")
    p.add_argument("--offset-mm", metavar="X,Y", help="printer offset, mm (right, down)")
    p.add_argument("--out", type=Path, required=True)
    p.set_defaults(func=cmd_cards)

    p = subparsers.add_parser(
        "export-koc", parents=[parent], help="write loans as a Koha offline circulation file"
    )
    p.add_argument("file", type=Path)
    p.add_argument("--since", default="", metavar="YYYY-MM-DD", help="only actions from then on")
    p.set_defaults(func=cmd_export_koc)
    p = subparsers.add_parser(
        "export-marc", parents=[parent], help="write the catalogue as MARC21 with Koha items"
    )
    p.add_argument("file", type=Path)
    p.set_defaults(func=cmd_export_marc)


def is_marc_file(path: Path) -> bool:
    return Path(path).suffix.lower() in MARC_SUFFIXES


def _say_notes(notes: list[str], name: str) -> None:
    for note in notes[:MAX_NOTES]:
        print(f"{name}: note: {note}", file=sys.stderr)
    if len(notes) > MAX_NOTES:
        print(f"{name}: ... and {len(notes) - MAX_NOTES} more notes", file=sys.stderr)


def import_marc(args) -> int:
    from kiosk.marc import parse_marc
    from kiosk.marcfile import MarcRefused
    from kiosk.marcstore import apply_marc

    try:
        parsed = parse_marc(args.file)
    except MarcRefused as exc:
        raise ImportRefused(str(exc)) from exc
    name = args.file.name
    if parsed.records_read == 0:
        raise ImportRefused(f"{name} holds no MARC record")
    for problem in parsed.problems:
        print(f"{name}: {problem}", file=sys.stderr)
    _say_notes(parsed.notes, name)
    if parsed.problems and not args.skip_bad:
        return fail(
            f"{len(parsed.problems)} bad records or items: nothing was imported "
            "(fix them, or use --skip-bad)"
        )
    with Library.open(settings_from(args)) as library:
        counts = apply_marc(library, parsed)
    _say_notes(counts["notes"], name)
    skipped = f", {len(parsed.problems)} bad records or items skipped" if parsed.problems else ""
    print(
        f"{parsed.records_read} records read; titles: {counts['titles_added']} added, "
        f"{counts['titles_updated']} updated, {counts['titles_unchanged']} unchanged; "
        f"copies: {counts['added']} added, {counts['updated']} updated, "
        f"{counts['unchanged']} unchanged{skipped}"
    )
    return 0


def cmd_labels(args) -> int:
    from kiosk.labels.items import render_item_labels
    from kiosk.labels.printed import item_labels, mark_printed
    from kiosk.labels.templates import parse_offset, template_named
    from kiosk.labels.textimage import label_font

    template = template_named(args.template, "item")
    with Library.open(settings_from(args)) as library:
        offset = parse_offset(args.offset_mm, library.settings)
        labels, unknown = item_labels(library, args.copies, new=args.new)
        for barcode in unknown:
            print(f"{barcode}: not in the catalogue", file=sys.stderr)
        if unknown:
            return fail(f"{len(unknown)} unknown barcodes: no labels written")
        if not labels:
            print("no labels to print")
            return 0
        font = label_font(library.settings)
        sheet = render_item_labels(
            args.out, template, labels, library.settings.library_name, font, offset, args.skip
        )
        for line in sheet.problems + sheet.warnings:
            print(line, file=sys.stderr)
        if sheet.printed and not args.no_mark:
            mark_printed(library, sheet.printed, library.clock.now())
    print(f"{len(sheet.printed)} labels on {sheet.pages} pages in {args.out}")
    return 1 if sheet.problems else 0


def cmd_cards(args) -> int:
    from kiosk.labels.cards import render_cards
    from kiosk.labels.printed import card_header, patron_cards
    from kiosk.labels.templates import parse_offset, template_named
    from kiosk.labels.textimage import label_font

    template = template_named(args.template, "card")
    with Library.open(settings_from(args)) as library:
        offset = parse_offset(args.offset_mm, library.settings)
        faces, unknown = patron_cards(library, args.patrons)
        header, font = card_header(library), label_font(library.settings)
    for card in unknown:
        print(f"{card}: no such patron", file=sys.stderr)
    if unknown:
        return fail(f"{len(unknown)} unknown cards: no cards written")
    if not faces:
        print("no cards to print")
        return 0
    sheet = render_cards(args.out, template, faces, header, font, offset)
    for line in sheet.problems:
        print(line, file=sys.stderr)
    print(f"{len(sheet.printed)} cards on {sheet.pages} pages in {args.out}")
    return 1 if sheet.problems else 0


def cmd_export_koc(args) -> int:
    from datetime import datetime

    from kiosk.koha import export_koc

    if args.since:
        try:
            datetime.fromisoformat(args.since)
        except ValueError:
            return fail(f"--since {args.since!r}: write it as YYYY-MM-DD or YYYY-MM-DD HH:MM:SS")
    with Library.open(settings_from(args)) as library:
        actions = export_koc(library, args.file, args.since)
    print(f"{actions} issue and return actions written to {args.file}")
    return 0


def cmd_export_marc(args) -> int:
    from kiosk.koha import export_marc

    with Library.open(settings_from(args)) as library:
        counts = export_marc(library, args.file)
    print(
        f"{counts['titles']} titles ({counts['records']} records, {counts['copies']} copies) "
        f"written to {args.file}"
    )
    return 0
