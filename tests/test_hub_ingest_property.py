"""Property: however a kiosk's history is cut into batches, reordered or repeated, the hub ends
in the same state as after one in-order push, and a consistent history raises no conflict."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hub_fixtures import EventMaker
from hypothesis import given, settings
from hypothesis import strategies as st
from test_hub_core import enrolled, loans_and_open_conflicts, push

from hub.app import Hub
from hub.config import Settings


def history(actions: list[int]) -> list:
    """Replay ``actions`` (barcode index, or -1 for a reading session) as a kiosk would:
    lend a free copy, return a lent one."""
    maker = EventMaker()
    lent: dict[int, object] = {}
    events = []
    for action in actions:
        if action < 0:
            events.append(maker.reading())
        elif action in lent:
            events.append(maker.give_back(lent.pop(action)))
        else:
            lent[action] = maker.lend(f"B{action}", card=f"C{len(events) % 3}")
            events.append(lent[action])
    return events


def final_state(events, batches) -> tuple:
    maker = EventMaker()
    with tempfile.TemporaryDirectory() as tmp:
        settings_ = Settings.load(Path(tmp), sqlite_synchronous="NORMAL")
        with Hub(settings_) as hub:
            kiosk = enrolled(hub)
            for batch in batches:
                push(hub, kiosk, maker.push(batch))
            rows = hub.db.read(lambda c: c.execute("SELECT COUNT(*) FROM events").fetchone()[0])
            return loans_and_open_conflicts(hub), rows


@settings(max_examples=30, deadline=None)
@given(
    actions=st.lists(st.integers(-1, 3), min_size=1, max_size=30),
    cuts=st.lists(st.integers(1, 6), min_size=1, max_size=12),
    data=st.data(),
)
def test_any_batching_order_and_repetition_ends_the_same(actions, cuts, data):
    events = history(actions)
    batches, i = [], 0
    for size in cuts * (len(events) // len(cuts) + 1):
        if i >= len(events):
            break
        batches.append(events[i : i + size])
        i += size
    shuffled = data.draw(st.permutations(batches))
    repeats = data.draw(st.lists(st.sampled_from(batches), max_size=4))
    expected = final_state(events, [events])
    assert final_state(events, list(shuffled) + repeats) == expected
    (loans, conflicts), rows = expected
    assert conflicts == [] and rows == len(events)
