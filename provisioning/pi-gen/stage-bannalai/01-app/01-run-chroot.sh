#!/bin/bash
# In the arm64 chroot: the kiosk in a virtualenv, installed only from the wheelhouse
# (--no-index: no package index is ever asked) and only the pinned, hashed files of the lock.
# System site packages give it Debian's python3-evdev, GStreamer and (on a Pi) Picamera2; the
# lock's numpy 1.24 has the ABI those Debian modules were built against. Debian's pip is kept
# as it is (not upgraded from an index). Compiles nothing: no compiler is needed.
set -euo pipefail
wheels=/opt/bannalai/wheels
python3 -m venv --system-site-packages /opt/bannalai/venv
/opt/bannalai/venv/bin/pip install --no-cache-dir --no-index --find-links "$wheels" \
	--require-hashes --only-binary=:all: -r "$wheels/kiosk-requirements.txt"
/opt/bannalai/venv/bin/pip install --no-cache-dir --no-index --no-deps "$wheels"/bannalai-*.whl
# Every requirement must be met, with one known exception: Debian's pygobject (python3-gi,
# used for GStreamer sound) declares pycairo, which only its cairo bindings need; the kiosk
# never imports gi.repository.cairo, and Raspberry Pi OS Lite leaves python3-cairo out too.
problems=$(/opt/bannalai/venv/bin/pip check 2>&1 | grep -v '^pygobject [0-9.]* requires pycairo, which is not installed\.$' || true)
if [ -n "$problems" ] && [ "$problems" != "No broken requirements found." ]; then
	echo "$problems" >&2
	exit 1
fi
/opt/bannalai/venv/bin/python -c 'import kiosk.firstboot, kiosk.watchdog, wire.identity, evdev, kivy, cv2'
rm -rf "$wheels"
