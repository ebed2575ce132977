"""Which camera backend opens a camera, and every reason a backend was passed over (issue 12 §3).

The only stand-ins are at the hardware edge, through the interface the real code uses: a real
``picamera2`` package written to a temporary folder on the import path (one that raises at
import like numpy's ABI clash, one that misses a dependency, one that lists cameras and plays a
frame like Picamera2 does), and a V4L2 index with no /dev/video node, opened by the real OpenCV.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from kiosk.config import Settings
from kiosk.scanner import Acceptor
from kiosk.scanner.camera import CameraSource
from kiosk.scanner.camera_backends import (
    CameraChoice,
    CameraUnavailable,
    open_camera,
    probe_camera,
)

ROOT = Path(__file__).resolve().parents[1]
sys.path.append(
    str(ROOT / "bench")
)  # after the project root: bench/provisioning.py must not shadow provisioning/
import scanframes  # noqa: E402

NUMPY_CLASH = (
    "numpy.dtype size changed, may indicate binary incompatibility. "
    "Expected 96 from C header, got 88 from PyObject"
)
# A V4L2 index with no device node: the real OpenCV is asked to open it and cannot.
FREE = next(i for i in range(63, 0, -1) if not Path(f"/dev/video{i}").exists())
NO_V4L2 = f"OpenCV V4L2 could not open /dev/video{FREE} (no such device)"

RAISES_AT_IMPORT = f"raise ValueError({NUMPY_CLASH!r})\n"
MISSING_DEPENDENCY = "import libcamera_bindings_not_here  # noqa\n"
# The part of Picamera2 the kiosk uses. ``cameras`` models, ``start`` may fail; the fake leaves
# files next to itself when a camera is opened or closed, so a test can see what happened.
PICAMERA2 = """
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).parent
CAMERAS = {cameras!r}
START_FAILS = {start_fails!r}


class Picamera2:
    @staticmethod
    def global_camera_info():
        return [{{"Model": m, "Num": i, "Id": f"/base/fake/{{i}}"}} for i, m in enumerate(CAMERAS)]

    def __init__(self, camera_num=0):
        (HERE / "opened").write_text(str(camera_num))
        self.config = None

    def create_video_configuration(self, main, buffer_count=4):
        return {{"main": dict(main), "buffer_count": buffer_count}}

    def configure(self, config):
        self.config = config

    def start(self):
        if START_FAILS:
            raise RuntimeError(START_FAILS)

    def capture_array(self, name="main"):
        time.sleep(1 / 30)
        w, h = self.config["main"]["size"]
        assert self.config["main"]["format"] == "YUV420"
        frame = HERE / "frame.npy"
        y = np.load(frame) if frame.exists() else np.zeros((h, w), np.uint8)
        return np.vstack([y, np.full((h // 2, w), 128, np.uint8)])  # Y plane, then U and V

    def close(self):
        (HERE / "closed").write_text("yes")
"""


def fake_picamera2(folder: Path, source: str) -> Path:
    """A real ``picamera2`` package in ``folder`` (put it on the import path); returns its dir."""
    package = folder / "picamera2"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text(textwrap.dedent(source), encoding="utf-8")
    return package


def picamera2_with(folder: Path, cameras=("imx708",), start_fails: str = "") -> Path:
    return fake_picamera2(folder, PICAMERA2.format(cameras=list(cameras), start_fails=start_fails))


@pytest.fixture
def on_path(monkeypatch):
    """Put a folder first on this process's import path; forget ``picamera2`` afterwards."""
    monkeypatch.delitem(sys.modules, "picamera2", raising=False)
    yield lambda folder: monkeypatch.syspath_prepend(str(folder))
    sys.modules.pop("picamera2", None)


def barcode_frame(isbn: str) -> np.ndarray:
    """A 1280x960 camera frame with an EAN-13 in the guide box."""
    small, _ = scanframes.make_frame(
        np.random.default_rng(3), isbn, "ean13", size=(800, 600), profile="easy"
    )
    frame = np.full((960, 1280), 255, np.uint8)
    frame[180:780, 240:1040] = small
    return frame


def kiosk(*args: str, home: Path, path: Path | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    if path is not None:
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(path), env.get("PYTHONPATH")) if p)
    return subprocess.run(
        [sys.executable, "-m", "kiosk", *args, "--home", str(home)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
    )


def test_numpy_clash_at_picamera2_import_is_named_and_opencv_tried_next(tmp_path, on_path):
    fake_picamera2(tmp_path, RAISES_AT_IMPORT)
    on_path(tmp_path)
    with pytest.raises(CameraUnavailable) as raised:
        open_camera(FREE)
    clash = f"picamera2 import failed: ValueError: {NUMPY_CLASH}"
    assert raised.value.choice == CameraChoice(FREE, None, (clash, NO_V4L2))
    assert str(raised.value) == f"camera {FREE}: no backend can open it: {clash}; {NO_V4L2}"
    assert probe_camera(FREE) == raised.value.choice  # status would say the same


def test_a_missing_dependency_is_not_called_picamera2_not_installed(tmp_path, on_path):
    fake_picamera2(tmp_path, MISSING_DEPENDENCY)
    on_path(tmp_path)
    choice = probe_camera(FREE)
    assert choice.reasons == (
        "picamera2 import failed: ModuleNotFoundError: "
        "No module named 'libcamera_bindings_not_here'",
        NO_V4L2,
    )


@pytest.mark.skipif(
    importlib.util.find_spec("picamera2") is not None, reason="this machine has picamera2"
)
def test_without_picamera2_the_reason_says_it_is_not_installed():
    choice = probe_camera(FREE)
    assert choice.backend is None and not choice.ok
    assert choice.reasons[0].startswith("picamera2 not installed (Debian python3-picamera2")
    assert choice.reasons[1:] == (NO_V4L2,)


def test_a_camera_libcamera_does_not_list_is_never_opened(tmp_path, on_path):
    package = picamera2_with(tmp_path, cameras=["imx708"])
    on_path(tmp_path)
    with pytest.raises(CameraUnavailable) as raised:
        open_camera(FREE)
    assert raised.value.choice.reasons == (
        f"no camera {FREE} found by libcamera (it lists: imx708)",
        NO_V4L2,
    )
    assert not (package / "opened").exists()


def test_a_camera_that_will_not_start_is_closed_again(tmp_path, on_path):
    package = picamera2_with(tmp_path, cameras=["imx708"] * 64, start_fails="Device busy")
    on_path(tmp_path)
    with pytest.raises(CameraUnavailable) as raised:
        open_camera(FREE)
    assert raised.value.choice.reasons == (
        f"picamera2 could not start camera {FREE}: RuntimeError: Device busy",
        NO_V4L2,
    )
    assert (package / "closed").exists()  # or the next attempt would find it busy


def test_picamera2_camera_is_chosen_logged_and_scans(tmp_path, on_path, caplog):
    package = picamera2_with(tmp_path)
    isbn = "978999501234" + scanframes.ean_check("978999501234")
    np.save(package / "frame.npy", barcode_frame(isbn))
    on_path(tmp_path)
    events = []
    source = CameraSource(lambda: open_camera(0), Acceptor(Settings(home=tmp_path)))
    with caplog.at_level(logging.INFO, logger="kiosk.scanner"):
        source.start(events.append)
        deadline = time.monotonic() + 30
        while not events and time.monotonic() < deadline:
            time.sleep(0.05)
        source.stop()
    assert [e.code for e in events] == [isbn]
    assert source.choice == CameraChoice(0, "picamera2", (), "imx708")
    assert [(r.name, r.levelname, r.getMessage()) for r in caplog.records] == [
        ("kiosk.scanner.camera", "INFO", "camera 0: using picamera2 (imx708)")
    ]
    assert (package / "closed").exists()


def test_each_fallback_is_logged_once_not_on_every_retry(tmp_path, on_path, caplog):
    fake_picamera2(tmp_path, RAISES_AT_IMPORT)
    on_path(tmp_path)
    attempts = []

    def open_frames():
        attempts.append(1)
        return open_camera(FREE)

    source = CameraSource(open_frames, Acceptor(Settings(home=tmp_path)), retry_s=0.01)
    with caplog.at_level(logging.INFO, logger="kiosk.scanner"):
        source.start(lambda event: None)
        deadline = time.monotonic() + 30
        while len(attempts) < 5 and time.monotonic() < deadline:
            time.sleep(0.01)
        status = source.status
        source.stop()
    assert len(attempts) >= 5
    assert status.startswith(f"cannot open the camera (camera {FREE}: no backend can open it: ")
    assert [(r.levelname, r.getMessage()) for r in caplog.records] == [
        ("WARNING", f"camera {FREE}: picamera2 import failed: ValueError: {NUMPY_CLASH}"),
        ("WARNING", f"camera {FREE}: {NO_V4L2}"),
        ("WARNING", f"camera {FREE}: no backend can open it"),
    ]
    assert source.choice is not None and source.choice.backend is None


def test_scan_test_prints_the_backend_before_the_scans(tmp_path):
    package = picamera2_with(tmp_path / "site")
    isbn = "978999501234" + scanframes.ean_check("978999501234")
    np.save(package / "frame.npy", barcode_frame(isbn))
    site = tmp_path / "site"
    out = kiosk("scan-test", "--camera", "0", "--seconds", "4", home=tmp_path / "home", path=site)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[:2] == [
        "INFO camera 0: using picamera2 (imx708)",
        "scan-test: camera:0 via picamera2; Ctrl-C to stop",
    ]
    assert any(f"ean13  isbn  {isbn}" in line for line in lines[2:])
    assert "camera:0: stopped; frames" in out.stderr


def test_scan_test_without_a_working_backend_names_every_reason(tmp_path):
    fake_picamera2(tmp_path / "site", RAISES_AT_IMPORT)
    out = kiosk("scan-test", "--camera", str(FREE), home=tmp_path / "home", path=tmp_path / "site")
    clash = f"picamera2 import failed: ValueError: {NUMPY_CLASH}"
    assert out.returncode == 1
    assert out.stderr.splitlines() == [
        f"error: camera {FREE}: no backend can open it: {clash}; {NO_V4L2}"
    ]  # one line, no traceback, no OpenCV chatter
    assert out.stdout.splitlines() == [
        f"WARNING camera {FREE}: {clash}",
        f"WARNING camera {FREE}: {NO_V4L2}",
        f"WARNING camera {FREE}: no backend can open it",
    ]


@pytest.fixture
def home(tmp_path) -> Path:
    home = tmp_path / "home"
    assert kiosk("init", "--kiosk-id", "k1", "--prison-id", "p1", home=home).returncode == 0
    return home


def test_status_without_a_camera_says_none(home):
    out = kiosk("status", home=home)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[-1] == "camera: none (settings camera = -1)"
    assert json.loads(kiosk("status", "--json", home=home).stdout)["camera"] == {"index": -1}


def test_status_names_why_no_backend_can_open_the_camera(home, tmp_path):
    (home / "settings.toml").write_text(f"camera = {FREE}\n")
    fake_picamera2(tmp_path / "site", RAISES_AT_IMPORT)
    out = kiosk("status", home=home, path=tmp_path / "site")
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[-5:] == [
        f"camera: {FREE}",
        "camera.backend: none can open it",
        "camera.probe: every backend failed",
        f"camera.reason: picamera2 import failed: ValueError: {NUMPY_CLASH}",
        f"camera.reason: {NO_V4L2}",
    ]


def test_status_finds_the_pi_camera_without_opening_it(home, tmp_path):
    (home / "settings.toml").write_text("camera = 0\n")
    package = picamera2_with(tmp_path / "site")
    out = kiosk("status", "--json", home=home, path=tmp_path / "site")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["camera"] == {
        "index": 0,
        "backend": "picamera2",
        "detail": "imx708",
        "probe": "listed by libcamera, not opened",
        "reasons": [],
    }
    assert not (package / "opened").exists()  # the running kiosk may hold it
