"""Every console route refuses anonymous and wrong-role requests, enumerated from the app itself.

A route added later is covered automatically: it must either be in PUBLIC or refuse.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi import FastAPI

from .support import Console

# (method, path) reachable without signing in: the login form and the stylesheet/script.
PUBLIC = {("GET", "/login"), ("POST", "/login"), ("GET", "/static/{name}")}
EDITOR_ONLY_PREFIXES = ("/editor", "/audit")


def routes(app: FastAPI) -> list[tuple[str, str]]:
    """(method, path template) of every route of the console app, included routers too."""
    try:  # FastAPI >= 0.160 keeps included routers as branches; this walks them
        from fastapi.routing import iter_route_contexts
    except ImportError:  # older FastAPI copies routes into app.routes
        contexts: Any = app.routes
    else:
        contexts = iter_route_contexts(app.routes)
    found = []
    for route in contexts:
        assert route.methods and route.path, f"unexpected route {route!r}"
        for method in sorted(route.methods):
            found.append((method, route.path))
    return found


def concrete(path: str) -> str:
    """The path with every {parameter} filled in (with a value of the right shape)."""
    return re.sub(r"\{[^}]+\}", "1", path)


def test_the_console_has_the_routes_this_file_expects(staff_app: FastAPI) -> None:
    listed = routes(staff_app)
    assert ("GET", "/conversations") in listed
    assert ("POST", "/editor/publish") in listed
    assert len(listed) >= 15


def test_every_non_public_route_refuses_anonymous_requests(
    staff_app: FastAPI, anonymous: Console
) -> None:
    for method, path in routes(staff_app):
        if (method, path) in PUBLIC:
            continue
        url = concrete(path)
        if method == "GET":
            response = anonymous.get(url)
            assert response.status_code == 303, (method, path)
            assert "/staff/login?next=" in response.headers["location"], (method, path)
        else:
            response = anonymous.client.request(method, "/staff" + url, data={"csrf": "x"})
            assert response.status_code == 401, (method, path)
        assert "Maria" not in response.text


def test_every_editor_route_refuses_the_staff_role(staff_app: FastAPI, staff: Console) -> None:
    editor_routes = [(m, p) for m, p in routes(staff_app) if p.startswith(EDITOR_ONLY_PREFIXES)]
    assert len(editor_routes) >= 5
    for method, path in editor_routes:
        url = concrete(path)
        response = staff.get(url) if method == "GET" else staff.post(url)
        assert response.status_code == 403, (method, path)
        assert "editor role" in response.text


def test_staff_role_reaches_every_other_page(staff_app: FastAPI, staff: Console) -> None:
    for method, path in routes(staff_app):
        if method != "GET" or path.startswith(EDITOR_ONLY_PREFIXES) or "{" in path:
            continue
        response = staff.get(path)
        assert response.status_code in (200, 303), path
        assert response.status_code != 403


def test_every_post_without_the_csrf_token_is_refused(staff_app: FastAPI, editor: Console) -> None:
    posts = [p for m, p in routes(staff_app) if m == "POST" and ("POST", p) not in PUBLIC]
    assert posts
    for path in posts:
        for token in (None, "forged"):
            data = {} if token is None else {"csrf": token}
            response = editor.client.post(
                "/staff" + concrete(path), data=data, follow_redirects=False
            )
            assert response.status_code == 403, (path, token)
            assert "did not come from this console" in response.text


def test_a_forged_session_cookie_is_refused(anonymous: Console, staff: Console) -> None:
    cookie = staff.client.cookies.get("clinicbot_staff")
    assert cookie
    anonymous.client.cookies.set("clinicbot_staff", cookie[:-3] + "abc", path="/staff/")
    assert anonymous.get("/conversations").status_code == 303


@pytest.mark.parametrize("path", ["/login", "/conversations", "/insights", "/requests"])
def test_pages_are_never_cached_and_carry_a_strict_csp(staff: Console, path: str) -> None:
    response = staff.get(path, follow_redirects=True)
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    csp = response.headers["content-security-policy"]
    assert "default-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["x-content-type-options"] == "nosniff"


def test_static_files_are_only_the_two_we_ship(anonymous: Console) -> None:
    assert anonymous.get("/static/staff.css").status_code == 200
    assert anonymous.get("/static/staff.js").status_code == 200
    assert anonymous.get("/static/..%2Fstaff.py").status_code == 404
    assert anonymous.get("/static/layout.html").status_code == 404


def test_pages_make_no_third_party_requests(staff: Console) -> None:
    html = staff.get("/insights").text + staff.get("/conversations").text
    for url in re.findall(r'(?:src|href)="([^"]+)"', html):
        assert url.startswith(("/staff/", "#", "?", "data:")) or "clinic.example" in url, url


def test_malformed_addresses_get_an_error_page_not_json(staff: Console) -> None:
    for response in (
        staff.post("/requests/abc/status", {"status": "new"}),
        staff.get("/insights?days=abc"),
    ):
        assert response.status_code == 400
        assert response.headers["content-type"].startswith("text/html")
