"""``./bannalai demo`` (``python -m demo``): everything Bannalai does, on sample Khmer data.

1. starts a hub on 127.0.0.1 with an admin account (demo / demo-password);
2. imports the sample catalogue and roster into the hub; provisions a kiosk home from an identity
   file as a first boot does, enrols it with its one-time token, pulls them from the hub and adds the project's own sample e-books;
3. lends, returns and renews from the command line, including refusals;
4. syncs the kiosk to the hub and prints the month's programme figures;
5. opens the kiosk touchscreen app (a window) until you close it; the dashboard stays at the
   printed address while it runs. ``--no-app`` stops after step 4.
Everything lives under ``.demo/`` in the checkout (made afresh each run); nothing is fetched.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import httpx
from rich.console import Console

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
console = Console()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(*args: str, check: bool = True, stdin: str | None = None, show: bool = True) -> str:
    if show:
        console.print(f"[bold cyan]$ python -m {' '.join(args)}[/]")
    out = subprocess.run(
        [sys.executable, "-m", *args], input=stdin, capture_output=True, text=True, cwd=ROOT
    )
    if show:
        for line in (out.stdout + out.stderr).rstrip().splitlines():
            console.print(f"  {line}", markup=False, highlight=False)
    if check and out.returncode != 0:
        raise SystemExit(f"demo step failed: python -m {' '.join(args)}")
    return out.stdout


def start_hub(hub_home: Path, port: int) -> subprocess.Popen:
    log = open(hub_home / "hub.log", "w")  # noqa: SIM115 (kept open for the hub's life)
    proc = subprocess.Popen(
        [sys.executable, "-m", "hub", "serve", "--data-dir", str(hub_home), "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=ROOT,
    )
    url = f"http://127.0.0.1:{port}/api/v1/health"
    for _ in range(150):
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        if proc.poll() is not None:
            raise SystemExit(f"the hub did not start; see {hub_home / 'hub.log'}")
        time.sleep(0.2)
    proc.terminate()
    raise SystemExit("the hub did not answer within 30 s")


def main() -> int:
    parser = argparse.ArgumentParser(prog="./bannalai demo", description=__doc__.splitlines()[0])
    parser.add_argument("--no-app", action="store_true", help="do not open the kiosk app")
    parser.add_argument("--dir", type=Path, default=ROOT / ".demo", help="where (default .demo/)")
    args = parser.parse_args()

    base = args.dir.resolve()
    shutil.rmtree(base, ignore_errors=True)
    hub_home, kiosk_home = base / "hub", base / "kiosk"
    hub_home.mkdir(parents=True)
    port = free_port()
    hub_url = f"http://127.0.0.1:{port}"
    k = ("--home", str(kiosk_home))
    h = ("--data-dir", str(hub_home))

    console.rule("[bold]1. The hub (prison LAN server)")
    run("hub", "create-admin", "demo", "--password-stdin", *h, stdin="demo-password\n")
    hub = start_hub(hub_home, port)
    try:
        console.print(f"  hub running at {hub_url}")
        token_out = run(
            "hub",
            "enrolment-token",
            "--kiosk-id",
            "kiosk-1",
            "--prison-id",
            "PP1",
            "--hub-url",
            hub_url,
            *h,
            show=False,
        )
        # The identity file, as a technician copies it onto the SD card's boot partition.
        boot = base / "boot"
        boot.mkdir()
        identity = token_out.partition("\n")[2]
        (boot / "kiosk-identity.toml").write_text(identity, encoding="utf-8")
        console.print("  one-time enrolment token and identity file made for kiosk-1 of prison PP1")

        run("hub", "import-catalog", str(DATA / "catalog.csv"), "--prison", "PP1", *h)
        run("hub", "import-patrons", str(DATA / "patrons.csv"), "--prison", "PP1", *h)

        console.rule("[bold]2. A kiosk: identity, enrolment, catalogue and roster from the hub")
        # What a kiosk's first boot does (bannalai-identity, then bannalai-enrol): the app
        # opens only on a provisioned kiosk, and its sync thread needs the enrolment.
        run("kiosk", "import-identity", "--boot-dir", str(boot), *k)
        run("kiosk", "init-from-identity", *k)
        run("kiosk", "enrol", *k)
        run("kiosk", "sync", "--once", *k)
        run("kiosk", "install-samples", *k)

        console.rule("[bold]3. Lending at the desk")
        run("kiosk", "checkout", "C1001", "B0001", "B0003", *k)
        run("kiosk", "checkout", "C1002", "B0001", "B0004", *k, check=False)  # B0001 is lent
        run("kiosk", "checkout", "C9999", "B0005", *k, check=False)  # unknown card
        run("kiosk", "checkin", "B0003", *k)
        run("kiosk", "renew", "B0001", *k, check=False)  # too soon: lent today
        run("kiosk", "loans", *k)

        console.rule("[bold]4. Sync to the hub and the month's figures")
        run("kiosk", "sync", "--once", *k)
        run("kiosk", "status", *k)
        run("hub", "report", "--month", date.today().strftime("%Y-%m"), "--json", *h)
        console.print(f"\nDashboard: {hub_url}/  (user demo, password demo-password)")

        if args.no_app:
            console.print(
                "The hub stops now (--no-app). To see the dashboard: python -m hub serve "
                f"--data-dir {hub_home} --port {port}"
            )
            return 0
        if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
            console.print("No screen here (DISPLAY is not set): the kiosk app is not opened.")
            console.print(
                f"Screenshots: python -m kiosk screenshot --screen home --lang km --out home.png --home {kiosk_home}"
            )
            return 0
        console.rule("[bold]5. The kiosk touchscreen app (close the window to end the demo)")
        subprocess.run([sys.executable, "-m", "kiosk", "run", *k], cwd=ROOT)
        return 0
    finally:
        hub.terminate()
        hub.wait(timeout=15)


if __name__ == "__main__":
    sys.exit(main())
