"""``./bannalai demo --no-app``: every step passes, and the kiosk it makes is one the app opens."""

from __future__ import annotations

import json
import subprocess
import sys

from sync_harness import ROOT


def test_demo_makes_a_provisioned_enrolled_kiosk(tmp_path):
    base = tmp_path / "demo"
    out = subprocess.run(
        [sys.executable, "-m", "demo", "--no-app", "--dir", str(base)],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert out.returncode == 0, out.stdout + out.stderr
    assert "The hub stops now (--no-app)" in out.stdout  # the printed dashboard is not left up
    home = str(base / "kiosk")
    state = subprocess.run(
        [sys.executable, "-m", "kiosk", "provisioning-state", "--home", home],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    # The app shows only "not provisioned" (and starts no sync thread) unless this is ok.
    assert state.returncode == 0 and json.loads(state.stdout)["ok"], state.stdout
    assert (base / "kiosk" / "hub-credential").is_file()
    assert (base / "boot" / "kiosk-identity.imported.toml").is_file()  # token gone from "FAT"
