"""``python -m kiosk`` and ``python -m hub``: a reader that stops early (``| head``) is no crash."""

from __future__ import annotations

import subprocess
import sys

from sync_harness import ROOT


def closed_early(*args: str) -> tuple[int, str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", *args],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    proc.stdout.close()  # like `| head -0`: the pipe is gone before the command writes
    stderr = proc.stderr.read()
    return proc.wait(timeout=60), stderr


def test_hub_report_into_a_closed_pipe(tmp_path):
    code, stderr = closed_early(
        "hub", "report", "--month", "2026-11", "--json", "--data-dir", str(tmp_path / "hub")
    )
    assert code == 141 and "Traceback" not in stderr and stderr == ""


def test_kiosk_listing_into_a_closed_pipe(tmp_path):
    code, stderr = closed_early("kiosk", "prompts", "--home", str(tmp_path / "k"))
    assert code == 141 and "Traceback" not in stderr and stderr == ""
