"""Every disk state a power cut could leave opens, and holds every acknowledged transaction.

The real store runs a lending workload (with compactions) through a recording file layer; the
trace is then replayed to every crash point, several disk images per point, and each image is
opened by the real code as a rebooted kiosk would and checked against the workload.
"""

from __future__ import annotations

import random
import shutil

from kiosk.library import Library
from tests.support import workload
from tests.support.powercut import Disk, RecordingIO, write_image

ACTIONS = 40


def test_every_power_cut_image_is_readable_and_complete(tmp_path):
    settings = workload.settings_for(tmp_path / "home", compact_bytes=5_000)
    workload.seed(settings)
    store_dir = settings.paths.store
    base = {p.name: p.read_bytes() for p in store_dir.iterdir() if p.is_file()}

    trace: list = []
    with Library.open(settings, io=RecordingIO(trace)) as library:
        trace.clear()  # opening writes nothing durable we rely on
        for i in range(ACTIONS):
            workload.run_action(library, i)
            trace.append(("ack", i + 1))
            library.compact_if_needed()
    assert any(op[0] == "replace" for op in trace), "no compaction happened: lower the threshold"

    rng = random.Random(99)
    disk = Disk(base)
    acked = images = 0
    for op in trace:
        if op[0] == "ack":
            acked = op[1]
            continue
        disk.step(op)
        for mode in ("durable", "all", "random", "random", "random", "random"):
            folder = tmp_path / "crash" / "store"
            shutil.rmtree(folder.parent, ignore_errors=True)
            write_image(folder, disk.image(rng, mode))
            crashed = workload.settings_for(folder.parent)
            with Library.open(crashed) as library:
                workload.check_consistent(library, acked)
            images += 1
    assert images > 6 * ACTIONS
