"""Request checks before any route: trusted Host only, CORS only for the configured origins,
and a cap on the request body.

- Host: Gradio builds the page's root URL from `Host` (or `X-Forwarded-Host`), so a forged
  one would make the page point its scripts and API calls elsewhere. A host name that is
  not in `settings.trusted_hosts` gets 400; `X-Gradio-Server` is dropped.
- CORS: Gradio echoes any localhost `Origin` with credentials. Here only
  `settings.allowed_origins` get `Access-Control-Allow-Origin` (never credentials); every
  other origin's preflight is refused and Gradio's CORS headers are removed.
- Body: `Content-Length` over the cap is refused at once (413); a chunked body is counted as
  it arrives and cut off at the cap. The staff page editor's routes get a larger cap.

Pure ASGI, so Gradio's streamed responses pass untouched.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.responses import PlainTextResponse
from starlette.exceptions import HTTPException

from bot.settings import Settings

EDITOR_PREFIX = "/staff/editor"
_DROPPED = {b"x-gradio-server"}


class BodyTooLarge(HTTPException):
    """The request body went past the cap while it was being read: a 413 from whichever
    app was reading it (an HTTPException, so its own error handler answers)."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"Request body too large (the limit is {limit:,} bytes)")


def host_name(value: str) -> str:
    """`value` of a Host header without its port, lower-cased ("[::1]:7860" -> "::1")."""
    value = value.strip().lower()
    if value.startswith("["):
        return value[1 : value.find("]")] if "]" in value else value
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value


class RequestGuard:
    """ASGI middleware: Host allow-list, CORS allow-list, body cap (see the module doc)."""

    def __init__(self, app: Any, settings: Settings) -> None:
        self.app = app
        self.any_host = "*" in settings.trusted_hosts
        self.hosts = {host_name(h) for h in settings.trusted_hosts}
        self.origins = {o.rstrip("/").lower() for o in settings.allowed_origins}
        self.max_body = settings.max_body_bytes
        self.max_editor_body = settings.max_editor_body_bytes

    def host_ok(self, value: str | None) -> bool:
        return value is not None and (self.any_host or host_name(value) in self.hosts)

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = [(k, v) for k, v in scope.get("headers", []) if k not in _DROPPED]
        found = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in headers}
        if not self.host_ok(found.get("host")) or (
            "x-forwarded-host" in found
            and not all(self.host_ok(h) for h in found["x-forwarded-host"].split(","))
        ):
            await PlainTextResponse("Invalid host", 400)(scope, receive, send)
            return
        origin = found.get("origin", "").rstrip("/").lower()
        allowed_origin = bool(origin) and origin in self.origins
        if scope["method"] == "OPTIONS" and "access-control-request-method" in found:
            await self._preflight(allowed_origin, origin)(scope, receive, send)
            return
        limit = self.max_editor_body if scope["path"].startswith(EDITOR_PREFIX) else self.max_body
        length = found.get("content-length", "")
        if length and (not length.isdigit() or int(length) > limit):
            await self._too_large(limit)(scope, receive, send)
            return
        scope = {**scope, "headers": headers}
        received = 0

        async def counted_receive() -> dict:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        started = False

        async def cors_send(message: dict) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                kept = [
                    (k, v)
                    for k, v in message.get("headers", [])
                    if not k.lower().startswith(b"access-control-")
                ]
                if allowed_origin:
                    kept += [
                        (b"access-control-allow-origin", origin.encode("latin-1")),
                        (b"vary", b"Origin"),
                    ]
                message = {**message, "headers": kept}
            await send(message)

        try:
            await self.app(scope, counted_receive, cors_send)
        except BodyTooLarge:
            if not started:
                await self._too_large(limit)(scope, receive, send)

    @staticmethod
    def _too_large(limit: int) -> PlainTextResponse:
        return PlainTextResponse(f"Request body too large (the limit is {limit:,} bytes)", 413)

    @staticmethod
    def _preflight(allowed: bool, origin: str) -> PlainTextResponse:
        if not allowed:
            return PlainTextResponse("Origin not allowed", 403)
        return PlainTextResponse(
            "OK",
            200,
            headers={
                "Access-Control-Allow-Origin": origin,
                "Access-Control-Allow-Methods": "GET, POST",
                "Access-Control-Allow-Headers": "Content-Type",
                "Access-Control-Max-Age": "600",
                "Vary": "Origin",
            },
        )
