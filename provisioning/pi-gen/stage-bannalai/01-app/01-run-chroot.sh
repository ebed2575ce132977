#!/bin/bash
# In the arm64 chroot: the kiosk in a virtualenv from the project's own wheel. System site
# packages give it Picamera2 and GStreamer from Debian; Kivy, Pillow, ICU come as aarch64 wheels.
set -euo pipefail
python3 -m venv --system-site-packages /opt/bannalai/venv
/opt/bannalai/venv/bin/pip install --no-cache-dir --upgrade pip
wheel=$(ls /opt/bannalai/wheels/bannalai-*.whl)
/opt/bannalai/venv/bin/pip install --no-cache-dir "${wheel}[kiosk]"
/opt/bannalai/venv/bin/python -c 'import kiosk.firstboot, kiosk.watchdog, wire.identity'
