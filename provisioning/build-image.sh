#!/usr/bin/env bash
# Build the golden kiosk image on a release host (not in CI):
#   provisioning/build-image.sh [--ssh-key FILE] OUT_DIR
#   provisioning/build-image.sh --pin        record pi-gen's branch tip in pi-gen/PI_GEN_REF
#
# Needs: a Linux host with Internet (pi-gen fetches from archive.raspberrypi.com), Docker
# able to run --privileged containers, binfmt_misc with qemu-aarch64 on x86_64 hosts (or build
# on a Pi 5), git, python3 with pip, and the tools of finalise-image.sh. 30-60 min.
#
# Steps: the wheelhouse of the hashed lock (provisioning/wheelhouse.sh: every aarch64 wheel of
# kiosk-requirements.txt + the project's wheel); clone pi-gen at the pinned commit; add
# stage-bannalai with the wheelhouse, units and provisioning scripts; run pi-gen's build-docker.sh; run
# finalise-image.sh on the result (data partition, cmdline, checks, sha256, bmap).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo_root=$(cd "$here/.." && pwd)
ref_file=$here/pi-gen/PI_GEN_REF

die() { echo "build-image: $*" >&2; exit 1; }
ref() { sed -n "s/^$1=//p" "$ref_file"; }

pi_gen_repo=$(ref repo) branch=$(ref branch) commit=$(ref commit)

if [ "${1:-}" = "--pin" ]; then
  tip=$(git ls-remote "$pi_gen_repo" "refs/heads/$branch" | cut -f1)
  [[ $tip =~ ^[0-9a-f]{40}$ ]] || die "cannot resolve $branch in $pi_gen_repo"
  sed -i "s/^commit=.*/commit=$tip/" "$ref_file"
  echo "pinned pi-gen $branch at $tip in $ref_file (commit this change)"
  exit 0
fi

ssh_key=
if [ "${1:-}" = "--ssh-key" ]; then
  [ $# -ge 2 ] || die "--ssh-key needs a public key file"
  ssh_key=$2
  shift 2
fi
[ $# -eq 1 ] || { echo "usage: $0 [--ssh-key FILE] OUT_DIR | $0 --pin" >&2; exit 2; }
out=$1
[[ $commit =~ ^[0-9a-f]{40}$ ]] || die "no pinned pi-gen commit in $ref_file: run $0 --pin first"
for tool in docker git python3 sfdisk mtools bmaptool; do
  command -v "$tool" >/dev/null || die "$tool is not installed"
done

work=$(mktemp -d "${TMPDIR:-/var/tmp}/bannalai-build.XXXXXX")
echo "working in $work"
mkdir -p "$out"

# 1. the wheelhouse: the lock's aarch64 wheels, checked against its hashes, and the project's
#    own wheel; the chroot installs only these (--no-index), never from an index
"$here/wheelhouse.sh" "$work/dist" >/dev/null

# 2. pi-gen at the pinned commit, which must be on the expected branch
git clone --quiet --branch "$branch" "$pi_gen_repo" "$work/pi-gen"
git -C "$work/pi-gen" merge-base --is-ancestor "$commit" HEAD || die "$commit is not on $branch"
git -C "$work/pi-gen" checkout --quiet "$commit"

# 3. our stage, with what it installs in its files/ folders
stage=$work/pi-gen/stage-bannalai
cp -r "$here/pi-gen/stage-bannalai" "$stage"
install -d "$stage/01-app/files" "$stage/02-units/files/provisioning"
cp "$work"/dist/*.whl "$work/dist/kiosk-requirements.txt" "$stage/01-app/files/"
cp -r "$repo_root/systemd" "$stage/02-units/files/"
cp -r "$here/install-units.sh" "$here/sbin" "$here/README.md" "$stage/02-units/files/provisioning/"
touch "$work/pi-gen/stage2/SKIP_IMAGES"
cp "$here/pi-gen/config" "$work/pi-gen/config"
# A random password for the (locked) maintenance user, so none is ever shared between builds.
echo "FIRST_USER_PASS=$(python3 -c 'import secrets; print(secrets.token_urlsafe(24))')" >>"$work/pi-gen/config"
if [ -n "$ssh_key" ]; then
  { echo "ENABLE_SSH=1"; echo "PUBKEY_SSH_FIRST_USER=\"$(cat "$ssh_key")\""; } >>"$work/pi-gen/config"
fi

# 4. pi-gen (privileged container: loop devices and mounts live there, not on this host's CI)
(cd "$work/pi-gen" && ./build-docker.sh -c config)
img=$(find "$work/pi-gen/deploy" -name '*-kiosk.img' | head -n 1)
[ -n "$img" ] || die "pi-gen produced no image (see $work/pi-gen/deploy/build.log)"

# 5. finalise: data partition, cmdline.txt, checks, checksum and block map
name="bannalai-kiosk-$(git -C "$repo_root" describe --always --dirty).img"
mv "$img" "$out/$name"
"$here/finalise-image.sh" "$out/$name"
echo "golden image: $out/$name (+ .sha256, .bmap); pi-gen $branch@$commit"
