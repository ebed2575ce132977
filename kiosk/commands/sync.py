"""``enrol`` and ``sync``: reach the hub from the command line (the app runs the same thread)."""

from __future__ import annotations

import time

from kiosk.commands._common import print_json, settings_from
from kiosk.library import Library


def register(subparsers, parent) -> None:
    enrol = subparsers.add_parser(
        "enrol", parents=[parent], help="exchange the one-time token for a hub credential"
    )
    enrol.add_argument("--hub", help="hub URL (default: from the identity file)")
    enrol.add_argument("--token", help="one-time token (default: from the identity file)")
    enrol.add_argument("--json", action="store_true")
    enrol.set_defaults(func=cmd_enrol)

    sync = subparsers.add_parser("sync", parents=[parent], help="push events, pull changes")
    sync.add_argument("--once", action="store_true", help="one round, then exit")
    sync.add_argument("--json", action="store_true")
    sync.set_defaults(func=cmd_sync)


def cmd_enrol(args) -> int:
    from kiosk.enrolment import enrol

    settings = settings_from(args)
    with Library.open(settings) as library:
        result = enrol(library, settings, args.hub, args.token)
    if args.json:
        print_json(result)
    else:
        print(f"enrolled {result['prison_id']}/{result['kiosk_id']} with {result['hub_url']}")
    return 0


def cmd_sync(args) -> int:
    from kiosk.sync import SyncAgent

    settings = settings_from(args)
    with Library.open(settings) as library:
        agent = SyncAgent(library, settings)
        if not args.once:
            agent.start()
            try:
                while True:
                    time.sleep(3600)
            finally:
                agent.stop()
        result = agent.run_once()
        result["pending_events"] = library.outbox_count()
    if args.json:
        print_json(result)
    elif result["ok"]:
        print(
            f"pushed {result['pushed']} ({result['duplicates']} already there), pulled "
            f"{result['pulled']}, content {result['content']}, pending {result['pending_events']}"
        )
    else:
        print(f"error: {result['error']}")
    return 0 if result["ok"] else 1
