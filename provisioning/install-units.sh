#!/usr/bin/env bash
# Install Bannalai's systemd units, drop-ins and helper scripts into a root file system:
#   provisioning/install-units.sh kiosk|hub ROOT
# ROOT is "/" on a plain Debian hub, the pi-gen chroot for the kiosk image, or a temporary
# folder in the tests. Enables the units and masks what the kiosk must never run, with
# `systemctl --root` (works offline, no running systemd needed). Creates the service users
# from sysusers.d when systemd-sysusers is available.
set -euo pipefail

usage() { echo "usage: $0 kiosk|hub ROOT" >&2; exit 2; }
[ $# -eq 2 ] || usage
role=$1 root=$2
[ "$root" = / ] || root=${root%/}
case "$role" in kiosk|hub) ;; *) usage ;; esac
here=$(cd "$(dirname "$0")/.." && pwd)
src=$here/systemd/$role
[ -d "$root" ] || { echo "install-units: $root is not a folder" >&2; exit 1; }

unit_dir=$root/etc/systemd/system
install -d "$unit_dir" "$root/opt/bannalai/sbin"
install -m 0644 "$src"/*.service "$unit_dir/"
if compgen -G "$src/*.timer" >/dev/null; then install -m 0644 "$src"/*.timer "$unit_dir/"; fi

# conf/<dir>/<file> goes to /etc/<dir>/<file>; systemd's own drop-in folders to /etc/systemd.
for dir in "$src"/conf/*/; do
  name=$(basename "$dir")
  case "$name" in
    system.conf.d|journald.conf.d|logind.conf.d) dest=$root/etc/systemd/$name ;;
    chrony) dest=$root/etc/chrony/conf.d ;;
    *) dest=$root/etc/$name ;;
  esac
  install -d "$dest"
  install -m 0644 "$dir"* "$dest/"
done

case "$role" in
  kiosk)
    install -m 0755 "$here/provisioning/sbin/bannalai-grow-data" "$here/provisioning/sbin/bannalai-boot-receipt" \
      "$root/opt/bannalai/sbin/"
    enable=(bannalai-kiosk.service bannalai-identity.service bannalai-enrol.service
            bannalai-data-grow.service bannalai-time-source.service)
    ;;
  hub)
    install -m 0755 "$here/provisioning/sbin/bannalai-hub-health" "$root/opt/bannalai/sbin/"
    enable=(bannalai-hub.service bannalai-hub-backup.timer bannalai-hub-health.timer)
    ;;
esac

if [ -n "${SKIP_ENABLE:-}" ]; then
  echo "installed $role units into $root (not enabled: SKIP_ENABLE)"
  exit 0
fi
systemctl --root="$root" enable "${enable[@]}" >/dev/null 2>&1
if [ "$role" = kiosk ]; then
  mapfile -t masked < <(grep -v '^#' "$src/masked-units.txt" | grep -v '^$')
  systemctl --root="$root" mask "${masked[@]}" >/dev/null 2>&1
  ln -sfn /lib/systemd/system/graphical.target "$unit_dir/default.target"  # = set-default
fi
if command -v systemd-sysusers >/dev/null && [ -z "${SKIP_SYSUSERS:-}" ]; then
  systemd-sysusers --root="$root" >/dev/null
fi
echo "installed and enabled $role units in $root"
