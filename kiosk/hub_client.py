"""The kiosk's HTTP client for the hub API: typed calls, the hub's clock, TLS pinning, resumable
downloads.

Every answer, even an error, carries the hub's time; the client hands it to the kiosk's clock.
When the identity pins the hub's certificate (``hub_cert_sha256``), the client fetches the
certificate, compares its sha256 and then trusts exactly that certificate, so a self-signed hub
works and nothing else is accepted. Downloads resume a partial file with HTTP Range and are verified
against their sha256 before anyone may use them. Never called from the UI thread.
"""

from __future__ import annotations

import hashlib
import os
import ssl
import time
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import httpx
from pydantic import BaseModel, ValidationError

from kiosk.clock import Clock
from kiosk.errors import KioskError
from wire.api import (
    API_PREFIX,
    HUB_TIME_HEADER,
    EnrolRequest,
    EnrolResponse,
    PullResponse,
    PushRequest,
    PushResponse,
)


class HubUnreachable(KioskError):
    """No answer from the hub (down, network, timeout, connection cut): try again later."""


class HubRefused(KioskError):
    """The hub answered with an error; ``status`` is the HTTP status, the message its reason."""

    def __init__(self, status: int, reason: str):
        super().__init__(f"hub refused ({status}): {reason}")
        self.status = status
        self.reason = reason


class HubClient:
    def __init__(
        self,
        hub_url: str,
        credential: str | None = None,
        *,
        clock: Clock | None = None,
        cert_sha256: str | None = None,
        timeout_s: float = 15.0,
        transport: httpx.BaseTransport | None = None,
    ):
        self.hub_url = hub_url.rstrip("/")
        self.clock = clock
        headers = {"Authorization": f"Bearer {credential}"} if credential else {}
        verify: ssl.SSLContext | bool = True
        if cert_sha256 and self.hub_url.startswith("https://") and transport is None:
            verify = pinned_context(self.hub_url, cert_sha256, timeout_s)
        self.http = httpx.Client(
            base_url=self.hub_url + API_PREFIX,
            headers=headers,
            timeout=timeout_s,
            verify=verify,
            transport=transport,
        )

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> HubClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- calls -----------------------------------------------------------------------------
    def enrol(self, body: EnrolRequest) -> EnrolResponse:
        return self._call("POST", "/enrol", EnrolResponse, content=body.model_dump_json())

    def push(self, body: PushRequest) -> PushResponse:
        return self._call("POST", "/push", PushResponse, content=body.model_dump_json())

    def pull(self, cursor: int, limit: int | None = None) -> PullResponse:
        params = {"cursor": cursor} if limit is None else {"cursor": cursor, "limit": limit}
        return self._call("GET", "/pull", PullResponse, params=params)

    def health(self) -> dict:
        return self._request("GET", "/health").json()

    def _call(self, method: str, path: str, model: type[BaseModel], **kwargs):
        response = self._request(method, path, **kwargs)
        try:
            return model.model_validate_json(response.content)
        except ValidationError as exc:
            raise HubRefused(response.status_code, f"unexpected answer: {exc}") from None

    def _request(self, method: str, path: str, **kwargs) -> httpx.Response:
        if "content" in kwargs:
            kwargs.setdefault("headers", {})["Content-Type"] = "application/json"
        started = time.monotonic()
        try:
            response = self.http.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise HubUnreachable(f"hub unreachable: {type(exc).__name__}: {exc}") from None
        self._note_time(response, time.monotonic() - started)
        if response.status_code >= 400:
            raise HubRefused(response.status_code, _reason(response))
        return response

    def _note_time(self, response: httpx.Response, rtt_s: float) -> None:
        stamp = response.headers.get(HUB_TIME_HEADER)
        if not stamp or self.clock is None:
            return
        try:
            hub_time = datetime.fromisoformat(stamp)
        except ValueError:
            return
        self.clock.set_hub_time(hub_time + timedelta(seconds=rtt_s / 2))

    # -- content ---------------------------------------------------------------------------
    def download(self, sha256: str, size: int, target: Path) -> Path:
        """Fetch content ``sha256`` to ``target``, resuming ``target.partial``; verify it."""
        partial = target.with_name(target.name + ".partial")
        have = partial.stat().st_size if partial.exists() else 0
        if have > size:
            partial.unlink()
            have = 0
        if have < size:
            self._fetch(sha256, partial, have)
        if file_sha256(partial) != sha256:
            partial.unlink()
            raise HubRefused(200, f"content {sha256[:12]} failed its checksum (download discarded)")
        os.replace(partial, target)
        return target

    def _fetch(self, sha256: str, partial: Path, have: int) -> None:
        headers = {"Range": f"bytes={have}-"} if have else {}
        try:
            with self.http.stream("GET", f"/content/{sha256}", headers=headers) as response:
                if response.status_code >= 400:
                    response.read()
                    raise HubRefused(response.status_code, _reason(response))
                mode = "ab" if response.status_code == 206 else "wb"
                with open(partial, mode) as out:
                    try:  # chunks as they arrive: what came before a cut is kept to resume
                        for chunk in response.iter_bytes():
                            out.write(chunk)
                    finally:
                        out.flush()
                        os.fsync(out.fileno())
        except httpx.HTTPError as exc:
            raise HubUnreachable(f"download interrupted: {type(exc).__name__}: {exc}") from None


def _reason(response: httpx.Response) -> str:
    try:
        return str(response.json().get("detail", response.reason_phrase))
    except ValueError:
        return response.reason_phrase or "error"


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def pinned_context(hub_url: str, cert_sha256: str, timeout_s: float) -> ssl.SSLContext:
    """An SSL context trusting exactly the hub certificate whose DER sha256 is ``cert_sha256``."""
    parts = urlsplit(hub_url)
    try:
        pem = ssl.get_server_certificate((parts.hostname, parts.port or 443), timeout=timeout_s)
    except OSError as exc:
        raise HubUnreachable(f"hub unreachable: {exc}") from None
    if hashlib.sha256(ssl.PEM_cert_to_DER_cert(pem)).hexdigest() != cert_sha256.lower():
        raise HubRefused(0, "the hub's certificate does not match the pinned fingerprint")
    context = ssl.create_default_context(cadata=pem)
    context.check_hostname = False  # the pin identifies the hub, not its name
    context.verify_flags |= ssl.VERIFY_X509_PARTIAL_CHAIN
    return context
