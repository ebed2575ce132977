"""``report``, ``export`` and ``export-pdf``: the programme's figures and exports from the shell."""

from __future__ import annotations

import sys
from pathlib import Path

from hub.commands._common import open_hub, print_json
from hub.errors import HubError


def register(subparsers, parent) -> None:
    p = subparsers.add_parser("report", parents=[parent], help="a month's figures")
    p.add_argument("--month", required=True, help="YYYY-MM")
    p.add_argument("--prison", help="one prison (default: every prison on this hub)")
    p.add_argument("--json", action="store_true", help="print JSON (the default)")
    p.add_argument("--suppress", action="store_true", help="counts under 5 shown as <5")
    p.add_argument("--pdf", metavar="FILE", help="also write the printable report")
    p.add_argument("--lang", default="km", choices=("km", "en", "fr"))
    p.set_defaults(func=run_report)

    p = subparsers.add_parser("export", parents=[parent], help="loans, patrons, catalogue, figures")
    p.add_argument("--month", required=True, help="YYYY-MM")
    p.add_argument("--what", required=True, choices=("loans", "patrons", "catalogue", "figures"))
    p.add_argument("--format", required=True, choices=("csv", "xlsx"))
    p.add_argument("--prison", help="one prison (default: every prison on this hub)")
    p.add_argument("--out", required=True, help="file to write")
    p.set_defaults(func=run_export)

    p = subparsers.add_parser("export-pdf", parents=[parent], help="printable monthly report")
    p.add_argument("--month", required=True, help="YYYY-MM")
    p.add_argument("--prison", help="one prison (default: every prison on this hub)")
    p.add_argument("--lang", default="km", choices=("km", "en", "fr"))
    p.add_argument("--out", required=True, help="PDF file to write")
    p.set_defaults(func=run_pdf)


def run_report(args) -> int:
    from hub.reports import Month, figures, suppress

    month = Month.parse(args.month)
    with open_hub(args) as hub:
        figs = hub.db.read(lambda conn: figures(conn, month, args.prison, hub.now()))
        print_json(suppress(figs) if args.suppress else figs)
        if args.pdf:
            write_pdf(hub, month, args.prison, args.lang, Path(args.pdf))
    return 0


def run_export(args) -> int:
    from hub.exports import export
    from hub.reports import Month

    month = Month.parse(args.month)
    with open_hub(args) as hub:
        rows = hub.db.read(
            lambda conn: export(conn, args.what, args.format, month, args.prison, hub.now(),
                                Path(args.out))
        )  # fmt: skip
    print(f"wrote {rows - 1} rows to {args.out}", file=sys.stderr)
    return 0


def run_pdf(args) -> int:
    from hub.reports import Month

    with open_hub(args) as hub:
        write_pdf(hub, Month.parse(args.month), args.prison, args.lang, Path(args.out))
    return 0


def write_pdf(hub, month, prison_id, lang: str, out: Path) -> None:
    from hub.report_pdf import render_pdf
    from hub.reports import figures, monthly_series, suppress

    def gather(conn):
        return figures(conn, month, prison_id, hub.now()), monthly_series(conn, month, prison_id)

    figs, series = hub.db.read(gather)
    try:
        out.write_bytes(render_pdf(suppress(figs), series, lang, prison_id or "*", hub.now()))
    except OSError as exc:
        raise HubError(f"cannot write {out}: {exc.strerror}") from exc
    print(f"wrote {out}", file=sys.stderr)
