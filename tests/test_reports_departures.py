"""Patrons who leave: open loans closed or flagged; released patrons' history purged when due,
without changing the month's figures."""

from __future__ import annotations

from datetime import timedelta

import pytest

from hub.departures import mark_departure, purge_due
from hub.errors import Invalid, NotFound
from hub.reports import Month, figures
from tests.hub_fixture import EXPECTED_P01, NOW, build

MARCH = Month.parse("2026-03")


@pytest.fixture
def hub(tmp_path):
    h = build(tmp_path / "hub")
    yield h
    h.close()


def card_mentions(hub, card: str) -> int:
    return hub.db.read(
        lambda c: c.execute(
            "SELECT (SELECT COUNT(*) FROM events WHERE prison_id='P01'"
            " AND json_extract(data, '$.card')=?) + (SELECT COUNT(*) FROM loans"
            " WHERE prison_id='P01' AND card=?)",
            (card, card),
        ).fetchone()[0]
    )


def test_release_closes_loans_and_purges_history_after_the_period(hub):
    assert card_mentions(hub, "C1") > 0
    n = hub.db.write(lambda c: mark_departure(c, "P01", "C1", "released", "closed", 30, "t", NOW))
    assert n == 1  # B5 was still out
    record = hub.db.read(
        lambda c: c.execute(
            "SELECT json_extract(record, '$.status') FROM records WHERE kind='patron' AND key='C1'"
            " AND prison_id='P01'"
        ).fetchone()[0]
    )
    assert record == "released"  # kiosks pull this and stop lending
    assert hub.db.write(lambda c: purge_due(c, NOW + timedelta(days=29))) == 0
    assert hub.db.write(lambda c: purge_due(c, NOW + timedelta(days=31))) == 1
    assert card_mentions(hub, "C1") == 0  # one alias for all of it: the figures do not change
    assert hub.db.write(lambda c: purge_due(c, NOW + timedelta(days=60))) == 0  # done once
    figs = hub.db.read(lambda c: figures(c, MARCH, "P01", NOW))
    assert figs["readers"] == EXPECTED_P01["readers"] and figs["loans"] == EXPECTED_P01["loans"]


def test_transfer_flags_open_loans_and_keeps_history(hub):
    n = hub.db.write(
        lambda c: mark_departure(c, "P01", "C3", "transferred", "flagged", 0, "t", NOW)
    )
    assert n == 1
    kinds = hub.db.read(
        lambda c: [r[0] for r in c.execute(
            "SELECT kind FROM conflicts WHERE prison_id='P01' AND resolved_at IS NULL")]
    )  # fmt: skip
    assert "patron_left_with_loan" in kinds
    assert hub.db.write(lambda c: purge_due(c, NOW + timedelta(days=999))) == 0
    assert card_mentions(hub, "C3") > 0


@pytest.mark.parametrize(
    "card, status, loans, days, error",
    [("C1", "escaped", "closed", 1, Invalid), ("C1", "released", "kept", 1, Invalid),
     ("C1", "released", "closed", -1, Invalid), ("NOPE", "released", "closed", 1, NotFound)],
)  # fmt: skip
def test_bad_departures_are_refused(hub, card, status, loans, days, error):
    with pytest.raises(error):
        hub.db.write(lambda c: mark_departure(c, "P01", card, status, loans, days, "t", NOW))
