"""Hub core without HTTP: database writer, migrations, ingest, conflicts, auth, pull feed."""

from __future__ import annotations

import random
import threading
from datetime import UTC, datetime, timedelta

import pytest
from hub_fixtures import T0, EventMaker

from hub import auth, catalogue, ingest
from hub.app import Hub
from hub.config import Settings
from hub.db import migrations
from hub.errors import EnrolmentRefused, Forbidden, HubError, NotAuthenticated
from hub.kiosks import list_conflicts, list_kiosks

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


@pytest.fixture
def hub(tmp_path):
    with Hub(Settings.load(tmp_path / "hub")) as opened:
        yield opened


def enrolled(hub, kiosk_id="k1", prison_id="p1"):
    def go(conn):
        token = auth.issue_enrolment_token(conn, kiosk_id, prison_id, timedelta(hours=1), NOW)
        return auth.enrol(conn, token, kiosk_id, NOW)

    return hub.db.write(go)[0]


def push(hub, kiosk, request, received=NOW):
    return hub.db.write(lambda conn: ingest.ingest(conn, kiosk, request, received))


def count(hub, sql, *args):
    return hub.db.read(lambda conn: conn.execute(sql, args).fetchone()[0])


def test_migrations_are_numbered_and_reopen_is_harmless(tmp_path):
    assert [v for v, _, _ in migrations()] == list(range(1, len(migrations()) + 1))
    settings = Settings.load(tmp_path / "hub")
    for _ in range(2):
        with Hub(settings) as hub:
            version = count(hub, "PRAGMA user_version")
    assert version == len(migrations())


def test_settings_refuse_plain_http_on_the_network(tmp_path):
    with pytest.raises(HubError, match="plain HTTP"):
        Settings.load(tmp_path, host="0.0.0.0")
    assert Settings.load(tmp_path, host="0.0.0.0", allow_plain_http=True).host == "0.0.0.0"
    with pytest.raises(HubError, match="unknown"):
        Settings.load(tmp_path, colour="red")


def test_a_mistyped_hub_toml_value_is_named(tmp_path):
    (tmp_path / "hub.toml").write_text('port = "8443"\n')
    with pytest.raises(HubError, match="hub setting port must be a whole number, not '8443'"):
        Settings.load(tmp_path)
    (tmp_path / "hub.toml").write_text("public_url = 8443\nport = 8443\n")
    with pytest.raises(HubError, match="public_url must be text in quotes"):
        Settings.load(tmp_path)


def test_writer_keeps_other_writes_when_one_fails(hub):
    hub.db.write(lambda c: c.execute("CREATE TABLE t (x INTEGER UNIQUE)"))
    futures = [hub.db.submit(lambda c, i=i: c.execute("INSERT INTO t VALUES (?)", (i % 50,)))
               for i in range(100)]  # fmt: skip
    failed = sum(1 for f in futures if f.exception() is not None)
    assert failed == 50 and count(hub, "SELECT COUNT(*) FROM t") == 50


def test_concurrent_writers_all_commit(hub):
    hub.db.write(lambda c: c.execute("CREATE TABLE t (x)"))

    def worker():
        for i in range(50):
            hub.db.write(lambda c, i=i: c.execute("INSERT INTO t VALUES (?)", (i,)))

    threads = [threading.Thread(target=worker) for _ in range(8)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert count(hub, "SELECT COUNT(*) FROM t") == 400


def test_enrolment_token_is_one_time_expires_and_binds_the_kiosk(hub):
    def issue(conn, kiosk="k1", ttl=timedelta(hours=1)):
        return auth.issue_enrolment_token(conn, kiosk, "p1", ttl, NOW)

    token = hub.db.write(issue)
    with pytest.raises(EnrolmentRefused, match="for kiosk k1"):
        hub.db.write(lambda c: auth.enrol(c, token, "k2", NOW))
    kiosk, credential = hub.db.write(lambda c: auth.enrol(c, token, "k1", NOW))
    assert kiosk.prison_id == "p1"
    with pytest.raises(EnrolmentRefused, match="already been used"):
        hub.db.write(lambda c: auth.enrol(c, token, "k1", NOW))
    short = hub.db.write(lambda c: issue(c, ttl=timedelta(seconds=1)))
    with pytest.raises(EnrolmentRefused, match="expired"):
        hub.db.write(lambda c: auth.enrol(c, short, "k1", NOW + timedelta(seconds=2)))
    with pytest.raises(HubError, match="belongs to prison p1"):
        hub.db.write(lambda c: auth.issue_enrolment_token(c, "k1", "p2", timedelta(1), NOW))
    stored = count(hub, "SELECT credential_hash FROM kiosks")
    assert credential not in stored and token not in str(hub.db.read(
        lambda c: c.execute("SELECT * FROM enrolment_tokens").fetchall()))  # fmt: skip


def test_revoked_and_replaced_credentials_stop_working(hub):
    token = hub.db.write(lambda c: auth.issue_enrolment_token(c, "k1", "p1", timedelta(1), NOW))
    _, old = hub.db.write(lambda c: auth.enrol(c, token, "k1", NOW))
    assert hub.db.read(lambda c: auth.authenticate_kiosk(c, old)).kiosk_id == "k1"
    hub.db.write(lambda c: auth.revoke_kiosk(c, "k1", NOW))
    with pytest.raises(NotAuthenticated, match="revoked"):
        hub.db.read(lambda c: auth.authenticate_kiosk(c, old))
    token = hub.db.write(lambda c: auth.issue_enrolment_token(c, "k1", "p1", timedelta(1), NOW))
    _, new = hub.db.write(lambda c: auth.enrol(c, token, "k1", NOW))
    assert hub.db.read(lambda c: auth.authenticate_kiosk(c, new)).kiosk_id == "k1"
    with pytest.raises(NotAuthenticated):
        hub.db.read(lambda c: auth.authenticate_kiosk(c, old))


def test_passwords_are_hashed_and_checked(hub):
    hub.db.write(lambda c: auth.create_user(c, "sophea", "a long password", NOW))
    row = hub.db.read(lambda c: c.execute("SELECT password_hash FROM users").fetchone())
    assert row[0].startswith("scrypt$") and "a long password" not in row[0]
    assert hub.db.read(lambda c: auth.verify_user(c, "sophea", "a long password"))
    assert not hub.db.read(lambda c: auth.verify_user(c, "sophea", "wrong password"))
    assert not hub.db.read(lambda c: auth.verify_user(c, "nobody", "a long password"))


def test_same_batch_twice_and_in_pieces_counts_once(hub):
    kiosk = enrolled(hub)
    maker = EventMaker()
    events = [maker.reading() for _ in range(30)]
    first = push(hub, kiosk, maker.push(events))
    again = push(hub, kiosk, maker.push(events))
    pieces = push(hub, kiosk, maker.push(events[5:12] + events[5:12]))
    assert (first.applied, first.duplicates) == (30, 0)
    assert (again.applied, again.duplicates) == (0, 30)
    assert (pieces.applied, pieces.duplicates) == (0, 14)
    assert set(again.acked) == {e.id for e in events}
    assert count(hub, "SELECT COUNT(*) FROM events") == 30
    assert count(hub, "SELECT events_received FROM kiosks") == 30


def test_gaps_are_noticed_and_closed(hub):
    kiosk = enrolled(hub)
    maker = EventMaker()
    events = [maker.reading() for _ in range(10)]
    result = push(hub, kiosk, maker.push(events[:3] + events[6:]))
    assert result.missing == [(4, 6)]
    result = push(hub, kiosk, maker.push(events[3:6]))
    assert result.missing == []
    row = hub.db.read(lambda c: list_kiosks(c))[0]
    assert (row["contiguous_seq"], row["max_seq"], row["missing"]) == (10, 10, [])
    late = push(hub, kiosk, maker.push([EventMaker(boot_id="b2").reading()]))
    assert late.duplicates == 0  # a new event reusing seq 1 is still kept, never dropped


def test_pushing_as_another_kiosk_or_prison_is_refused(hub):
    kiosk = enrolled(hub)
    enrolled(hub, "k2", "p2")
    with pytest.raises(Forbidden):
        push(hub, kiosk, EventMaker("k2", "p2").push([EventMaker("k2", "p2").reading()]))
    forged = EventMaker("k1", "p1")
    request = forged.push([forged.reading(), EventMaker("k2", "p2").reading()])
    with pytest.raises(Forbidden):
        push(hub, kiosk, request)
    assert count(hub, "SELECT COUNT(*) FROM events") == 0


def loans_and_open_conflicts(hub):
    loans = hub.db.read(
        lambda c: sorted(
            tuple(r)
            for r in c.execute(
                "SELECT loan_id, barcode, out_event_id IS NOT NULL, in_event_id IS NOT NULL FROM loans"
            )
        )
    )
    conflicts = sorted((r["kind"], r["loan_id"]) for r in hub.db.read(lambda c: list_conflicts(c)))
    return loans, conflicts  # fmt: skip


def test_conflicts_recorded_not_dropped(hub):
    a, b = enrolled(hub, "ka"), enrolled(hub, "kb")
    ma, mb = EventMaker("ka"), EventMaker("kb")
    lent_a = ma.lend("B1")
    push(hub, a, ma.push([lent_a]))
    result = push(hub, b, mb.push([mb.lend("B1", card="C2")]))
    assert result.conflicts == 1
    stray = mb.give_back(mb.lend("B9"))
    stray_only = push(hub, b, mb.push([stray]))  # its check-out never reached the hub
    assert stray_only.conflicts == 1
    kinds = [c["kind"] for c in hub.db.read(lambda c: list_conflicts(c))]
    assert kinds == ["copy_already_on_loan", "return_without_open_loan"]
    assert count(hub, "SELECT COUNT(*) FROM loans WHERE barcode='B1' AND in_event_id IS NULL") == 2


def test_reordered_batches_end_like_ordered_ones(tmp_path):
    maker = EventMaker()
    first = maker.lend("B1")
    events = [first, maker.give_back(first)]
    second = maker.lend("B1", card="C2")
    events += [second, maker.give_back(second), maker.lend("B1", card="C3"), maker.lend("B2")]
    events += [maker.reading() for _ in range(4)]
    results = []
    for attempt in range(6):
        order = [events[i : i + 2] for i in range(0, len(events), 2)]
        if attempt:
            random.Random(attempt).shuffle(order)
        with Hub(Settings.load(tmp_path / f"hub{attempt}")) as hub:
            kiosk = enrolled(hub)
            for batch in order:
                push(hub, kiosk, maker.push(batch))
            results.append(loans_and_open_conflicts(hub))
    assert all(r == results[0] for r in results)
    assert results[0][1] == []  # nothing to resolve: the kiosk did nothing wrong


def test_a_year_off_clock_is_corrected_from_the_push(hub):
    kiosk = enrolled(hub)
    maker = EventMaker()
    maker.synced = False
    maker.at = NOW - timedelta(days=365)
    event = maker.reading()
    push(hub, kiosk, maker.push([event], sent_at=maker.at + timedelta(minutes=1)))
    occurred, source, at = hub.db.read(lambda c: c.execute(
        "SELECT occurred_at, time_source, at FROM events").fetchone())  # fmt: skip
    assert source == "corrected" and at.startswith("2025-11-27")
    assert occurred == (NOW - timedelta(minutes=1)).isoformat(timespec="microseconds")
    offset = hub.db.read(lambda c: list_kiosks(c))[0]["clock_offset_s"]
    assert offset == pytest.approx(-365 * 86400 + 120)  # reading() moved the clock 1 min


def test_an_unbelievable_clock_from_an_earlier_boot_falls_back_to_receive_time(hub):
    kiosk = enrolled(hub)
    old = EventMaker(boot_id="old")
    old.synced, old.at = False, T0 - timedelta(days=3000)
    request = EventMaker(boot_id="now").push([old.reading()], sent_at=NOW, synced=True)
    push(hub, kiosk, request)
    assert count(hub, "SELECT time_source FROM events") == "received"


def test_pull_feed_gives_latest_state_once_and_only_own_prison(hub):
    title = {"title_id": "t1", "title": "សៀវភៅ"}

    def load(conn):
        catalogue.put_record(conn, "p1", "title", "t1", title, NOW)
        catalogue.put_record(conn, "p1", "copy", "B1", {"barcode": "B1", "title_id": "t1"}, NOW)
        catalogue.put_record(conn, "p2", "title", "t9", {"title_id": "t9", "title": "x"}, NOW)
        catalogue.put_record(conn, "p1", "title", "t1", title | {"author": "A"}, NOW)
        assert catalogue.put_record(conn, "p1", "title", "t1", title | {"author": "A"}, NOW) is None
        catalogue.put_record(conn, "p1", "copy", "B1", None, NOW)

    hub.db.write(load)
    page = hub.db.read(lambda c: catalogue.pull(c, "p1", 0, 1, NOW))
    assert page.more and [ch.key for ch in page.changes] == ["t1"]
    rest = hub.db.read(lambda c: catalogue.pull(c, "p1", page.cursor, 100, NOW))
    assert not rest.more and [(ch.key, ch.record) for ch in rest.changes] == [("B1", None)]
    assert page.changes[0].record["author"] == "A"
    restored = hub.db.read(lambda c: catalogue.pull(c, "p1", 10_000, 100, NOW))
    assert len(restored.changes) == 2  # a cursor from the future: hub restored, send it all
    p2 = hub.db.read(lambda c: catalogue.pull(c, "p2", 0, 100, NOW))
    assert [ch.key for ch in p2.changes] == ["t9"]


def test_a_copy_added_at_one_kiosk_is_offered_to_the_others(hub):
    from wire.events import CopyAdded, make_event

    kiosk = enrolled(hub)
    maker = EventMaker()
    maker.seq += 1
    added = make_event(
        type="copy_added", kiosk_id="k1", prison_id="p1", seq=maker.seq, boot_id="b", at=T0,
        clock_synced=True, payload=CopyAdded(barcode="N1", title="ថ្មី", author="ក"),
    )  # fmt: skip
    hub.db.write(lambda c: catalogue.put_record(
        c, "p1", "copy", "OLD", {"barcode": "OLD", "title_id": "x"}, NOW))  # fmt: skip
    push(hub, kiosk, maker.push([added]))
    page = hub.db.read(lambda c: catalogue.pull(c, "p1", 0, 100, NOW))
    assert {(ch.kind, ch.key) for ch in page.changes} >= {("copy", "N1"), ("copy", "OLD")}
    copy = next(ch.record for ch in page.changes if ch.key == "N1")
    title = next(ch.record for ch in page.changes if ch.kind == "title")
    assert copy["title_id"] == title["title_id"] and title["title"] == "ថ្មី"
