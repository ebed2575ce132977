"""Tell systemd how the kiosk app is doing: ready, still alive, and a one-line status.

The kiosk unit is ``Type=notify`` with ``WatchdogSec=``: systemd starts the screen only once the
app says ``READY=1`` and kills and restarts it when the ``WATCHDOG=1`` pings stop (a hung Kivy
main loop). The protocol is a datagram on the socket named by ``$NOTIFY_SOCKET`` (sd_notify(3)),
spoken here with plain sockets so no library is needed.

Outside systemd (tests, a developer's machine) every call is a silent no-op that returns False.
This module must never raise into the UI: a failed notification is logged by systemd's watchdog,
not by crashing the kiosk. Call :func:`ping` from the Kivy main loop (``Clock.schedule_interval``
with :func:`ping_interval`), never from a worker thread, or a frozen screen would look alive.
The one exception is start-up: systemd's watchdog already runs while the unit is "activating",
and a slow start (imports, GL set-up, the first frames) must not be killed as a hang — a start
that never finishes is ``TimeoutStartSec=``'s job. :func:`keep_alive_while_starting` pings from
a thread until :func:`ready`.
"""

from __future__ import annotations

import os
import socket
import threading

__all__ = ["notify", "ready", "ping", "status", "stopping", "ping_interval",
           "keep_alive_while_starting"]  # fmt: skip

_starting: threading.Event | None = None  # set by ready(): the start-up pings stop


def notify(message: str, *, environ: dict[str, str] | None = None) -> bool:
    """Send ``message`` (e.g. ``"READY=1\\nSTATUS=up"``); True if systemd got it."""
    env = os.environ if environ is None else environ
    address = env.get("NOTIFY_SOCKET", "")
    if not address:
        return False
    if address.startswith("@"):
        address = "\0" + address[1:]  # Linux abstract socket namespace
    elif not address.startswith("/"):
        return False  # vsock and other transports are not used on a kiosk
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
            sock.connect(address)
            sock.sendall(message.encode("utf-8", "replace"))
    except OSError:
        return False
    return True


def keep_alive_while_starting(*, environ: dict[str, str] | None = None) -> bool:
    """Ping from a daemon thread until :func:`ready`; True when pinging (under a watchdog)."""
    global _starting
    interval = ping_interval(environ=environ)
    if interval is None or _starting is not None:
        return False
    done = _starting = threading.Event()

    def pings() -> None:
        while not done.is_set():
            notify("WATCHDOG=1", environ=environ)
            done.wait(interval)

    threading.Thread(target=pings, name="watchdog-start", daemon=True).start()
    return True


def ready(status_text: str = "") -> bool:
    """The app is up and showing its first screen (the start-up pings stop)."""
    if _starting is not None:
        _starting.set()
    line = "READY=1" + (f"\nSTATUS={_one_line(status_text)}" if status_text else "")
    return notify(line)


def ping() -> bool:
    """Still alive: call at least every :func:`ping_interval` seconds from the main loop."""
    return notify("WATCHDOG=1")


def status(text: str) -> bool:
    """A one-line status shown by ``systemctl status`` (e.g. ``"syncing"``, ``"no hub"``)."""
    return notify(f"STATUS={_one_line(text)}")


def stopping() -> bool:
    return notify("STOPPING=1")


def ping_interval(*, environ: dict[str, str] | None = None) -> float | None:
    """Half the watchdog timeout systemd set for this process, or None when there is none."""
    env = os.environ if environ is None else environ
    usec = env.get("WATCHDOG_USEC", "")
    pid = env.get("WATCHDOG_PID", "")
    if not usec.isdigit() or int(usec) == 0:
        return None
    # systemd addresses the unit's main process: the app itself (no compositor in between).
    if pid.isdigit() and int(pid) != os.getpid():
        return None  # meant for some other process
    return int(usec) / 1_000_000 / 2


def _one_line(text: str) -> str:
    return " ".join(text.split())[:200]
