"""``create-admin USER``: the first dashboard account (asks for the password twice)."""

from __future__ import annotations

from hub.auth import create_user
from hub.commands._common import open_hub, read_password


def register(subparsers, parent) -> None:
    admin = subparsers.add_parser("create-admin", parents=[parent], help="add an admin user")
    admin.add_argument("username")
    admin.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    admin.set_defaults(func=run_create_admin)


def run_create_admin(args) -> int:
    password = read_password(args)
    with open_hub(args) as hub:
        hub.db.write(lambda conn: create_user(conn, args.username, password, hub.now()))
    print(f"created admin {args.username}")
    return 0
