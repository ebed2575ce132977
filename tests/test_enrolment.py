"""``python -m kiosk enrol``: a mistyped token is refused in one line before the hub is asked."""

from __future__ import annotations

import subprocess
import sys

from sync_harness import ROOT


def kiosk(*args: str, home) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "kiosk", *args, "--home", str(home)],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip


def test_a_cut_or_mistyped_token_is_one_line(tmp_path):
    home = tmp_path / "k"
    assert kiosk("init", "--kiosk-id", "k1", "--prison-id", "p1", home=home).returncode == 0
    for token in ("WRONG", "abcd efgh ijkl mnop qrst"):
        # port 9 on 127.0.0.1: nothing listens, but the token is refused before any connection
        out = kiosk("enrol", "--hub", "http://127.0.0.1:9", "--token", token, home=home)
        assert out.returncode == 1 and "Traceback" not in out.stderr, out.stderr
        assert out.stderr.startswith("error: the enrolment token is not one the hub makes")
        assert len(out.stderr.splitlines()) == 1


def test_a_kiosk_id_the_hub_cannot_take_is_named(tmp_path):
    home = tmp_path / "k"
    # init refuses it at once (the wire format takes ASCII ids only) ...
    out = kiosk("init", "--kiosk-id", "គ១", "--prison-id", "p1", home=home)
    assert out.returncode == 1 and out.stderr.startswith("error: kiosk id 'គ១'"), out.stderr
    # ... and a store made before that check still gets a clear reason at enrolment.
    from kiosk.store import Store

    store = Store.open(home / "store")
    with store.transaction():
        store.set_meta("identity", {"kiosk_id": "គ១", "prison_id": "p1"})
    store.close()
    out = kiosk("enrol", "--hub", "http://127.0.0.1:9", "--token", "A" * 32, home=home)
    assert out.returncode == 1 and "Traceback" not in out.stderr, out.stderr
    assert out.stderr.startswith("error: kiosk id 'គ១' cannot be enrolled"), out.stderr
