"""Rows for a person's current loans, shared by Lend and My loans (not a screen)."""

from __future__ import annotations


def loan_rows(flow, patron) -> list[tuple[bool, str, str]]:
    rows = []
    for loan in patron.loans:
        if loan.overdue:
            detail = flow._("Late! It was due {due}", due=loan.due)
        else:
            detail = flow._("Bring it back by {due}", due=loan.due)
        rows.append((not loan.overdue, loan.title, detail))
    return rows
