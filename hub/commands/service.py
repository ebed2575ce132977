"""``serve`` runs the hub; ``backup`` copies the live database safely (SQLite online backup)."""

from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import Path

from hub.clock import utcnow
from hub.commands._common import print_json, settings_from
from hub.errors import HubError

BACKUP_PREFIX = "hub-"


def register(subparsers, parent) -> None:
    serve = subparsers.add_parser("serve", parents=[parent], help="run the hub (API + dashboard)")
    serve.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (default 8080)")
    serve.add_argument("--tls-cert", help="PEM certificate: serve HTTPS")
    serve.add_argument("--tls-key", help="PEM private key for --tls-cert")
    serve.add_argument(
        "--allow-plain-http",
        action="store_true",
        default=None,
        help="serve plain HTTP beyond this machine (only on a network you trust)",
    )
    serve.add_argument("--log-level", default="warning")
    serve.set_defaults(func=run_serve)

    backup = subparsers.add_parser("backup", parents=[parent], help="back up the database")
    backup.add_argument(
        "--out", required=True, help="folder for database copies (and content files, once each)"
    )
    backup.add_argument("--keep", type=int, default=14, help="newest backups to keep (default 14)")
    backup.add_argument("--json", action="store_true")
    backup.set_defaults(func=run_backup)


def run_serve(args) -> int:
    import uvicorn

    from hub.app import create_app

    settings = settings_from(
        args,
        host=args.host,
        port=args.port,
        tls_cert=args.tls_cert,
        tls_key=args.tls_key,
        allow_plain_http=args.allow_plain_http,
    )
    for name in ("tls_cert", "tls_key"):  # ssl's own error does not say which file
        path = getattr(settings, name)
        if path and not Path(path).is_file():
            raise HubError(f"{name} {path}: no such file")
    config = uvicorn.Config(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        ssl_certfile=settings.tls_cert or None,
        ssl_keyfile=settings.tls_key or None,
        log_level=args.log_level,
        access_log=False,
        timeout_graceful_shutdown=5,
    )
    uvicorn.Server(config).run()
    return 0


def run_backup(args) -> int:
    settings = settings_from(args)
    if args.keep < 1:
        raise HubError("--keep must be at least 1")
    result = backup(settings.paths.database, Path(args.out), keep=args.keep)
    result["content_files_copied"] = backup_content(settings.paths.content, Path(args.out))
    if args.json:
        print_json(result)
    else:
        print(result["file"])
    return 0


def backup_content(content: Path, out: Path) -> int:
    """Copy content files the backup folder lacks; files are named by checksum, so a file
    already there is the same file and the copy is incremental."""
    copied = 0
    if not content.is_dir():
        return 0
    for source in content.glob("??/*"):
        if source.name.startswith("."):
            continue
        target = out / "content" / source.parent.name / source.name
        if target.exists() and target.stat().st_size == source.stat().st_size:
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".partial")
        shutil.copyfile(source, partial)
        os.replace(partial, target)
        copied += 1
    return copied


def backup(database: Path, out: Path, *, keep: int) -> dict:
    """Copy ``database`` consistently while the hub runs; keep the newest ``keep`` copies."""
    if not database.exists():
        raise HubError(f"no hub database at {database}")
    out.mkdir(parents=True, exist_ok=True)
    stamp = utcnow().strftime("%Y%m%dT%H%M%S%fZ")
    final = out / f"{BACKUP_PREFIX}{stamp}.sqlite3"
    partial = final.with_suffix(".partial")
    source = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    target = sqlite3.connect(partial)
    try:
        source.backup(target)
        check = target.execute("PRAGMA integrity_check").fetchone()[0]
        if check != "ok":
            raise HubError(f"backup failed its integrity check: {check}")
        target.execute("PRAGMA journal_mode=DELETE")
    finally:
        target.close()
        source.close()
    with open(partial, "rb+") as handle:
        os.fsync(handle.fileno())
    os.replace(partial, final)
    fd = os.open(out, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    existing = sorted(out.glob(f"{BACKUP_PREFIX}*.sqlite3"))
    removed = [p.name for p in existing[:-keep]]
    for path in existing[:-keep]:
        path.unlink()
    return {"file": str(final), "bytes": final.stat().st_size, "removed": removed}
