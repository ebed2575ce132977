"""Reading-station commands for librarians and technicians.

``import-content FILE``  turn an EPUB, Markdown/text, PDF or MP3/Ogg file into a content package
``content``              list the packages on this kiosk (``--json`` for machines)
``install-samples``      import the project's own sample books (demo, first setup)
A refused file prints a one-line reason and exits non-zero; nothing is half-imported.
"""

from __future__ import annotations

import sys

from kiosk.commands._common import print_json, settings_from


def register(subparsers, parent) -> None:
    p = subparsers.add_parser(
        "import-content", parents=[parent], help="import an e-book, PDF or audiobook"
    )
    p.add_argument("file", help="EPUB, .md, .txt, PDF, MP3 or Ogg file")
    p.add_argument("--title", help="title to show (default: from the file)")
    p.add_argument("--category", help="shelf category")
    p.add_argument("--licence", help="licence, e.g. CC-BY-4.0")
    p.add_argument("--author", help="author (default: from the file)")
    p.add_argument("--reading-level", help="reading level shown on the shelf")
    p.add_argument("--text", help="for audio: the text that goes with it (.md or .txt)")
    p.add_argument("--content-id", help="package id (default: from the file's sha256)")
    p.add_argument("--json", action="store_true", help="print the package metadata as JSON")
    p.set_defaults(func=_import)

    p = subparsers.add_parser("content", parents=[parent], help="list content packages")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=_content)

    p = subparsers.add_parser(
        "install-samples", parents=[parent], help="import the project's sample books"
    )
    p.set_defaults(func=_samples)


def _import(args) -> int:
    from kiosk.reading.importer import import_content

    meta = import_content(
        settings_from(args),
        args.file,
        title=args.title,
        category=args.category,
        licence=args.licence,
        author=args.author,
        reading_level=args.reading_level,
        text=args.text,
        content_id=args.content_id,
    )
    if args.json:
        print_json(meta.to_json())
    else:
        print(f"imported {meta.content_id}: {meta.title} ({meta.source_format}, {meta.kind})")
    for warning in meta.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    return 0


def _row(meta) -> dict:
    return {
        "content_id": meta.content_id,
        "kind": meta.kind,
        "format": meta.source_format,
        "title": meta.title,
        "title_latin": meta.title_latin,
        "author": meta.author,
        "category": meta.category,
        "language": meta.language,
        "chapters": len(meta.chapters),
        "chars": meta.chars,
        "pages": meta.pages,
        "legacy_font": meta.legacy_font,
        "sha256": meta.sha256,
    }


def _content(args) -> int:
    from kiosk.reading.shelf import shelf

    rows = [_row(item.meta) | {"progress": item.progress} for item in shelf(settings_from(args))]
    if args.json:
        print_json(rows)
        return 0
    if not rows:
        print("no content packages")
    for row in rows:
        flag = "  [legacy font?]" if row["legacy_font"] else ""
        print(f"{row['content_id']:<20} {row['format']:<8} {row['title']}{flag}")
    return 0


def _samples(args) -> int:
    from kiosk.reading.samples import install_samples

    for meta in install_samples(settings_from(args)):
        print(f"{meta.content_id}: {meta.title}")
    return 0
