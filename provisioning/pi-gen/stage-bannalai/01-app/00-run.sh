#!/bin/bash
# Host side: the wheelhouse (every wheel of provisioning/kiosk-requirements.txt for aarch64,
# made by provisioning/wheelhouse.sh, plus the project's own wheel) goes into the image.
set -euo pipefail
install -d "${ROOTFS_DIR}/opt/bannalai/wheels"
install -m 0644 files/*.whl files/kiosk-requirements.txt "${ROOTFS_DIR}/opt/bannalai/wheels/"
