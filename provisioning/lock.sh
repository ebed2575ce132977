#!/usr/bin/env bash
# Make (or check) the kiosk's pinned, hashed dependency lock from pyproject.toml's kiosk extra:
#   provisioning/lock.sh            rewrite provisioning/kiosk-requirements.txt
#   provisioning/lock.sh --check    exit 1 when the lock no longer matches pyproject.toml
#
# uv resolves the extra for CPython 3.11 on Linux aarch64 (the Pi) and x86_64 (developers, CI);
# both must give the same pins, so one file with every wheel's hash serves both (pip's
# --require-hashes mode). The existing lock is the preference: versions only move when
# pyproject.toml asks for it (or the file is deleted). evdev is left out: it has no wheel for
# any platform; the image takes Debian's python3-evdev through --system-site-packages, and
# a development venv compiles it (gcc, python3-dev, linux-libc-dev).
# Needs uv (the test extra pins it) and PyPI.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
lock=$here/kiosk-requirements.txt
uv=${UV:-$(command -v uv || echo "$root/.venv/bin/uv")}
[ -x "$uv" ] || { echo "lock: uv is not installed (pip install uv, or ./bannalai test sets up .venv)" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for platform in aarch64-manylinux_2_28 x86_64-manylinux_2_28; do
  [ -f "$lock" ] && cp "$lock" "$work/$platform.txt"
  (cd "$root" && "$uv" pip compile --quiet pyproject.toml --extra kiosk \
    --python-version 3.11 --python-platform "$platform" --generate-hashes \
    --no-emit-package evdev --no-header --no-annotate -o "$work/$platform.txt")
done
cmp -s "$work/aarch64-manylinux_2_28.txt" "$work/x86_64-manylinux_2_28.txt" || {
  diff "$work/aarch64-manylinux_2_28.txt" "$work/x86_64-manylinux_2_28.txt" >&2 || true
  echo "lock: aarch64 and x86_64 resolve differently; add environment markers in pyproject.toml" >&2
  exit 1
}
{
  echo "# The kiosk's Python dependencies, pinned and hashed, for CPython 3.11 on Linux aarch64 and"
  echo "# x86_64. Made by provisioning/lock.sh from pyproject.toml's kiosk extra: do not edit."
  echo "# The image installs only from a wheelhouse of exactly these files:"
  echo "#   pip install --no-index --find-links WHEELHOUSE --require-hashes -r kiosk-requirements.txt"
  echo "# evdev is not here: Debian's python3-evdev on the image (no wheel exists for it)."
  grep -v '^# The following packages were excluded\|^# *evdev$' "$work/aarch64-manylinux_2_28.txt"
} >"$work/new.txt"
if [ "${1:-}" = --check ]; then
  cmp -s "$work/new.txt" "$lock" || { diff "$lock" "$work/new.txt" | head -20 >&2; echo "lock: $lock is out of date: run provisioning/lock.sh" >&2; exit 1; }
  echo "lock: $lock matches pyproject.toml"
  exit 0
fi
cp "$work/new.txt" "$lock"
echo "lock: wrote $lock ($(grep -c '^[a-z]' "$lock") packages)"
