"""Security headers for every response, and 404 for every route not on the allow-list.

The Content-Security-Policy keeps everything same-origin and lets only the clinic's own sites
(settings.allowed_origins) frame the chat; the staff console may not be framed at all.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.responses import Response

from bot.settings import Settings
from bot.web.routes import is_allowed


def content_security_policy(settings: Settings, *, staff: bool = False) -> str:
    """Same-origin everything; framing only by the clinic's own site(s).

    Gradio writes its config into an inline <script> and styles elements inline, so those
    two need 'unsafe-inline'; every script and style *file* must come from this origin.
    """
    ancestors = "'none'" if staff else " ".join(["'self'", *settings.allowed_origins])
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self' 'unsafe-inline'",
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data: blob:",
            "font-src 'self' data:",
            "connect-src 'self'",
            "media-src 'self' data: blob:",
            "worker-src 'self' blob:",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            f"frame-ancestors {ancestors}",
        ]
    )


class SecurityHeaders:
    """ASGI middleware: headers on every response, and 404 for routes not in `bot.web.routes`.

    Pure ASGI (not BaseHTTPMiddleware) so Gradio's streamed event responses pass untouched.
    """

    def __init__(self, app: Any, settings: Settings) -> None:
        self.app = app
        self.chat_csp = content_security_policy(settings).encode()
        self.staff_csp = content_security_policy(settings, staff=True).encode()

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] == "websocket":  # neither the page nor the console uses one
            await send({"type": "websocket.close", "code": 1008})
            return
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        if not is_allowed(scope.get("method", "GET"), path):
            await Response("Not found", status_code=404)(scope, receive, send)
            return
        csp = self.staff_csp if path.startswith("/staff") else self.chat_csp

        async def send_with_headers(message: dict) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                extra = [
                    (b"content-security-policy", csp),
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"no-referrer"),
                    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
                    (b"cross-origin-opener-policy", b"same-origin"),
                ]
                headers += [(k, v) for k, v in extra if k not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
