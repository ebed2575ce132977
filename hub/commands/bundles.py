"""``export-bundle``, ``import-bundle`` and ``bundle-key``: figures carried to the national hub."""

from __future__ import annotations

import sys
from pathlib import Path

from hub.commands._common import open_hub, settings_from
from hub.errors import HubError


def register(subparsers, parent) -> None:
    p = subparsers.add_parser("export-bundle", parents=[parent], help="signed monthly figures")
    p.add_argument("--month", required=True, help="YYYY-MM")
    p.add_argument("--prison", help="needed only when this hub serves several prisons")
    p.add_argument("--out", required=True, help="bundle file to write (e.g. on a USB stick)")
    p.set_defaults(func=run_export)

    p = subparsers.add_parser("import-bundle", parents=[parent], help="national hub: add a bundle")
    p.add_argument("file")
    p.set_defaults(func=run_import)

    p = subparsers.add_parser("bundle-key", parents=[parent], help="make or install a bundle key")
    sub = p.add_subparsers(dest="action", required=True)
    k = sub.add_parser("new", parents=[parent], help="national hub: a key for one prison")
    k.add_argument("--prison", required=True)
    k.add_argument("--out", required=True, help="copy of the key to carry to that prison's hub")
    k.set_defaults(func=run_new_key)
    k = sub.add_parser("install", parents=[parent], help="prison hub: install a key file")
    k.add_argument("file")
    k.set_defaults(func=run_install_key)


def run_export(args) -> int:
    from hub import bundle
    from hub.reports import Month, known_prisons

    month = Month.parse(args.month)
    with open_hub(args) as hub:
        prison = args.prison
        if prison is None:
            prisons = hub.db.read(known_prisons)
            if len(prisons) != 1:
                raise HubError(
                    f"this hub has prisons {', '.join(prisons) or '(none)'}: give --prison"
                )
            prison = prisons[0]
        key = bundle.load_key(bundle.key_dir(hub.settings.data_dir), prison)
        if key is None:
            raise HubError(f"no bundle key for {prison}: run 'bundle-key install FILE' first")
        data = hub.db.read(
            lambda conn: bundle.make_bundle(conn, prison, month, key, hub.now(), hub.version)
        )
    Path(args.out).write_bytes(data)
    print(f"wrote the {month} figures of {prison} to {args.out}", file=sys.stderr)
    return 0


def run_import(args) -> int:
    from hub import bundle

    try:
        data = Path(args.file).read_bytes()
    except OSError as exc:
        raise HubError(f"cannot read {args.file}: {exc.strerror}") from exc
    with open_hub(args) as hub:
        payload = bundle.read_bundle(data, bundle.key_dir(hub.settings.data_dir))
        outcome = hub.db.write(lambda conn: bundle.import_bundle(conn, payload, hub.now()))
    print(f"{payload['prison_id']} {payload['month']}: {outcome}")
    return 0


def run_new_key(args) -> int:
    import json

    from hub import bundle

    settings = settings_from(args)
    entry = bundle.new_key(bundle.key_dir(settings.data_dir), args.prison)
    bundle._write_private(Path(args.out), json.dumps(entry))
    print(
        f"key for {args.prison} stored; carry {args.out} to its hub, then delete it",
        file=sys.stderr,
    )
    return 0


def run_install_key(args) -> int:
    from hub import bundle

    settings = settings_from(args)
    prison = bundle.install_key(bundle.key_dir(settings.data_dir), Path(args.file).read_text())
    print(f"bundle key for {prison} installed", file=sys.stderr)
    return 0
