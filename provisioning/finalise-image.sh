#!/usr/bin/env bash
# Turn pi-gen's output into the golden Bannalai kiosk image. Needs no privileges:
#   provisioning/finalise-image.sh [--data-size MIB] IMAGE
#
#  1. append p3, an ext4 "kioskdata" partition (all kiosk state; grown to the card at first boot)
#  2. rewrite cmdline.txt on the FAT partition with mtools: root read-only under a RAM overlay
#     (overlayroot=tmpfs:recurse=0 -- without recurse=0 the data partition would be overlaid
#     too and lose everything at each boot), no serial console, and no Raspberry Pi OS
#     first-boot init (it would grow the root partition into the data partition)
#  3. check /etc/fstab inside the root partition with debugfs (boot ro, data by label)
#  4. check every file system (fsck.fat, e2fsck -n), then write IMAGE.sha256 and IMAGE.bmap
#
# Running it again on a finalised image changes nothing and re-checks everything.
# Tools: sfdisk partx mkfs.ext4 debugfs e2fsck mtools fsck.fat bmaptool sha256sum.
set -euo pipefail
export MTOOLS_SKIP_CHECK=1

DATA_LABEL=kioskdata
DATA_MOUNT=/var/lib/bannalai
ALIGN=8192  # sectors (4 MiB): SD card erase blocks
REMOVE_ARGS_RE='^(init=/usr/lib/raspberrypi-sys-mods/firstboot|console=serial[0-9].*|console=ttyAMA[0-9].*|console=ttyS[0-9].*|overlayroot=.*|consoleblank=.*|vt\.global_cursor_default=.*|loglevel=.*|quiet)$'
ADD_ARGS='overlayroot=tmpfs:recurse=0 consoleblank=0 vt.global_cursor_default=0 loglevel=3 quiet'

die() { echo "finalise-image: $*" >&2; exit 1; }
usage() { echo "usage: $0 [--data-size MIB] IMAGE" >&2; exit 2; }

data_mib=256
while [ $# -gt 0 ]; do
  case "$1" in
    --data-size) [ $# -ge 2 ] || usage; data_mib=$2; shift 2 ;;
    -h|--help) usage ;;
    -*) usage ;;
    *) break ;;
  esac
done
[ $# -eq 1 ] || usage
img=$1
[ -f "$img" ] || die "$img is not an image file"
if ! [[ $data_mib =~ ^[0-9]+$ ]] || [ "$data_mib" -lt 16 ]; then
  die "--data-size must be a whole number of MiB >= 16"
fi

# part_field N FIELD -> the START/SECTORS/TYPE of partition N, empty when there is none
part_field() { partx -g -n "$1" -o "$2" "$img" 2>/dev/null | tr -d ' ' || true; }

boot_start=$(part_field 1 START); boot_type=$(part_field 1 TYPE)
root_start=$(part_field 2 START); root_sectors=$(part_field 2 SECTORS)
if [ -z "$boot_start" ] || [ -z "$root_start" ]; then
  die "$img has no Raspberry Pi partition table (p1 boot, p2 root)"
fi
case "$boot_type" in 0xb|0xc|0xe) ;; *) die "partition 1 is type $boot_type, not FAT" ;; esac
boot="$img@@$((boot_start * 512))"
mtype -i "$boot" ::/cmdline.txt >/dev/null 2>&1 || die "partition 1 has no cmdline.txt: not a Raspberry Pi boot partition"
blkid -p -O $((root_start * 512)) "$img" | grep -q 'TYPE="ext4"' || die "partition 2 is not ext4"
disk_id=$(sfdisk --disk-id "$img"); id_hex=${disk_id#0x}

# 1. the data partition --------------------------------------------------------------------
data_start=$(part_field 3 START)
if [ -n "$data_start" ]; then
  blkid -p -O $((data_start * 512)) "$img" | grep -q "LABEL=\"$DATA_LABEL\"" \
    || die "partition 3 exists but is not the $DATA_LABEL file system"
  echo "data partition: already present"
else
  root_end=$((root_start + root_sectors))
  data_start=$(((root_end + ALIGN - 1) / ALIGN * ALIGN))
  data_sectors=$((data_mib * 2048))
  truncate -s $(((data_start + data_sectors) * 512)) "$img"
  echo "start=$data_start, size=$data_sectors, type=83" | sfdisk -q --append "$img"
  # An explicit size: without it mkfs.ext4 -E offset= runs to the end of the file.
  mkfs.ext4 -q -F -L "$DATA_LABEL" -E "offset=$((data_start * 512))" "$img" $((data_sectors / 2))k
  echo "data partition: p3 $DATA_LABEL, $data_mib MiB at sector $data_start"
fi
data_sectors=$(part_field 3 SECTORS)

# 2. cmdline.txt ----------------------------------------------------------------------------
old=$(mtype -i "$boot" ::/cmdline.txt | tr -d '\r' | head -n 1)
kept=()
for arg in $old; do
  [[ $arg =~ $REMOVE_ARGS_RE ]] || kept+=("$arg")
done
new="${kept[*]} $ADD_ARGS"
if [ "$new" != "$old" ]; then
  tmp=$(mktemp)
  printf '%s\n' "$new" >"$tmp"
  mcopy -o -i "$boot" "$tmp" ::/cmdline.txt
  rm -f "$tmp"
fi
[ "$(mtype -i "$boot" ::/cmdline.txt | tr -d '\r')" = "$new" ] || die "cmdline.txt did not read back"
echo "cmdline.txt: $new"
[[ " $new " == *" root=PARTUUID=$id_hex-02 "* ]] || die "cmdline.txt root= is not PARTUUID=$id_hex-02"

# 3. fstab ----------------------------------------------------------------------------------
root_fs="$img?offset=$((root_start * 512))"
fstab=$(debugfs -R 'cat /etc/fstab' "$root_fs" 2>/dev/null) || die "cannot read /etc/fstab from the root partition"
fstab_line() { awk -v mp="$1" '$1 !~ /^#/ && $2 == mp' <<<"$fstab"; }
boot_line=$(fstab_line /boot/firmware); data_line=$(fstab_line "$DATA_MOUNT")
[ -n "$boot_line" ] || die "/etc/fstab does not mount /boot/firmware"
awk '{ exit !($4 ~ /(^|,)ro(,|$)/) }' <<<"$boot_line" || die "/etc/fstab mounts /boot/firmware read-write (want ro)"
[ -n "$data_line" ] || die "/etc/fstab does not mount $DATA_MOUNT (the data partition)"
case "$(awk '{print $1}' <<<"$data_line")" in
  "LABEL=$DATA_LABEL"|"PARTUUID=$id_hex-03") ;;
  *) die "/etc/fstab mounts $DATA_MOUNT from something other than LABEL=$DATA_LABEL" ;;
esac
awk '{ exit !($6 == 2) }' <<<"$data_line" || die "/etc/fstab: $DATA_MOUNT must have fsck pass 2"
echo "fstab: boot read-only, $DATA_MOUNT from $DATA_LABEL"

# 4. file system checks, checksum, block map -----------------------------------------------
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
boot_sectors=$(part_field 1 SECTORS)
dd if="$img" of="$tmp" bs=512 skip="$boot_start" count="$boot_sectors" status=none
fsck.fat -n "$tmp" >/dev/null || die "the boot file system has errors (fsck.fat)"
e2fsck -fn "$root_fs" >/dev/null 2>&1 || die "the root file system has errors (e2fsck)"
e2fsck -fn "$img?offset=$((data_start * 512))" >/dev/null 2>&1 || die "the data file system has errors (e2fsck)"
echo "file systems: clean (boot, root, data of $((data_sectors / 2048)) MiB)"

(cd "$(dirname "$img")" && sha256sum "$(basename "$img")" >"$(basename "$img").sha256")
bmaptool -q create -o "$img.bmap" "$img"
echo "wrote $img.sha256 and $img.bmap"
