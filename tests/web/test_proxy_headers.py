"""Whom the app believes about the client's address: only the proxy named in the settings.

The per-address login slow-down and nginx's limits rely on the real client address; a client
talking to an instance directly must not be able to claim another one with X-Forwarded-For.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import uvicorn
from fastapi import FastAPI, Request

from bot.serve import server_options
from bot.settings import Settings
from tests.support.servers import free_port

CLAIMED = "203.0.113.9"  # an address from the documentation range


def echo_app() -> FastAPI:
    app = FastAPI()

    @app.get("/whoami")
    def whoami(request: Request) -> dict[str, str]:
        return {
            "client": request.client.host if request.client else "",
            "scheme": request.url.scheme,
        }

    return app


@contextmanager
def serving(settings: Settings) -> Iterator[str]:
    """The echo app under uvicorn with exactly the options app.py runs it with."""
    options = server_options(settings) | {"log_config": None, "log_level": "warning"}
    server = uvicorn.Server(uvicorn.Config(echo_app(), **options))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started
    try:
        yield f"http://127.0.0.1:{settings.port}"
    finally:
        server.should_exit = True
        thread.join(10)


def whoami(url: str) -> dict[str, str]:
    headers = {"X-Forwarded-For": CLAIMED, "X-Forwarded-Proto": "https"}
    return httpx.get(url + "/whoami", headers=headers, timeout=10).json()


def test_forwarded_headers_from_the_local_proxy_are_believed_by_default() -> None:
    with serving(Settings(port=free_port())) as url:
        assert whoami(url) == {"client": CLAIMED, "scheme": "https"}


def test_a_client_that_is_not_the_configured_proxy_cannot_claim_an_address() -> None:
    settings = Settings(port=free_port(), forwarded_allow_ips="10.0.0.5")
    with serving(settings) as url:
        assert whoami(url) == {"client": "127.0.0.1", "scheme": "http"}
