"""``publish-content FILE --prison-id ID --content-id ID``: offer an e-book/audio to kiosks.

The dashboard's upload-and-approve flow calls the same ``hub.content`` functions.
"""

from __future__ import annotations

from pathlib import Path

from hub.commands._common import open_hub, print_json
from hub.content import media_type_for, publish, register_file
from hub.errors import HubError


def register(subparsers, parent) -> None:
    cmd = subparsers.add_parser(
        "publish-content", parents=[parent], help="store a file and publish it to a prison"
    )
    cmd.add_argument("file")
    cmd.add_argument("--prison-id", required=True)
    cmd.add_argument("--content-id", required=True)
    cmd.add_argument("--title", default="")
    cmd.add_argument("--category", default="")
    cmd.add_argument("--licence", default="")
    cmd.add_argument("--json", action="store_true")
    cmd.set_defaults(func=run_publish)


def run_publish(args) -> int:
    path = Path(args.file)
    if not path.is_file():
        raise HubError(f"no file {path}")
    media_type_for(path.name)
    with open_hub(args) as hub:
        sha, size = hub.content.add_file(path)

        def store(conn):
            register_file(conn, sha, size, path.name, hub.now())
            return publish(
                conn, args.prison_id, args.content_id, sha, hub.now(),
                title=args.title, category=args.category, licence=args.licence,
            )  # fmt: skip

        hub.db.write(store)
    result = {"content_id": args.content_id, "sha256": sha, "size": size}
    if args.json:
        print_json(result)
    else:
        print(f"published {args.content_id} ({sha}, {size} bytes)")
    return 0
