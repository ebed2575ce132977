#!/usr/bin/env bash
# Build the twin: a Debian 12 arm64 kiosk card image that boots in qemu-system-aarch64.
#   provisioning/twin/build.sh OUT_DIR        (root; binfmt_misc + qemu-user-static)
#
# The twin is made the way the Pi image is, with the pi-gen stage's own scripts:
#   base      debootstrap --arch=arm64 bookworm (Raspberry Pi OS's archive is out of reach
#             here, so Debian's); cached by its inputs under $TWIN_CACHE
#   stage     stage-bannalai/00-packages (the Debian list; the Raspberry Pi-only list is
#             skipped), 01-app (from the wheelhouse of the hashed lock, --no-index),
#             02-units, 03-lockdown -- each run as pi-gen runs it
#   twin      only what a Pi has from its firmware/kernel packages and the twin needs to be
#             driven: Debian's arm64 kernel + initramfs, the QEMU guest agent, a serial console
#             for the log (twin-packages-nr, overlay/)
#   card      MBR p1 FAT32 (cmdline.txt, config.txt, kernel, initramfs) + p2 ext4 root, made
#             without loop devices, then the project's own finalise-image.sh
# OUT_DIR gets card.img (finalised, not personalised), vmlinuz, initrd.img and build.json.
# Personalising and booting are done by `python -m provisioning.twin`.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
prov=$(cd "$here/.." && pwd)
root_dir=$(cd "$prov/.." && pwd)
stage_src=$prov/pi-gen/stage-bannalai
cache=${TWIN_CACHE:-/var/cache/bannalai-twin}
mirror=${TWIN_MIRROR:-http://deb.debian.org/debian}
suite=bookworm

die() { echo "twin build: $*" >&2; exit 1; }
step() { printf '[twin %(%H:%M:%S)T] %s\n' -1 "$*"; }
[ $# -eq 1 ] || { echo "usage: $0 OUT_DIR" >&2; exit 2; }
out=$(mkdir -p "$1" && cd "$1" && pwd)
[ "$(id -u)" = 0 ] || die "needs root (debootstrap, chroot)"
for tool in debootstrap chroot sfdisk mkfs.vfat mkfs.ext4 mcopy partx; do
  command -v "$tool" >/dev/null || die "$tool is not installed"
done
start_all=$SECONDS

# binfmt_misc: enabled for this build, put back as it was afterwards -------------------------
binfmt_was_mounted=1 binfmt_was_enabled=1
if [ "$(uname -m)" != aarch64 ]; then
  [ -x /usr/libexec/qemu-binfmt/aarch64-binfmt-P ] || [ -x /usr/bin/qemu-aarch64-static ] \
    || die "qemu-user-static is not installed (apt-get install qemu-user-static binfmt-support)"
  if [ ! -e /proc/sys/fs/binfmt_misc/status ]; then
    binfmt_was_mounted=0
    mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc || die "cannot mount binfmt_misc"
  fi
  if ! grep -qx enabled /proc/sys/fs/binfmt_misc/qemu-aarch64 2>/dev/null; then
    binfmt_was_enabled=0
    update-binfmts --enable qemu-aarch64 >/dev/null || die "cannot enable qemu-aarch64 in binfmt_misc"
  fi
fi
rootfs=
cleanup() {
  if [ -n "$rootfs" ]; then
    for m in dev/pts dev proc sys; do mountpoint -q "$rootfs/$m" && umount -l "$rootfs/$m"; done
  fi
  if [ "$binfmt_was_enabled" = 0 ]; then update-binfmts --disable qemu-aarch64 >/dev/null || true; fi
  if [ "$binfmt_was_mounted" = 0 ]; then umount /proc/sys/fs/binfmt_misc || true; fi
}
trap cleanup EXIT

in_chroot() { chroot "$rootfs" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
  LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"; }
mount_chroot() {
  mount -t proc proc "$rootfs/proc"; mount -t sysfs sys "$rootfs/sys"
  mount --bind /dev "$rootfs/dev"; mount --bind /dev/pts "$rootfs/dev/pts"
}
packages_of() { grep -hv '^\s*#' "$@" | tr -s ' \n' '\n' | grep -v '^$' | sort -u | tr '\n' ' '; }
stage_packages=$(packages_of "$stage_src/00-packages/00-packages-nr")
twin_packages=$(packages_of "$here/twin-packages-nr")

# 1. base system, cached by what goes into it ----------------------------------------------
mkdir -p "$cache"
# The base holds the stage's package list as it was when the base was made (a warm start);
# the stage step below installs the current list, as pi-gen does, so a package added to the
# stage needs no new base. (A package removed from the stage stays in an old base until its
# key changes: bump base-v1, which also marks recipe changes the lists do not show.)
base_key=$(printf '%s\n' base-v1 "$suite" "$mirror" minbase "$twin_packages" \
  | sha256sum | cut -c1-16)
base_tar=$cache/base-$base_key.tar
work=$out/work
rm -rf "$work"; mkdir -p "$work"
rootfs=$work/rootfs
if [ -f "$base_tar" ]; then
  step "base: cached $base_tar"
  mkdir "$rootfs"; tar -xpf "$base_tar" -C "$rootfs"
else
  step "base: debootstrap arm64 $suite (not cached: several minutes)"
  debootstrap --arch=arm64 --variant=minbase --foreign \
    --include=systemd-sysv,udev,ca-certificates,passwd,login bookworm "$rootfs" "$mirror" >"$work/debootstrap.log"
  in_chroot /debootstrap/debootstrap --second-stage >>"$work/debootstrap.log"
  echo "deb $mirror $suite main" >"$rootfs/etc/apt/sources.list"
  # Nothing may start services inside the chroot (pi-gen does the same).
  printf '#!/bin/sh\nexit 101\n' >"$rootfs/usr/sbin/policy-rc.d"; chmod 0755 "$rootfs/usr/sbin/policy-rc.d"
  mount_chroot
  step "base: Debian packages of the stage and the twin"
  in_chroot apt-get update -qq
  # shellcheck disable=SC2086
  in_chroot apt-get install -y -qq --no-install-recommends $stage_packages $twin_packages >"$work/apt.log"
  in_chroot apt-get clean
  for m in dev/pts dev proc sys; do umount "$rootfs/$m"; done
  tar -cpf "$base_tar.tmp" -C "$rootfs" . && mv "$base_tar.tmp" "$base_tar"
  step "base: cached as $base_tar"
fi
mount_chroot

# 2. the wheelhouse of the lock, cached by the lock's hash ------------------------------------
lock_key=$(sha256sum "$prov/kiosk-requirements.txt" | cut -c1-16)
wheelhouse=$cache/wheelhouse-$lock_key
if [ ! -f "$wheelhouse/.complete" ]; then
  step "wheelhouse: downloading the lock's aarch64 wheels"
  rm -rf "$wheelhouse"
  "$prov/wheelhouse.sh" "$wheelhouse" >/dev/null
  touch "$wheelhouse/.complete"
else
  step "wheelhouse: cached $wheelhouse"
fi
# The project's own wheel is built fresh each time: it is what changes.
rm -f "$wheelhouse"/bannalai-*.whl
python3 -m pip wheel --quiet --disable-pip-version-check --no-deps --wheel-dir "$wheelhouse" "$root_dir"

# 3. pi-gen's first user and boot folder, as stages 1-2 leave them ----------------------------
in_chroot useradd -m -s /bin/bash maint 2>/dev/null || true
install -d "$rootfs/boot/firmware"
printf 'console=serial0,115200 console=tty1 root=ROOTDEV rootfstype=ext4 fsck.repair=yes rootwait quiet init=/usr/lib/raspberrypi-sys-mods/firstboot\n' \
  >"$rootfs/boot/firmware/cmdline.txt"
printf '[all]\narm_64bit=1\ndtoverlay=vc4-kms-v3d\n' >"$rootfs/boot/firmware/config.txt"
cat >"$rootfs/etc/fstab" <<'EOF'
proc            /proc           proc    defaults          0       0
BOOTDEV  /boot/firmware  vfat    defaults          0       2
ROOTDEV  /               ext4    defaults,noatime  0       1
EOF
echo bannalai-kiosk >"$rootfs/etc/hostname"

# 4. the stage, substage by substage, as pi-gen runs it ---------------------------------------
stage=$work/stage-bannalai
cp -r "$stage_src" "$stage"
install -d "$stage/01-app/files" "$stage/02-units/files/provisioning"
cp "$wheelhouse"/*.whl "$wheelhouse/kiosk-requirements.txt" "$stage/01-app/files/"
cp -r "$root_dir/systemd" "$stage/02-units/files/"
cp -r "$prov/install-units.sh" "$prov/sbin" "$prov/README.md" "$stage/02-units/files/provisioning/"
export ROOTFS_DIR=$rootfs
# The twin's own files first: its initramfs settings must be there before any package's
# trigger rebuilds the initramfs ("most" modules under qemu-user takes over ten minutes).
cp -r "$here/overlay/." "$rootfs/"
in_chroot apt-get update -qq
for sub in "$stage"/[0-9][0-9]-*/; do
  # pi-gen installs a substage's package lists first; 01-packages-nr is the Raspberry Pi
  # archive's (Picamera2), out of reach here.
  if [ -f "$sub/00-packages-nr" ]; then
    step "stage: $(basename "$sub")/00-packages-nr"
    # shellcheck disable=SC2046
    in_chroot apt-get install -y -qq --no-install-recommends $(packages_of "$sub/00-packages-nr") \
      >>"$work/apt.log"
  fi
  for script in "$sub"[0-9][0-9]-run.sh "$sub"[0-9][0-9]-run-chroot.sh; do
    [ -f "$script" ] || continue
    step "stage: $(basename "$sub")/$(basename "$script")"
    case "$script" in
      *-run-chroot.sh) in_chroot /bin/bash -e <"$script" ;;
      *) (cd "$sub" && bash -e "./$(basename "$script")") ;;
    esac
  done
done

in_chroot apt-get clean
rm -f "$rootfs/usr/sbin/policy-rc.d"  # as pi-gen leaves the image: services may start again

# 5. the twin's own layer: a serial console for the log, the guest agent's port --------------
in_chroot systemctl enable systemd-networkd.service systemd-networkd-wait-online.service >/dev/null 2>&1
# Pi firmware loads kernel8.img + the initramfs from FAT; the twin's QEMU loads the same files.
in_chroot update-initramfs -u -k all >/dev/null
kver=$(basename "$(ls -d "$rootfs"/lib/modules/*)")
for m in dev/pts dev proc sys; do umount "$rootfs/$m"; done
cp "$rootfs/boot/vmlinuz-$kver" "$out/vmlinuz"
cp "$rootfs/boot/initrd.img-$kver" "$out/initrd.img"
grep -q overlayroot <(zcat -f "$out/initrd.img" 2>/dev/null | cpio -t 2>/dev/null) \
  || lsinitramfs "$out/initrd.img" 2>/dev/null | grep -q overlayroot \
  || die "the initramfs has no overlayroot: the root would not be read-only"

# 6. the card: p1 FAT32 boot, p2 ext4 root, then finalise-image.sh ----------------------------
step "card: partitions and file systems"
img=$out/card.img
disk_id=0x${TWIN_DISK_ID:-6b696f31}
id_hex=${disk_id#0x}
sed -i "s#^BOOTDEV #PARTUUID=$id_hex-01 #; s#^ROOTDEV #PARTUUID=$id_hex-02 #" "$rootfs/etc/fstab"
sed -i "s#root=ROOTDEV#root=PARTUUID=$id_hex-02#" "$rootfs/boot/firmware/cmdline.txt"
boot_dir=$work/bootfs
mv "$rootfs/boot/firmware" "$boot_dir"; install -d "$rootfs/boot/firmware"
cp "$out/vmlinuz" "$boot_dir/kernel8.img"; cp "$out/initrd.img" "$boot_dir/initramfs8"
root_mib=$(( $(du -sm "$rootfs" | cut -f1) * 13 / 10 + 64 ))
boot_start=8192 boot_sectors=$((256 * 2048))
root_start=$((boot_start + boot_sectors)) root_sectors=$((root_mib * 2048))
rm -f "$img"; truncate -s $(((root_start + root_sectors) * 512)) "$img"
sfdisk -q "$img" <<EOF
label: dos
label-id: $disk_id
start=$boot_start, size=$boot_sectors, type=c
start=$root_start, size=$root_sectors, type=83
EOF
# 1 KiB clusters: a 256 MiB FAT32 with 4 KiB ones has fewer clusters than FAT32 allows, and
# mtools then reads it as FAT16 ("No directory slots").
mkfs.vfat -F 32 -s 2 --offset "$boot_start" -n BOOTFS "$img" $((boot_sectors / 2)) >/dev/null
MTOOLS_SKIP_CHECK=1 mcopy -s -i "$img@@$((boot_start * 512))" "$boot_dir"/* ::/
mkfs.ext4 -q -F -L rootfs -E "offset=$((root_start * 512))" -d "$rootfs" "$img" $((root_sectors / 2))k
step "card: finalise-image.sh"
"$prov/finalise-image.sh" "$img" >"$work/finalise.log"
cat "$work/finalise.log"
cat >"$out/build.json" <<EOF
{"base": "$(basename "$base_tar")", "wheelhouse": "$(basename "$wheelhouse")", "kernel": "$kver",
 "disk_id": "$disk_id", "seconds": $((SECONDS - start_all))}
EOF
rm -rf "$work"
step "done in $((SECONDS - start_all)) s: $img"
