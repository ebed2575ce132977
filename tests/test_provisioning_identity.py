"""The identity file, first-boot import and the sd_notify watchdog (no image, no systemd)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk import watchdog
from kiosk.config import Settings
from kiosk.firstboot import (
    RECEIPT_NAME,
    import_identity,
    load_identity,
    provisioning_state,
    timesyncd_config,
)
from wire.identity import (
    BOOT_FILE_NAME,
    Identity,
    IdentityError,
    new_enrolment_token,
    parse_identity,
    render_identity,
)

TOKEN = "tok_" + "A" * 28
GOOD = f"""
kiosk_id = "HMP07-K1"
prison_id = "HMP07"
hub_url = "https://hub.prison.lan:8443"
enrolment_token = "{TOKEN}"
hub_cert_sha256 = "{"AB:" * 31}AB"
"""


def problems(text: str) -> list[str]:
    with pytest.raises(IdentityError) as info:
        parse_identity(text)
    return info.value.problems


# --- wire.identity ------------------------------------------------------------------------


def test_good_file_parses_and_normalises():
    identity = parse_identity(GOOD)
    assert identity.kiosk_id == "HMP07-K1"
    assert identity.hub_cert_sha256 == "ab" * 32
    assert identity.machine_id is None
    assert len(identity.effective_machine_id) == 32
    assert identity.effective_machine_id == parse_identity(GOOD).effective_machine_id


def test_missing_fields_are_all_listed():
    found = problems('kiosk_id = "K1"\n')
    assert "prison_id: missing (required)" in found
    assert "hub_url: missing (required)" in found
    assert "enrolment_token: missing (required)" in found
    assert len(found) == 3


def test_wrong_types_are_named():
    found = problems(GOOD.replace('kiosk_id = "HMP07-K1"', "kiosk_id = 7"))
    assert found == ["kiosk_id: must be text in quotes, not int"]
    found = problems(GOOD + 'version = "1"\n')
    assert found == ["version: must be a whole number, not str"]


def test_http_hub_url_is_refused_except_on_this_machine():
    found = problems(GOOD.replace("https://hub.prison.lan:8443", "http://hub.prison.lan:8080"))
    assert len(found) == 1 and found[0].startswith("hub_url: must use https://")
    assert "127.0.0.1/localhost" in found[0]
    for local in ("http://127.0.0.1:8080", "http://localhost:8080", "http://[::1]:8080"):
        assert parse_identity(GOOD.replace("https://hub.prison.lan:8443", local)).hub_url == local


@pytest.mark.parametrize(
    "url, expected",
    [
        ("ftp://hub.lan", "must be a URL like https://"),
        ("https://", "must be a URL like https://"),
        ("https://user:pw@hub.lan", "must not contain a user name"),
        ("https://hub.lan:99999", "is not a valid URL"),
    ],
)
def test_bad_hub_urls(url, expected):
    [found] = problems(GOOD.replace("https://hub.prison.lan:8443", url))
    assert found.startswith("hub_url: ") and expected in found


def test_other_problems_are_explained():
    text = GOOD.replace(TOKEN, "short").replace('"HMP07"', '"HMP 07"') + 'colour = "red"\n'
    found = problems(text.replace("AB:", "ZZ:"))
    assert any(p.startswith("enrolment_token: must have at least 16") for p in found)
    assert "prison_id: only letters, digits, '.', '_' and '-' are allowed" in found
    assert "colour: unknown field (check the spelling)" in found
    assert any(p.startswith("hub_cert_sha256: must be 64 hexadecimal") for p in found)
    assert problems("kiosk_id = ")[0].startswith("not valid TOML")
    assert problems(b"\xff\xfe")[0] == "file is not UTF-8 text"


idents = st.from_regex(r"[A-Za-z0-9_.-]{1,20}", fullmatch=True)


@given(kiosk=idents, prison=idents, pin=st.booleans())
def test_render_then_parse_is_identity(kiosk, prison, pin):
    identity = Identity(
        kiosk_id=kiosk,
        prison_id=prison,
        hub_url="https://hub.lan",
        enrolment_token=new_enrolment_token(),
        hub_cert_sha256="0f" * 32 if pin else None,
    )
    assert parse_identity(render_identity(identity)) == identity


# --- kiosk.firstboot ----------------------------------------------------------------------


@pytest.fixture
def settings(kiosk_home):
    return Settings.load(kiosk_home)


@pytest.fixture
def boot(tmp_path):
    path = tmp_path / "bootfs"
    path.mkdir()
    return path


def test_import_stores_identity_and_removes_token_from_boot(settings, boot):
    (boot / BOOT_FILE_NAME).write_text(GOOD)
    result = import_identity(settings, boot)
    assert result.ok and result.imported, result.reason
    stored = load_identity(settings)
    assert stored.enrolment_token == TOKEN and stored.machine_id
    assert oct(settings.paths.identity_file.stat().st_mode & 0o777) == "0o640"
    assert not (boot / BOOT_FILE_NAME).exists()
    receipt = (boot / RECEIPT_NAME).read_text()
    assert TOKEN not in receipt and "HMP07-K1" in receipt
    ok, reason = provisioning_state(settings)
    assert (
        ok
        and reason
        == "provisioned as kiosk HMP07-K1 of prison HMP07 (hub https://hub.prison.lan:8443)"
    )

    again = import_identity(settings, boot)  # every later boot
    assert again.ok and not again.imported and again.reason.startswith("already provisioned")


def test_windows_txt_extension_is_accepted(settings, boot):
    (boot / (BOOT_FILE_NAME + ".txt")).write_text(GOOD)
    assert import_identity(settings, boot).ok
    assert not (boot / (BOOT_FILE_NAME + ".txt")).exists() and (boot / RECEIPT_NAME).exists()


def test_missing_identity_gives_the_not_provisioned_reason(settings, boot):
    result = import_identity(settings, boot)
    assert not result.ok
    ok, reason = provisioning_state(settings)
    assert not ok and "not provisioned" in reason and BOOT_FILE_NAME in reason


def test_invalid_identity_reason_reaches_the_screen(settings, boot):
    (boot / BOOT_FILE_NAME).write_text(GOOD.replace("https://hub", "http://hub"))
    result = import_identity(settings, boot)
    assert not result.ok and "hub_url: must use https://" in result.reason
    assert (boot / BOOT_FILE_NAME).exists()  # left for the technician to fix
    ok, reason = provisioning_state(settings)
    assert not ok and "hub_url: must use https://" in reason


def test_reused_token_is_refused(settings, boot):
    (boot / BOOT_FILE_NAME).write_text(GOOD)
    assert import_identity(settings, boot).ok
    second = GOOD.replace(TOKEN, "tok_" + "B" * 28)
    (boot / BOOT_FILE_NAME).write_text(second)
    assert import_identity(settings, boot).ok  # a new token re-provisions the kiosk
    (boot / BOOT_FILE_NAME).write_text(GOOD)  # the first file again
    result = import_identity(settings, boot)
    assert not result.ok and "already used on this kiosk" in result.reason
    assert load_identity(settings).enrolment_token == "tok_" + "B" * 28
    ok, reason = provisioning_state(settings)
    assert ok and "refused" in reason and "already used" in reason


def test_card_with_data_keeps_its_kiosk_id(settings, boot):
    (boot / BOOT_FILE_NAME).write_text(GOOD)
    assert import_identity(settings, boot).ok
    from kiosk.library import Library

    stored = load_identity(settings)
    Library.init(settings, stored.kiosk_id, stored.prison_id)  # the kiosk has run: it has data
    other = GOOD.replace("HMP07-K1", "HMP07-K9").replace(TOKEN, "tok_" + "D" * 28)
    (boot / BOOT_FILE_NAME).write_text(other)
    result = import_identity(settings, boot)
    assert not result.ok and "holds the data of kiosk HMP07-K1" in result.reason
    assert load_identity(settings).kiosk_id == "HMP07-K1"


def test_import_interrupted_before_removing_the_token_completes(settings, boot):
    (boot / BOOT_FILE_NAME).write_text(GOOD)
    assert import_identity(settings, boot).ok
    (boot / RECEIPT_NAME).unlink()
    (boot / BOOT_FILE_NAME).write_text(GOOD)  # as if power was cut before the FAT cleanup
    result = import_identity(settings, boot)
    assert result.ok and not result.imported
    assert not (boot / BOOT_FILE_NAME).exists()


def test_damaged_stored_identity_is_not_provisioned(settings, boot):
    settings.home.mkdir(parents=True, exist_ok=True)
    settings.paths.identity_file.write_text("kiosk_id = 3\n")
    ok, reason = provisioning_state(settings)
    assert not ok and "damaged" in reason and "kiosk_id" in reason


def test_commands_exit_codes(settings, boot, tmp_path):
    def run(*args):
        env = dict(os.environ, KIOSK_HOME=str(settings.home))
        cmd = [sys.executable, "-m", "kiosk", *args]
        return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=60)

    assert run("provisioning-state").returncode == 3
    (boot / BOOT_FILE_NAME).write_text(GOOD.replace('"HMP07"', "5"))
    bad = run("import-identity", "--boot-dir", str(boot))
    assert bad.returncode == 2 and "prison_id: must be text in quotes" in bad.stderr
    (boot / BOOT_FILE_NAME).write_text(GOOD)
    assert run("import-identity", "--boot-dir", str(boot)).returncode == 0
    assert run("provisioning-state").returncode == 0
    out = tmp_path / "conf.d" / "50-bannalai-hub.conf"
    assert run("time-source", "--out", str(out)).returncode == 0
    assert out.read_text() == timesyncd_config(load_identity(settings))
    assert "NTP=hub.prison.lan\n" in out.read_text()
    ready = run("init-from-identity")
    assert ready.returncode == 0, ready.stderr
    assert run("init-from-identity").returncode == 0  # harmless again


# --- kiosk.watchdog -----------------------------------------------------------------------


def test_watchdog_is_a_noop_outside_systemd(monkeypatch):
    monkeypatch.delenv("NOTIFY_SOCKET", raising=False)
    assert watchdog.ready() is False and watchdog.ping() is False
    assert watchdog.ping_interval(environ={}) is None


def test_watchdog_speaks_sd_notify(tmp_path, monkeypatch):
    path = tmp_path / "notify.sock"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as server:
        server.bind(str(path))
        monkeypatch.setenv("NOTIFY_SOCKET", str(path))
        assert watchdog.ready("first\nscreen")
        assert server.recv(256) == b"READY=1\nSTATUS=first screen"
        assert watchdog.ping()
        assert server.recv(256) == b"WATCHDOG=1"
        assert watchdog.status("syncing 3 events")
        assert server.recv(256) == b"STATUS=syncing 3 events"
    monkeypatch.setenv("NOTIFY_SOCKET", str(tmp_path / "gone.sock"))
    assert watchdog.ping() is False  # never raises into the UI


def test_watchdog_interval_is_half_the_timeout():
    env = {"WATCHDOG_USEC": "30000000", "WATCHDOG_PID": str(os.getpid())}
    assert watchdog.ping_interval(environ=env) == 15.0
    env["WATCHDOG_PID"] = str(os.getppid())  # another process, e.g. a wrapper that exec'd nothing
    assert watchdog.ping_interval(environ=env) is None
    env["WATCHDOG_PID"] = "999999999"
    assert watchdog.ping_interval(environ=env) is None


def test_the_unit_path_hands_the_receipt_to_the_privileged_script(settings, boot, tmp_path):
    """As bannalai-identity runs it: the sandboxed import cannot write the boot drive, so it
    leaves the receipt on the data partition; bannalai-boot-receipt puts it on the FAT."""
    from pathlib import Path

    script = Path(__file__).resolve().parents[1] / "provisioning/sbin/bannalai-boot-receipt"
    receipt = tmp_path / ".boot-receipt.toml"
    nothing = subprocess.run([script, boot, receipt], capture_output=True, text=True)
    assert nothing.returncode == 0 and not list(boot.iterdir())  # no receipt: nothing touched

    (boot / BOOT_FILE_NAME).write_text(GOOD)
    boot.chmod(0o555)  # the boot drive as the sandbox sees it
    try:
        result = import_identity(settings, boot, receipt_to=receipt)
    finally:
        boot.chmod(0o755)
    assert result.ok and result.imported and "could not" not in result.reason, result.reason
    assert load_identity(settings).enrolment_token == TOKEN  # stored before the FAT is touched
    assert (boot / BOOT_FILE_NAME).exists() and TOKEN not in receipt.read_text()

    done = subprocess.run([script, boot, receipt], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in boot.iterdir()) == [RECEIPT_NAME]
    assert TOKEN not in (boot / RECEIPT_NAME).read_text() and not receipt.exists()


def test_start_up_pings_come_from_a_thread_until_ready(tmp_path, monkeypatch):
    """systemd's watchdog runs while the unit is still starting: a slow start is kept alive
    (a start that never ends is TimeoutStartSec's job), and the pings stop at READY."""
    path = tmp_path / "notify.sock"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as server:
        server.bind(str(path))
        server.settimeout(5)
        env = {
            "NOTIFY_SOCKET": str(path),
            "WATCHDOG_USEC": "100000",
            "WATCHDOG_PID": str(os.getpid()),
        }
        monkeypatch.setenv("NOTIFY_SOCKET", str(path))
        monkeypatch.setattr(watchdog, "_starting", None)
        assert watchdog.keep_alive_while_starting(environ=env)
        assert not watchdog.keep_alive_while_starting(environ=env)  # only one thread
        assert [server.recv(64) for _ in range(3)] == [b"WATCHDOG=1"] * 3  # every 50 ms
        assert watchdog.ready("up")
        seen = []
        server.settimeout(0.3)
        try:
            while True:
                seen.append(server.recv(64))
        except TimeoutError:
            pass
        assert b"READY=1\nSTATUS=up" in seen
        assert seen[-1] == b"READY=1\nSTATUS=up" or seen.count(b"WATCHDOG=1") <= 1
    assert not watchdog.keep_alive_while_starting(environ={})  # no watchdog: nothing to do
