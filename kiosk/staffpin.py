"""The staff PIN: stored only as a salted scrypt hash, and slowed down after wrong tries.

A PIN has few digits, so the hash alone would not stop someone with the SD card; what protects
the kiosk is that guessing at the screen is slow: after ``FREE_TRIES`` wrong PINs every further
try waits ``BASE_DELAY_S``, doubling each time up to ``MAX_DELAY_S``. The count of wrong tries is
kept in a small file under the kiosk home so restarting the app does not reset it.

UI-free and clock-free (``now`` is passed in); never logs or stores the PIN itself.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import secrets
from pathlib import Path

from kiosk.atomicfile import write_atomically

FREE_TRIES = 5
BASE_DELAY_S = 30.0
MAX_DELAY_S = 3600.0
MIN_DIGITS, MAX_DIGITS = 4, 8
_N, _R, _P = 2**14, 8, 1


def hash_pin(pin: str) -> str:
    """``scrypt$n$r$p$salt$hash`` for a PIN of 4-8 ASCII digits; raises ValueError otherwise."""
    if not valid_pin(pin):
        raise ValueError(f"a PIN is {MIN_DIGITS}-{MAX_DIGITS} digits")
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    return f"scrypt${_N}${_R}${_P}${salt.hex()}${digest.hex()}"


def valid_pin(pin: str) -> bool:
    return MIN_DIGITS <= len(pin) <= MAX_DIGITS and pin.isascii() and pin.isdigit()


def check_pin(pin: str, stored: str) -> bool:
    """True only when ``stored`` is a well-formed hash of ``pin``; never raises."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt" or not valid_pin(pin):
            return False
        got = hashlib.scrypt(
            pin.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p), dklen=32
        )
        return hmac.compare_digest(got, bytes.fromhex(digest))
    except (ValueError, TypeError, OverflowError, MemoryError):
        return False


class PinGate:
    """Counts wrong tries (persisted in ``state_file``) and says how long the next must wait."""

    def __init__(self, state_file: Path | None = None) -> None:
        self.state_file = state_file
        self.failures = 0
        self.last_failure_at: float | None = None  # the caller's clock; None = not yet seen
        self._load()

    def wait_s(self, now: float) -> float:
        """Seconds before another try is allowed (0 = now)."""
        if self.failures < FREE_TRIES:
            return 0.0
        delay = min(MAX_DELAY_S, BASE_DELAY_S * 2 ** (self.failures - FREE_TRIES))
        if self.last_failure_at is None or now < self.last_failure_at:
            self.last_failure_at = now  # after a restart the whole delay starts again
        return max(0.0, self.last_failure_at + delay - now)

    def attempt(self, pin: str, stored: str, now: float) -> bool | float:
        """True when right; False when wrong; the seconds to wait when a try is not allowed."""
        wait = self.wait_s(now)
        if wait > 0:
            return wait
        if stored and check_pin(pin, stored):
            self.failures = 0
            self._save()
            return True
        self.failures += 1
        self.last_failure_at = now
        self._save()
        return False

    def _load(self) -> None:
        if self.state_file is None:
            return
        try:
            data = json.loads(self.state_file.read_text())
            self.failures = max(0, int(data.get("failures", 0)))
        except (OSError, ValueError, TypeError, AttributeError):
            self.failures = 0

    def _save(self) -> None:
        if self.state_file is None:
            return
        with contextlib.suppress(OSError):  # the delay still holds in memory
            write_atomically(self.state_file, json.dumps({"failures": self.failures}).encode())
