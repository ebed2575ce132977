"""The kiosk API on a real uvicorn hub: enrolment, auth, validation, limits, pull, content Range."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys

import httpx
import pytest
from hub_fixtures import EventMaker
from sync_harness import ROOT, HubProcess, hub_call, issue_token

from hub.catalogue import put_record
from hub.content import publish, register_file
from wire.api import HUB_TIME_HEADER, MAX_PUSH_BYTES


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    with HubProcess(tmp_path_factory.mktemp("hub")) as running:
        yield running


def api(hub, credential=None) -> httpx.Client:
    headers = {"Authorization": f"Bearer {credential}"} if credential else {}
    return httpx.Client(base_url=f"{hub.url}/api/v1", headers=headers, timeout=10)


def enrol(hub, kiosk_id, prison_id="p1") -> str:
    token = issue_token(hub.data_dir, kiosk_id, prison_id)
    answer = api(hub).post("/enrol", json={"token": token, "kiosk_id": kiosk_id})
    assert answer.status_code == 200, answer.text
    return answer.json()["credential"]


def post(client, request):
    return client.post("/push", content=request.model_dump_json(),
                       headers={"Content-Type": "application/json"})  # fmt: skip


def test_health_without_credential_and_every_answer_has_hub_time(hub):
    ok = api(hub).get("/health")
    assert ok.status_code == 200 and ok.json()["status"] == "ok"
    refused = api(hub).get("/pull")
    assert refused.status_code == 401 and HUB_TIME_HEADER.lower() in refused.headers


def test_enrolment_token_works_once(hub):
    token = issue_token(hub.data_dir, "once", "p1")
    assert api(hub).post("/enrol", json={"token": token, "kiosk_id": "once"}).status_code == 200
    again = api(hub).post("/enrol", json={"token": token, "kiosk_id": "once"})
    assert again.status_code == 403 and "already been used" in again.json()["detail"]


def test_push_as_another_kiosk_is_forbidden(hub):
    credential = enrol(hub, "honest")
    enrol(hub, "victim")
    other = EventMaker("victim", "p1")
    answer = post(api(hub, credential), other.push([other.reading()]))
    assert answer.status_code == 403 and "cannot push as victim" in answer.json()["detail"]
    forged = EventMaker("honest", "p1")
    request = forged.push([forged.reading(), other.reading()])
    assert post(api(hub, credential), request).status_code == 403


def test_revoked_credential_is_refused(hub):
    credential = enrol(hub, "stolen")
    maker = EventMaker("stolen")
    assert post(api(hub, credential), maker.push([maker.reading()])).status_code == 200
    out = subprocess.run(
        [sys.executable, "-m", "hub", "revoke-kiosk", "stolen", "--data-dir", str(hub.data_dir)],
        cwd=ROOT, capture_output=True, text=True,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    answer = post(api(hub, credential), maker.push([maker.reading()]))
    assert answer.status_code == 401 and "revoked" in answer.json()["detail"]
    assert api(hub, credential).get("/pull").status_code == 401


@pytest.mark.parametrize(
    "body, status, reason",
    [
        (b"{not json", 422, "JSON"),
        (b'{"kiosk_id": "malformed"}', 422, "boot_id"),
        (b"x" * (MAX_PUSH_BYTES + 1), 413, "larger than"),
    ],
)
def test_malformed_and_oversized_bodies_get_a_clear_4xx(hub, body, status, reason):
    credential = enrol(hub, "malformed") if not hasattr(hub, "malformed") else hub.malformed
    hub.malformed = credential
    answer = api(hub, credential).post("/push", content=body)
    assert answer.status_code == status and reason in answer.json()["detail"]


def test_bad_field_and_too_many_events_are_refused_with_the_field(hub):
    credential = enrol(hub, "fields")
    maker = EventMaker("fields")
    request = json.loads(maker.push([maker.reading()]).model_dump_json())
    request["events"][0]["data"]["minutes"] = -3
    answer = api(hub, credential).post("/push", json=request)
    assert answer.status_code == 422 and "minutes" in answer.json()["detail"]
    request = json.loads(maker.push([maker.reading()]).model_dump_json())
    request["events"] = request["events"] * 501
    answer = api(hub, credential).post("/push", json=request)
    assert answer.status_code == 422 and "events" in answer.json()["detail"]


def test_pull_reads_only_own_prison(hub):
    credential = enrol(hub, "reader", "p7")

    def load(conn, h):
        put_record(conn, "p7", "patron", "C1", {"card": "C1", "name": "សុខ"}, h.now())
        put_record(conn, "p8", "patron", "C2", {"card": "C2", "name": "other"}, h.now())

    hub_call(hub.data_dir, load)
    answer = api(hub, credential).get("/pull", params={"cursor": 0}).json()
    assert [c["key"] for c in answer["changes"]] == ["C1"]
    again = api(hub, credential).get("/pull", params={"cursor": answer["cursor"]}).json()
    assert again["changes"] == [] and not again["more"]
    # A kiosk that only pulls (nothing to push) is still seen alive.
    seen = hub_call(
        hub.data_dir,
        lambda conn, h: conn.execute(
            "SELECT last_seen FROM kiosks WHERE kiosk_id='reader'"
        ).fetchone()[0],
    )
    assert seen is not None


def test_content_by_sha256_with_range_and_only_if_published_to_the_prison(hub, tmp_path):
    credential = enrol(hub, "shelf", "p5")
    outsider = enrol(hub, "outsider", "p6")
    data = bytes(range(256)) * 4000
    sha = hashlib.sha256(data).hexdigest()
    source = tmp_path / "book.epub"
    source.write_bytes(data)

    def store(conn, h):
        h.content.add_file(source)
        register_file(conn, sha, len(data), "book.epub", h.now())
        publish(conn, "p5", "book1", sha, h.now(), title="ក")

    hub_call(hub.data_dir, store)
    client = api(hub, credential)
    pulled = client.get("/pull").json()
    assert pulled["content"][0]["item"]["sha256"] == sha
    whole = client.get(f"/content/{sha}")
    assert whole.status_code == 200 and whole.content == data
    part = client.get(f"/content/{sha}", headers={"Range": "bytes=1000-"})
    assert part.status_code == 206 and part.content == data[1000:]
    assert api(hub, outsider).get(f"/content/{sha}").status_code == 404
    assert client.get("/content/" + "0" * 64).status_code == 404


def test_enrol_body_is_limited(hub):
    answer = api(hub).post("/enrol", content=b"{" + b" " * 100_000 + b"}")
    assert answer.status_code == 413
