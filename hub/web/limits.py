"""A cap on the size of what people upload to the dashboard.

Starlette spools form uploads to temporary files of any size, so without a cap one oversized (or
hostile) upload could fill the hub's disk. This pure ASGI middleware refuses a request whose
declared length is over ``max_upload_bytes`` at once, and stops reading one that sends more than
that without declaring it. The kiosk API has its own, smaller limit (``hub.api.kiosks``).
"""

from __future__ import annotations

from hub.errors import TooLarge
from wire.api import API_PREFIX


class UploadLimit:
    def __init__(self, app, max_bytes: int):
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["path"].startswith(API_PREFIX):
            return await self.app(scope, receive, send)
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            return await self._refuse(send)
        seen = 0

        async def counted():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise TooLarge(self._reason())
            return message

        return await self.app(scope, counted, send)

    def _reason(self) -> str:
        return f"upload larger than {self.max_bytes // (1024 * 1024)} MB: refused"

    async def _refuse(self, send) -> None:
        body = self._reason().encode()
        headers = [(b"content-type", b"text/plain; charset=utf-8"), (b"connection", b"close")]
        await send({"type": "http.response.start", "status": 413, "headers": headers})
        await send({"type": "http.response.body", "body": body})
