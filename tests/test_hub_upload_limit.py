"""Dashboard uploads over ``max_upload_bytes`` are refused with 413 before they fill the disk."""

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
