"""``create-user USER --role librarian|viewer|admin [--prison ID]``: dashboard accounts by role."""

from __future__ import annotations

from hub.auth import ROLES, create_user
from hub.commands._common import open_hub, read_password


def register(subparsers, parent) -> None:
    p = subparsers.add_parser("create-user", parents=[parent], help="add a dashboard user")
    p.add_argument("username")
    p.add_argument("--role", required=True, choices=ROLES)
    p.add_argument("--prison", help="required for librarians and viewers")
    p.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    p.set_defaults(func=run)


def run(args) -> int:
    password = read_password(args)
    with open_hub(args) as hub:
        hub.db.write(
            lambda conn: create_user(conn, args.username, password, hub.now(), role=args.role,
                                     prison_id=args.prison if args.role != "admin" else None)
        )  # fmt: skip
    print(f"created {args.role} {args.username}")
    return 0
