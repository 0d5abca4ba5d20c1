"""HTTP-level checks of the server: headers, health routes, embed script, page views,
and the Gradio features a public page must not expose."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.support.fakes import FakeResponder


@pytest.fixture(scope="module")
def client(shared_stack: Any) -> Iterator[TestClient]:
    with TestClient(shared_stack.app) as client:
        yield client


@pytest.mark.parametrize("path", ["/", "/healthz", "/widget.js", "/knowledge/hours", "/config"])
def test_security_headers_on_every_response(client: TestClient, path: str) -> None:
    response = client.get(path)

    assert response.status_code == 200
    csp = response.headers["content-security-policy"]
    assert "default-src 'self'" in csp
    assert "frame-ancestors 'self' https://clinic.example" in csp
    assert "connect-src 'self'" in csp and "'unsafe-eval'" not in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"


def test_healthz_says_the_process_is_up(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}


def test_readyz_reports_the_index_version_and_the_database(client: TestClient) -> None:
    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json() == {"status": "ready", "index_version": "v-test", "database": "ok"}


def test_readyz_is_503_when_the_database_is_unreachable(make_stack: Any) -> None:
    from bot.web.server import create_app

    stack = make_stack(FakeResponder())

    def down() -> None:
        raise ConnectionError("no route to database")

    app = create_app(stack.settings, stack.responder, stack.chatlog, db_check=down, staff_app=False)
    with TestClient(app) as client:
        response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["database"] == "unreachable"
    assert response.json()["status"] == "not ready"


def test_widget_js_is_served_as_javascript(client: TestClient) -> None:
    response = client.get("/widget.js")

    assert response.headers["content-type"].startswith("text/javascript")
    assert "data-chat-url" in response.text and "attachShadow" in response.text


def test_knowledge_page_is_escaped_html_with_paragraphs(client: TestClient) -> None:
    response = client.get("/knowledge/hours")

    assert "<h1>Opening &lt;hours&gt;</h1>" in response.text
    assert "<p>We are open Monday to Friday.</p>" in response.text
    assert "<script>" not in response.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text


def test_unknown_knowledge_page_is_404(client: TestClient) -> None:
    assert client.get("/knowledge/nope").status_code == 404


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", "/gradio_api/upload"),
        ("get", "/gradio_api/upload_progress"),
        ("get", "/gradio_api/proxy=http://example.com/"),
        ("get", "/gradio_api/file=/etc/passwd"),
        ("get", "/monitoring"),
        ("get", "/gradio_api/runs"),
        ("get", "/docs"),
        ("get", "/openapi.json"),
    ],
)
def test_routes_a_public_page_does_not_need_are_gone(
    client: TestClient, method: str, path: str
) -> None:
    assert getattr(client, method)(path).status_code == 404


def test_gradio_config_has_no_footer_links_no_run_history_no_uploads(client: TestClient) -> None:
    config = client.get("/config").json()

    assert config["footer_links"] == []
    assert config["run_history"] is False
    assert config["analytics_enabled"] is False
    assert config["mcp_server"] is False
    kinds = {c["type"] for c in config["components"]}
    assert not kinds & {"file", "uploadbutton", "image", "audio", "video", "multimodaltextbox"}
    chatbot = next(c for c in config["components"] if c["type"] == "chatbot")
    assert chatbot["props"]["sanitize_html"] is True
    assert chatbot["props"]["render_markdown"] is False


def test_the_api_lists_exactly_the_named_endpoints(client: TestClient) -> None:
    info = client.get("/gradio_api/info").json()

    assert set(info["named_endpoints"]) == {"/ask", "/feedback"}
    assert info["unnamed_endpoints"] == {}


def test_the_page_loads_no_third_party_assets(client: TestClient) -> None:
    html = client.get("/").text
    theme = client.get("/theme.css").text

    for text in (html, theme):
        assert "fonts.googleapis.com" not in text and "fonts.gstatic.com" not in text
    assert 'src="http' not in html and 'href="http' not in html.replace(
        'href="http://testserver', ""
    )


def test_the_staff_console_is_mounted_under_staff_and_refuses_framing(make_stack: Any) -> None:
    pytest.importorskip("bot.web.staff.app")
    stack = make_stack(FakeResponder(), staff=True)
    with TestClient(stack.app) as client:
        response = client.get("/staff/", follow_redirects=False)

    assert response.status_code in (200, 302, 303, 401)
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
