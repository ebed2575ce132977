"""The twin's test: a library with two kiosks (K1, K2) and its hub. Each kiosk's card is
personalised as a technician does it, booted in its own QEMU, driven the way a library uses it,
then power-cut again and again; both run side by side.

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
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from provisioning.twin import frames
from provisioning.twin.card import Card, copy_card, personalise
from provisioning.twin.hub import TwinHub
from provisioning.twin.qemu import Machine, TwinError

ROOT = Path(__file__).resolve().parents[2]
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
    screen_back_after_kill_s: float | None = None  # the home screen on the display again
    screen_back_after_hang_s: float | None = None
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
    kiosks: dict[str, object] = field(default_factory=dict)
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


class Lane:
    """One kiosk of the library: its card, its QEMU machine, what it acknowledged."""

    def __init__(self, twin: KioskTwin, kiosk_id: str, cards: list[str], books: list[str],
                 cuts: int, seed: int) -> None:  # fmt: skip
        self.twin, self.kiosk_id, self.cards, self.books = twin, kiosk_id, cards, books
        self.cuts, self.rng = cuts, random.Random(seed)
        self.work = twin.work / kiosk_id
        self.work.mkdir(parents=True, exist_ok=True)
        self.card_path = self.work / "card.img"
        self.machine: Machine | None = None
        self.acked: set[tuple[str, str]] = set()
        self.enrolment: tuple[str | None, str | None] = (None, None)
        self.loans: set[tuple[str, str]] = set()
        self.first: dict[str, object] = {}

    def log(self, message: str) -> None:
        log(f"{self.kiosk_id}: {message}")

    def problem(self, text: str) -> None:
        self.twin.problem(f"{self.kiosk_id}: {text}")

    @property
    def m(self) -> Machine:
        if self.machine is None:
            raise TwinError("no machine")
        return self.machine

    def sh(self, script: str, timeout: float = 120) -> str:
        out = self.m.sh(script, timeout=timeout)
        if out.code != 0:
            raise TwinError(f"in the guest: {script!r} -> {out.code}: {out.err.strip()[-500:]}")
        return out.out

    def unit(self, name: str, *props: str) -> dict[str, str]:
        out = self.m.exec("systemctl", "show", name, "-p", ",".join(props), timeout=30)
        return dict(line.split("=", 1) for line in out.out.splitlines() if "=" in line)

    def app_pid(self) -> int | None:
        """The app's main pid once systemd has its READY=1 (its first visible frame is out)."""
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

    def kiosk_cmd(self, args: str) -> str:
        """``python -m kiosk ARGS`` in the guest, as the kiosk user (the app must be stopped)."""
        return self.sh(f"runuser -u kiosk -- env KIOSK_HOME={HOME} {VENV_PY} -m kiosk {args}")

    # -- the card --------------------------------------------------------------------------------
    def prepare(self) -> None:
        hub = self.twin.hub
        identity = hub.identity(self.kiosk_id, self.work / "kiosk-identity.toml")
        copy_card(self.twin.build / "card.img", self.card_path)
        # a bigger SD card than the image: the first boot grows the data partition into it
        with open(self.card_path, "r+b") as f:
            f.truncate(f.seek(0, 2) + (512 << 20))
        self.log(personalise(self.card_path, identity, sys.executable).strip().splitlines()[-1])
        settings = self.work / "settings.toml"
        settings.write_text(SETTINGS)
        Card(self.card_path).write_data_file(settings, "settings.toml")

    def new_machine(self) -> Machine:
        card = Card(self.card_path)
        build = self.twin.build
        return Machine(self.work, self.card_path, build / "vmlinuz", build / "initrd.img",
                       card.cmdline(), self.twin.hub.port, name=self.kiosk_id)  # fmt: skip

    def boot(self) -> float:
        """Start QEMU; return seconds until the app is up (READY=1)."""
        self.machine = self.new_machine()
        self.m.start()
        self.twin.count_boot()
        wait_for("the guest agent", self.m.agent_ready, 300, every=2)
        wait_for("the kiosk app", self.app_pid, 300, every=1)
        return self.m.since_start()

    # -- the first boot ----------------------------------------------------------------------------
    def first_boot(self) -> None:
        reference = self.twin.reference
        self.machine = self.new_machine()
        self.m.start()
        self.twin.count_boot()
        self.log("first boot: waiting for the Khmer home screen")
        first = self.first
        deadline = time.monotonic() + 420
        while time.monotonic() < deadline and self.m.running():
            png = self.shot("frame")
            if not frames.is_blank(png):
                like = frames.likeness(png, reference)
                first["likeness"] = like.as_dict()
                if like.same_screen():
                    first["seconds"] = round(self.m.since_start(), 1)
                    path = self.work / "first-frame.png"
                    png.rename(path)
                    first["frame"] = str(path)
                    break
            time.sleep(1)
        if "seconds" not in first:
            last = self.work / "last-frame.png"
            if (self.work / "frame.png").exists():
                (self.work / "frame.png").rename(last)
            self.problem(f"no home screen within 420 s (last frame {last}, "
                         f"{first.get('likeness')})")  # fmt: skip
        self.log(f"first frame at {first.get('seconds')} s: {first.get('likeness')}")
        wait_for("the guest agent", self.m.agent_ready, 120, every=2)
        self.check_first_boot()

    def check_first_boot(self) -> None:
        hub, f = self.twin.hub, self.first
        f["identity_imported"] = self.m.sh(f"test -s {HOME}/identity.toml").code == 0
        fat = self.m.sh("ls /boot/firmware; cat /boot/firmware/kiosk-identity* 2>/dev/null").out
        f["token_removed_from_boot"] = (
            "kiosk-identity.imported.toml" in fat and "enrolment_token" not in fat
        )
        f["enrolled"] = bool(
            wait_for("enrolment", lambda: hub.enrolment(self.kiosk_id)[1], 180, every=2)
        )
        self.enrolment = hub.enrolment(self.kiosk_id)
        f["synced"] = bool(wait_for("a sync", lambda: hub.last_seen(self.kiosk_id), 180, every=2))
        failed = self.m.exec("systemctl", "list-units", "--failed", "--no-legend", "--plain")
        f["failed_units"] = [line.split()[0] for line in failed.out.splitlines() if line.strip()]
        mounts = self.m.exec("findmnt", "-J", "-o", "TARGET,FSTYPE,OPTIONS").out
        found = {m["target"]: m for m in _flatten(json.loads(mounts)["filesystems"])}
        root, lower, data = found.get("/", {}), found.get("/media/root-ro", {}), found.get(HOME, {})
        probe = self.m.sh(f"echo x > {HOME}/.twin-probe && sync && rm {HOME}/.twin-probe")
        f["root_read_only"] = root.get("fstype") == "overlay" and "ro" in str(
            lower.get("options", "")
        ).split(",")
        f["data_read_write"] = (
            data.get("fstype") == "ext4"
            and "rw" in str(data.get("options", "")).split(",")
            and probe.code == 0
        )
        gettys = self.m.sh("systemctl list-units --no-legend --plain 'getty@*' "
                           "'serial-getty@*' 'autovt@*' | grep -c running || true").out  # fmt: skip
        f["login_prompts"] = int(gettys.strip() or 0) + self.m.serial().count("login:")
        for key in ("identity_imported", "token_removed_from_boot", "enrolled", "synced",
                    "root_read_only", "data_read_write"):  # fmt: skip
            if not f[key]:
                self.problem(f"first boot: not {key.replace('_', ' ')}")
        if f["failed_units"]:
            self.problem(f"failed units: {f['failed_units']}")
        if f["login_prompts"]:
            self.problem(f"{f['login_prompts']} login prompt(s)")
        self.log(f"first boot: {json.dumps({k: v for k, v in f.items() if k != 'likeness'})}")

    # -- restarts ----------------------------------------------------------------------------------
    def restarts(self) -> dict[str, float | None]:
        out: dict[str, float | None] = {}
        for signal_name, key in (("KILL", "app_restart_after_kill_s"),
                                 ("STOP", "watchdog_restart_after_hang_s")):  # fmt: skip
            pid = wait_for("the app", self.app_pid, 120)
            t0 = time.monotonic()
            self.m.exec("kill", f"-{signal_name}", str(pid))
            out[key] = None
            try:
                wait_for(f"the app after SIG{signal_name}",
                         lambda p=pid: (self.app_pid() or p) != p, 300)  # fmt: skip
                out[key] = round(time.monotonic() - t0, 1)
            except TwinError as exc:
                self.problem(str(exc))
            # READY is sent once the second frame is handed over; under emulation the page flip
            # that shows it can lag: the home screen must be back within a minute
            shown = None
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                png = self.shot(f"after-sig{signal_name.lower()}")
                if frames.likeness(png, self.twin.reference).same_screen():
                    shown = round(time.monotonic() - t0, 1)
                    break
                time.sleep(1)
            out[f"screen_back_after_{signal_name.lower()}_s"] = shown
            if shown is None:
                self.problem(f"after SIG{signal_name} the home screen did not come back ({png})")
            self.log(
                f"SIG{signal_name}: app back (READY) after {out[key]} s, screen after {shown} s"
            )
        return out

    # -- power cuts ----------------------------------------------------------------------------------
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

    def power_cuts(self) -> list[Cut]:
        done: list[Cut] = []
        hub = self.twin.hub
        for n in range(1, self.cuts + 1):
            during = "sync" if n % 3 == 0 else "check-out"
            boot_s = self.boot() if n > 1 else 0.0  # cut 1: the first boot's app, still up
            up = time.monotonic()
            if during == "check-out":
                self.check_out_loop(up + self.rng.uniform(2.0, 14.0))
            else:
                before = hub.events(self.kiosk_id)
                self.check_out_loop(up + self.rng.uniform(1.0, 4.0))
                # the hub has applied a push; the kiosk is about to (or busy to) record the ack
                wait_for("a push", lambda b=before: hub.events(self.kiosk_id) > b, 120, 0.2)
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
                    self.twin.fsck_failed(f"{self.kiosk_id} cut {n} {name}: {text.strip()[-400:]}")
            cut = Cut(n, during, round(boot_s, 1), round(cut_after, 1), lent, checks)
            done.append(cut)
            self.twin.count_cut()
            self.log(f"cut {n}/{self.cuts} during {during}: boot {boot_s:.1f} s, cut after "
                     f"{cut_after:.1f} s, {lent} lent this boot, fsck {checks}, "
                     f"{len(self.acked)} acknowledged so far")  # fmt: skip
        return done

    # -- the last boot ------------------------------------------------------------------------------
    def final(self) -> bool:
        """Boot, let it sync everything, read its loans; True when it enrolled again."""
        self.boot()
        enrol = self.unit("bannalai-enrol.service", "ConditionResult", "ActiveState")
        again = (
            enrol.get("ConditionResult") != "no"
            or self.twin.hub.enrolment(self.kiosk_id) != self.enrolment
        )
        if again:
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
            self.log(f"final: {status.get('pending_events')} events still pending")
            self.sh("systemctl start bannalai-kiosk.service")
            wait_for("the kiosk app", self.app_pid, 300)
        else:
            self.problem("the kiosk's outbox never emptied")
        rows = json.loads(self.kiosk_cmd("loans --json"))
        self.loans = {(row["barcode"], row["card"]) for row in rows}
        if not self.m.shutdown():
            self.problem("the kiosk did not power off cleanly")
        card = Card(self.card_path)
        for number in (1, 2, 3):
            ok, text = card.fsck(number)
            if not ok:
                self.twin.fsck_failed(f"{self.kiosk_id} final p{number}: {text.strip()[-400:]}")
        return again

    def wait_quiet(self, quiet_s: float, timeout: float = 300) -> None:
        """Until the hub has received no new event from this kiosk for ``quiet_s`` seconds."""
        hub = self.twin.hub
        deadline = time.monotonic() + timeout
        count, since = hub.events(self.kiosk_id), time.monotonic()
        while time.monotonic() - since < quiet_s:
            if time.monotonic() > deadline:
                raise TwinError(f"the kiosk kept pushing for {timeout:.0f} s")
            time.sleep(1)
            now = hub.events(self.kiosk_id)
            if now != count:
                count, since = now, time.monotonic()


class KioskTwin:
    """The library: one hub on 127.0.0.1 and ``kiosks`` kiosks, each in its own QEMU, run side by
    side (the emulator is single-threaded per busy vCPU; two machines keep both cores busy).
    The first kiosk also takes the restart tests; the power cuts are shared out."""

    def __init__(self, build: Path, work: Path, *, cuts: int, seed: int, kiosks: int = 1) -> None:
        self.build, self.work, self.cuts, self.seed = build, work, cuts, seed
        self.results = Results()
        self.hub = TwinHub(work / "hub")
        self.kiosk_ids = [f"K{i}" for i in range(1, kiosks + 1)]
        self.lanes: list[Lane] = []
        self.reference = work / "reference-home.png"
        self.started = time.monotonic()
        self._lock = threading.Lock()

    def problem(self, text: str) -> None:
        log(f"PROBLEM: {text}")
        with self._lock:
            self.results.problems.append(text)

    def count_boot(self) -> None:
        with self._lock:
            self.results.boots += 1

    def count_cut(self) -> None:
        with self._lock:
            self.results.power_cuts += 1

    def fsck_failed(self, text: str) -> None:
        with self._lock:
            self.results.fsck_errors += 1
            self.results.fsck_messages.append(text)

    def prepare(self) -> None:
        build = json.loads((self.build / "build.json").read_text())
        self.results.arch = "aarch64 (qemu-system-aarch64 virt, cortex-a72, TCG)"
        log(f"cards: from {self.build / 'card.img'} (kernel {build['kernel']})")
        cards, books = self.hub.prepare(patrons=120, books=600)
        n = len(self.kiosk_ids)
        shares = [self.cuts // n + (1 if i < self.cuts % n else 0) for i in range(n)]
        for i, kiosk_id in enumerate(self.kiosk_ids):
            lane = Lane(self, kiosk_id, cards[i::n], books[i::n], shares[i], self.seed + i)
            lane.prepare()
            self.lanes.append(lane)
        ref_home = self.work / "reference-home"
        ref_home.mkdir(exist_ok=True)
        (ref_home / "settings.toml").write_text(SETTINGS)
        # the same screen on x86: a kiosk home with the same identity and settings
        shutil.copy(self.lanes[0].work / "kiosk-identity.toml", ref_home / "identity.toml")
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

    def lane_run(self, lane: Lane, out: dict[str, object]) -> None:
        try:
            lane.first_boot()
            if lane is self.lanes[0]:
                out.update(lane.restarts())
            out["cuts"] = lane.power_cuts()
            out["reenrolled"] = lane.final()
        except (TwinError, RuntimeError, OSError, subprocess.SubprocessError) as exc:
            self.problem(f"{lane.kiosk_id} stopped: {exc}")
        finally:
            if lane.machine is not None:
                with contextlib.suppress(OSError):
                    lane.collect_acks()
                lane.m.power_cut()

    def run(self) -> Results:
        r = self.results
        try:
            self.prepare()
            self.hub.start()
            outs: list[dict[str, object]] = [{} for _ in self.lanes]
            threads = [threading.Thread(target=self.lane_run, args=(lane, out), name=lane.kiosk_id)
                       for lane, out in zip(self.lanes, outs, strict=True)]  # fmt: skip
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            self.summarise(outs)
        except (TwinError, RuntimeError, OSError, subprocess.SubprocessError) as exc:
            self.problem(f"stopped: {exc}")
        finally:
            for lane in self.lanes:
                if lane.machine is not None:
                    lane.m.power_cut()
            self.hub.stop()
            r.seconds = round(time.monotonic() - self.started, 1)
        return r

    def summarise(self, outs: list[dict[str, object]]) -> None:
        r, lanes = self.results, self.lanes
        first = lanes[0].first
        r.boot_to_first_frame_s = first.get("seconds")  # type: ignore[assignment]
        r.first_frame = str(first.get("frame", ""))
        r.first_frame_likeness = first.get("likeness", {})  # type: ignore[assignment]
        for key in ("identity_imported", "token_removed_from_boot", "enrolled", "synced",
                    "root_read_only", "data_read_write"):  # fmt: skip
            setattr(r, key, all(bool(lane.first.get(key)) for lane in lanes))
        r.login_prompts = sum(int(lane.first.get("login_prompts", 1)) for lane in lanes)  # type: ignore[call-overload]
        r.failed_units = sorted({u for lane in lanes for u in lane.first.get("failed_units", [])})  # type: ignore[attr-defined]
        r.app_restart_after_kill_s = outs[0].get("app_restart_after_kill_s")  # type: ignore[assignment]
        r.watchdog_restart_after_hang_s = outs[0].get("watchdog_restart_after_hang_s")  # type: ignore[assignment]
        r.screen_back_after_kill_s = outs[0].get("screen_back_after_kill_s")  # type: ignore[assignment]
        r.screen_back_after_hang_s = outs[0].get("screen_back_after_stop_s")  # type: ignore[assignment]
        r.cuts = [c for out in outs for c in out.get("cuts", [])]  # type: ignore[attr-defined]
        r.reenrolled_after_reboot = any(bool(out.get("reenrolled", True)) for out in outs)
        acked = {loan for lane in lanes for loan in lane.acked}
        kiosk_loans = {loan for lane in lanes for loan in lane.loans}
        hub_loans = self.hub.loans()
        r.acknowledged_loans = len(acked)
        r.kiosk_loans = len(kiosk_loans)
        r.lost_loans = len(acked - kiosk_loans) + len(acked - hub_loans)
        r.hub_loans_expected = len(kiosk_loans | acked)
        r.hub_loans_counted = len(hub_loans)
        r.kiosks = {lane.kiosk_id: {"first_boot": lane.first, "acknowledged": len(lane.acked),
                                    "loans": len(lane.loans)} for lane in lanes}  # fmt: skip
        if r.lost_loans:
            self.problem(f"acknowledged loans lost: kiosk {sorted(acked - kiosk_loans)}, "
                         f"hub {sorted(acked - hub_loans)}")  # fmt: skip
        if hub_loans != kiosk_loans | acked:
            self.problem(f"the hub holds {len(hub_loans)} loans, the kiosks {len(kiosk_loans)}: "
                         f"only at the hub {sorted(hub_loans - kiosk_loans)}, only at a kiosk "
                         f"{sorted(kiosk_loans - hub_loans)}")  # fmt: skip
        if r.power_cuts < 20 and self.cuts >= 20:
            self.problem(f"only {r.power_cuts} power cuts")
        if r.fsck_errors:
            self.problem(f"{r.fsck_errors} file system check(s) failed")
        if r.acknowledged_loans == 0:
            self.problem("no loan was acknowledged: the check-out loop did not reach the kiosk")


def _flatten(nodes: list[dict]) -> list[dict]:
    out = []
    for node in nodes:
        out.append(node)
        out.extend(_flatten(node.get("children", [])))
    return out
