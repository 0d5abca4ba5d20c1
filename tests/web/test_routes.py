"""The HTTP surface is an allow-list: every mounted route is either listed in bot.web.routes
(what the chat page and the staff console use) or answers 404."""

from __future__ import annotations

import re
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from fastapi.testclient import TestClient

from bot.web.routes import ALLOWED, RULES, is_allowed, mounted_routes
from tests.support.fakes import FakeResponder


@pytest.fixture(scope="module")
def full_app(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Any]:
    """The whole app as app.py builds it, staff console included."""
    from bot.settings import Settings
    from bot.store.db import make_engine, migrate
    from bot.store.repo import ChatLog
    from bot.web.server import create_app
    from tests.support.fakes import FakeIndex

    data = tmp_path_factory.mktemp("routes")
    settings = Settings(data_dir=data, session_secret="routes-test-secret-" + "q1w2e3r4" * 4)
    engine = make_engine(settings.resolved_database_url)
    migrate(engine)
    yield create_app(settings, FakeResponder(), ChatLog(engine), index=FakeIndex)
    engine.dispose()


def concrete(template: str) -> str:
    """A request path for a route template: every parameter filled with a plain value."""
    return re.sub(r"\{[^}]+\}", "x1", template)


def test_every_mounted_route_is_listed_or_answers_404(full_app: Any) -> None:
    unlisted = []
    with TestClient(full_app) as client:
        for methods, template in sorted(mounted_routes(full_app), key=lambda r: r[1]):
            for method in sorted(methods - {"WEBSOCKET"}):
                path = concrete(template)
                if is_allowed(method, path):
                    continue
                status = client.request(method, path).status_code
                if status != 404:
                    unlisted.append(f"{method} {template} -> {status}")
    assert unlisted == [], "add them to bot/web/routes.py ALLOWED, or turn them off"


def test_every_route_of_our_own_is_listed(full_app: Any) -> None:
    # Gradio mounts at "" and brings routes we turn off; ours (the top app and the staff
    # console) are all meant to be served, so one missing from the list is a bug, not a 404.
    from starlette.routing import Mount

    ours = [r for r in full_app.routes if not (isinstance(r, Mount) and r.path == "")]
    holder = SimpleNamespace(routes=ours)
    missing = [
        f"{sorted(methods)} {template}"
        for methods, template in mounted_routes(holder)
        if not any(is_allowed(m, concrete(template)) for m in methods)
    ]
    assert missing == [], "add them to bot/web/routes.py ALLOWED"


def test_every_listed_route_exists(full_app: Any) -> None:
    mounted = list(mounted_routes(full_app))
    for rule in RULES:
        assert any(rule.template == template for _, template in mounted), rule.template


def test_the_allow_list_is_small_and_explicit() -> None:
    assert not any("{" in t and t.count("/") < 2 for _, t in ALLOWED)  # no catch-all
    assert len(ALLOWED) < 60


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/gradio_api/deep_link"),
        ("GET", "/gradio_api/deep_link?session_hash=abc"),
        ("POST", "/gradio_api/upload"),
        ("GET", "/gradio_api/file=/etc/passwd"),
        ("GET", "/gradio_api/proxy=http://example.com/"),
        ("POST", "/gradio_api/api/ask"),
        ("POST", "/gradio_api/call/ask"),
        ("GET", "/gradio_api/user"),
        ("GET", "/gradio_api/token"),
        ("GET", "/gradio_api/queue/status"),
        ("POST", "/gradio_api/vibe-edit"),
        ("GET", "/manifest.json"),
        ("GET", "/monitoring/summary"),
        ("POST", "/login"),
        ("GET", "/openapi.json"),
        ("GET", "/gradio_api/openapi.json"),
        ("DELETE", "/staff/conversations"),
    ],
)
def test_probed_routes_answer_404(full_app: Any, method: str, path: str) -> None:
    with TestClient(full_app) as client:
        assert client.request(method, path).status_code == 404


def test_websockets_are_refused(full_app: Any) -> None:
    from starlette.websockets import WebSocketDisconnect

    with (
        TestClient(full_app) as client,
        pytest.raises(WebSocketDisconnect),
        client.websocket_connect("/gradio_api/queue/join"),
    ):
        pass
