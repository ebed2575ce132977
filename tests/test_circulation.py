"""Lending rules: unit cases and a Hypothesis state machine over lend/return/renew."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import hypothesis.strategies as st
from hypothesis import settings
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from kiosk import circulation as c
from kiosk.clock import Clock
from kiosk.config import Settings
from kiosk.library import Lent, Library, Renewed, Returned
from wire.records import CopyRecord, PatronRecord, RuleRecord, TitleRecord

TODAY = date(2026, 3, 1)
PATRON = {"card": "C1", "category": "adult", "status": "active"}
COPY = {"barcode": "B1", "item_type": "book", "status": "available"}


def lend(**overrides):
    args = dict(
        card="C1",
        barcode="B1",
        patron=PATRON,
        copy=COPY,
        open_loan=None,
        patron_open_loans=0,
        rules=[],
        today=TODAY,
    )
    return c.check_out(**(args | overrides))


def test_default_rule_lends_for_two_weeks():
    assert lend() == c.Lend("C1", "B1", TODAY + timedelta(days=14))


def test_refusals_carry_reason_codes():
    assert lend(patron=None).reason == c.UNKNOWN_CARD
    assert lend(copy=None).reason == c.UNKNOWN_COPY
    assert lend(patron=PATRON | {"status": "released"}).reason == c.PATRON_NOT_ACTIVE
    assert lend(open_loan={"card": "C2", "due": "2026-03-05"}).details == {
        "barcode": "B1",
        "card": "C2",
    }
    assert lend(open_loan={"card": "C1", "due": "2026-03-05"}).reason == c.ALREADY_YOURS
    assert lend(copy=COPY | {"status": "lost"}).reason == c.COPY_UNAVAILABLE
    assert lend(patron_open_loans=3).reason == c.LIMIT_REACHED


def test_most_specific_rule_wins():
    rules = [
        RuleRecord(loan_days=7),
        RuleRecord(patron_category="juvenile", loan_days=21, max_loans=1),
        RuleRecord(patron_category="juvenile", item_type="dvd", loan_days=2),
    ]
    assert c.rule_for(rules, "adult", "book").loan_days == 7
    assert c.rule_for(rules, "juvenile", "book").loan_days == 21
    assert c.rule_for(rules, "juvenile", "dvd").loan_days == 2
    juvenile = PATRON | {"category": "juvenile"}
    assert lend(patron=juvenile, patron_open_loans=1, rules=rules).reason == c.LIMIT_REACHED


def test_return_counts_days_late_and_renewals_run_out():
    loan = {"card": "C1", "due": "2026-02-20", "renewals": 0}
    assert c.check_in(barcode="B1", copy=COPY, open_loan=loan, today=TODAY).days_late == 9
    assert c.check_in(barcode="B1", copy=COPY, open_loan=None, today=TODAY).reason == c.NOT_ON_LOAN
    renewed = c.renew(barcode="B1", patron=PATRON, copy=COPY, open_loan=loan, rules=[], today=TODAY)
    assert renewed.due == TODAY + timedelta(days=14) and renewed.renewals == 1
    used = loan | {"renewals": 1}
    assert (
        c.renew(
            barcode="B1", patron=PATRON, copy=COPY, open_loan=used, rules=[], today=TODAY
        ).reason
        == c.RENEWALS_USED_UP
    )


CARDS = ["C1", "C2", "C3"]
BARCODES = ["B1", "B2", "B3", "B4", "UNKNOWN"]


class LendingMachine(RuleBasedStateMachine):
    """Random lend/return/renew through the real Library: a copy is never on two loans."""

    def __init__(self):
        super().__init__()
        import tempfile
        from pathlib import Path

        self.home = Path(tempfile.mkdtemp())
        self.day = datetime(2026, 1, 1, tzinfo=UTC)
        self.settings = Settings(home=self.home)
        Library.init(self.settings, "k1", "p1")
        self.library = Library.open(self.settings, clock=Clock(now=lambda: self.day, boot_id="b1"))
        title = TitleRecord(title_id="t", title="សៀវភៅ")
        self.library.import_catalog(
            [(title, CopyRecord(barcode=b, title_id="t")) for b in BARCODES[:-1]]
        )
        self.library.import_patrons([PatronRecord(card=card, name="ឈ្មោះ") for card in CARDS])
        self.model: dict[str, str] = {}  # barcode -> card
        self.events = 0

    @rule(card=st.sampled_from(CARDS), barcode=st.sampled_from(BARCODES))
    def lend(self, card, barcode):
        outcome = self.library.check_out(card, barcode)
        holders = [b for b, who in self.model.items() if who == card]
        if barcode == "UNKNOWN":
            assert outcome.reason == c.UNKNOWN_COPY
        elif barcode in self.model:
            assert outcome.reason in (c.COPY_ON_LOAN, c.ALREADY_YOURS)
        elif len(holders) >= 3:
            assert outcome.reason == c.LIMIT_REACHED
        else:
            assert isinstance(outcome, Lent)
            self.model[barcode] = card
            self.events += 1

    @rule(barcode=st.sampled_from(BARCODES))
    def give_back(self, barcode):
        outcome = self.library.check_in(barcode)
        if barcode in self.model:
            assert isinstance(outcome, Returned) and outcome.loan["card"] == self.model.pop(barcode)
            self.events += 1
        else:
            assert outcome.reason in (c.NOT_ON_LOAN, c.UNKNOWN_COPY)

    @rule(barcode=st.sampled_from(BARCODES))
    def renew(self, barcode):
        outcome = self.library.renew(barcode)
        if isinstance(outcome, Renewed):
            assert barcode in self.model
            self.events += 1

    @rule(days=st.integers(0, 20))
    def time_passes(self, days):
        self.day += timedelta(days=days)

    @invariant()
    def store_matches_model(self):
        open_loans = self.library.loans()
        assert {loan["barcode"]: loan["card"] for loan in open_loans} == self.model
        assert len(open_loans) == len({loan["barcode"] for loan in open_loans}), "copy on two loans"
        status = self.library.status()
        assert status["open_loans"] == len(self.model)
        assert status["pending_events"] == self.events
        for barcode in BARCODES[:-1]:
            expected = "on_loan" if barcode in self.model else "available"
            assert self.library.copy(barcode)["status"] == expected

    def teardown(self):
        self.library.close()


TestLending = LendingMachine.TestCase
TestLending.settings = settings(max_examples=40, stateful_step_count=30, deadline=None)


def test_renewing_on_the_day_of_the_loan_is_refused_and_keeps_the_renewal():
    loan = {"card": "C1", "due": (TODAY + timedelta(days=14)).isoformat(), "renewals": 0}
    soon = c.renew(barcode="B1", patron=PATRON, copy=COPY, open_loan=loan, rules=[], today=TODAY)
    assert soon.reason == c.TOO_SOON_TO_RENEW
    later = c.renew(
        barcode="B1",
        patron=PATRON,
        copy=COPY,
        open_loan=loan,
        rules=[],
        today=TODAY + timedelta(days=10),
    )
    assert later.due == TODAY + timedelta(days=24) and later.renewals == 1
