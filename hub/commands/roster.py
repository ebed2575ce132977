"""``import-patrons``, ``import-catalog``, ``patron-left`` and ``purge-released``."""

from __future__ import annotations

import sys
from pathlib import Path

from hub.commands._common import ident, open_hub, print_json
from hub.errors import HubError


def register(subparsers, parent) -> None:
    for name, kind in (("import-patrons", "patrons"), ("import-catalog", "catalogue")):
        p = subparsers.add_parser(name, parents=[parent], help=f"import a {kind} CSV/XLSX file")
        p.add_argument("file")
        p.add_argument("--prison", required=True, type=ident)
        p.add_argument("--skip-bad", action="store_true", help="import the good rows anyway")
        p.set_defaults(func=run_import, kind=kind)

    p = subparsers.add_parser("patron-left", parents=[parent], help="mark transferred/released")
    p.add_argument("card")
    p.add_argument("--prison", required=True, type=ident)
    p.add_argument("--status", required=True, choices=("transferred", "released"))
    p.add_argument("--loans", default="flagged", choices=("closed", "flagged"))
    p.add_argument("--purge-after-days", type=int, default=90)
    p.set_defaults(func=run_left)

    p = subparsers.add_parser("purge-released", parents=[parent], help="purge due reading history")
    p.set_defaults(func=run_purge)


def run_import(args) -> int:
    from hub import imports

    parsed = imports.parse(args.kind, Path(args.file))
    store = imports.store_patrons if args.kind == "patrons" else imports.store_catalogue
    with open_hub(args) as hub:
        result = hub.db.write(
            lambda conn: store(conn, args.prison, parsed, hub.now(), args.skip_bad)
        )
    print_json(result.__dict__)
    if result.refused:
        raise HubError(f"{len(result.problems)} bad row(s): nothing imported (or use --skip-bad)")
    return 0


def run_left(args) -> int:
    from hub.departures import mark_departure

    with open_hub(args) as hub:
        n = hub.db.write(
            lambda conn: mark_departure(conn, args.prison, args.card, args.status, args.loans,
                                        args.purge_after_days, "cli", hub.now())
        )  # fmt: skip
    print(f"{args.card}: {args.status}; {n} open loan(s) {args.loans}", file=sys.stderr)
    return 0


def run_purge(args) -> int:
    from hub.departures import purge_due

    with open_hub(args) as hub:
        n = hub.db.write(lambda conn: purge_due(conn, hub.now()))
    print(f"reading history purged for {n} released patron(s)", file=sys.stderr)
    return 0
