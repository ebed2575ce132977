"""Librarian commands: init, imports, check-out, check-in, renew, loans and status."""

from __future__ import annotations

import sys
from pathlib import Path

from kiosk.archive import DEFAULT_KEEP_DAYS, archive_closed_loans, archive_folder
from kiosk.circulation import Refusal
from kiosk.commands._common import fail, print_json, settings_from
from kiosk.errors import ImportRefused
from kiosk.library import Library
from kiosk.messages import describe
from kiosk.scanner.camera_backends import camera_status
from wire.tabular import TableRefused, parse_catalog, parse_patrons


def register(subparsers, parent) -> None:
    p = subparsers.add_parser("init", parents=[parent], help="give a new kiosk home its identity")
    p.add_argument("--kiosk-id", required=True)
    p.add_argument("--prison-id", required=True)
    p.set_defaults(func=cmd_init)

    for name, func, what in (
        ("import-catalog", cmd_import_catalog, "catalogue (CSV, XLSX, MARC21 or MARCXML)"),
        ("import-patrons", cmd_import_patrons, "detainee roster (CSV or XLSX)"),
    ):
        p = subparsers.add_parser(name, parents=[parent], help=f"import a {what}")
        p.add_argument("file", type=Path)
        p.add_argument(
            "--skip-bad", action="store_true", help="import the good rows even if some are bad"
        )
        p.set_defaults(func=func)

    p = subparsers.add_parser("checkout", parents=[parent], help="lend books to a card")
    p.add_argument("card")
    p.add_argument("barcodes", nargs="+", metavar="BARCODE")
    p.set_defaults(func=cmd_checkout)
    for name, func, verb in (("checkin", cmd_checkin, "return"), ("renew", cmd_renew, "renew")):
        p = subparsers.add_parser(name, parents=[parent], help=f"{verb} books")
        p.add_argument("barcodes", nargs="+", metavar="BARCODE")
        p.set_defaults(func=func)

    p = subparsers.add_parser("loans", parents=[parent], help="list open loans")
    p.add_argument("--patron", metavar="CARD")
    p.add_argument("--overdue", action="store_true")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_loans)

    p = subparsers.add_parser(
        "archive-loans", parents=[parent], help="move old returned loans out of the live store"
    )
    p.add_argument("--keep-days", type=int, default=DEFAULT_KEEP_DAYS, metavar="N",
                   help=f"keep loans returned in the last N days (default {DEFAULT_KEEP_DAYS})")  # fmt: skip
    p.set_defaults(func=cmd_archive)

    p = subparsers.add_parser(
        "status", parents=[parent], help="counts, store health, pending events"
    )
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_status)


def cmd_init(args) -> int:
    settings = settings_from(args)
    Library.init(settings, args.kiosk_id, args.prison_id)
    print(f"kiosk {args.kiosk_id} of prison {args.prison_id} ready in {settings.home}")
    return 0


def _report_import(parsed, args, apply) -> int:
    for problem in parsed.problems:
        print(f"{args.file.name}: {problem}", file=sys.stderr)
    if parsed.problems and not args.skip_bad:
        return fail(
            f"{len(parsed.problems)} bad rows: nothing was imported (fix them, or use --skip-bad)"
        )
    with Library.open(settings_from(args)) as library:
        counts = apply(library, parsed.records)
    skipped = f", {len(parsed.problems)} bad rows skipped" if parsed.problems else ""
    print(
        f"{counts['added']} added, {counts['updated']} updated, {counts['unchanged']} unchanged{skipped}"
    )
    return 0


def cmd_import_catalog(args) -> int:
    from kiosk.commands import catalog_tools

    if catalog_tools.is_marc_file(args.file):  # MARC21/MARCXML: reported record by record
        return catalog_tools.import_marc(args)
    try:
        parsed = parse_catalog(args.file)
    except TableRefused as exc:
        raise ImportRefused(str(exc)) from exc
    return _report_import(parsed, args, lambda lib, rows: lib.import_catalog(rows))


def cmd_import_patrons(args) -> int:
    try:
        parsed = parse_patrons(args.file)
    except TableRefused as exc:
        raise ImportRefused(str(exc)) from exc
    return _report_import(parsed, args, lambda lib, rows: lib.import_patrons(rows))


def _run_each(args, action, say) -> int:
    """Apply ``action`` to each barcode; exit 0 only if every one was committed."""
    failed = 0
    with Library.open(settings_from(args)) as library:
        for barcode in args.barcodes:
            outcome = action(library, barcode)
            if isinstance(outcome, Refusal):
                failed += 1
                print(
                    f"{barcode}: refused: {describe(outcome)} [{outcome.reason}]", file=sys.stderr
                )
            else:
                print(say(barcode, outcome))
    return 1 if failed else 0


def cmd_checkout(args) -> int:
    return _run_each(
        args,
        lambda lib, b: lib.check_out(args.card, b),
        lambda b, o: (
            f"{b}: lent to {args.card} until {o.loan['due']} ({(o.title or {}).get('title', '')})"
        ),
    )


def cmd_checkin(args) -> int:
    def say(barcode, outcome):
        late = f", {outcome.days_late} days late" if outcome.days_late else ""
        return f"{barcode}: returned by {outcome.loan['card']}{late}"

    return _run_each(args, lambda lib, b: lib.check_in(b), say)


def cmd_renew(args) -> int:
    return _run_each(
        args, lambda lib, b: lib.renew(b), lambda b, o: f"{b}: now due {o.loan['due']}"
    )


def cmd_loans(args) -> int:
    with Library.open(settings_from(args)) as library:
        loans = library.loans(card=args.patron, overdue=args.overdue)
        today = library.clock.today().isoformat()
    rows = [
        {
            "card": loan["card"],
            "barcode": loan["barcode"],
            "title": loan["title"],
            "due": loan["due"],
            "status": "overdue" if loan["due"] < today else "open",
            "renewals": loan["renewals"],
            "out_at": loan["out_at"],
        }
        for loan in loans
    ]
    if args.json:
        print_json(rows)
    else:
        for row in rows:
            print(f"{row['card']}\t{row['barcode']}\t{row['due']}\t{row['status']}\t{row['title']}")
    return 0


def cmd_archive(args) -> int:
    if args.keep_days < 1:
        return fail("--keep-days must be at least 1")
    with Library.open(settings_from(args)) as library:
        moved = archive_closed_loans(library, library.clock.today(), args.keep_days)
        library.compact_if_needed()
    print(f"{moved} returned loans archived to {archive_folder(library.settings.home)}")
    return 0


def cmd_status(args) -> int:
    settings = settings_from(args)
    with Library.open(settings) as library:
        status = library.status()
    status["camera"] = camera_status(settings.camera)
    if args.json:
        print_json(status)
        return 0
    sync = status.pop("sync") or {}
    camera = status.pop("camera")
    for key, value in status.items():
        print(f"{key}: {value}")
    for key, value in sync.items():
        if key not in ("credential",):
            print(f"sync.{key}: {value}")
    _print_camera(camera)
    return 0


def _print_camera(camera: dict) -> None:
    """``camera: N``, then the backend that would open it and why the others would not."""
    if camera["index"] < 0:
        print(f"camera: none (settings camera = {camera['index']})")
        return
    print(f"camera: {camera['index']}")
    detail = f" ({camera['detail']})" if camera["detail"] else ""
    print(f"camera.backend: {camera['backend'] or 'none can open it'}{detail}")
    print(f"camera.probe: {camera['probe']}")
    for reason in camera["reasons"]:
        print(f"camera.reason: {reason}")
