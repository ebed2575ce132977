"""The kiosk's hashed lock (provisioning/kiosk-requirements.txt) agrees with pyproject.toml.

Offline: the lock is parsed with ``packaging`` and every requirement of the project and its kiosk
extra must be met by exactly one pinned, hashed line. (``provisioning/lock.sh --check`` re-solves
it against the index for a release; the twin build downloads every aarch64 wheel of it.)
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
LOCK = ROOT / "provisioning/kiosk-requirements.txt"


def lock_entries() -> dict[str, tuple[Version, list[str]]]:
    text = re.sub(r"\\\n\s*", " ", LOCK.read_text())  # join continuation lines
    entries: dict[str, tuple[Version, list[str]]] = {}
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        spec, *options = line.split(" --hash=")
        requirement = Requirement(spec.strip())
        pins = list(requirement.specifier)
        assert len(pins) == 1 and pins[0].operator == "==", f"not pinned: {line[:80]}"
        name = canonicalize_name(requirement.name)
        assert name not in entries, f"{name} twice in the lock"
        entries[name] = (Version(pins[0].version), [o.strip() for o in options])
    return entries


def project_requirements() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return [
        Requirement(r) for r in project["dependencies"] + project["optional-dependencies"]["kiosk"]
    ]


def test_every_line_is_pinned_and_hashed():
    entries = lock_entries()
    assert len(entries) > 30
    for name, (_version, hashes) in entries.items():
        assert hashes, f"{name} has no --hash"
        assert all(re.fullmatch(r"sha256:[0-9a-f]{64}", h) for h in hashes), name


def test_the_lock_meets_every_kiosk_requirement():
    entries = lock_entries()
    env = {"sys_platform": "linux", "platform_machine": "aarch64", "python_version": "3.11"}
    for requirement in project_requirements():
        if requirement.marker is not None and not requirement.marker.evaluate(env):
            continue
        name = canonicalize_name(requirement.name)
        if name == "evdev":
            # Debian's python3-evdev on the image (no wheel exists): never in the lock
            assert name not in entries
            continue
        assert name in entries, f"{requirement} is not in the lock: run provisioning/lock.sh"
        version = entries[name][0]
        assert requirement.specifier.contains(version, prereleases=True), (
            f"the lock pins {name}=={version}, pyproject.toml asks {requirement}"
        )


def test_the_camera_stack_abi_pins():
    """numpy 1.24 is what Debian 12's Picamera2/simplejpeg were built against."""
    entries = lock_entries()
    assert entries["numpy"][0].major == 1 and entries["numpy"][0].minor == 24
    assert entries["opencv-python-headless"][0] < Version("4.12")


def test_the_venv_runs_what_the_lock_pins():
    """The test suite itself runs on the lock's versions (./bannalai installs from it)."""
    from importlib.metadata import version

    entries = lock_entries()
    for name in ("kivy", "numpy", "opencv-python-headless", "tinydb", "pillow", "pyicu-wheels"):
        assert Version(version(name)) == entries[name][0], name
