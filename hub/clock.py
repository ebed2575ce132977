"""The hub's clock, in one place so tests can move it and every stored time has one format."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Now = Callable[[], datetime]


def utcnow() -> datetime:
    return datetime.now(UTC)


def iso(value: datetime) -> str:
    """ISO 8601 in UTC with microseconds, so stored times sort correctly as text."""
    offset = value.utcoffset()
    if offset is None:
        value = value.replace(tzinfo=UTC)
    elif offset:
        value = value.astimezone(UTC)
    return value.isoformat(timespec="microseconds")
