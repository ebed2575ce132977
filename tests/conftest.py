"""Shared fixtures: every test gets its own kiosk and hub homes under pytest's tmp_path."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


@pytest.fixture(autouse=True)
def _isolated_homes(tmp_path, monkeypatch):
    """No test may touch a real kiosk or hub home."""
    monkeypatch.setenv("KIOSK_HOME", str(tmp_path / "kiosk-home"))
    monkeypatch.setenv("HUB_HOME", str(tmp_path / "hub-home"))
    monkeypatch.setenv("KIVY_NO_ARGS", "1")
    monkeypatch.setenv("KIVY_NO_CONSOLELOG", "1")
    monkeypatch.setenv("KIVY_HOME", str(tmp_path / "kivy-home"))


@pytest.fixture
def kiosk_home(tmp_path) -> Path:
    return Path(os.environ["KIOSK_HOME"])
