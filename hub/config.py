"""Typed hub settings and every path under the hub's data directory, built once and passed down.

All state lives under one folder (``--data-dir``, else ``HUB_HOME``, else the platform's data
directory). ``hub.toml`` in that folder may override defaults. Settings refuse unsafe choices:
plain HTTP on anything but this machine needs an explicit ``allow_plain_http``. Nothing here
touches the disk at import.
"""

from __future__ import annotations

import ipaddress
import os
import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path

import platformdirs

from hub.errors import HubError

SETTINGS_FILE = "hub.toml"
LOOPBACK_NAMES = ("localhost",)


def default_data_dir() -> Path:
    env = os.environ.get("HUB_HOME")
    if env:
        return Path(env)
    return Path(platformdirs.user_data_dir("bannalai-hub", appauthor=False))


@dataclass(frozen=True)
class Paths:
    data_dir: Path

    @property
    def database(self) -> Path:
        return self.data_dir / "hub.sqlite3"

    @property
    def content(self) -> Path:
        return self.data_dir / "content"

    @property
    def backups(self) -> Path:
        return self.data_dir / "backups"

    @property
    def settings_file(self) -> Path:
        return self.data_dir / SETTINGS_FILE

    @property
    def secret_file(self) -> Path:
        """Random key for signing dashboard sessions; created on first use, mode 0600."""
        return self.data_dir / "session-secret"


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    host: str = "127.0.0.1"
    port: int = 8080
    tls_cert: str = ""  # PEM files; both set = serve HTTPS
    tls_key: str = ""
    allow_plain_http: bool = False  # needed to serve plain HTTP beyond this machine
    public_url: str = ""  # how kiosks reach this hub (https://hub.prison.lan:8443), for identities
    enrolment_ttl_s: int = 7 * 24 * 3600
    max_push_bytes: int = 4 * 1024 * 1024
    # Dashboard uploads (e-books, audiobooks, rosters): above this a request is refused with 413
    # before it can fill the disk. A 10-hour MP3 audiobook at 64 kbit/s is ~290 MB.
    max_upload_bytes: int = 512 * 1024 * 1024
    pull_page: int = 1000
    # SQLite synchronous=FULL: an acknowledged event survives a power cut. Only benches lower it.
    sqlite_synchronous: str = "FULL"

    @property
    def paths(self) -> Paths:
        return Paths(self.data_dir)

    @property
    def tls(self) -> bool:
        return bool(self.tls_cert and self.tls_key)

    @classmethod
    def load(cls, data_dir: Path | None = None, **overrides) -> Settings:
        """Defaults, then ``hub.toml`` in the data directory, then ``overrides`` (command line)."""
        data_dir = Path(data_dir) if data_dir else default_data_dir()
        settings = cls(data_dir=data_dir)
        path = settings.paths.settings_file
        values: dict = {}
        if path.exists():
            try:
                values = tomllib.loads(path.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
                raise HubError(f"cannot read {path}: {exc}") from exc
        values.update({k: v for k, v in overrides.items() if v is not None})
        return settings.updated(**values)

    def updated(self, **changes) -> Settings:
        known = {f.name for f in fields(self)} - {"data_dir"}
        unknown = sorted(set(changes) - known)
        if unknown:
            raise HubError(f"unknown hub setting(s): {', '.join(unknown)}")
        for name, value in changes.items():  # hub.toml: `port = "8443"` is a typo to report
            want = type(getattr(self, name))
            if type(value) is not want:
                kind = {int: "a whole number", str: "text in quotes", bool: "true or false"}
                raise HubError(
                    f"hub setting {name} must be {kind.get(want, want.__name__)}, not {value!r}"
                )
        new = replace(self, **changes)
        new.check()
        return new

    def check(self) -> None:
        if not 0 < int(self.port) < 65536:
            raise HubError(f"port must be 1-65535, not {self.port}")
        if bool(self.tls_cert) != bool(self.tls_key):
            raise HubError("tls_cert and tls_key go together: set both or neither")
        if not self.tls and not self.allow_plain_http and not is_loopback(self.host):
            raise HubError(
                f"refusing to serve plain HTTP on {self.host}: kiosks would send their "
                "credentials in clear text. Give tls_cert/tls_key, or --allow-plain-http "
                "on a network you trust"
            )
        if self.sqlite_synchronous not in ("FULL", "NORMAL"):
            raise HubError("sqlite_synchronous must be FULL or NORMAL")
        if self.max_push_bytes < 64 * 1024 or self.pull_page < 1:
            raise HubError("max_push_bytes must be >= 64 KiB and pull_page >= 1")


def is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
