"""The programme's figures per prison and month, and their suppression for anything that leaves.

Definitions (issue 7, §2), for one calendar month in Cambodia's time (UTC+7, no daylight saving),
by the hub's best estimate of when each event happened (``events.occurred_at``):

- ``readers``: distinct patrons (cards, per prison) who borrowed, read at a station with their
  card, or attended a library visit;
- ``anonymous_sessions``: reading sessions recorded without a card;
- ``loans`` / ``returns`` / ``renewals``: checked_out / checked_in / renewed events;
- ``overdue_loans``: loans open at the end of the month (or now, for the current month) whose due
  date had passed;
- ``reading_sessions`` / ``reading_minutes`` / ``reading_pages``: every e-reading session;
- ``attendance``: per activity, ``participants`` (distinct cards) and ``attendances`` (records);
- ``top_titles`` (by loans) and ``top_content`` (by reading sessions).

``suppress`` replaces every count from 1 to 4 with ``"<5"`` and drops top-list entries under 5:
exports, the PDF and bundles call it; the prison's own dashboard shows exact figures.
Pure functions of a read connection; no FastAPI, no writes.
"""

from __future__ import annotations

import copy
import json
import re
import sqlite3
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone

from hub.clock import iso
from hub.errors import Invalid
from wire.events import Activity

LOCAL = timezone(timedelta(hours=7), "ICT")
ACTIVITIES = tuple(a.value for a in Activity)
CLASS_ACTIVITIES = ("literacy_class", "vocational_training", "vocational_orientation")
THRESHOLD = 5
SUPPRESSED = "<5"
TOP = 10
COUNT_KEYS = ("readers", "anonymous_sessions", "loans", "returns", "renewals", "overdue_loans",
              "reading_sessions")  # fmt: skip
_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


@dataclass(frozen=True)
class Month:
    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Month:
        match = _MONTH.match(str(text).strip())
        if not match:
            raise Invalid(f"month must look like 2026-03, not {text!r}")
        return cls(int(match.group(1)), int(match.group(2)))

    @classmethod
    def of(cls, moment: datetime) -> Month:
        local = moment.astimezone(LOCAL)
        return cls(local.year, local.month)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    def next(self) -> Month:
        return Month(self.year + self.month // 12, self.month % 12 + 1)

    def previous(self) -> Month:
        return Month(self.year - (self.month == 1), (self.month - 2) % 12 + 1)

    def bounds(self) -> tuple[str, str]:
        """``[start, end)`` as stored UTC text, for comparing with ``occurred_at``."""
        return _utc_text(self.first_day), _utc_text(self.next().first_day)


def _utc_text(day: date) -> str:
    return iso(datetime(day.year, day.month, day.day, tzinfo=LOCAL).astimezone(UTC))


def known_prisons(conn: sqlite3.Connection) -> list[str]:
    rows = conn.execute(
        "SELECT prison_id FROM kiosks UNION SELECT DISTINCT prison_id FROM records"
        " UNION SELECT prison_id FROM users WHERE prison_id IS NOT NULL ORDER BY 1"
    ).fetchall()
    return [r[0] for r in rows]


def figures(conn: sqlite3.Connection, month: Month, prison_id: str | None, now: datetime) -> dict:
    """Exact figures for one prison, or for every prison on this hub when ``prison_id`` is None."""
    start, end = month.bounds()
    where, args = "occurred_at >= ? AND occurred_at < ?", [start, end]
    if prison_id is not None:
        where += " AND prison_id = ?"
        args.append(prison_id)
    rows = conn.execute(
        "SELECT type, prison_id, json_extract(data, '$.card'), json_extract(data, '$.activity'),"
        " json_extract(data, '$.minutes'), json_extract(data, '$.pages'),"
        " json_extract(data, '$.barcode'), json_extract(data, '$.content_id')"
        f" FROM events WHERE {where} AND type IN ('checked_out', 'checked_in', 'renewed',"
        " 'attendance_recorded', 'reading_session_recorded')",
        args,
    )
    counts: Counter = Counter()
    readers: set = set()
    minutes = pages = 0.0
    participants: dict[str, set] = defaultdict(set)
    attendances: Counter = Counter()
    by_copy: Counter = Counter()
    by_content: Counter = Counter()
    content_minutes: Counter = Counter()
    for kind, prison, card, activity, mins, pgs, barcode, content_id in rows:
        counts[kind] += 1
        if kind == "checked_out":
            readers.add((prison, card))
            by_copy[(prison, barcode)] += 1
        elif kind == "reading_session_recorded":
            minutes += mins or 0
            pages += pgs or 0
            by_content[(prison, content_id)] += 1
            content_minutes[(prison, content_id)] += mins or 0
            if card is None:
                counts["anonymous"] += 1
            else:
                readers.add((prison, card))
        elif kind == "attendance_recorded":
            attendances[activity] += 1
            participants[activity].add((prison, card))
            if activity == Activity.LIBRARY_VISIT:
                readers.add((prison, card))
    return {
        "month": str(month),
        "prison_id": prison_id,
        "readers": len(readers),
        "anonymous_sessions": counts["anonymous"],
        "loans": counts["checked_out"],
        "returns": counts["checked_in"],
        "renewals": counts["renewed"],
        "overdue_loans": overdue_loans(conn, month, prison_id, now),
        "reading_sessions": counts["reading_session_recorded"],
        "reading_minutes": round(minutes),
        "reading_pages": int(pages),
        "attendance": {
            a: {"participants": len(participants[a]), "attendances": attendances[a]}
            for a in ACTIVITIES
        },
        "top_titles": _top_titles(conn, by_copy),
        "top_content": _top_content(conn, by_content, content_minutes),
        "suppressed": False,
    }


def overdue_loans(
    conn: sqlite3.Connection, month: Month, prison_id: str | None, now: datetime
) -> int:
    """Loans still open at the month's end (or now) whose due date was before that day."""
    _, end = month.bounds()
    cutoff = min(end, iso(now))
    cutoff_day = datetime.fromisoformat(cutoff).astimezone(LOCAL).date().isoformat()
    sql = (
        "SELECT COUNT(*) FROM loans WHERE out_at < ? AND (in_at IS NULL OR in_at >= ?) AND due < ?"
    )
    args: list = [cutoff, cutoff, cutoff_day]
    if prison_id is not None:
        sql += " AND prison_id = ?"
        args.append(prison_id)
    return conn.execute(sql, args).fetchone()[0]


def _record(conn: sqlite3.Connection, prison: str, kind: str, key: str) -> dict | None:
    row = conn.execute(
        "SELECT record FROM records WHERE prison_id=? AND kind=? AND key=?", (prison, kind, key)
    ).fetchone()
    return json.loads(row[0]) if row and row[0] else None


def _top_titles(conn: sqlite3.Connection, by_copy: Counter) -> list[dict]:
    by_title: Counter = Counter()
    for (prison, barcode), n in by_copy.items():
        copy_rec = _record(conn, prison, "copy", barcode)
        title_rec = copy_rec and _record(conn, prison, "title", copy_rec["title_id"])
        by_title[title_rec["title"] if title_rec else f"[{barcode}]"] += n
    return [{"title": t, "loans": n} for t, n in _ranked(by_title)]


def _top_content(conn: sqlite3.Connection, sessions: Counter, minutes: Counter) -> list[dict]:
    by_title: Counter = Counter()
    by_title_minutes: Counter = Counter()
    for (prison, content_id), n in sessions.items():
        row = conn.execute(
            "SELECT title FROM content_items WHERE content_id=?", (content_id,)
        ).fetchone()
        item = None if row else _record(conn, prison, "content", content_id)
        title = (row[0] if row else (item or {}).get("title")) or content_id
        by_title[title] += n
        by_title_minutes[title] += minutes[(prison, content_id)]
    return [
        {"title": t, "sessions": n, "minutes": round(by_title_minutes[t])}
        for t, n in _ranked(by_title)
    ]


def _ranked(counter: Counter) -> list[tuple[str, int]]:
    return sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP]


def combine(parts: list[dict], month: str) -> dict:
    """Programme totals from several prisons' figures (as imported from bundles).

    A suppressed count (``"<5"``) adds nothing, so a total is a lower bound; ``incomplete`` says
    whether any part was suppressed.
    """
    total: dict = {"month": month, "prison_id": None, "prisons": len(parts), "incomplete": False}
    for key in (*COUNT_KEYS, "reading_minutes", "reading_pages"):
        total[key] = sum(_known(p.get(key), total) for p in parts)
    total["attendance"] = {
        a: {
            k: sum(_known(p.get("attendance", {}).get(a, {}).get(k), total) for p in parts)
            for k in ("participants", "attendances")
        }
        for a in ACTIVITIES
    }
    titles: Counter = Counter()
    for p in parts:
        for item in p.get("top_titles", []):
            titles[item["title"]] += _known(item["loans"], total)
    total["top_titles"] = [{"title": t, "loans": n} for t, n in _ranked(titles)]
    total["top_content"] = []
    return total


def _known(value, total: dict) -> int:
    if isinstance(value, int | float):
        return value
    total["incomplete"] = True
    return 0


def suppress(figs: dict) -> dict:
    """A copy safe to leave the prison: counts of 1-4 become ``"<5"``, small top entries go."""
    out = copy.deepcopy(figs)
    for key in COUNT_KEYS:
        out[key] = _small(out[key])
    if out["reading_sessions"] == SUPPRESSED:
        out["reading_minutes"] = out["reading_pages"] = SUPPRESSED
    for activity in out["attendance"].values():
        for key in ("participants", "attendances"):
            activity[key] = _small(activity[key])
    out["top_titles"] = [t for t in out["top_titles"] if t["loans"] >= THRESHOLD]
    out["top_content"] = [
        {"title": c["title"], "sessions": c["sessions"], "minutes": c["minutes"]}
        for c in out["top_content"]
        if c["sessions"] >= THRESHOLD
    ]
    out["suppressed"] = True
    return out


def _small(value):
    return SUPPRESSED if isinstance(value, int) and 0 < value < THRESHOLD else value


def monthly_series(
    conn: sqlite3.Connection, last: Month, prison_id: str | None, n: int = 12
) -> list[dict]:
    """Loans, returns, reading sessions and attendances for the ``n`` months ending with
    ``last``, oldest first, in one query (the dashboard's charts)."""
    months = [last]
    while len(months) < n:
        months.append(months[-1].previous())
    months.reverse()
    start, end = months[0].bounds()[0], last.bounds()[1]
    where, args = "occurred_at >= ? AND occurred_at < ?", [start, end]
    if prison_id is not None:
        where += " AND prison_id = ?"
        args.append(prison_id)
    rows = conn.execute(
        "SELECT strftime('%Y-%m', occurred_at, '+7 hours') AS m, type, COUNT(*) FROM events"
        f" WHERE {where} AND type IN ('checked_out', 'checked_in', 'attendance_recorded',"
        " 'reading_session_recorded') GROUP BY m, type",
        args,
    ).fetchall()
    found = {(m, kind): count for m, kind, count in rows}
    names = {"checked_out": "loans", "checked_in": "returns",
             "reading_session_recorded": "reading_sessions", "attendance_recorded": "attendances"}  # fmt: skip
    return [
        {"month": str(m), **{name: found.get((str(m), kind), 0) for kind, name in names.items()}}
        for m in months
    ]
