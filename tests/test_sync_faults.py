"""Kiosk sync against a real uvicorn hub, with faults. After each: nothing lost, nothing twice."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from sync_harness import ROOT, HubProcess, TcpProxy, enrolled_kiosk, hub_call, hub_query, make_kiosk

from hub.content import publish, register_file
from kiosk.clock import Clock
from kiosk.hub_client import HubClient
from kiosk.library import Library
from kiosk.sync import SyncAgent, SyncConfig
from wire.events import ReadingSessionRecorded

FAST = SyncConfig(interval_s=0.2, backoff_min_s=0.1, backoff_max_s=0.5, timeout_s=5)


def backlog(library: Library, n: int) -> list[str]:
    """``n`` events recorded in one transaction (a real outbox, without n fsyncs)."""
    ids = []
    with library.locked(), library.store.transaction():
        for i in range(n):
            payload = ReadingSessionRecorded(
                content_id="c1", started_at=library.clock.now(), minutes=i % 60, pages=1
            )
            ids.append(str(library.outbox.append("reading_session_recorded", payload).id))
    return ids


def hub_counts(hub, kiosk_id="k1") -> tuple[int, int, int]:
    """(event rows, distinct ids, events_received) for one kiosk."""
    rows, distinct = hub_query(
        hub.data_dir,
        "SELECT COUNT(*), COUNT(DISTINCT id) FROM events WHERE kiosk_id=?",
        (kiosk_id,),
    )[0]
    received = hub_query(hub.data_dir, "SELECT events_received FROM kiosks WHERE kiosk_id=?",
                         (kiosk_id,))[0][0]  # fmt: skip
    return rows, distinct, received


def assert_all_there_once(hub, ids, kiosk_id="k1"):
    stored = {r[0] for r in hub_query(hub.data_dir, "SELECT id FROM events WHERE kiosk_id=?",
                                      (kiosk_id,))}  # fmt: skip
    assert stored == set(ids)
    assert hub_counts(hub, kiosk_id) == (len(ids), len(ids), len(ids))


@pytest.fixture
def hub(tmp_path):
    with HubProcess(tmp_path / "hub") as running:
        yield running


def test_connection_cut_mid_batch_then_retry(hub, tmp_path):
    proxy = TcpProxy(hub.port)
    settings = enrolled_kiosk(tmp_path / "k1", hub, "k1", url=proxy.url)
    with Library.open(settings) as library:
        ids = backlog(library, 1200)
        proxy.cut_after(30_000)  # the first batch (~200 KB) dies in the middle of its body
        failed = SyncAgent(library, settings, config=FAST).run_once()
        assert not failed["ok"] and library.outbox_count() == 1200 and proxy.cuts >= 1
        proxy.cut_after(None)
        done = SyncAgent(library, settings, config=FAST).run_once()
        assert done["ok"] and done["pushed"] == 1200 and library.outbox_count() == 0
    assert_all_there_once(hub, ids)


def test_reply_lost_after_the_hub_applied_the_batch(hub, tmp_path):
    proxy = TcpProxy(hub.port)
    settings = enrolled_kiosk(tmp_path / "k1", hub, "k1", url=proxy.url)
    with Library.open(settings) as library:
        ids = backlog(library, 700)
        proxy.cut_reply(50)  # the hub stores batch 1, the kiosk never hears the ack
        failed = SyncAgent(library, settings, config=FAST).run_once()
        assert not failed["ok"] and library.outbox_count() == 700
        assert hub_counts(hub)[0] == 500
        proxy.cut_reply(None)
        done = SyncAgent(library, settings, config=FAST).run_once()
        assert done["ok"] and (done["pushed"], done["duplicates"]) == (200, 500)
        assert library.outbox_count() == 0
    assert_all_there_once(hub, ids)


def test_hub_killed_and_restarted_while_the_thread_pushes(hub, tmp_path):
    settings = enrolled_kiosk(tmp_path / "k1", hub, "k1")
    with Library.open(settings) as library:
        ids = backlog(library, 4000)
        agent = SyncAgent(library, settings, config=FAST).start()
        deadline = time.monotonic() + 30
        while hub_counts(hub)[0] == 0 and time.monotonic() < deadline:
            time.sleep(0.02)
        hub.kill()  # SIGKILL in the middle of the backlog
        killed_at = library.outbox_count()
        time.sleep(0.5)
        assert agent.state()["failures"] >= 1 or library.outbox_count() == 0
        more = backlog(library, 50)  # the kiosk keeps working while the hub is down
        hub.start()
        deadline = time.monotonic() + 60
        while library.outbox_count() and time.monotonic() < deadline:
            time.sleep(0.1)
        agent.stop()
        assert library.outbox_count() == 0, f"{killed_at} pending at kill"
        assert library.sync_state()["last_error"] is None
    assert_all_there_once(hub, ids + more)


def test_a_kiosk_clock_a_year_off(hub, tmp_path):
    settings = enrolled_kiosk(tmp_path / "k1", hub, "k1")
    year_ago = lambda: datetime.now(UTC) - timedelta(days=365)  # noqa: E731
    clock = Clock(now=year_ago, boot_id="boot2", system_synced=lambda: False)
    with Library.open(settings, clock=clock) as library:
        backlog(library, 3)
        assert SyncAgent(library, settings, config=FAST).run_once()["ok"]
        assert clock.offset_s == pytest.approx(365 * 86400, abs=60) and not clock.synced
        state = library.sync_state()
        assert state["clock_synced"] is False and state["clock_offset_s"] > 364 * 86400
    rows = hub_query(hub.data_dir, "SELECT occurred_at, time_source, received_at FROM events")
    for occurred, source, received in rows:
        assert source == "corrected"
        gap = datetime.fromisoformat(received) - datetime.fromisoformat(occurred)
        assert timedelta(0) <= gap < timedelta(minutes=5)


def test_thread_never_blocks_the_kiosk_while_the_hub_hangs(tmp_path):
    silent = socket.create_server(("127.0.0.1", 0))  # accepts, never answers
    settings = make_kiosk(tmp_path / "k1", "k1", "p1")
    with Library.open(settings) as library:
        library.update_sync_state(hub_url=f"http://127.0.0.1:{silent.getsockname()[1]}")
        (tmp_path / "k1" / "hub-credential").write_text("x" * 40)
        backlog(library, 10)
        agent = SyncAgent(library, settings, config=SyncConfig(timeout_s=3)).start()
        time.sleep(0.3)
        started = time.monotonic()
        for _ in range(5):
            library.record_reading_session(
                content_id="c1", started_at=datetime.now(UTC), minutes=1, pages=1
            )
            agent.state()
        assert time.monotonic() - started < 2.5  # while the push waits for its 3 s timeout
        deadline = time.monotonic() + 10
        while agent.state().get("failures", 0) < 1 and time.monotonic() < deadline:
            time.sleep(0.05)
        agent.stop()
        state = library.sync_state()
        assert state["hub_reachable"] is False and "unreachable" in state["last_error"]
        assert library.outbox_count() == 15
    silent.close()


def test_content_download_resumes_after_a_cut_and_is_imported(hub, tmp_path):
    proxy = TcpProxy(hub.port)
    settings = enrolled_kiosk(tmp_path / "k1", hub, "k1", url=proxy.url)
    text = ("# សៀវភៅ\n\n" + "ក្មេងៗ អាន សៀវភៅ។ " * 4000).encode()
    source = tmp_path / "story.md"
    source.write_bytes(text)

    def store(conn, h):
        sha, size = h.content.add_file(source)
        register_file(conn, sha, size, "story.md", h.now())
        publish(conn, "p1", "story1", sha, h.now(), title="រឿង", category="stories")
        return sha

    sha = hub_call(hub.data_dir, store)
    imported = []

    def importer(settings, path, **kw):
        imported.append((path.read_bytes(), kw))

    with Library.open(settings) as library:
        proxy.cut_reply(len(text) // 2)
        first = SyncAgent(library, settings, config=FAST, importer=importer).run_once()
        assert not first["ok"] and "story1" in library.sync_state()["content_pending"]
        partial = tmp_path / "k1" / "downloads" / f"{sha}.md.partial"
        assert 0 < partial.stat().st_size < len(text)
        proxy.cut_reply(None)
        second = SyncAgent(library, settings, config=FAST, importer=importer).run_once()
        assert second["ok"] and second["content"] == 1
        assert library.sync_state()["content_pending"] == {}
    assert imported == [(text, {"title": "រឿង", "category": "stories", "licence": None,
                                "content_id": "story1"})]  # fmt: skip


def test_download_refuses_a_file_with_the_wrong_checksum(hub, tmp_path):
    enrolled_kiosk(tmp_path / "k1", hub, "k1")
    source = tmp_path / "a.txt"
    source.write_bytes(b"genuine " * 1000)

    def store(conn, h):
        sha, size = h.content.add_file(source)
        register_file(conn, sha, size, "a.txt", h.now())
        publish(conn, "p1", "a", sha, h.now())
        h.content.path_for(sha).write_bytes(b"tampered" * 1000)  # same size, other bytes
        return sha

    sha = hub_call(hub.data_dir, store)
    credential = (tmp_path / "k1" / "hub-credential").read_text().strip()
    target = tmp_path / "a.txt"
    with HubClient(hub.url, credential) as client, pytest.raises(Exception, match="checksum"):
        client.download(sha, 8000, target)
    assert not target.with_name("a.txt.partial").exists()


def run(*args, home):
    return subprocess.run([sys.executable, "-m", "kiosk", *args, "--home", str(home)],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)  # fmt: skip


def test_enrol_from_identity_file_then_sync_once_and_status(hub, tmp_path):
    from sync_harness import issue_token

    from wire.identity import Identity, render_identity

    home = tmp_path / "k1"
    settings = make_kiosk(home, "k1", "p1")
    token = issue_token(hub.data_dir, "k1", "p1")
    identity = Identity(kiosk_id="k1", prison_id="p1", hub_url=hub.url, enrolment_token=token)
    settings.paths.identity_file.write_text(render_identity(identity))
    out = run("enrol", home=home)
    assert out.returncode == 0, out.stderr
    assert run("enrol", home=home).returncode != 0  # the token worked once
    with Library.open(settings) as library:
        backlog(library, 42)
    out = run("sync", "--once", "--json", home=home)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["pushed"] == 42
    status = run("status", home=home)
    assert "sync.last_success_at" in status.stdout and "sync.last_error: None" in status.stdout
    assert (home / "hub-credential").stat().st_mode & 0o077 == 0
    assert (home / "hub-credential").read_text().strip() not in status.stdout
    assert hub_counts(hub) == (42, 42, 42)


def test_ten_kiosks_at_once(hub, tmp_path):
    kiosks = []
    for i in range(10):
        settings = enrolled_kiosk(tmp_path / f"k{i}", hub, f"k{i}")
        library = Library.open(settings)
        kiosks.append((settings, library, backlog(library, 600)))
    results = []
    threads = [threading.Thread(target=lambda s=s, lib=lib: results.append(
        SyncAgent(lib, s, config=FAST).run_once())) for s, lib, _ in kiosks]  # fmt: skip
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert all(r["ok"] for r in results), results
    for i, (_, library, ids) in enumerate(kiosks):
        assert library.outbox_count() == 0
        library.close()
        assert_all_there_once(hub, ids, f"k{i}")


def test_revoked_kiosk_keeps_its_events_and_says_why(hub, tmp_path):
    settings = enrolled_kiosk(tmp_path / "k1", hub, "k1")
    out = subprocess.run(
        [sys.executable, "-m", "hub", "revoke-kiosk", "k1", "--data-dir", str(hub.data_dir)],
        cwd=ROOT, capture_output=True, text=True,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    with Library.open(settings) as library:
        backlog(library, 5)
        result = SyncAgent(library, settings, config=FAST).run_once()
        state = library.sync_state()
        assert not result["ok"] and "revoked" in state["last_error"]
        assert state["hub_reachable"] is True and library.outbox_count() == 5
    assert hub_counts(hub)[0] == 0


def test_the_thread_enrols_when_the_hub_was_down_at_boot(tmp_path):
    from sync_harness import free_port, issue_token

    from wire.identity import Identity, render_identity

    port = free_port()
    hub = HubProcess(tmp_path / "hub", port)
    settings = make_kiosk(tmp_path / "k1", "k1", "p1")
    hub.start()
    token = issue_token(hub.data_dir, "k1", "p1")
    hub.stop()  # down when the kiosk boots
    identity = Identity(kiosk_id="k1", prison_id="p1", hub_url=hub.url, enrolment_token=token)
    settings.paths.identity_file.write_text(render_identity(identity))
    with Library.open(settings) as library:
        ids = backlog(library, 7)
        down = SyncAgent(library, settings, config=FAST).run_once()
        assert not down["ok"] and "unreachable" in down["error"]
        hub.start()
        try:
            up = SyncAgent(library, settings, config=FAST).run_once()
            assert up["ok"] and up["pushed"] == 7, up
        finally:
            hub.stop()
    assert {r[0] for r in hub_query(tmp_path / "hub", "SELECT id FROM events")} == set(ids)
