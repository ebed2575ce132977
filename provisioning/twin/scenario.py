"""The twin's test: one kiosk card, personalised as a technician does it, booted and driven the
way a library uses it, then power-cut again and again.

Order (each step needs the one before):
  1. card      copy of the built card, grown to a bigger "SD card", personalised with the hub's
               identity file; settings.toml (which scanner) on the data partition
  2. first boot the identity is imported and its token removed from the FAT, the kiosk enrols and
               syncs, the Khmer home screen is drawn (screendump vs. the x86 rendering), / is a
               read-only overlay, the data partition read-write, no login prompt anywhere
  3. restarts  SIGKILL of the app -> systemd restarts it; SIGSTOP -> the watchdog does
  4. cuts      kill -9 of QEMU at random moments of a check-out loop (scans typed on the virtual
               keyboard, which the kiosk reads as its wedge scanner) and of a sync; after each:
               fsck of the card's file systems on the host, then the next boot
  5. final     the last boot syncs everything; every loan the kiosk acknowledged is in its store
               and at the hub, and the hub's count equals the kiosk's

"Acknowledged" is what the librarian saw: the kiosk logs "lent B to C" only once check_out has
returned, i.e. once the loan is durable in the store; the journal goes to the serial console, a
file on the host that a power cut cannot take back.
"""

from __future__ import annotations

import contextlib
import json
import random
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from provisioning.twin import frames
from provisioning.twin.card import Card, copy_card, personalise, run
from provisioning.twin.hub import TwinHub
from provisioning.twin.qemu import Machine, TwinError

ROOT = Path(__file__).resolve().parents[2]
KIOSK_ID = "K1"
HOME = "/var/lib/bannalai"
VENV_PY = "/opt/bannalai/venv/bin/python"
LENT = re.compile(r"lent (B\d+) to (C\d+), due")
SETTINGS = 'scanner_evdev = "QEMU Virtio Keyboard"\nlanguage = "km"\n'


def log(message: str) -> None:
    print(f"[twin {time.strftime('%H:%M:%S')}] {message}", flush=True)


def wait_for(what: str, check: Callable[[], object], timeout: float, every: float = 1.0) -> object:
    deadline = time.monotonic() + timeout
    while True:
        try:
            value = check()
        except TwinError:
            value = None
        if value:
            return value
        if time.monotonic() > deadline:
            raise TwinError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(every)


@dataclass
class Cut:
    n: int
    during: str  # "check-out" or "sync"
    boot_to_app_s: float
    cut_after_s: float  # from the app being up to the cut
    lent_before_cut: int
    fsck: dict[str, bool]


@dataclass
class Results:
    arch: str = ""
    boot_to_first_frame_s: float | None = None
    first_frame: str = ""
    first_frame_likeness: dict[str, object] = field(default_factory=dict)
    identity_imported: bool = False
    token_removed_from_boot: bool = False
    enrolled: bool = False
    synced: bool = False
    failed_units: list[str] = field(default_factory=list)
    root_read_only: bool = False
    data_read_write: bool = False
    login_prompts: int = -1
    app_restart_after_kill_s: float | None = None
    watchdog_restart_after_hang_s: float | None = None
    power_cuts: int = 0
    cuts: list[Cut] = field(default_factory=list)
    acknowledged_loans: int = 0
    lost_loans: int = -1
    fsck_errors: int = 0
    fsck_messages: list[str] = field(default_factory=list)
    kiosk_loans: int = -1
    hub_loans_expected: int = -1
    hub_loans_counted: int = -1
    reenrolled_after_reboot: bool | None = None
    boots: int = 0
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)

    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict[str, object]:
        data = dict(self.__dict__)
        data["cuts"] = [c.__dict__ for c in self.cuts]
        data["ok"] = self.ok()
        return data


class KioskTwin:
    def __init__(self, build: Path, work: Path, *, cuts: int, seed: int) -> None:
        self.build, self.work, self.cuts, self.rng = build, work, cuts, random.Random(seed)
        self.results = Results()
        self.hub = TwinHub(work / "hub")
        self.card_path = work / f"{KIOSK_ID}.img"
        self.machine: Machine | None = None
        self.acked: set[tuple[str, str]] = set()
        self.cards: list[str] = []
        self.books: list[str] = []
        self.started = time.monotonic()

    # -- helpers -------------------------------------------------------------------------------
    @property
    def m(self) -> Machine:
        if self.machine is None:
            raise TwinError("no machine")
        return self.machine

    def problem(self, text: str) -> None:
        log(f"PROBLEM: {text}")
        self.results.problems.append(text)

    def sh(self, script: str, timeout: float = 120) -> str:
        out = self.m.sh(script, timeout=timeout)
        if out.code != 0:
            raise TwinError(f"in the guest: {script!r} -> {out.code}: {out.err.strip()[-500:]}")
        return out.out

    def unit(self, name: str, *props: str) -> dict[str, str]:
        out = self.m.exec("systemctl", "show", name, "-p", ",".join(props), timeout=30)
        return dict(line.split("=", 1) for line in out.out.splitlines() if "=" in line)

    def app_pid(self) -> int | None:
        """The app's main pid once systemd has its READY=1 (the first screen is up)."""
        state = self.unit("bannalai-kiosk.service", "ActiveState", "SubState", "MainPID")
        if state.get("ActiveState") == "active" and state.get("SubState") == "running":
            pid = int(state.get("MainPID", "0"))
            return pid or None
        return None

    def collect_acks(self) -> int:
        """Add the loans this boot's serial log shows as acknowledged; return how many."""
        found = {(b, c) for b, c in LENT.findall(self.m.serial())}
        self.acked |= found
        return len(found)

    def shot(self, name: str) -> Path:
        ppm = self.m.screendump(self.work / f"{name}.ppm")
        png = frames.to_png(ppm, self.work / f"{name}.png")
        ppm.unlink()
        return png

    # -- 1. the card -----------------------------------------------------------------------------
    def prepare(self) -> None:
        build = json.loads((self.build / "build.json").read_text())
        self.results.arch = "aarch64 (qemu-system-aarch64 virt, cortex-a72, TCG)"
        log(f"card: from {self.build / 'card.img'} (kernel {build['kernel']})")
        self.cards, self.books = self.hub.prepare(patrons=60, books=400)
        identity = self.hub.identity(KIOSK_ID, self.work / "kiosk-identity.toml")
        copy_card(self.build / "card.img", self.card_path)
        # a bigger SD card than the image: the first boot grows the data partition into it
        with open(self.card_path, "r+b") as f:
            f.truncate(f.seek(0, 2) + (512 << 20))
        log(personalise(self.card_path, identity, sys.executable).strip().splitlines()[-1])
        settings = self.work / "settings.toml"
        settings.write_text(SETTINGS)
        Card(self.card_path).write_data_file(settings, "settings.toml")
        self.reference = self.work / "reference-home.png"
        ref_home = self.work / "reference-home"
        ref_home.mkdir(exist_ok=True)
        (ref_home / "settings.toml").write_text(SETTINGS)
        # the same screen on x86: a kiosk home with the same identity and settings
        shutil.copy(identity, ref_home / "identity.toml")
        subprocess.run([sys.executable, "-m", "kiosk", "init-from-identity", "--home",
                        str(ref_home)], cwd=ROOT, check=True, capture_output=True)  # fmt: skip
        shot = subprocess.run(
            ["xvfb-run", "-a", "-s", "-screen 0 1280x800x24", sys.executable, "-m", "kiosk",
             "screenshot", "--home", str(ref_home), "--size", "800x480", "--lang", "km",
             "--out", str(self.reference)],
            cwd=ROOT, capture_output=True, text=True,
        )  # fmt: skip
        if shot.returncode != 0:
            raise TwinError(f"the x86 reference screenshot failed: {shot.stderr[-600:]}")

    def new_machine(self) -> Machine:
        card = Card(self.card_path)
        return Machine(self.work, self.card_path, self.build / "vmlinuz",
                       self.build / "initrd.img", card.cmdline(), self.hub.port)  # fmt: skip

    def boot(self) -> float:
        """Start QEMU; return seconds until the app is up (READY=1)."""
        self.machine = self.new_machine()
        self.m.start()
        self.results.boots += 1
        wait_for("the guest agent", self.m.agent_ready, 240, every=2)
        wait_for("the kiosk app", self.app_pid, 240, every=1)
        return self.m.since_start()

    # -- 2. the first boot -------------------------------------------------------------------------
    def first_boot(self) -> None:
        r = self.results
        self.hub.start()
        self.machine = self.new_machine()
        self.m.start()
        r.boots += 1
        log("first boot: waiting for the Khmer home screen")
        deadline = time.monotonic() + 300
        n = 0
        while time.monotonic() < deadline and self.m.running():
            n += 1
            png = self.shot("frame")
            if not frames.is_blank(png):
                like = frames.likeness(png, self.reference)
                if like.same_screen():
                    r.boot_to_first_frame_s = round(self.m.since_start(), 1)
                    first = self.work / "first-frame.png"
                    png.rename(first)
                    r.first_frame, r.first_frame_likeness = str(first), like.as_dict()
                    break
                r.first_frame_likeness = like.as_dict()
            time.sleep(1)
        if r.boot_to_first_frame_s is None:
            last = self.work / "last-frame.png"
            if (self.work / "frame.png").exists():
                (self.work / "frame.png").rename(last)
            self.problem(f"no home screen within 300 s (last frame {last}, "
                         f"{r.first_frame_likeness})")  # fmt: skip
        log(f"first frame at {r.boot_to_first_frame_s} s: {r.first_frame_likeness}")
        wait_for("the guest agent", self.m.agent_ready, 120, every=2)
        self.check_first_boot()

    def check_first_boot(self) -> None:
        r = self.results
        r.identity_imported = self.m.sh(f"test -s {HOME}/identity.toml").code == 0
        fat = self.m.sh("ls /boot/firmware; cat /boot/firmware/kiosk-identity* 2>/dev/null").out
        r.token_removed_from_boot = (
            "kiosk-identity.imported.toml" in fat and "enrolment_token" not in fat
        )
        r.enrolled = bool(
            wait_for("enrolment", lambda: self.hub.enrolment(KIOSK_ID)[1], 120, every=2)
        )
        self.enrolment = self.hub.enrolment(KIOSK_ID)
        r.synced = bool(wait_for("a sync", lambda: self.hub.pushes() > 0, 120, every=2))
        failed = self.m.exec("systemctl", "list-units", "--failed", "--no-legend", "--plain")
        r.failed_units = [line.split()[0] for line in failed.out.splitlines() if line.strip()]
        mounts = self.m.exec("findmnt", "-J", "-o", "TARGET,FSTYPE,OPTIONS").out
        found = {m["target"]: m for m in _flatten(json.loads(mounts)["filesystems"])}
        root, lower, data = found.get("/", {}), found.get("/media/root-ro", {}), found.get(HOME, {})
        probe = self.m.sh(f"echo x > {HOME}/.twin-probe && sync && rm {HOME}/.twin-probe")
        r.root_read_only = root.get("fstype") == "overlay" and "ro" in str(
            lower.get("options", "")
        ).split(",")
        r.data_read_write = (
            data.get("fstype") == "ext4"
            and "rw" in str(data.get("options", "")).split(",")
            and probe.code == 0
        )
        gettys = self.m.sh("systemctl list-units --no-legend --plain 'getty@*' "
                           "'serial-getty@*' 'autovt@*' | grep -c running || true").out  # fmt: skip
        r.login_prompts = int(gettys.strip() or 0) + self.m.serial().count("login:")
        for name, ok in (
            ("identity imported", r.identity_imported),
            ("token removed from the boot partition", r.token_removed_from_boot),
            ("enrolled", r.enrolled), ("synced", r.synced),
            ("root is a read-only overlay", r.root_read_only),
            ("data partition read-write", r.data_read_write),
        ):  # fmt: skip
            if not ok:
                self.problem(f"first boot: not {name}")
        if r.failed_units:
            self.problem(f"failed units: {r.failed_units}")
        if r.login_prompts:
            self.problem(f"{r.login_prompts} login prompt(s)")
        log(
            f"first boot: {json.dumps({k: getattr(r, k) for k in ('identity_imported', 'token_removed_from_boot', 'enrolled', 'synced', 'root_read_only', 'data_read_write', 'login_prompts', 'failed_units')})}"
        )

    # -- 3. restarts -------------------------------------------------------------------------------
    def restarts(self) -> None:
        r = self.results
        for signal_name, key in (("KILL", "app_restart_after_kill_s"),
                                 ("STOP", "watchdog_restart_after_hang_s")):  # fmt: skip
            pid = wait_for("the app", self.app_pid, 120)
            t0 = time.monotonic()
            self.m.exec("kill", f"-{signal_name}", str(pid))
            try:
                wait_for(f"the app after SIG{signal_name}",
                         lambda p=pid: (self.app_pid() or p) != p, 240)  # fmt: skip
                setattr(r, key, round(time.monotonic() - t0, 1))
            except TwinError as exc:
                self.problem(str(exc))
            png = self.shot(f"after-sig{signal_name.lower()}")
            if not frames.likeness(png, self.reference).same_screen():
                self.problem(f"after SIG{signal_name} the screen is not the home screen ({png})")
            log(f"SIG{signal_name}: app back after {getattr(r, key)} s")

    # -- 4. power cuts -------------------------------------------------------------------------------
    def check_out_loop(self, until: float) -> int:
        """Scan a card, then up to three books, again and again until ``until``; return scans."""
        typed = 0
        while time.monotonic() < until:
            if not self.cards or len(self.books) < 3:
                raise TwinError("the twin ran out of cards or books")
            self.m.type_code(self.cards.pop(0))
            time.sleep(self.rng.uniform(0.3, 1.2))
            for _ in range(self.rng.randint(1, 3)):
                if time.monotonic() >= until:
                    return typed
                self.m.type_code(self.books.pop(0))
                typed += 1
                time.sleep(self.rng.uniform(0.2, 1.5))
        return typed

    def power_cuts(self) -> None:
        r = self.results
        for n in range(1, self.cuts + 1):
            during = "sync" if n % 4 == 0 else "check-out"
            boot_s = self.boot() if n > 1 else 0.0  # cut 1: the first boot's app, still up
            up = time.monotonic()
            if during == "check-out":
                self.check_out_loop(up + self.rng.uniform(2.0, 14.0))
            else:
                before = self.hub.pushes()
                self.check_out_loop(up + self.rng.uniform(1.0, 4.0))
                wait_for("a push", lambda b=before: self.hub.pushes() > b, 90, every=0.2)
                time.sleep(self.rng.uniform(0.0, 1.0))
            cut_after = time.monotonic() - up
            self.m.power_cut()
            lent = self.collect_acks()
            card = Card(self.card_path)
            checks = {}
            for number, name in ((1, "boot"), (3, "data")):
                ok, text = card.fsck(number)
                checks[name] = ok
                if not ok:
                    r.fsck_errors += 1
                    r.fsck_messages.append(f"cut {n} {name}: {text.strip()[-400:]}")
            r.power_cuts = n
            r.cuts.append(Cut(n, during, round(boot_s, 1), round(cut_after, 1), lent, checks))
            log(f"cut {n}/{self.cuts} during {during}: boot {boot_s:.1f} s, cut after "
                f"{cut_after:.1f} s, {lent} lent this boot, fsck {checks}, "
                f"{len(self.acked)} acknowledged so far")  # fmt: skip

    # -- 5. the final boot ------------------------------------------------------------------------
    def final(self) -> None:
        r = self.results
        self.boot()
        enrol = self.unit("bannalai-enrol.service", "ConditionResult", "ActiveState")
        r.reenrolled_after_reboot = (
            enrol.get("ConditionResult") != "no" or self.hub.enrolment(KIOSK_ID) != self.enrolment
        )
        if r.reenrolled_after_reboot:
            self.problem(f"the kiosk enrolled again after a reboot: {enrol}")
        # everything synced: no push for longer than a sync interval, then (with the app, which
        # holds the store, stopped) the kiosk's own outbox is empty
        for _attempt in range(4):
            self.wait_quiet(40)
            self.collect_acks()
            self.sh("systemctl stop bannalai-kiosk.service")
            status = json.loads(self.kiosk_cmd("status --json"))
            if status.get("pending_events") == 0:
                break
            log(f"final: {status.get('pending_events')} events still pending, syncing again")
            self.sh("systemctl start bannalai-kiosk.service")
            wait_for("the kiosk app", self.app_pid, 240)
        else:
            self.problem("the kiosk's outbox never emptied")
        out = self.kiosk_cmd("loans --json")
        kiosk_loans = {(row["barcode"], row["card"]) for row in json.loads(out)}
        hub_loans = self.hub.loans()
        r.acknowledged_loans = len(self.acked)
        r.kiosk_loans = len(kiosk_loans)
        r.lost_loans = len(self.acked - kiosk_loans) + len(self.acked - hub_loans)
        r.hub_loans_expected = len(kiosk_loans | self.acked)
        r.hub_loans_counted = len(hub_loans)
        if r.lost_loans:
            self.problem(f"acknowledged loans lost: kiosk {sorted(self.acked - kiosk_loans)}, "
                         f"hub {sorted(self.acked - hub_loans)}")  # fmt: skip
        if hub_loans != kiosk_loans | self.acked:
            self.problem(f"the hub holds {len(hub_loans)} loans, the kiosk {len(kiosk_loans)}: "
                         f"only at the hub {sorted(hub_loans - kiosk_loans)}, only at the kiosk "
                         f"{sorted(kiosk_loans - hub_loans)}")  # fmt: skip
        clean = self.m.shutdown()
        if not clean:
            self.problem("the kiosk did not power off cleanly")
        card = Card(self.card_path)
        for number in (1, 2, 3):
            ok, text = card.fsck(number)
            if not ok:
                r.fsck_errors += 1
                r.fsck_messages.append(f"final p{number}: {text.strip()[-400:]}")

    def kiosk_cmd(self, args: str) -> str:
        """``python -m kiosk ARGS`` in the guest, as the kiosk user (the app must be stopped)."""
        return self.sh(f"runuser -u kiosk -- env KIOSK_HOME={HOME} {VENV_PY} -m kiosk {args}")

    def wait_quiet(self, quiet_s: float, timeout: float = 300) -> None:
        """Until the hub has had no push from the kiosk for ``quiet_s`` seconds."""
        deadline = time.monotonic() + timeout
        count, since = self.hub.pushes(), time.monotonic()
        while time.monotonic() - since < quiet_s:
            if time.monotonic() > deadline:
                raise TwinError(f"the kiosk kept pushing for {timeout:.0f} s")
            time.sleep(1)
            now = self.hub.pushes()
            if now != count:
                count, since = now, time.monotonic()

    # -- all of it ----------------------------------------------------------------------------------
    def run(self) -> Results:
        r = self.results
        try:
            self.prepare()
            self.first_boot()
            self.restarts()
            self.power_cuts()
            self.final()
            if r.power_cuts < 20 and self.cuts >= 20:
                self.problem(f"only {r.power_cuts} power cuts")
            if r.fsck_errors:
                self.problem(f"{r.fsck_errors} file system check(s) failed")
        except (TwinError, RuntimeError, OSError, subprocess.SubprocessError) as exc:
            self.problem(f"stopped: {exc}")
        finally:
            if self.machine is not None:
                with contextlib.suppress(OSError):
                    self.collect_acks()
                self.m.power_cut()
            self.hub.stop()
            r.seconds = round(time.monotonic() - self.started, 1)
        return r


def _flatten(nodes: list[dict]) -> list[dict]:
    out = []
    for node in nodes:
        out.append(node)
        out.extend(_flatten(node.get("children", [])))
    return out


def have_tools() -> list[str]:
    needed = ("qemu-system-aarch64", "socat", "mtools", "mdir", "debugfs", "e2fsck", "fsck.fat",
              "openssl", "sfdisk", "xvfb-run")  # fmt: skip
    return [t for t in needed if shutil.which(t) is None and t != "mtools"]


__all__ = ["KioskTwin", "Results", "have_tools", "log", "run"]
