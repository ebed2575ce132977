"""Kiosk administration: ``enrolment-token``, ``kiosks``, ``revoke-kiosk``, ``conflicts``."""

from __future__ import annotations

import hashlib
import re
import ssl
import sys
from pathlib import Path

from hub.auth import issue_enrolment_token, revoke_kiosk
from hub.commands._common import open_hub, parse_duration, print_json
from hub.errors import HubError
from hub.kiosks import list_conflicts, list_kiosks
from wire.events import IDENT_PATTERN
from wire.identity import Identity, IdentityError, check_hub_url, render_identity


def register(subparsers, parent) -> None:
    token = subparsers.add_parser(
        "enrolment-token", parents=[parent], help="one-time token + identity file for a kiosk"
    )
    token.add_argument("--kiosk-id", required=True)
    token.add_argument("--prison-id", required=True)
    token.add_argument("--ttl", default="7d", help="how long the token works (default 7d)")
    token.add_argument("--hub-url", help="URL kiosks use (default: public_url in hub.toml)")
    token.set_defaults(func=run_token)

    kiosks = subparsers.add_parser("kiosks", parents=[parent], help="list kiosks")
    kiosks.add_argument("--prison-id")
    kiosks.add_argument("--json", action="store_true")
    kiosks.set_defaults(func=run_kiosks)

    revoke = subparsers.add_parser("revoke-kiosk", parents=[parent], help="revoke a credential")
    revoke.add_argument("kiosk_id")
    revoke.set_defaults(func=run_revoke)

    conflicts = subparsers.add_parser("conflicts", parents=[parent], help="open conflicts")
    conflicts.add_argument("--prison-id")
    conflicts.add_argument("--all", action="store_true", help="resolved ones too")
    conflicts.add_argument("--json", action="store_true")
    conflicts.set_defaults(func=run_conflicts)


def run_token(args) -> int:
    ttl = parse_duration(args.ttl)
    for label, value in (("kiosk id", args.kiosk_id), ("prison id", args.prison_id)):
        if not re.fullmatch(IDENT_PATTERN, value):  # wire's Ident, before any token
            raise HubError(f"{label} {value!r}: use ASCII letters, digits, '-', '_' or '.'")
    with open_hub(args) as hub:
        settings = hub.settings
        url = args.hub_url or default_hub_url(settings)
        try:
            check_hub_url(url)  # before a token exists that nobody could use
        except ValueError as exc:
            raise HubError(f"hub URL {url} {exc}") from None
        fingerprint = cert_sha256(Path(settings.tls_cert)) if settings.tls else None
        token = hub.db.write(
            lambda conn: issue_enrolment_token(conn, args.kiosk_id, args.prison_id, ttl, hub.now())
        )
    try:
        identity = Identity(
            kiosk_id=args.kiosk_id, prison_id=args.prison_id, hub_url=url,
            enrolment_token=token, hub_cert_sha256=fingerprint,
        )  # fmt: skip
    except (IdentityError, ValueError) as exc:
        raise HubError(f"cannot write an identity file: {exc}") from None
    sys.stdout.write(token + "\n" + render_identity(identity))
    return 0


def default_hub_url(settings) -> str:
    """``public_url`` from hub.toml; else this machine's URL when the hub listens only here."""
    if settings.public_url:
        return settings.public_url
    if settings.host in ("0.0.0.0", "::"):
        raise HubError("kiosks need this hub's address: give --hub-url or public_url in hub.toml")
    scheme = "https" if settings.tls else "http"
    return f"{scheme}://{settings.host}:{settings.port}"


def cert_sha256(path: Path) -> str:
    """sha256 of the certificate's DER bytes: what a kiosk pins."""
    try:
        der = ssl.PEM_cert_to_DER_cert(path.read_text(encoding="ascii"))
    except (OSError, ValueError) as exc:
        raise HubError(f"cannot read certificate {path}: {exc}") from None
    return hashlib.sha256(der).hexdigest()


def run_kiosks(args) -> int:
    with open_hub(args) as hub:
        rows = hub.db.read(lambda conn: list_kiosks(conn, args.prison_id))
    if args.json:
        print_json(rows)
        return 0
    print(f"{'kiosk':16} {'prison':12} {'last seen':27} {'version':8} {'pending':>7} offset_s")
    for r in rows:
        offset = "" if r["clock_offset_s"] is None else f"{r['clock_offset_s']:.1f}"
        state = " REVOKED" if r["revoked_at"] else ""
        gaps = f" gaps={r['missing']}" if r["missing"] else ""
        print(
            f"{r['kiosk_id']:16} {r['prison_id']:12} {r['last_seen'] or 'never':27} "
            f"{r['version'] or '':8} {r['pending']:>7} {offset}{state}{gaps}"
        )
    return 0


def run_revoke(args) -> int:
    with open_hub(args) as hub:
        hub.db.write(lambda conn: revoke_kiosk(conn, args.kiosk_id, hub.now()))
    print(f"revoked {args.kiosk_id}")
    return 0


def run_conflicts(args) -> int:
    with open_hub(args) as hub:
        rows = hub.db.read(
            lambda conn: list_conflicts(conn, args.prison_id, open_only=not args.all)
        )
    if args.json:
        print_json(rows)
        return 0
    for r in rows:
        print(f"{r['id']:6} {r['prison_id']:10} {r['kiosk_id']:12} {r['kind']:26} {r['barcode']}")
    return 0
