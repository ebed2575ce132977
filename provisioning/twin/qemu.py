"""One booted twin: qemu-system-aarch64 with the card as its virtio disk, and the two channels
the tests drive it through — QMP (the machine: screen dumps, key presses, power) and the QEMU
guest agent (commands inside the booted system, as root).

The machine is the Pi's shape as far as QEMU's ``virt`` board allows: cortex-a72, 2 GiB, the
card as one virtio disk with a cache mode that honours the guest's flushes (``writeback``: a
flush is an fsync on the host, so a SIGKILL of QEMU loses what a power cut loses: everything the
guest had not flushed), a virtio-gpu display at the panel's 800x480, an i6300esb hardware
watchdog that resets the machine, a virtio keyboard (the USB barcode scanner: a scanner *is* a
keyboard), and user-mode networking that reaches nothing but the hub: ``restrict=on`` and one
forward from 10.0.2.100:8443 in the guest to 127.0.0.1 on the host.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import shlex
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

HUB_GUEST_ADDR = "10.0.2.100"
HUB_GUEST_PORT = 8443

# qcode names of the keys a barcode can hold (QEMU's QKeyCode); upper case adds shift.
_QCODES = {**{c: c for c in "abcdefghijklmnopqrstuvwxyz0123456789"}, "-": "minus", ".": "dot"}
_QCODES.update({"/": "slash", " ": "spc", "=": "equal", ",": "comma", ";": "semicolon"})


class TwinError(RuntimeError):
    """The twin could not do what a test asked (QEMU gone, agent silent, ...)."""


@dataclass(frozen=True)
class ExecResult:
    code: int
    out: str
    err: str


class _JsonSocket:
    """A line-delimited JSON conversation over a unix socket (QMP and the guest agent)."""

    def __init__(self, path: Path, timeout: float) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect(str(path))
        self.buf = b""

    def send(self, message: dict) -> None:
        self.sock.sendall(json.dumps(message).encode() + b"\n")

    def receive(self) -> dict:
        while b"\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise TwinError("the QEMU socket closed")
            self.buf += chunk
        line, _, self.buf = self.buf.partition(b"\n")
        line = line.strip(b"\xff").strip()  # the agent's sync delimiter is 0xff
        return json.loads(line) if line else self.receive()

    def close(self) -> None:
        self.sock.close()


class Machine:
    """``start()`` boots the card; ``power_cut()`` is SIGKILL; ``shutdown()`` a clean power-off."""

    def __init__(
        self,
        work: Path,
        card: Path,
        kernel: Path,
        initrd: Path,
        cmdline: str,
        hub_port: int,
        *,
        smp: int = 2,
        memory_mib: int = 2048,
        name: str = "twin",
    ) -> None:
        self.work, self.card, self.kernel, self.initrd = work, card, kernel, initrd
        self.cmdline, self.hub_port, self.smp, self.memory_mib = cmdline, hub_port, smp, memory_mib
        self.name = name
        self.qmp_path = work / f"{name}-qmp.sock"
        self.agent_path = work / f"{name}-agent.sock"
        self.serial_log = work / f"{name}-serial.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self.started_at = 0.0
        self._qmp: _JsonSocket | None = None

    # -- the machine --------------------------------------------------------------------------
    def argv(self) -> list[str]:
        forward = (
            f"guestfwd=tcp:{HUB_GUEST_ADDR}:{HUB_GUEST_PORT}-"
            f"cmd:socat - TCP:127.0.0.1:{self.hub_port}"
        )
        return [
            "qemu-system-aarch64",
            "-M", "virt", "-cpu", "cortex-a72", "-accel", "tcg,thread=multi",
            "-smp", str(self.smp), "-m", str(self.memory_mib),
            "-kernel", str(self.kernel), "-initrd", str(self.initrd),
            "-append", self.cmdline,
            "-drive", f"file={self.card},if=none,id=card,format=raw,cache=writeback,discard=unmap",
            "-device", "virtio-blk-pci,drive=card",
            "-device", "virtio-gpu-pci,xres=800,yres=480",
            "-device", "virtio-keyboard-pci",
            "-device", "i6300esb", "-action", "watchdog=reset",
            "-netdev", f"user,id=lan,restrict=on,{forward}",
            "-device", "virtio-net-pci,netdev=lan,romfile=",
            "-device", "virtio-serial-pci",
            "-chardev", f"socket,id=agent,path={self.agent_path},server=on,wait=off",
            "-device", "virtserialport,chardev=agent,name=org.qemu.guest_agent.0",
            "-serial", f"file:{self.serial_log}",
            "-qmp", f"unix:{self.qmp_path},server=on,wait=off",
            "-display", "none", "-nodefaults", "-no-user-config",
        ]  # fmt: skip

    def start(self) -> None:
        for path in (self.qmp_path, self.agent_path):
            path.unlink(missing_ok=True)
        self.serial_log.write_bytes(b"")  # QEMU appends; one log per boot is easier to read
        log = open(self.work / f"{self.name}-qemu.log", "ab")  # noqa: SIM115 (QEMU's own stderr)
        self.started_at = time.monotonic()
        self.proc = subprocess.Popen(self.argv(), stdout=log, stderr=log, stdin=subprocess.DEVNULL)
        log.close()
        deadline = time.monotonic() + 30
        while not self.qmp_path.exists():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise TwinError(f"QEMU did not start: see {self.work / (self.name + '-qemu.log')}")
            time.sleep(0.1)
        self._qmp = _JsonSocket(self.qmp_path, 30)
        self._qmp.receive()  # greeting
        self.qmp("qmp_capabilities")

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def since_start(self) -> float:
        return time.monotonic() - self.started_at

    def qmp(self, command: str, **arguments: object) -> object:
        if self._qmp is None:
            raise TwinError("QEMU is not running")
        self._qmp.send({"execute": command, "arguments": arguments} if arguments else
                       {"execute": command})  # fmt: skip
        while True:
            reply = self._qmp.receive()
            if "return" in reply:
                return reply["return"]
            if "error" in reply:
                raise TwinError(f"QMP {command}: {reply['error'].get('desc')}")
            # an asynchronous event (RESET, WATCHDOG, ...): keep reading

    def screendump(self, path: Path) -> Path:
        self.qmp("screendump", filename=str(path))
        return path

    def type_code(self, code: str, hold_ms: int = 8) -> None:
        """Type ``code`` and Enter on the virtual keyboard, as a wedge scanner does."""
        for char in code:
            key = _QCODES.get(char.lower())
            if key is None:
                raise TwinError(f"cannot type {char!r}")
            keys = [{"type": "qcode", "data": key}]
            if char.isupper():
                keys.insert(0, {"type": "qcode", "data": "shift"})
            self.qmp("send-key", keys=keys, **{"hold-time": hold_ms})
        self.qmp("send-key", keys=[{"type": "qcode", "data": "ret"}], **{"hold-time": hold_ms})

    def power_cut(self) -> None:
        """Pull the plug: SIGKILL, nothing flushed that the guest had not flushed itself."""
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        self._close()

    def shutdown(self, timeout: float = 120) -> bool:
        """A clean power-off from inside (systemctl poweroff); True when QEMU exited by itself."""
        if not self.running():
            return True
        with contextlib.suppress(TwinError):
            self.exec("systemctl", "--no-block", "poweroff", timeout=20)
        assert self.proc is not None
        try:
            self.proc.wait(timeout)
            clean = True
        except subprocess.TimeoutExpired:
            clean = False
        self.power_cut()
        return clean

    def _close(self) -> None:
        if self._qmp is not None:
            self._qmp.close()
            self._qmp = None

    def serial(self) -> str:
        try:
            return self.serial_log.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    # -- inside the booted system ---------------------------------------------------------------
    def _agent(self, timeout: float) -> _JsonSocket:
        agent = _JsonSocket(self.agent_path, timeout)
        token = int(time.monotonic() * 1000) % 2**31
        agent.sock.sendall(b"\xff")
        agent.send({"execute": "guest-sync-delimited", "arguments": {"id": token}})
        while agent.receive().get("return") != token:
            pass
        return agent

    def agent_ready(self, timeout: float = 3) -> bool:
        try:
            self._agent(timeout).close()
            return True
        except (OSError, TwinError, ValueError):
            return False

    def exec(self, *argv: str, timeout: float = 120, stdin: str | None = None) -> ExecResult:
        """Run ``argv`` in the guest as root and wait for it (the guest agent's guest-exec)."""
        if not self.running():
            raise TwinError("QEMU is not running")
        try:
            agent = self._agent(min(timeout, 20))
        except (OSError, ValueError) as exc:
            raise TwinError(f"the guest agent does not answer: {exc}") from exc
        try:
            arguments: dict[str, object] = {
                "path": argv[0], "arg": list(argv[1:]), "capture-output": True,
            }  # fmt: skip
            if stdin is not None:
                arguments["input-data"] = base64.b64encode(stdin.encode()).decode()
            agent.send({"execute": "guest-exec", "arguments": arguments})
            reply = agent.receive()
            if "error" in reply:
                raise TwinError(f"guest-exec {shlex.join(argv)}: {reply['error'].get('desc')}")
            pid = reply["return"]["pid"]
            deadline = time.monotonic() + timeout
            while True:
                agent.send({"execute": "guest-exec-status", "arguments": {"pid": pid}})
                status = agent.receive()["return"]
                if status.get("exited"):
                    break
                if time.monotonic() > deadline:
                    raise TwinError(f"{shlex.join(argv)} did not finish within {timeout:.0f} s")
                time.sleep(0.2)
        except OSError as exc:
            raise TwinError(f"the guest agent went away: {exc}") from exc
        finally:
            agent.close()
        decode = lambda key: base64.b64decode(status.get(key, "")).decode(errors="replace")  # noqa: E731
        return ExecResult(int(status.get("exitcode", -1)), decode("out-data"), decode("err-data"))

    def sh(self, script: str, timeout: float = 120) -> ExecResult:
        return self.exec("/bin/sh", "-c", script, timeout=timeout)
