"""Real processes for hub and sync tests: a uvicorn hub on 127.0.0.1, kiosk homes, a TCP proxy
that cuts connections on demand. Used by tests/test_hub_*.py, tests/test_sync_*.py and bench/."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class HubProcess:
    """``python -m hub serve`` in its own process, started and stopped like the real service."""

    def __init__(
        self, data_dir: Path, port: int | None = None, *, extra_env: dict | None = None,
        tls: bool = False,
    ):  # fmt: skip
        self.tls = tls  # True: hub.toml in data_dir names tls_cert and tls_key
        self.data_dir = Path(data_dir)
        self.port = port or free_port()
        self.proc: subprocess.Popen | None = None
        self.env = {**os.environ, **(extra_env or {})}

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    def start(self, timeout: float = 20.0) -> HubProcess:
        cmd = [sys.executable, "-m", "hub", "serve", "--data-dir", str(self.data_dir),
               "--port", str(self.port)]  # fmt: skip
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=self.env, stderr=subprocess.PIPE)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"hub exited: {self.proc.stderr.read().decode()[-2000:]}")
            try:
                health = httpx.get(f"{self.url}/api/v1/health", timeout=1, verify=False)
                if health.status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError("hub did not start")

    def kill(self) -> None:
        """SIGKILL: the hub loses power, as far as it can tell."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()

    def __enter__(self) -> HubProcess:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def hub_call(data_dir: Path, fn):
    """Run ``fn(conn, hub)`` on the hub database from this process (as the CLI does)."""
    from hub.app import Hub
    from hub.config import Settings

    with Hub(Settings.load(data_dir)) as hub:
        return hub.db.write(lambda conn: fn(conn, hub))


def issue_token(data_dir: Path, kiosk_id: str, prison_id: str, ttl_s: int = 3600) -> str:
    from hub.auth import issue_enrolment_token

    return hub_call(
        data_dir,
        lambda conn, hub: issue_enrolment_token(
            conn, kiosk_id, prison_id, timedelta(seconds=ttl_s), hub.now()
        ),
    )


def hub_query(data_dir: Path, sql: str, args: tuple = ()) -> list[tuple]:
    import sqlite3

    conn = sqlite3.connect(Path(data_dir) / "hub.sqlite3", timeout=30)
    try:
        return conn.execute(sql, args).fetchall()
    finally:
        conn.close()


def make_kiosk(home: Path, kiosk_id: str, prison_id: str):
    from kiosk.config import Settings
    from kiosk.library import Library

    settings = Settings.load(home)
    Library.init(settings, kiosk_id, prison_id)
    return settings


def enrolled_kiosk(home: Path, hub: HubProcess, kiosk_id: str, prison_id: str = "p1", *, url=None):
    """A kiosk home, initialised and enrolled with ``hub`` (through ``url`` if given)."""
    from kiosk.enrolment import enrol
    from kiosk.library import Library

    settings = make_kiosk(home, kiosk_id, prison_id)
    token = issue_token(hub.data_dir, kiosk_id, prison_id)
    with Library.open(settings) as library:
        enrol(library, settings, url or hub.url, token)
    return settings


class TcpProxy:
    """A loopback TCP proxy to ``target_port``. ``cut_after(n)`` makes every new connection
    drop after ``n`` bytes from the client (the request dies mid-body); ``cut_reply(n)`` drops
    after ``n`` bytes of the answer (the hub applied the batch but the kiosk never hears)."""

    def __init__(self, target_port: int):
        self.target_port = target_port
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.up_limit: int | None = None
        self.down_limit: int | None = None
        self.cuts = 0
        self._stop = False
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def cut_after(self, n: int | None) -> None:
        self.up_limit = n

    def cut_reply(self, n: int | None) -> None:
        self.down_limit = n

    def close(self) -> None:
        self._stop = True
        self.server.close()

    def _accept(self) -> None:
        while not self._stop:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target_port))
            except OSError:
                client.close()
                continue
            pair = [client, upstream]
            for src, dst, limit in ((client, upstream, self.up_limit),
                                    (upstream, client, self.down_limit)):  # fmt: skip
                threading.Thread(
                    target=self._pipe, args=(src, dst, limit, pair), daemon=True
                ).start()

    def _pipe(self, src, dst, limit, pair) -> None:
        sent = 0
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                if limit is not None and sent + len(data) > limit:
                    dst.sendall(data[: max(0, limit - sent)])
                    self.cuts += 1
                    break
                dst.sendall(data)
                sent += len(data)
        except OSError:
            pass
        for sock in pair:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
