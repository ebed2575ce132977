"""Wall time on a Pi with no real-time clock, and whether to believe it.

A Pi boots with the last saved time, which can be months off. Events carry the kiosk's wall time
plus ``clock_synced`` and the boot id; the hub corrects them. The clock counts as synchronised
when systemd-timesyncd says so, or when the hub's time was seen during this boot and differed by
less than ``TOLERANCE_S``. Never used to decide anything on its own: it only labels.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

TOLERANCE_S = 120.0
TIMESYNC_FLAG = Path("/run/systemd/timesync/synchronized")
BOOT_ID = Path("/proc/sys/kernel/random/boot_id")


def current_boot_id() -> str:
    try:
        return BOOT_ID.read_text().strip().replace("-", "")[:32]
    except OSError:
        return "unknown"


class Clock:
    def __init__(
        self,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        boot_id: str | None = None,
        system_synced: Callable[[], bool] = TIMESYNC_FLAG.exists,
    ):
        self._now = now
        self.boot_id = boot_id or current_boot_id()
        self._system_synced = system_synced
        self._lock = threading.Lock()
        self.offset_s: float | None = None  # hub time minus kiosk time, last seen this boot

    def now(self) -> datetime:
        return self._now()

    def today(self) -> date:
        return self._now().astimezone().date()

    @property
    def synced(self) -> bool:
        if self.offset_s is not None:
            return abs(self.offset_s) < TOLERANCE_S
        return self._system_synced()

    def set_hub_time(self, hub_time: datetime) -> float:
        """Record the hub's time as seen now; returns the offset in seconds."""
        with self._lock:
            self.offset_s = (hub_time - self._now()).total_seconds()
            return self.offset_s
