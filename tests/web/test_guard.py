"""Request checks before any route: trusted hosts, CORS for the configured origins only, and
the request body cap (issue 18: a forged Host changed the page's root URL, any localhost
Origin was echoed with credentials, a 20 MB body was accepted)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from bot.web.guard import host_name


@pytest.fixture(scope="module")
def client(shared_stack: Any) -> Iterator[TestClient]:
    with TestClient(shared_stack.app) as client:
        yield client


@pytest.mark.parametrize(
    "headers",
    [
        {"host": "evil.example"},
        {"host": "evil.example:7860"},
        {"x-forwarded-host": "evil.example"},
        {"x-forwarded-host": "testserver, evil.example"},
    ],
)
def test_a_forged_host_is_refused_and_cannot_change_the_root_url(
    client: TestClient, headers: dict[str, str]
) -> None:
    response = client.get("/config", headers=headers)

    assert response.status_code == 400
    assert "evil.example" not in response.text


def test_a_trusted_host_gets_its_own_root_url(client: TestClient) -> None:
    config = client.get("/config", headers={"host": "localhost:7860"}).json()
    assert config["root"].startswith("http://localhost:7860")
    # Gradio's own override header is dropped
    config = client.get("/config", headers={"x-gradio-server": "http://evil.example"}).json()
    assert "evil.example" not in config["root"]


@pytest.mark.parametrize(
    "origin", ["http://localhost:5173", "http://127.0.0.1:9999", "https://evil.example", "null"]
)
def test_cors_is_not_granted_to_other_origins(client: TestClient, origin: str) -> None:
    response = client.get("/config", headers={"origin": origin})
    preflight = client.options(
        "/gradio_api/queue/join",
        headers={"origin": origin, "access-control-request-method": "POST"},
    )

    assert "access-control-allow-origin" not in response.headers
    assert "access-control-allow-credentials" not in response.headers
    assert preflight.status_code == 403
    assert "access-control-allow-origin" not in preflight.headers


def test_cors_is_granted_to_the_configured_origin_without_credentials(
    client: TestClient,
) -> None:
    response = client.get("/config", headers={"origin": "https://clinic.example"})
    preflight = client.options(
        "/gradio_api/queue/join",
        headers={"origin": "https://clinic.example", "access-control-request-method": "POST"},
    )

    assert response.headers["access-control-allow-origin"] == "https://clinic.example"
    assert "access-control-allow-credentials" not in response.headers
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "https://clinic.example"


def test_a_body_over_64_kb_is_refused_before_it_is_read(client: TestClient) -> None:
    big = b'{"data": ["' + b"x" * 70_000 + b'"]}'
    response = client.post(
        "/gradio_api/queue/join", content=big, headers={"content-type": "application/json"}
    )
    assert response.status_code == 413


def test_a_20_mb_chunked_body_is_cut_off(client: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(20 * 1024):
            yield b"x" * 1024

    response = client.post(
        "/gradio_api/queue/join", content=chunks(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 413


def test_a_normal_message_is_well_under_the_cap(client: TestClient) -> None:
    body = {"data": ["x" * 1000, None], "fn_index": 0, "session_hash": "abcdefghijk"}
    response = client.post("/gradio_api/queue/join", json=body)
    assert response.status_code != 413


def test_the_page_editor_has_a_larger_cap(make_stack: Any) -> None:
    stack = make_stack(None, staff=True)
    page = b"text=" + b"a" * 500_000
    with TestClient(stack.app) as client:
        editor = client.post(
            "/staff/editor/draft",
            content=page,
            headers={"content-type": "application/x-www-form-urlencoded"},
            follow_redirects=False,
        )
        other = client.post(
            "/staff/login",
            content=page,
            headers={"content-type": "application/x-www-form-urlencoded"},
        )
    assert editor.status_code != 413  # signed out: refused for that reason, not the size
    assert other.status_code == 413


@pytest.mark.parametrize(
    ("value", "name"),
    [("Example.com:443", "example.com"), ("[::1]:7860", "::1"), ("::1", "::1"), ("a", "a")],
)
def test_host_names_lose_their_port(value: str, name: str) -> None:
    assert host_name(value) == name
