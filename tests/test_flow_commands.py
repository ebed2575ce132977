"""The app's command-line side without a screen: set-pin, prompts, and prompt files."""

from __future__ import annotations

import io

from kiosk.__main__ import main
from kiosk.config import Settings
from kiosk.prompts import PROMPTS, prompt_file
from kiosk.staffpin import check_pin


def test_set_pin_stores_only_a_hash(kiosk_home, monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO("4321\n"))
    assert main(["set-pin", "--home", str(kiosk_home)]) == 0
    stored = Settings.load(kiosk_home).staff_pin_hash
    assert stored.startswith("scrypt$") and "4321" not in stored
    assert check_pin("4321", stored) and not check_pin("1234", stored)
    assert "4321" not in (kiosk_home / "settings.toml").read_text()


def test_set_pin_refuses_bad_pins(kiosk_home, monkeypatch):
    for bad in ("12", "abcd", "123456789", "", "១២៣៤"):
        monkeypatch.setattr("sys.stdin", io.StringIO(bad + "\n"))
        assert main(["set-pin", "--home", str(kiosk_home)]) == 1
    assert Settings.load(kiosk_home).staff_pin_hash == ""


def test_prompts_lists_every_key(kiosk_home, capsys):
    assert main(["prompts", "--home", str(kiosk_home)]) == 0
    out = capsys.readouterr().out
    assert all(key in out for key in PROMPTS)


def test_prompt_file_prefers_the_language_then_any(tmp_path):
    (tmp_path / "km").mkdir()
    (tmp_path / "km" / "lent.ogg").write_bytes(b"x")
    (tmp_path / "lent.wav").write_bytes(b"x")
    (tmp_path / "scan_card.mp3").write_bytes(b"x")
    assert prompt_file(tmp_path, "lent", "km") == tmp_path / "km" / "lent.ogg"
    assert prompt_file(tmp_path, "lent", "en") == tmp_path / "lent.wav"
    assert prompt_file(tmp_path, "scan_card", "km") == tmp_path / "scan_card.mp3"
    assert prompt_file(tmp_path, "welcome", "km") is None
    assert prompt_file(tmp_path, "../../etc/passwd", "km") is None  # only known keys


def test_kiosk_help_does_not_load_kivy():
    import subprocess
    import sys

    code = "import sys\nfrom kiosk.__main__ import build_parser\nbuild_parser()\nprint('kivy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
