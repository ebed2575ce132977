"""National bundles: signed, anonymous, idempotent on import, tampering refused."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hub import bundle
from hub.reports import Month
from tests.hub_fixture import NOW, PATRONS, build

MARCH = Month.parse("2026-03")


@pytest.fixture(scope="module")
def prison(tmp_path_factory):
    base = tmp_path_factory.mktemp("bundle")
    h = build(base / "prison")
    entry = bundle.new_key(bundle.key_dir(base / "national"), "P01")  # made on the national hub
    bundle.install_key(bundle.key_dir(h.settings.data_dir), json.dumps(entry))  # carried over
    yield h, base
    h.close()


def make(h, now=NOW):
    key = bundle.load_key(bundle.key_dir(h.settings.data_dir), "P01")
    return h.db.read(lambda c: bundle.make_bundle(c, "P01", MARCH, key, now, "test"))


def test_bundle_has_no_personal_data(prison):
    h, _ = prison
    data = make(h).decode()
    for card, name in PATRONS.items():
        assert name not in data
        assert f"D-{card}" not in data
    payload = json.loads(data)["payload"]
    assert payload["figures"]["readers"] == 7 and payload["figures"]["returns"] == "<5"


def test_import_is_idempotent_and_the_newest_bundle_wins(prison, tmp_path):
    h, base = prison
    from hub.app import Hub
    from hub.config import Settings

    national = Hub(Settings.load(base / "national"), now=lambda: NOW).open()
    keys = bundle.key_dir(base / "national")
    try:
        first = make(h)
        payload = bundle.read_bundle(first, keys)
        assert national.db.write(lambda c: bundle.import_bundle(c, payload, NOW)) == "imported"
        assert national.db.write(lambda c: bundle.import_bundle(c, payload, NOW)) == "already"
        rows = national.db.read(lambda c: bundle.national(c, MARCH))
        assert len(rows) == 1 and rows[0]["readers"] == 7
        from datetime import timedelta

        later = bundle.read_bundle(make(h, NOW + timedelta(days=1)), keys)
        assert national.db.write(lambda c: bundle.import_bundle(c, later, NOW)) == "replaced"
        assert national.db.write(lambda c: bundle.import_bundle(c, payload, NOW)) == "already"
        assert len(national.db.read(lambda c: bundle.national(c, MARCH))) == 1
    finally:
        national.close()


@pytest.mark.parametrize(
    "tamper",
    [
        lambda b: b["payload"]["figures"].__setitem__("readers", 700),
        lambda b: b["payload"].__setitem__("prison_id", "P02"),
        lambda b: b["payload"].__setitem__("month", "2026-04"),
        lambda b: b.__setitem__("signature", "0" * 64),
        lambda b: b.pop("signature"),
        lambda b: b["payload"]["figures"].__setitem__("card", "C1"),
    ],
)
def test_tampered_bundles_are_refused(prison, tamper):
    h, base = prison
    body = json.loads(make(h))
    tamper(body)
    with pytest.raises(bundle.BundleRefused):
        bundle.read_bundle(json.dumps(body).encode(), bundle.key_dir(base / "national"))


@pytest.mark.parametrize(
    "data", [b"", b"not json", b"[]", b'{"payload": 1, "signature": 2}', b"x" * (2 << 20)]
)
def test_garbage_is_refused(prison, data):
    _, base = prison
    with pytest.raises(bundle.BundleRefused):
        bundle.read_bundle(data, bundle.key_dir(base / "national"))


def test_a_prison_cannot_sign_for_another(prison, tmp_path):
    h, base = prison
    other = bundle.new_key(tmp_path / "other-keys", "P02")
    body = json.loads(make(h))
    body["payload"]["prison_id"] = "P02"
    body["signature"] = bundle.sign(body["payload"], bytes.fromhex(other["key"]))
    with pytest.raises(bundle.BundleRefused, match="no bundle key|signature"):
        bundle.read_bundle(json.dumps(body).encode(), bundle.key_dir(base / "national"))


def test_commands_export_and_import_twice(prison, tmp_path):
    h, base = prison
    out = tmp_path / "p01-2026-03.json"
    cmd = [sys.executable, "-m", "hub"]
    exp = subprocess.run(cmd + ["export-bundle", "--month", "2026-03", "--prison", "P01",
                                "--out", str(out), "--data-dir", str(h.settings.data_dir)],
                         capture_output=True, text=True)  # fmt: skip
    assert exp.returncode == 0, exp.stderr
    national = tmp_path / "national"  # a fresh national hub holding P01's key
    key_file = bundle.key_path(bundle.key_dir(base / "national"), "P01")
    bundle.install_key(bundle.key_dir(national), key_file.read_text())
    for expected in ("imported", "already"):
        imp = subprocess.run(cmd + ["import-bundle", str(out), "--data-dir", str(national)],
                             capture_output=True, text=True)  # fmt: skip
        assert imp.returncode == 0 and expected in imp.stdout, imp.stderr
    out.write_bytes(out.read_bytes().replace(b'"readers": 7', b'"readers": 8'))
    bad = subprocess.run(cmd + ["import-bundle", str(out), "--data-dir", str(national)],
                         capture_output=True, text=True)  # fmt: skip
    assert bad.returncode == 1 and "signature" in bad.stderr


def _payload(prison: str, month: str, generated: str, readers: int) -> dict:
    figs = {k: 0 for k in ("readers", "anonymous_sessions", "loans", "returns", "renewals",
                           "overdue_loans", "reading_sessions", "reading_minutes", "reading_pages")}  # fmt: skip
    figs["readers"] = readers
    figs["attendance"] = {a: {"participants": 0, "attendances": 0} for a in
                          ("literacy_class", "vocational_training", "vocational_orientation",
                           "library_visit")}  # fmt: skip
    figs |= {"top_titles": [], "top_content": [], "month": month, "prison_id": prison}
    return {"format": bundle.FORMAT, "version": bundle.VERSION, "prison_id": prison,
            "month": month, "generated_at": generated, "hub_version": "t", "figures": figs}  # fmt: skip


@given(order=st.lists(st.integers(min_value=0, max_value=5), min_size=1, max_size=20))
@settings(max_examples=60, deadline=None)
def test_any_order_and_repeats_give_the_newest_figures(order):
    """Bundles imported in any order, any number of times: each (prison, month) ends with its
    newest bundle's figures, exactly as if each had been imported once, newest last."""
    import sqlite3

    from hub.db import migrate

    conn = sqlite3.connect(":memory:", isolation_level=None)
    conn.row_factory = sqlite3.Row
    migrate(conn)
    bundles = [_payload(p, "2026-03", f"2026-04-0{d}T00:00:00+00:00", 10 * d + i)
               for i, p in enumerate(("P01", "P02")) for d in (1, 2, 3)]  # fmt: skip
    for index in order:
        bundle.import_bundle(conn, bundles[index], NOW)
    got = {r["prison_id"]: r["readers"] for r in bundle.national(conn, MARCH)}
    expected = {}
    for index in sorted(set(order), key=lambda i: bundles[i]["generated_at"]):
        expected[bundles[index]["prison_id"]] = bundles[index]["figures"]["readers"]
    assert got == expected


@given(values=st.lists(st.integers(min_value=0, max_value=30), min_size=8, max_size=8))
def test_suppression_leaves_no_small_count_and_is_idempotent(values):
    from hub.reports import COUNT_KEYS, suppress

    figs = dict(zip(COUNT_KEYS, values, strict=False))
    figs |= {"reading_minutes": 99, "reading_pages": 9, "top_titles": [], "top_content": [],
             "attendance": {"literacy_class": {"participants": values[0], "attendances": values[1]}}}  # fmt: skip
    out = suppress(figs)
    flat = [out[k] for k in COUNT_KEYS] + list(out["attendance"]["literacy_class"].values())
    assert not any(isinstance(v, int) and 0 < v < 5 for v in flat)
    assert suppress(out) == out
