"""Dashboard safety on a real hub: upload size cap (413) and logout that revokes the cookie."""

from __future__ import annotations

import httpx
import pytest
from sync_harness import HubProcess

LIMIT = 64 * 1024


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("hub")
    (data_dir / "hub.toml").write_text(f"max_upload_bytes = {LIMIT}\n")
    with HubProcess(data_dir) as running:
        yield running


def test_declared_oversized_upload_is_refused_at_once(hub):
    files = {"file": ("big.epub", b"x" * (LIMIT * 3), "application/epub+zip")}
    answer = httpx.post(f"{hub.url}/content/upload", files=files, timeout=10)
    assert answer.status_code == 413
    assert "larger than" in answer.text


def test_undeclared_stream_is_cut_off(hub):
    def chunks():
        for _ in range(40):
            yield b"username=a&password=" + b"y" * 8192

    answer = httpx.post(
        f"{hub.url}/login",
        content=chunks(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        timeout=10,
    )
    assert answer.status_code == 413


def test_small_requests_pass(hub):
    assert httpx.get(f"{hub.url}/login", timeout=10).status_code == 200
    answer = httpx.post(
        f"{hub.url}/login", data={"username": "nobody", "password": "x"}, timeout=10
    )
    assert answer.status_code != 413


def _csrf(html: str) -> str:
    import re

    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def test_logout_revokes_the_session_cookie_on_the_server(hub):
    import subprocess
    import sys

    subprocess.run(
        [
            sys.executable,
            "-m",
            "hub",
            "create-admin",
            "ada",
            "--password-stdin",
            "--data-dir",
            str(hub.data_dir),
        ],
        input="correct horse battery\n",
        text=True,
        check=True,
        capture_output=True,
    )
    with httpx.Client(base_url=hub.url, timeout=10) as browser:
        token = _csrf(browser.get("/login").text)
        form = {
            "username": "ada",
            "password": "correct horse battery",
            "csrf": token,
            "next": "/kiosks",
        }
        assert browser.post("/login", data=form).status_code == 303
        stolen = browser.cookies.get("bn_session")
        page = browser.get("/kiosks")
        assert page.status_code == 200
        assert browser.post("/logout", data={"csrf": _csrf(page.text)}).status_code == 303
    with httpx.Client(base_url=hub.url, timeout=10, cookies={"bn_session": stolen}) as thief:
        answer = thief.get("/kiosks")
        assert answer.status_code == 303 and "/login" in answer.headers["location"]
