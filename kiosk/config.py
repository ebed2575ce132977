"""Typed kiosk settings and every path under the kiosk home, built once and passed down.

All state lives under one folder (``--home``, else ``KIOSK_HOME``, else the platform's data
directory) so tests and technicians can point a kiosk anywhere. Nothing here runs at import.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

import platformdirs

from kiosk.errors import KioskError

SETTINGS_FILE = "settings.toml"
ROLES = ("circulation", "reading")
LANGUAGES = ("km", "en", "fr")
ROTATIONS = (0, 90, 180, 270)


def default_home() -> Path:
    env = os.environ.get("KIOSK_HOME")
    if env:
        return Path(env)
    return Path(platformdirs.user_data_dir("bannalai-kiosk", appauthor=False))


@dataclass(frozen=True)
class Paths:
    """Where everything lives under the kiosk home."""

    home: Path

    @property
    def store(self) -> Path:
        return self.home / "store"

    @property
    def content(self) -> Path:
        return self.home / "content"

    @property
    def logs(self) -> Path:
        return self.home / "logs"

    @property
    def settings_file(self) -> Path:
        return self.home / SETTINGS_FILE

    @property
    def identity_file(self) -> Path:
        return self.home / "identity.toml"

    @property
    def prompts(self) -> Path:
        """Recorded audio prompts, one file per prompt key (optional)."""
        return self.home / "prompts"


@dataclass(frozen=True)
class Settings:
    """What a technician or librarian may change; defaults make a fresh install work."""

    home: Path
    role: str = "circulation"
    language: str = "km"
    idle_timeout_s: int = 60
    library_name: str = "បណ្ណាល័យ"
    # Library label formats: a regular expression for the whole code, and the check digit
    # scheme ("none", "mod10", "mod11") used when validating item and card labels.
    item_label_pattern: str = r"[0-9A-Z]{4,14}"
    item_label_check: str = "none"
    card_label_pattern: str = r"[0-9A-Z]{3,14}"
    card_label_check: str = "none"
    symbologies: tuple[str, ...] = ("code128", "code39", "ean13", "qr")
    scanner_evdev: str = ""  # device path or name of a USB wedge scanner, "" = none
    camera: int = -1  # camera index, -1 = no camera
    compact_journal_bytes: int = 4 * 1024 * 1024  # idle compaction threshold
    staff_pin_hash: str = ""
    # The screen: fullscreen on the device; a developer's settings.toml says false for a window.
    fullscreen: bool = True
    window_size: tuple[int, int] = (1024, 600)
    # Degrees the picture (and the touch input with it) is turned: 180 for a panel mounted
    # upside down in its case, 90/270 for one standing on its side.
    rotation: int = 0
    extra: dict = field(default_factory=dict)

    @property
    def paths(self) -> Paths:
        return Paths(self.home)

    @classmethod
    def load(cls, home: Path | None = None) -> Settings:
        """Defaults, overridden by ``settings.toml`` in the home when it exists."""
        home = Path(home) if home else default_home()
        settings = cls(home=home)
        path = settings.paths.settings_file
        if not path.exists():
            return settings
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise KioskError(f"cannot read {path}: {exc}") from exc
        return settings.updated(**data)

    def updated(self, **changes) -> Settings:
        """A copy with ``changes`` applied; unknown keys go to ``extra``, bad values are refused."""
        known = {f.name for f in fields(self)} - {"home", "extra"}
        extra = dict(self.extra)
        clean = {}
        for key, value in changes.items():
            if key in known:
                clean[key] = tuple(value) if key in ("symbologies", "window_size") else value
            else:
                extra[key] = value
        new = replace(self, extra=extra, **clean)
        if new.role not in ROLES:
            raise KioskError(f"role must be one of {', '.join(ROLES)}, not {new.role!r}")
        if new.rotation not in ROTATIONS:
            raise KioskError(
                f"rotation must be one of {', '.join(map(str, ROTATIONS))}, not {new.rotation!r}"
            )
        if new.language not in LANGUAGES:
            raise KioskError(
                f"language must be one of {', '.join(LANGUAGES)}, not {new.language!r}"
            )
        return new

    def save(self) -> None:
        """Write ``settings.toml`` atomically (temp file, fsync, rename) with every known field."""
        import tomli_w

        data = {
            f.name: getattr(self, f.name) for f in fields(self) if f.name not in ("home", "extra")
        }
        data = {k: list(v) if isinstance(v, tuple) else v for k, v in data.items()} | self.extra
        from kiosk.atomicfile import write_atomically

        write_atomically(self.paths.settings_file, tomli_w.dumps(data).encode("utf-8"), 0o640)
