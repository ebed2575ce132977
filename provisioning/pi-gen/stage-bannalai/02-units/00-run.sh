#!/bin/bash
# Host side: units, drop-ins, masks and the kiosk user, with the same script the tests run.
# files/ holds a copy of the repository's systemd/ and provisioning/ (see build-image.sh).
set -euo pipefail
files/provisioning/install-units.sh kiosk "${ROOTFS_DIR}"
install -d "${ROOTFS_DIR}/opt/bannalai/provisioning"
install -m 0644 files/provisioning/README.md "${ROOTFS_DIR}/opt/bannalai/provisioning/"
