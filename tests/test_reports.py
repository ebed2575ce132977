"""The programme's figures against a hand-computed month, suppression, and the report command."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from hub.reports import Month, combine, figures, monthly_series, suppress
from tests.hub_fixture import EXPECTED_P01, NOW, build


@pytest.fixture
def hub(tmp_path):
    h = build(tmp_path / "hub")
    yield h
    h.close()


def test_figures_match_the_hand_computed_month(hub):
    figs = hub.db.read(lambda c: figures(c, Month.parse("2026-03"), "P01", NOW))
    for key, value in EXPECTED_P01.items():
        assert figs[key] == value, key


def test_other_prisons_and_months_are_separate(hub):
    p2 = hub.db.read(lambda c: figures(c, Month.parse("2026-03"), "P02", NOW))
    assert (p2["readers"], p2["loans"]) == (1, 1)
    both = hub.db.read(lambda c: figures(c, Month.parse("2026-03"), None, NOW))
    assert both["readers"] == 8  # card C1 in P02 is another person
    feb = hub.db.read(lambda c: figures(c, Month.parse("2026-02"), "P01", NOW))
    assert (feb["loans"], feb["readers"]) == (1, 1)
    april = hub.db.read(lambda c: figures(c, Month.parse("2026-04"), "P01", NOW))
    assert april["returns"] == 1 and april["loans"] == 0


def test_suppression_hides_counts_under_five():
    figs = {
        "readers": 7, "anonymous_sessions": 2, "loans": 5, "returns": 1, "renewals": 0,
        "overdue_loans": 4, "reading_sessions": 3, "reading_minutes": 50, "reading_pages": 9,
        "attendance": {a: {"participants": 1, "attendances": 6} for a in
                       ("literacy_class", "vocational_training", "vocational_orientation",
                        "library_visit")},
        "top_titles": [{"title": "A", "loans": 5}, {"title": "B", "loans": 4}],
        "top_content": [{"title": "K", "sessions": 2, "minutes": 40}],
    }  # fmt: skip
    out = suppress(figs)
    assert (out["readers"], out["loans"], out["renewals"]) == (7, 5, 0)
    assert out["anonymous_sessions"] == out["returns"] == out["overdue_loans"] == "<5"
    assert out["reading_minutes"] == "<5"  # minutes of fewer than 5 sessions would identify
    assert out["attendance"]["literacy_class"] == {"participants": "<5", "attendances": 6}
    assert out["top_titles"] == [{"title": "A", "loans": 5}] and out["top_content"] == []
    assert figs["returns"] == 1  # the original is untouched


def test_combine_adds_known_counts_and_flags_suppressed_ones():
    a = {"readers": 10, "loans": "<5", "attendance": {}, "top_titles": []}
    b = {"readers": 6, "loans": 7, "attendance": {}, "top_titles": []}
    total = combine([a, b], "2026-03")
    assert total["readers"] == 16 and total["loans"] == 7 and total["incomplete"] is True


def test_monthly_series_counts_by_local_month(hub):
    series = hub.db.read(lambda c: monthly_series(c, Month.parse("2026-04"), "P01", 3))
    assert [s["month"] for s in series] == ["2026-02", "2026-03", "2026-04"]
    assert [s["loans"] for s in series] == [1, 5, 0]
    assert series[1]["reading_sessions"] == 5 and series[1]["attendances"] == 6


@pytest.mark.parametrize("bad", ["2026-13", "2026-3", "march", "", "2026-03-01"])
def test_bad_months_are_refused(bad):
    from hub.errors import Invalid

    with pytest.raises(Invalid):
        Month.parse(bad)


def test_report_command_prints_the_required_keys(hub, tmp_path):
    hub.close()
    out = subprocess.run(
        [sys.executable, "-m", "hub", "report", "--month", "2026-03", "--prison", "P01",
         "--json", "--data-dir", str(tmp_path / "hub")],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    data = json.loads(out.stdout)
    for key in ("readers", "loans", "returns", "reading_sessions", "reading_minutes"):
        assert key in data
    assert data["attendance"]["literacy_class"]["attendances"] == 3
    assert data["loans"] == 5
    bad = subprocess.run(
        [sys.executable, "-m", "hub", "report", "--month", "2026-3", "--data-dir",
         str(tmp_path / "hub")], capture_output=True, text=True,
    )  # fmt: skip
    assert bad.returncode == 1 and "month must look like" in bad.stderr


def test_core_modules_do_not_import_fastapi():
    code = (
        "import sys\n"
        "import hub.reports, hub.exports, hub.bundle, hub.imports, hub.departures\n"
        "import hub.approvals, hub.opds, hub.lists, hub.report_pdf, hub.charts, hub.i18n\n"
        "print(','.join(m for m in sys.modules if m.split('.')[0] in ('fastapi', 'starlette')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_figures_cache_sees_new_events_and_departures(hub):
    from hub.departures import mark_departure
    from hub.reports import FiguresCache
    from tests.hub_fixture import _push, t

    cache = FiguresCache()
    march = Month.parse("2026-03")
    first, _ = hub.db.read(lambda c: cache.get(c, march, "P01", NOW))
    again, _ = hub.db.read(lambda c: cache.get(c, march, "P01", NOW))
    assert again is first and first["loans"] == 5
    late = {"loan_id": "0b5d0c39-7f3c-4b38-9d36-6f7d1b4f2d10", "card": "C7", "barcode": "B2",
            "due": "2026-03-30"}  # fmt: skip
    _push(hub, "P01", "K3", [(t(16), "checked_out", late)])  # arrives late, from another kiosk
    fresh, _ = hub.db.read(lambda c: cache.get(c, march, "P01", NOW))
    assert fresh["loans"] == 6 and fresh["overdue_loans"] == 4
    hub.db.write(lambda c: mark_departure(c, "P01", "C7", "released", "closed", 0, "t", NOW))
    after, _ = hub.db.read(lambda c: cache.get(c, march, "P01", NOW))
    assert after is not fresh  # recomputed; closing the loan in April does not rewrite March:
    assert after["overdue_loans"] == 4  # it was still out, and late, when March ended


def test_docs_mention_every_dashboard_command():
    """docs/hub-dashboard.md falls behind the code: this fails (as Datasette's test_docs does)."""
    import argparse
    import importlib
    from pathlib import Path

    docs = (Path(__file__).resolve().parent.parent / "docs" / "hub-dashboard.md").read_text()
    for name in ("figures", "bundles", "roster", "staff"):
        sub = argparse.ArgumentParser().add_subparsers()
        importlib.import_module(f"hub.commands.{name}").register(
            sub, argparse.ArgumentParser(add_help=False)
        )
        for command in sub.choices:
            assert f"hub {command}" in docs or f"`{command}" in docs, command
