"""``create-admin USER``: the first dashboard account (asks for the password twice)."""

from __future__ import annotations

import getpass
import sys

from hub.auth import create_user
from hub.commands._common import open_hub
from hub.errors import HubError


def register(subparsers, parent) -> None:
    admin = subparsers.add_parser("create-admin", parents=[parent], help="add an admin user")
    admin.add_argument("username")
    admin.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    admin.set_defaults(func=run_create_admin)


def run_create_admin(args) -> int:
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass("password: ")
        if password != getpass.getpass("again: "):
            raise HubError("the two passwords differ")
    with open_hub(args) as hub:
        hub.db.write(lambda conn: create_user(conn, args.username, password, hub.now()))
    print(f"created admin {args.username}")
    return 0
