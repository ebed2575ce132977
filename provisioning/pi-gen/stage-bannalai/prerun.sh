#!/bin/bash
# pi-gen stage prologue: start from stage2's root file system (Raspberry Pi OS Lite).
set -euo pipefail
if [ ! -d "${ROOTFS_DIR}" ]; then
	copy_previous
fi
