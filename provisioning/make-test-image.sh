#!/usr/bin/env bash
# Build a small stand-in for the golden image that pi-gen makes, without privileges:
#   provisioning/make-test-image.sh OUT.img
# Same shape as a Raspberry Pi OS Bookworm image after the stage-bannalai stage: MBR, p1 FAT32
# "bootfs" with cmdline.txt/config.txt as pi-gen writes them, p2 ext4 "rootfs" with the
# project's /etc/fstab. Used by CI and by technicians rehearsing finalise/personalise/flash on a
# laptop; it does not boot. No loop devices, no mounts: sfdisk on the file, mkfs at offsets.
#
# Environment (for the negative tests): FSTAB_FILE=path replaces the generated /etc/fstab;
# DISK_ID=0x... sets the MBR disk identifier.
set -euo pipefail

usage() { echo "usage: $0 OUT.img" >&2; exit 2; }
[ $# -eq 1 ] || usage
out=$1
disk_id=${DISK_ID:-0x6c6b0001}
id_hex=${disk_id#0x}

boot_start=8192 boot_sectors=$((36 * 2048))   # pi-gen: 4 MiB aligned, 512 MiB (FAT32 needs >= 33)
root_start=$((boot_start + boot_sectors)) root_sectors=$((24 * 2048))
total_sectors=$((root_start + root_sectors))

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

rm -f "$out"
truncate -s $((total_sectors * 512)) "$out"
sfdisk -q "$out" <<EOF
label: dos
label-id: $disk_id
start=$boot_start, size=$boot_sectors, type=c
start=$root_start, size=$root_sectors, type=83
EOF

# p1: FAT32 boot partition with the files the firmware and the kernel read.
mkfs.vfat -F 32 --offset "$boot_start" -n BOOTFS "$out" $((boot_sectors / 2)) >/dev/null 2>&1
printf 'console=serial0,115200 console=tty1 root=PARTUUID=%s-02 rootfstype=ext4 fsck.repair=yes rootwait quiet init=/usr/lib/raspberrypi-sys-mods/firstboot\n' \
  "$id_hex" >"$work/cmdline.txt"
printf '[all]\narm_64bit=1\ndtoverlay=vc4-kms-v3d\n' >"$work/config.txt"
MTOOLS_SKIP_CHECK=1 mcopy -i "$out@@$((boot_start * 512))" "$work/cmdline.txt" "$work/config.txt" ::/
MTOOLS_SKIP_CHECK=1 mmd -i "$out@@$((boot_start * 512))" ::/overlays

# p2: ext4 root with the fstab the stage writes (boot read-only, data partition by label).
mkdir -p "$work/root/etc" "$work/root/var/lib/bannalai" "$work/root/opt/bannalai"
if [ -n "${FSTAB_FILE:-}" ]; then
  cp "$FSTAB_FILE" "$work/root/etc/fstab"
else
  cat >"$work/root/etc/fstab" <<EOF
proc            /proc           proc    defaults          0       0
PARTUUID=$id_hex-01  /boot/firmware  vfat    ro,defaults          0       2
PARTUUID=$id_hex-02  /               ext4    defaults,noatime  0       1
LABEL=kioskdata  /var/lib/bannalai  ext4  defaults,noatime,nodev,nosuid,commit=5  0  2
EOF
fi
echo bannalai-kiosk >"$work/root/etc/hostname"
mkfs.ext4 -q -F -L rootfs -E "offset=$((root_start * 512)),root_owner=0:0" -d "$work/root" \
  "$out" $((root_sectors / 2))k
echo "$out: test image, $((total_sectors / 2048)) MiB, disk id $disk_id"
