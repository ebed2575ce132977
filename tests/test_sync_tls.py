"""A hub serving HTTPS with a self-signed certificate; the kiosk trusts it only by its pin."""

from __future__ import annotations

import subprocess
import sys

import pytest
from sync_harness import ROOT, HubProcess, free_port, make_kiosk

from kiosk.enrolment import enrol
from kiosk.errors import KioskError
from kiosk.library import Library
from kiosk.sync import SyncAgent
from wire.identity import parse_identity


@pytest.fixture
def tls_hub(tmp_path):
    data = tmp_path / "hub"
    data.mkdir()
    cert, key = data / "hub.crt", data / "hub.key"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "30",
         "-subj", "/CN=hub.prison.lan", "-addext", "subjectAltName=DNS:hub.prison.lan",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    port = free_port()
    (data / "hub.toml").write_text(f'tls_cert = "{cert}"\ntls_key = "{key}"\nport = {port}\n')
    with HubProcess(data, port, tls=True) as hub:
        yield hub


def identity_text(hub, kiosk_id):
    out = subprocess.run(
        [sys.executable, "-m", "hub", "enrolment-token", "--data-dir", str(hub.data_dir),
         "--kiosk-id", kiosk_id, "--prison-id", "p1"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    )  # fmt: skip
    token, _, text = out.stdout.partition("\n")
    identity = parse_identity(text)
    assert identity.enrolment_token == token and identity.hub_url == hub.url
    assert identity.hub_cert_sha256  # the hub printed its own fingerprint
    return text


def test_pinned_self_signed_hub_enrols_and_syncs(tls_hub, tmp_path):
    settings = make_kiosk(tmp_path / "k1", "k1", "p1")
    settings.paths.identity_file.write_text(identity_text(tls_hub, "k1"))
    with Library.open(settings) as library:
        enrol(library, settings)
        library.record_reading_session(
            content_id="c1", started_at=library.clock.now(), minutes=2, pages=1
        )
        result = SyncAgent(library, settings).run_once()
        assert result["ok"] and result["pushed"] == 1, result


def test_a_different_certificate_is_refused(tls_hub, tmp_path):
    settings = make_kiosk(tmp_path / "k1", "k1", "p1")
    text = identity_text(tls_hub, "k1")
    lines = [
        'hub_cert_sha256 = "' + "ab" * 32 + '"' if line.startswith("hub_cert_sha256") else line
        for line in text.splitlines()
    ]
    settings.paths.identity_file.write_text("\n".join(lines) + "\n")
    with Library.open(settings) as library, pytest.raises(KioskError, match="pinned"):
        enrol(library, settings)
