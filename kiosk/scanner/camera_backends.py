"""Which library opens the camera (Picamera2, else OpenCV V4L2), and why the others did not.

On a Pi the camera is a libcamera device: only Picamera2 (Debian's python3-picamera2, seen by the
venv through --system-site-packages) can open it, and OpenCV V4L2 cannot. A USB webcam works with
either. When Picamera2 is missing or broken (a numpy ABI clash raises at import) the kiosk falls
back to OpenCV, and a technician must be able to see that it did and why: every attempt ends in a
``CameraChoice`` naming the backend used and the reason each earlier one was passed over, and
``log_choice`` writes it to the ``kiosk.scanner.camera`` logger.

Never imports Kivy; the camera libraries (picamera2, cv2) are imported only when a camera is
opened or probed, never at import time.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from kiosk.errors import KioskError

if TYPE_CHECKING:
    import numpy as np

log = logging.getLogger("kiosk.scanner.camera")

PICAMERA2, OPENCV = "picamera2", "opencv-v4l2"  # tried in this order
FRAME_SIZE = (1280, 960)
OPENCV_LOG_ERROR = 2  # cv::utils::logging::LOG_LEVEL_ERROR; cv2 exports no name for it


@dataclass(frozen=True)
class CameraChoice:
    """The backend that serves camera ``index`` (``None``: none could) and, in the order they
    were tried, why each earlier backend was passed over. ``detail`` names the device it found
    (a libcamera model, a /dev/video node)."""

    index: int
    backend: str | None
    reasons: tuple[str, ...] = ()
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.backend is not None

    def summary(self) -> str:
        """One line: the backend and every reason, e.g. for an error message or a status line."""
        if self.backend is None:
            return f"camera {self.index}: no backend can open it: " + "; ".join(self.reasons)
        used = f"camera {self.index}: {self.backend}" + (f" ({self.detail})" if self.detail else "")
        return used + (f", after: {'; '.join(self.reasons)}" if self.reasons else "")


class CameraUnavailable(KioskError):
    """No backend could open the camera; ``choice`` says why each one failed."""

    def __init__(self, choice: CameraChoice) -> None:
        super().__init__(choice.summary())
        self.choice = choice


class BackendFailed(Exception):
    """One backend cannot serve this camera; the message is the reason a technician reads."""


def describe_error(exc: BaseException) -> str:
    """``Type: first line of the message``, short enough for a log line or a status field."""
    lines = str(exc).strip().splitlines()
    text = lines[0] if lines else ""
    text = text if len(text) <= 200 else text[:197] + "..."
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def log_choice(choice: CameraChoice, logger: logging.Logger = log) -> None:
    """WARNING for every fallback, INFO for the backend used, WARNING when there is none."""
    for reason in choice.reasons:
        logger.warning("camera %d: %s", choice.index, reason)
    if choice.backend is None:
        logger.warning("camera %d: no backend can open it", choice.index)
        return
    detail = f" ({choice.detail})" if choice.detail else ""
    logger.info("camera %d: using %s%s", choice.index, choice.backend, detail)


class OpenCVFrames:
    """A USB webcam through OpenCV V4L2, MJPG, a one-frame driver buffer.

    Opening reads one frame: a libcamera device node opens under V4L2 and then gives nothing,
    and that must fail here, with a reason, not later as a silent stream of empty reads.
    """

    choice: CameraChoice | None = None

    def __init__(self, index: int, size: tuple[int, int] = FRAME_SIZE) -> None:
        self.capture, self._cv2 = _v4l2_capture(index)
        self.detail = _video_node(index)
        cv2 = self._cv2
        self.capture.set(cv2.CAP_PROP_FOURCC, cv2.VideoWriter_fourcc(*"MJPG"))
        self.capture.set(cv2.CAP_PROP_FRAME_WIDTH, size[0])
        self.capture.set(cv2.CAP_PROP_FRAME_HEIGHT, size[1])
        self.capture.set(cv2.CAP_PROP_BUFFERSIZE, 1)
        ok, _ = self.capture.read()
        if not ok:
            self.capture.release()
            raise BackendFailed(f"OpenCV V4L2 opened {self.detail} but got no frame from it")

    def read(self) -> np.ndarray | None:
        ok, frame = self.capture.read()
        if not ok or frame is None:
            return None
        return self._cv2.cvtColor(frame, self._cv2.COLOR_BGR2GRAY)

    def close(self) -> None:
        self.capture.release()


class Picamera2Frames:
    """The Pi camera through Picamera2; the Y plane of YUV420 is the gray frame at no cost."""

    choice: CameraChoice | None = None

    def __init__(self, index: int, size: tuple[int, int] = FRAME_SIZE) -> None:
        camera_class = _import_picamera2()
        self.detail = _libcamera_model(camera_class, index)
        self.height = size[1]
        try:
            self.camera = camera_class(index)
        except Exception as exc:
            raise BackendFailed(
                f"picamera2 could not open camera {index}: {describe_error(exc)}"
            ) from exc
        try:
            config = self.camera.create_video_configuration(
                main={"size": size, "format": "YUV420"}, buffer_count=4
            )
            self.camera.configure(config)
            self.camera.start()
        except Exception as exc:
            with contextlib.suppress(Exception):  # release it, or the next try finds it busy
                self.camera.close()
            raise BackendFailed(
                f"picamera2 could not start camera {index}: {describe_error(exc)}"
            ) from exc
        try:  # Camera Module 3: without continuous autofocus codes at 10-15 cm are blurred
            from libcamera import controls

            self.camera.set_controls({"AfMode": controls.AfModeEnum.Continuous})
        except Exception:
            pass  # fixed-focus modules have no AfMode

    def read(self) -> np.ndarray | None:
        return self.camera.capture_array()[: self.height]

    def close(self) -> None:
        self.camera.close()


def open_camera(index: int, size: tuple[int, int] = FRAME_SIZE) -> Picamera2Frames | OpenCVFrames:
    """Picamera2 when it is installed and has that camera, else OpenCV V4L2. The frames carry
    their ``choice``; when neither opens, ``CameraUnavailable`` carries it. Logs nothing: the
    caller decides how often a repeated choice is worth a log line (``log_choice``)."""
    reasons: list[str] = []
    for backend, frames_class in ((PICAMERA2, Picamera2Frames), (OPENCV, OpenCVFrames)):
        try:
            frames = frames_class(index, size)
        except BackendFailed as exc:
            reasons.append(str(exc))
            continue
        except Exception as exc:  # anything else a camera library raises is a reason too
            reasons.append(f"{backend} failed: {describe_error(exc)}")
            continue
        frames.choice = CameraChoice(index, backend, tuple(reasons), frames.detail)
        return frames
    raise CameraUnavailable(CameraChoice(index, None, tuple(reasons)))


def probe_camera(index: int) -> CameraChoice:
    """The choice ``open_camera`` would make, without starting a capture: Picamera2 only lists
    libcamera's cameras; OpenCV opens the device node and closes it at once, reading nothing
    (so a camera the running kiosk holds is still found)."""
    reasons: list[str] = []
    for backend, probe in ((PICAMERA2, _probe_picamera2), (OPENCV, _probe_v4l2)):
        try:
            return CameraChoice(index, backend, tuple(reasons), probe(index))
        except BackendFailed as exc:
            reasons.append(str(exc))
        except Exception as exc:
            reasons.append(f"{backend} failed: {describe_error(exc)}")
    return CameraChoice(index, None, tuple(reasons))


PROBED = {PICAMERA2: "listed by libcamera, not opened", OPENCV: "opened and closed, not read"}


def camera_status(camera: int) -> dict:
    """The ``camera`` part of ``python -m kiosk status``: the configured index (-1: none) and,
    for a camera, what ``probe_camera`` found and how far it went."""
    if camera < 0:
        return {"index": camera}
    choice = probe_camera(camera)
    return {
        "index": camera,
        "backend": choice.backend,
        "detail": choice.detail,
        "probe": PROBED.get(choice.backend or "", "every backend failed"),
        "reasons": list(choice.reasons),
    }


def _import_picamera2():
    try:
        from picamera2 import Picamera2
    except ModuleNotFoundError as exc:
        if exc.name == "picamera2":
            raise BackendFailed(
                "picamera2 not installed (Debian python3-picamera2, in a venv made with "
                "--system-site-packages)"
            ) from exc
        raise BackendFailed(f"picamera2 import failed: {describe_error(exc)}") from exc
    except Exception as exc:  # e.g. the numpy ABI clash: "ValueError: numpy.dtype size changed"
        raise BackendFailed(f"picamera2 import failed: {describe_error(exc)}") from exc
    return Picamera2


def _libcamera_model(camera_class, index: int) -> str:
    """The model libcamera lists as camera ``index``; the camera itself is not opened."""
    try:
        cameras = camera_class.global_camera_info()
    except Exception as exc:
        raise BackendFailed(f"picamera2 could not list cameras: {describe_error(exc)}") from exc
    if not 0 <= index < len(cameras):
        found = ", ".join(str(c.get("Model", "?")) for c in cameras) or "none"
        raise BackendFailed(f"no camera {index} found by libcamera (it lists: {found})")
    return str(cameras[index].get("Model", "")) or f"libcamera camera {index}"


def _probe_picamera2(index: int) -> str:
    return _libcamera_model(_import_picamera2(), index)


def _probe_v4l2(index: int) -> str:
    capture, _ = _v4l2_capture(index)
    capture.release()
    return _video_node(index)


def _v4l2_capture(index: int):
    """An opened ``cv2.VideoCapture`` on V4L2 device ``index``, and the cv2 module."""
    try:
        import cv2
    except Exception as exc:
        raise BackendFailed(f"OpenCV import failed: {describe_error(exc)}") from exc
    quiet = _quiet_opencv(cv2)  # our reason replaces OpenCV's own "can't open camera" warnings
    try:
        capture = cv2.VideoCapture(index, cv2.CAP_V4L2)
    finally:
        quiet()
    if not capture.isOpened():
        capture.release()
        node = _video_node(index)
        missing = "" if Path(node).exists() else " (no such device)"
        raise BackendFailed(f"OpenCV V4L2 could not open {node}{missing}")
    return capture, cv2


def _video_node(index: int) -> str:
    return f"/dev/video{index}"  # how V4L2 numbers the devices OpenCV opens by index


def _quiet_opencv(cv2):
    """Lower OpenCV's own log to errors; returns the call that restores its level."""
    if not (hasattr(cv2, "getLogLevel") and hasattr(cv2, "setLogLevel")):
        return lambda: None
    before = cv2.getLogLevel()
    cv2.setLogLevel(OPENCV_LOG_ERROR)
    return lambda: cv2.setLogLevel(before)
