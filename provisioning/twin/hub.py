"""The hub the twin enrols with: the project's own ``python -m hub serve`` on 127.0.0.1, HTTPS
with a self-signed certificate (the kiosk trusts it by the fingerprint in its identity file), as
on a prison LAN. The guest reaches it at https://10.0.2.100:8443 through QEMU's one forward.
"""

from __future__ import annotations

import csv
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx

from provisioning.twin.qemu import HUB_GUEST_ADDR, HUB_GUEST_PORT

ROOT = Path(__file__).resolve().parents[2]
PRISON = "PP1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class TwinHub:
    def __init__(self, data_dir: Path, python: str = sys.executable) -> None:
        self.data_dir, self.python = data_dir, python
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        self.log_path = data_dir / "hub.log"

    # -- set-up, as an administrator does it -------------------------------------------------
    def hub(self, *args: str, stdin: str | None = None) -> str:
        out = subprocess.run(
            [self.python, "-m", "hub", *args, "--data-dir", str(self.data_dir)],
            cwd=ROOT, capture_output=True, text=True, input=stdin,
        )  # fmt: skip
        if out.returncode != 0:
            raise RuntimeError(f"hub {' '.join(args)} failed: {out.stderr.strip()[-800:]}")
        return out.stdout

    def prepare(self, patrons: int, books: int) -> tuple[list[str], list[str]]:
        """Certificate, settings, a roster and a catalogue: returns (cards, barcodes)."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        cert, key = self.data_dir / "hub.crt", self.data_dir / "hub.key"
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "30",
             "-subj", "/CN=hub.prison.lan", "-addext", f"subjectAltName=IP:{HUB_GUEST_ADDR}",
             "-keyout", str(key), "-out", str(cert)],
            check=True, capture_output=True,
        )  # fmt: skip
        (self.data_dir / "hub.toml").write_text(
            f'tls_cert = "{cert}"\ntls_key = "{key}"\nport = {self.port}\n'
            f'public_url = "https://{HUB_GUEST_ADDR}:{HUB_GUEST_PORT}"\n'
        )
        cards = [f"C{3000 + i}" for i in range(1, patrons + 1)]
        barcodes = [f"B{5000 + i}" for i in range(1, books + 1)]
        roster, catalogue = self.data_dir / "patrons.csv", self.data_dir / "catalog.csv"
        with roster.open("w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(["card", "detainee_no", "name", "name_latin", "category", "cell"])
            for n, card in enumerate(cards, start=1):
                w.writerow([card, f"D-2026-{n:04d}", f"អ្នកអាន {n}", f"Reader {n}", "adult", "A1"])
        with catalogue.open("w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(["barcode", "title", "title_latin", "author", "isbn", "category",
                        "reading_level"])  # fmt: skip
            for n, barcode in enumerate(barcodes, start=1):
                w.writerow([barcode, f"សៀវភៅ {n}", f"Book {n}", "", "", "រឿងនិទាន", "1"])
        self.hub("import-patrons", str(roster), "--prison", PRISON)
        self.hub("import-catalog", str(catalogue), "--prison", PRISON)
        return cards, barcodes

    def identity(self, kiosk_id: str, dest: Path) -> Path:
        """``hub enrolment-token``: the identity file a technician copies to the card."""
        out = self.hub("enrolment-token", "--kiosk-id", kiosk_id, "--prison-id", PRISON)
        _token, _, text = out.partition("\n")
        dest.write_text(text, encoding="utf-8")
        return dest

    # -- the running service -------------------------------------------------------------------
    def start(self, timeout: float = 30) -> None:
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            [self.python, "-m", "hub", "serve", "--data-dir", str(self.data_dir),
             "--port", str(self.port)],
            cwd=ROOT, stdout=log, stderr=log, stdin=subprocess.DEVNULL,
        )  # fmt: skip
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the hub exited: see {self.log_path}")
            try:
                url = f"https://127.0.0.1:{self.port}/api/v1/health"
                if httpx.get(url, timeout=1, verify=False).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.2)
        raise RuntimeError("the hub did not answer")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()

    # -- what the hub holds (read-only) ----------------------------------------------------------
    def _query(self, sql: str, *params: object) -> list[tuple]:
        db = self.data_dir / "hub.sqlite3"
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
            return conn.execute(sql, params).fetchall()

    def events(self, kiosk_id: str) -> int:
        """How many events of ``kiosk_id`` the hub has applied (it grows with every push)."""
        return int(self._query("SELECT COUNT(*) FROM events WHERE kiosk_id = ?", kiosk_id)[0][0])

    def last_seen(self, kiosk_id: str) -> str | None:
        """The kiosk's last push or pull, as the hub recorded it."""
        rows = self._query("SELECT last_seen FROM kiosks WHERE kiosk_id = ?", kiosk_id)
        return rows[0][0] if rows else None

    def loans(self) -> set[tuple[str, str]]:
        """(barcode, card) of every check-out the hub recorded for the prison."""
        rows = self._query(
            "SELECT barcode, card FROM loans WHERE prison_id = ? AND out_event_id IS NOT NULL",
            PRISON,
        )
        return {(str(b), str(c)) for b, c in rows}

    def enrolment(self, kiosk_id: str) -> tuple[str | None, str | None]:
        """(enrolled_at, credential hash) of ``kiosk_id``: a second enrolment changes both."""
        rows = self._query(
            "SELECT enrolled_at, credential_hash FROM kiosks WHERE kiosk_id = ?", kiosk_id
        )
        return (rows[0][0], rows[0][1]) if rows else (None, None)
