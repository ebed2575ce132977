"""Keystroke bursts: a scanner behind a stalling UI is still a scanner; a person is a person."""

from __future__ import annotations

import random

import pytest

from kiosk.scanner.keyburst import KeyBurst, Scanned, Typed


def feed(burst: KeyBurst, text: str, times: list[float], end: str = "enter"):
    results = [burst.feed(ch, t) for ch, t in zip(text, times, strict=False)]
    assert all(r is None for r in results)
    return burst.feed(end, times[len(text)])


def scanner_times(rng: random.Random, n: int, stall_rate: float) -> list[float]:
    """Scanner keys 1-16 ms apart, seen at 60 Hz frame ends, some frames stalled 50-250 ms."""
    t, frame_end, out = 0.0, 1 / 60, []
    for _ in range(n + 1):
        t += rng.uniform(0.001, 0.016)
        while frame_end < t:
            frame_end += 1 / 60 + (rng.uniform(0.05, 0.25) if rng.random() < stall_rate else 0)
        out.append(frame_end)
    return out


def person_times(rng: random.Random, n: int) -> list[float]:
    t, out = 0.0, []
    for _ in range(n + 1):
        t += rng.lognormvariate(-1.74, 0.5)  # median ~175 ms
        out.append(t)
    return out


def test_scanner_bursts_are_recognised_despite_ui_stalls():
    rng = random.Random(1)
    for _ in range(300):
        burst = KeyBurst()
        result = feed(burst, "PP1-004512", scanner_times(rng, 10, stall_rate=0.2))
        assert result == Scanned("PP1-004512", result.median_gap_s)


def test_people_typing_pass_through():
    rng = random.Random(2)
    for _ in range(300):
        burst = KeyBurst()
        result = feed(burst, "9789995012342", person_times(rng, 13))
        assert result == Typed("9789995012342", "enter")


def test_tab_ends_a_scan_and_non_characters_are_ignored():
    burst = KeyBurst()
    assert burst.feed("shift", 0.0) is None
    for i, ch in enumerate("D2412345"):
        burst.feed(ch, 0.001 + i * 0.005)
    result = burst.feed("\t", 0.05)
    assert isinstance(result, Scanned) and result.code == "D2412345"
    assert result.median_gap_s == pytest.approx(0.005)


def test_idle_flush_releases_unterminated_typing():
    burst = KeyBurst()
    burst.feed("a", 1.0)
    burst.feed("b", 1.2)
    assert burst.flush(now=1.3) is None  # still typing
    assert burst.flush(now=1.8) == Typed("ab", "")
    assert burst.flush(now=5.0) is None
    assert burst.feed("enter", 6.0) == Typed("", "enter")  # a bare Enter is the person's


def test_runaway_input_is_released_not_kept():
    burst = KeyBurst()
    results = [burst.feed("7", i * 0.001) for i in range(600)]
    released = [r for r in results if r is not None]
    assert len(released) == 1 and isinstance(released[0], Typed)
