#!/bin/bash
# Host side: copy the project's wheel (built by build-image.sh into files/) into the image.
set -euo pipefail
install -d "${ROOTFS_DIR}/opt/bannalai/wheels"
install -m 0644 files/*.whl "${ROOTFS_DIR}/opt/bannalai/wheels/"
