"""``python -m hub``: admin, enrolment token + identity, kiosks listing, backup, unsafe serve."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys

from sync_harness import ROOT

from wire.identity import parse_identity


def hub(*args, data, stdin=None):
    return subprocess.run(
        [sys.executable, "-m", "hub", *args, "--data-dir", str(data)],
        cwd=ROOT, capture_output=True, text=True, input=stdin, timeout=60,
    )  # fmt: skip


def test_admin_token_kiosks_and_backup(tmp_path):
    data = tmp_path / "hub"
    book = tmp_path / "book.epub"
    book.write_bytes(b"PK epub bytes")
    out = hub("publish-content", str(book), "--prison-id", "p1", "--content-id", "b1", data=data)
    assert out.returncode == 0, out.stderr
    out = hub("create-admin", "admin", "--password-stdin", data=data, stdin="correct horse 1\n")
    assert out.returncode == 0, out.stderr
    assert hub("create-admin", "admin", "--password-stdin", data=data,
               stdin="correct horse 1\n").returncode == 1  # fmt: skip
    out = hub("enrolment-token", "--kiosk-id", "k1", "--prison-id", "p1", "--ttl", "2h", data=data)
    token, _, identity = out.stdout.partition("\n")
    assert parse_identity(identity).enrolment_token == token
    assert hub("enrolment-token", "--kiosk-id", "k1", "--prison-id", "p1", "--ttl", "soon",
               data=data).returncode == 1  # fmt: skip
    listed = json.loads(hub("kiosks", "--json", data=data).stdout)
    assert listed == []  # a kiosk appears once it has enrolled
    for _ in range(3):
        out = hub("backup", "--out", str(tmp_path / "bk"), "--keep", "2", "--json", data=data)
        assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["content_files_copied"] == 0  # copied once, by the first
    assert len(list((tmp_path / "bk" / "content").glob("??/*"))) == 1
    files = sorted((tmp_path / "bk").glob("hub-*.sqlite3"))
    assert len(files) == 2
    copy = sqlite3.connect(files[-1])
    assert copy.execute("SELECT username, role FROM users").fetchall() == [("admin", "admin")]
    copy.close()


def test_serve_refuses_plain_http_on_the_network(tmp_path):
    out = hub("serve", "--host", "0.0.0.0", "--port", "1", data=tmp_path)
    assert out.returncode == 1 and "plain HTTP" in out.stderr


def test_create_user_without_a_terminal_or_stdin_says_how(tmp_path):
    for args in (("create-admin", "a1"), ("create-user", "l1", "--role", "librarian",
                                          "--prison", "p1")):  # fmt: skip
        out = subprocess.run(
            [sys.executable, "-m", "hub", *args, "--data-dir", str(tmp_path / "hub")],
            cwd=ROOT, capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=60,
            start_new_session=True,  # no controlling terminal: getpass cannot open /dev/tty
        )  # fmt: skip
        assert out.returncode == 1 and "Traceback" not in out.stderr, out.stderr
        assert out.stderr.rstrip().splitlines()[-1] == (
            "error: no password typed: run it in a terminal or use --password-stdin"
        )


def test_enrolment_token_refuses_a_bad_id_in_one_line_and_issues_nothing(tmp_path):
    data = tmp_path / "hub"
    out = hub("enrolment-token", "--kiosk-id", "bad id", "--prison-id", "p1", data=data)
    assert out.returncode == 1 and out.stdout == ""
    assert out.stderr == "error: kiosk id 'bad id': use ASCII letters, digits, '-', '_' or '.'\n"
    assert not (data / "hub.sqlite3").exists()  # refused before the hub was even opened


def test_serve_names_a_missing_certificate_file(tmp_path):
    key = tmp_path / "key.pem"
    key.write_text("not used")
    out = hub("serve", "--port", "9", "--tls-cert", str(tmp_path / "missing.pem"),
              "--tls-key", str(key), data=tmp_path / "hub")  # fmt: skip
    assert out.returncode == 1
    assert out.stderr == f"error: tls_cert {tmp_path / 'missing.pem'}: no such file\n"
