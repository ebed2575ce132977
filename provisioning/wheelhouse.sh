#!/usr/bin/env bash
# Fill a wheelhouse for the kiosk image from the lock, once per release:
#   provisioning/wheelhouse.sh OUT_DIR
# Downloads exactly the wheels of provisioning/kiosk-requirements.txt for CPython 3.11 on
# manylinux aarch64 (binary only, every hash checked by pip), then builds the project's own
# wheel into the same folder. The image build installs from OUT_DIR with --no-index: nothing
# comes from an index inside the image. Running it again on a full folder downloads nothing.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
[ $# -eq 1 ] || { echo "usage: $0 OUT_DIR" >&2; exit 2; }
out=$1
py=${PYTHON:-python3}
mkdir -p "$out"
"$py" -m pip download --quiet --disable-pip-version-check --dest "$out" \
  --only-binary=:all: --no-deps --require-hashes \
  --implementation cp --python-version 3.11 --abi cp311 \
  --platform manylinux_2_28_aarch64 --platform manylinux_2_17_aarch64 \
  --platform manylinux2014_aarch64 --platform linux_aarch64 \
  -r "$here/kiosk-requirements.txt"
rm -f "$out"/bannalai-*.whl
"$py" -m pip wheel --quiet --disable-pip-version-check --no-deps --wheel-dir "$out" "$root"
cp "$here/kiosk-requirements.txt" "$out/"
echo "wheelhouse: $out ($(find "$out" -name '*.whl' | wc -l) wheels, $(du -sh "$out" | cut -f1))"
