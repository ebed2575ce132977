"""SIGKILL a real process in the middle of lending: nothing acknowledged is lost, nothing half done.

The parent forks a child that lends and returns books and writes "ack" to a pipe after each
action returns; the parent kills it with SIGKILL at a random moment, reopens the store as a
rebooted kiosk would and checks it against the deterministic workload. The journal threshold is
tiny so many kills land inside compaction too.
"""

from __future__ import annotations

import os
import random
import select
import signal
import time

from kiosk.library import Library
from tests.support import workload

TRIALS = 120


def child(settings, start: int, write_fd: int) -> None:
    try:
        library = Library.open(settings)
        i = start
        while True:
            workload.run_action(library, i)
            os.write(write_fd, b"a")
            i += 1
            if i % 5 == 0:
                library.compact_if_needed()
    finally:
        os._exit(0)


def test_sigkill_at_random_moments_loses_no_acknowledged_loan(tmp_path):
    settings = workload.settings_for(tmp_path / "home", compact_bytes=4_000)
    workload.seed(settings)
    rng = random.Random(1234)
    durable = 0
    kills_mid_run = 0
    for _ in range(TRIALS):
        read_fd, write_fd = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(read_fd)
            child(settings, durable, write_fd)
        os.close(write_fd)
        deadline = time.monotonic() + rng.uniform(0.005, 0.08)
        acked = 0
        while time.monotonic() < deadline:
            ready, _, _ = select.select([read_fd], [], [], max(0.0, deadline - time.monotonic()))
            if ready:
                acked += len(os.read(read_fd, 4096))
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        acked += len(os.read(read_fd, 65536) or b"")  # acks written just before the kill
        os.close(read_fd)
        kills_mid_run += acked > 0
        with Library.open(settings) as library:
            durable = workload.check_consistent(library, durable + acked)
    assert durable > TRIALS, "the workload barely ran: the test proves nothing"
    assert kills_mid_run > TRIALS // 2
