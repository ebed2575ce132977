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


def test_an_output_path_that_cannot_be_written_is_one_line(tmp_path):
    not_a_folder = tmp_path / "file.txt"
    not_a_folder.write_text("x")
    init = ("kiosk", "init", "--kiosk-id", "k1", "--prison-id", "p1", "--home", str(tmp_path / "k"))
    roster = ("kiosk", "import-patrons", str(ROOT / "demo" / "data" / "patrons.csv"))
    for setup in (init, (*roster, "--home", str(tmp_path / "k"))):
        assert subprocess.run([sys.executable, "-m", *setup], cwd=ROOT, timeout=60).returncode == 0
    for args in (
        ("hub", "export", "--month", "2026-11", "--what", "loans", "--format", "csv",
         "--out", str(not_a_folder / "loans.csv"), "--data-dir", str(tmp_path / "hub")),
        ("kiosk", "cards", "--all", "--out", str(not_a_folder / "cards.pdf"),
         "--home", str(tmp_path / "k")),
    ):  # fmt: skip
        out = subprocess.run(
            [sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, timeout=60
        )
        assert out.returncode == 1, out.stderr
        assert out.stderr.startswith("error: ") and "Not a directory" in out.stderr, out.stderr
        assert "Traceback" not in out.stderr and len(out.stderr.splitlines()) == 1


def test_a_bad_screenshot_size_is_a_usage_error():
    out = subprocess.run(
        [sys.executable, "-m", "kiosk", "screenshot", "--size", "abc", "--out", "x.png"],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert out.returncode == 2 and "Traceback" not in out.stderr, out.stderr
    assert "argument --size: write it as WIDTHxHEIGHT, e.g. 800x480, not 'abc'" in out.stderr
