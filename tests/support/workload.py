"""A deterministic lending workload whose expected state after any number of actions is known.

Every action succeeds and records exactly one outbox event, so the store's last event sequence
number says how many actions are durable; ``expected_open_loans(n)`` is the state they must
have produced. Used by the SIGKILL and power-cut tests.
"""

from __future__ import annotations

from pathlib import Path

from kiosk.config import Settings
from kiosk.library import Library
from wire.records import CopyRecord, PatronRecord, RuleRecord, TitleRecord

COPIES = [f"W{i:03d}" for i in range(12)]
CARDS = [f"P{i:02d}" for i in range(5)]


def settings_for(home: Path, compact_bytes: int = 6_000) -> Settings:
    return Settings(home=home, compact_journal_bytes=compact_bytes)


def seed(settings: Settings) -> None:
    Library.init(settings, "crash-kiosk", "prison-1")
    with Library.open(settings) as library:
        title = TitleRecord(title_id="t1", title="សៀវភៅសាកល្បង")
        library.import_catalog([(title, CopyRecord(barcode=b, title_id="t1")) for b in COPIES])
        library.import_patrons([PatronRecord(card=c, name=f"អ្នកអាន {c}") for c in CARDS])
        library.catalog.put_rule(RuleRecord(max_loans=100))
        library.update_sync_state(seeded=True)


def action(i: int, open_loans: dict[str, str]) -> tuple[str, str, str | None]:
    """The i-th action (0-based) given the open loans before it: (kind, barcode, card)."""
    barcode = COPIES[(i * 7) % len(COPIES)]
    if barcode in open_loans:
        return "in", barcode, None
    return "out", barcode, CARDS[i % len(CARDS)]


def expected_open_loans(n: int) -> dict[str, str]:
    loans: dict[str, str] = {}
    for i in range(n):
        kind, barcode, card = action(i, loans)
        if kind == "out":
            loans[barcode] = card
        else:
            del loans[barcode]
    return loans


def run_action(library: Library, i: int) -> None:
    loans = {loan["barcode"]: loan["card"] for loan in library.loans()}
    kind, barcode, card = action(i, loans)
    outcome = library.check_out(card, barcode) if kind == "out" else library.check_in(barcode)
    assert not hasattr(outcome, "reason"), outcome


def durable_actions(library: Library) -> int:
    return library.outbox.last_seq()


def check_consistent(library: Library, acked: int) -> int:
    """Assert the store holds every acknowledged action and no partial one; return its count."""
    n = durable_actions(library)
    assert acked <= n <= acked + 1, f"{acked} acknowledged, {n} durable"
    open_loans = {loan["barcode"]: loan["card"] for loan in library.loans()}
    assert open_loans == expected_open_loans(n)
    for barcode in COPIES:
        status = library.copy(barcode)["status"]
        assert status == ("on_loan" if barcode in open_loans else "available"), barcode
    events = library.outbox_pending(10_000)
    assert [e.seq for e in events] == list(range(1, n + 1))
    loan_ids = {doc["loan_id"] for doc in library.loans_table.all()}
    out_ids = {e.data["loan_id"] for e in events if e.type == "checked_out"}
    assert loan_ids == out_ids, "a loan without its event, or an event without its loan"
    return n
