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
import re
import sqlite3
import threading
from collections import Counter, OrderedDict
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
    """Exact figures for one prison, or for every prison on this hub when ``prison_id`` is None.

    Aggregates run in SQLite over the month's slice of the ``(prison_id|type, occurred_at)``
    indexes; a card is a person only within its prison, so distinct counts pair it with the prison.
    """
    start, end = month.bounds()
    where = "occurred_at >= ? AND occurred_at < ?" + (" AND prison_id = ?" if prison_id else "")
    args = [start, end] + ([prison_id] if prison_id else [])

    def one(sql: str):
        return conn.execute(sql.replace("{where}", where), args).fetchall()

    counts = dict(one("SELECT type, COUNT(*) FROM events WHERE {where} GROUP BY type"))
    readers = one(
        "SELECT COUNT(*) FROM (SELECT DISTINCT prison_id, json_extract(data, '$.card') AS card"
        " FROM events WHERE {where} AND (type IN ('checked_out', 'reading_session_recorded')"
        " OR (type = 'attendance_recorded' AND json_extract(data, '$.activity') = 'library_visit')))"
        " WHERE card IS NOT NULL"
    )
    reading = one(
        "SELECT COUNT(*), TOTAL(json_extract(data, '$.minutes')), TOTAL(json_extract(data,"
        " '$.pages')), TOTAL(json_extract(data, '$.card') IS NULL) FROM events"
        " WHERE {where} AND type = 'reading_session_recorded'"
    )[0]
    attendance = {
        a: {"participants": p, "attendances": n}
        for a, n, p in one(
            "SELECT json_extract(data, '$.activity') AS a, COUNT(*), COUNT(DISTINCT prison_id"
            " || char(31) || json_extract(data, '$.card')) FROM events"
            " WHERE {where} AND type = 'attendance_recorded' GROUP BY a"
        )
    }
    return {
        "month": str(month),
        "prison_id": prison_id,
        "readers": readers[0][0],
        "anonymous_sessions": int(reading[3]),
        "loans": counts.get("checked_out", 0),
        "returns": counts.get("checked_in", 0),
        "renewals": counts.get("renewed", 0),
        "overdue_loans": overdue_loans(conn, month, prison_id, now),
        "reading_sessions": reading[0],
        "reading_minutes": round(reading[1]),
        "reading_pages": int(reading[2]),
        "attendance": {
            a: attendance.get(a, {"participants": 0, "attendances": 0}) for a in ACTIVITIES
        },
        "top_titles": [
            {"title": t, "loans": n}
            for t, n in one(
                "SELECT COALESCE(json_extract(t.record, '$.title'), '[' || e.barcode || ']') AS"
                " title, COUNT(*) AS n FROM (SELECT prison_id, json_extract(data, '$.barcode')"
                " AS barcode FROM events WHERE {where} AND type = 'checked_out') e"
                " LEFT JOIN records c ON c.prison_id = e.prison_id AND c.kind = 'copy'"
                " AND c.key = e.barcode LEFT JOIN records t ON t.prison_id = e.prison_id"
                " AND t.kind = 'title' AND t.key = json_extract(c.record, '$.title_id')"
                f" GROUP BY title ORDER BY n DESC, title LIMIT {TOP}"
            )
        ],
        "top_content": [
            {"title": t, "sessions": n, "minutes": round(m)}
            for t, n, m in one(
                "SELECT COALESCE(i.title, json_extract(r.record, '$.title'), e.cid) AS title,"
                " COUNT(*) AS n, TOTAL(e.minutes) FROM (SELECT prison_id,"
                " json_extract(data, '$.content_id') AS cid, json_extract(data, '$.minutes')"
                " AS minutes FROM events WHERE {where} AND type = 'reading_session_recorded') e"
                " LEFT JOIN content_items i ON i.content_id = e.cid LEFT JOIN records r"
                " ON r.prison_id = e.prison_id AND r.kind = 'content' AND r.key = e.cid"
                f" GROUP BY title ORDER BY n DESC, title LIMIT {TOP}"
            )
        ],
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
    ``last``, oldest first (the dashboard's charts): counts over index ranges, no JSON."""
    months = [last]
    while len(months) < n:
        months.append(months[-1].previous())
    months.reverse()
    names = {"checked_out": "loans", "checked_in": "returns",
             "reading_session_recorded": "reading_sessions", "attendance_recorded": "attendances"}  # fmt: skip
    sql = "SELECT COUNT(*) FROM events WHERE type = ? AND occurred_at >= ? AND occurred_at < ?"
    if prison_id is not None:
        sql += " AND prison_id = ?"
    series = []
    for m in months:
        start, end = m.bounds()
        row = {"month": str(m)}
        for kind, name in names.items():
            extra = [prison_id] if prison_id is not None else []
            row[name] = conn.execute(sql, [kind, start, end, *extra]).fetchone()[0]
        series.append(row)
    return series


def data_version(conn: sqlite3.Connection) -> tuple:
    """Changes whenever anything the figures read may have changed (index lookups only): new
    events (and the loans they project), records (titles), departures (closed loans, purges)."""
    return (
        conn.execute("SELECT MAX(rowid) FROM events").fetchone()[0],
        conn.execute("SELECT value FROM counters WHERE name='change_seq'").fetchone()[0],
        tuple(conn.execute(
            "SELECT COUNT(*), COUNT(purged_at), MAX(recorded_at) FROM patron_departures"
        ).fetchone()),
    )  # fmt: skip


class FiguresCache:
    """A month's figures and chart series per prison, kept until the data or the day changes.

    Programme staff look at the same months again and again; past months change only when late
    events arrive, which changes ``data_version``. Small LRU, safe across threads.
    """

    def __init__(self, size: int = 64):
        self.size = size
        self._items: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, conn: sqlite3.Connection, month: Month, prison_id: str | None, now: datetime):
        key = (str(month), prison_id, data_version(conn), now.astimezone(LOCAL).date())
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        value = (figures(conn, month, prison_id, now), monthly_series(conn, month, prison_id))
        with self._lock:
            self._items[key] = value
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value
