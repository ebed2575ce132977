"""``python -m provisioning.twin build|test`` — the appliance's digital twin (run as root).

build   the arm64 card image (provisioning/twin/build.sh), skipped when nothing that goes into
        it changed since the last build in the same folder
test    build if needed, then boot, drive and power-cut it (provisioning/twin/scenario.py);
        writes the report (default .twin/report.json) and exits 1 on any problem
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

from provisioning.twin.scenario import KioskTwin, log

ROOT = Path(__file__).resolve().parents[2]
# Everything the card is made from (the base's own inputs are keyed inside build.sh).
INPUTS = ("provisioning", "systemd", "kiosk", "wire", "pyproject.toml")


def missing_requirements() -> str | None:
    """One line naming what this machine lacks to build and boot the twin, or None."""
    if os.geteuid() != 0:
        return "the twin needs root (debootstrap, chroot, binfmt_misc)"
    needed = {
        "qemu-system-aarch64": "qemu-system-arm", "debootstrap": "debootstrap",
        "socat": "socat", "mcopy": "mtools", "debugfs": "e2fsprogs", "fsck.fat": "dosfstools",
        "sfdisk": "fdisk", "openssl": "openssl", "xvfb-run": "xvfb", "cpio": "cpio",
    }  # fmt: skip
    absent = sorted({pkg for tool, pkg in needed.items() if shutil.which(tool) is None})
    if platform.machine() != "aarch64":
        if not Path("/usr/libexec/qemu-binfmt/aarch64-binfmt-P").exists():
            absent.append("qemu-user-static")
        if "binfmt_misc" not in Path("/proc/filesystems").read_text():
            return "this kernel has no binfmt_misc: arm64 programs cannot run in the build chroot"
    if absent:
        return f"missing Debian packages for the twin: {' '.join(absent)}"
    return None


def inputs_key() -> str:
    """A hash of every tracked file the card is made from (its build is skipped when equal)."""
    files = subprocess.run(
        ["git", "ls-files", "-z", "--", *INPUTS], cwd=ROOT, capture_output=True, check=True
    ).stdout.split(b"\0")
    digest = hashlib.sha256()
    # the test driver's own Python (provisioning/twin/*.py) is not on the card
    names = [
        f for f in files if f and not (f.startswith(b"provisioning/twin/") and f.endswith(b".py"))
    ]
    for name in sorted(names):
        path = ROOT / name.decode()
        if path.is_file():
            digest.update(name + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def build(out: Path, force: bool = False) -> dict:
    key = inputs_key()
    stamp = out / "build.json"
    if not force and stamp.exists() and (out / "card.img").exists():
        done = json.loads(stamp.read_text())
        if done.get("inputs") == key:
            log(f"build: up to date ({out / 'card.img'}, built in {done.get('seconds')} s)")
            return done
    log(f"build: {out} (inputs {key})")
    started = time.monotonic()
    subprocess.run([str(ROOT / "provisioning/twin/build.sh"), str(out)], check=True)
    done = json.loads(stamp.read_text())
    done.update(inputs=key, seconds=round(time.monotonic() - started, 1))
    stamp.write_text(json.dumps(done, indent=1))
    return done


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m provisioning.twin", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="build the arm64 card image")
    b.add_argument("--out", type=Path, default=ROOT / ".twin/build")
    b.add_argument("--force", action="store_true", help="rebuild even when up to date")
    t = sub.add_parser("test", help="build if needed, then boot and power-cut the twin")
    t.add_argument("--out", type=Path, default=ROOT / ".twin/build")
    t.add_argument("--work", type=Path, default=ROOT / ".twin/run")
    t.add_argument("--report", type=Path, default=ROOT / ".twin/report.json")
    t.add_argument("--cuts", type=int, default=20, help="power cuts (at least 20 for the record)")
    t.add_argument("--seed", type=int, default=None, help="random seed (default: the time)")
    t.add_argument(
        "--kiosks",
        type=int,
        default=1,
        help="kiosks booted side by side (more share the same two cores: no faster)",
    )
    args = parser.parse_args(argv)

    reason = missing_requirements()
    if reason:
        print(f"twin: cannot run: {reason}", file=sys.stderr)
        return 2
    try:
        built = build(args.out, getattr(args, "force", False))
    except subprocess.CalledProcessError as exc:
        print(f"twin: the image build failed ({exc.returncode}); see its output above",
              file=sys.stderr)  # fmt: skip
        return 1
    if args.command == "build":
        return 0

    seed = args.seed if args.seed is not None else int(time.time())
    if args.work.exists():
        shutil.rmtree(args.work)
    args.work.mkdir(parents=True)
    log(f"test: {args.cuts} power cuts, seed {seed}, work in {args.work}")
    results = KioskTwin(args.out, args.work, cuts=args.cuts, seed=seed, kiosks=args.kiosks).run()
    report = {"seed": seed, "build": built, **results.as_dict()}
    args.report.parent.mkdir(parents=True, exist_ok=True)
    args.report.write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n")
    print(json.dumps({k: v for k, v in report.items() if k not in ("cuts", "build")},
                     indent=1, ensure_ascii=False))  # fmt: skip
    log(f"report: {args.report}")
    if not results.ok():
        for problem in results.problems:
            print(f"twin: {problem}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
