"""Lending rules: pure functions of (state, action, today) that return a decision or a refusal.

Modelled on Koha's circulation matrix (loan period, loan limit and renewals by patron category and
item type) with a default rule so a fresh install lends. Nothing here reads a clock, a file or a
store: the caller passes the patron, the copy, the open loan and today's date, and applies the
decision in one transaction. A refusal is a value with a reason code the screens translate.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from wire.records import RuleRecord

DEFAULT_RULE = RuleRecord()

# Reason codes (the screens and the command line translate them).
UNKNOWN_CARD = "unknown_card"
UNKNOWN_COPY = "unknown_copy"
PATRON_NOT_ACTIVE = "patron_not_active"
COPY_ON_LOAN = "copy_on_loan"
ALREADY_YOURS = "already_yours"
COPY_UNAVAILABLE = "copy_unavailable"
LIMIT_REACHED = "limit_reached"
NOT_ON_LOAN = "not_on_loan"
RENEWALS_USED_UP = "renewals_used_up"
TOO_SOON_TO_RENEW = "too_soon_to_renew"
LOANS_NOT_ALLOWED = "loans_not_allowed"


@dataclass(frozen=True)
class Refusal:
    reason: str
    details: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Lend:
    card: str
    barcode: str
    due: date


@dataclass(frozen=True)
class Return:
    loan: dict
    days_late: int


@dataclass(frozen=True)
class Renew:
    loan: dict
    due: date
    renewals: int


def rule_for(
    rules: list[dict] | list[RuleRecord], patron_category: str, item_type: str
) -> RuleRecord:
    """The most specific matching rule: exact > category-only > item-only > ``*``/``*``."""
    best, best_score = DEFAULT_RULE, -1
    for raw in rules:
        rule = raw if isinstance(raw, RuleRecord) else RuleRecord.model_validate(raw)
        cat_ok = rule.patron_category in ("*", patron_category)
        item_ok = rule.item_type in ("*", item_type)
        if not (cat_ok and item_ok):
            continue
        score = 2 * (rule.patron_category != "*") + (rule.item_type != "*")
        if score > best_score:
            best, best_score = rule, score
    return best


def due_date(today: date, rule: RuleRecord) -> date:
    return today + timedelta(days=rule.loan_days)


def check_out(
    *,
    card: str,
    barcode: str,
    patron: dict | None,
    copy: dict | None,
    open_loan: dict | None,
    patron_open_loans: int,
    rules: list,
    today: date,
) -> Lend | Refusal:
    if patron is None:
        return Refusal(UNKNOWN_CARD, {"card": card})
    if patron.get("status", "active") != "active":
        return Refusal(PATRON_NOT_ACTIVE, {"card": card, "status": patron.get("status")})
    if copy is None:
        return Refusal(UNKNOWN_COPY, {"barcode": barcode})
    if open_loan is not None:
        if open_loan["card"] == card:
            return Refusal(ALREADY_YOURS, {"barcode": barcode, "due": open_loan["due"]})
        return Refusal(COPY_ON_LOAN, {"barcode": barcode, "card": open_loan["card"]})
    if copy.get("status", "available") in ("lost", "withdrawn"):
        return Refusal(COPY_UNAVAILABLE, {"barcode": barcode, "status": copy.get("status")})
    rule = rule_for(rules, patron.get("category", "adult"), copy.get("item_type", "book"))
    if rule.max_loans == 0:
        return Refusal(LOANS_NOT_ALLOWED, {"card": card})
    if patron_open_loans >= rule.max_loans:
        return Refusal(LIMIT_REACHED, {"card": card, "limit": rule.max_loans})
    return Lend(card=card, barcode=barcode, due=due_date(today, rule))


def days_late(due: str | date, today: date) -> int:
    due = date.fromisoformat(due) if isinstance(due, str) else due
    return max(0, (today - due).days)


def check_in(
    *, barcode: str, copy: dict | None, open_loan: dict | None, today: date
) -> Return | Refusal:
    if copy is None and open_loan is None:
        return Refusal(UNKNOWN_COPY, {"barcode": barcode})
    if open_loan is None:
        return Refusal(NOT_ON_LOAN, {"barcode": barcode})
    return Return(loan=open_loan, days_late=days_late(open_loan["due"], today))


def renew(
    *,
    barcode: str,
    patron: dict | None,
    copy: dict | None,
    open_loan: dict | None,
    rules: list,
    today: date,
) -> Renew | Refusal:
    if copy is None:
        return Refusal(UNKNOWN_COPY, {"barcode": barcode})
    if open_loan is None:
        return Refusal(NOT_ON_LOAN, {"barcode": barcode})
    if patron is not None and patron.get("status", "active") != "active":
        return Refusal(PATRON_NOT_ACTIVE, {"card": open_loan["card"]})
    category = (patron or {}).get("category", "adult")
    rule = rule_for(rules, category, copy.get("item_type", "book"))
    used = int(open_loan.get("renewals", 0))
    if used >= rule.max_renewals:
        return Refusal(RENEWALS_USED_UP, {"barcode": barcode, "renewals": used})
    current = date.fromisoformat(open_loan["due"])
    new_due = due_date(today, rule)
    if new_due <= current:  # renewing now would not give one more day: keep the renewal
        return Refusal(TOO_SOON_TO_RENEW, {"barcode": barcode, "due": open_loan["due"]})
    return Renew(loan=open_loan, due=new_due, renewals=used + 1)
