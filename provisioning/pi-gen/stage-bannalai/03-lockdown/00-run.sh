#!/bin/bash
# Host side: mounts, boot configuration and accounts for a kiosk nobody can log into.
set -euo pipefail
fstab="${ROOTFS_DIR}/etc/fstab"
# The boot partition is read-only; bannalai-identity.service remounts it only to remove the token.
sed -i -E 's#^(\S+\s+/boot/firmware\s+vfat\s+)defaults#\1ro,defaults#' "${fstab}"
# The data partition (p3, made by finalise-image.sh) holds all state; commit=5 bounds what a
# power cut can lose from the page cache to 5 s (the app fsyncs what matters anyway).
grep -q ' /var/lib/bannalai ' "${fstab}" || \
	echo 'LABEL=kioskdata  /var/lib/bannalai  ext4  defaults,noatime,nodev,nosuid,commit=5  0  2' >>"${fstab}"
install -d -m 0750 "${ROOTFS_DIR}/var/lib/bannalai"

config="${ROOTFS_DIR}/boot/firmware/config.txt"
for line in 'dtparam=watchdog=on' 'disable_splash=1' 'avoid_warnings=1' 'auto_initramfs=1'; do
	grep -qx "${line}" "${config}" || echo "${line}" >>"${config}"
done
