"""Signing in and out: cookies, idle timeout, lock-out, slow-down, CSRF on the login form."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from fastapi import FastAPI
from itsdangerous import URLSafeSerializer
from sqlalchemy import Engine, text

from bot.settings import Settings
from bot.store.repo import ChatLog
from bot.web.ratelimit import LoginSlowdown, SqlStorage
from bot.web.secret import WeakSecret, ensure_session_secret
from tests.support.accounts import PASSWORD
from tests.support.fakes import FakeClock, NoSleep

from .support import Console, Seeded, mounted


def test_signing_in_lands_on_the_page_asked_for(anonymous: Console, seeded: Seeded) -> None:
    first = anonymous.get("/conversations?unreviewed=1")
    assert first.status_code == 303
    response = anonymous.login("ana", next="/staff/conversations?unreviewed=1")
    assert response.status_code == 303
    assert response.headers["location"] == "/staff/conversations?unreviewed=1"
    assert anonymous.get("/conversations").status_code == 200


def test_the_session_cookie_is_httponly_samesite_strict_and_scoped(
    anonymous: Console, seeded: Seeded
) -> None:
    response = anonymous.login("ana")
    cookie = next(
        c for c in response.headers.get_list("set-cookie") if c.startswith("clinicbot_staff=")
    )
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie
    assert "Path=/staff/" in cookie
    assert "Secure" not in cookie  # plain HTTP in this test; see the next test


def test_cookies_are_secure_when_configured(
    make_app: Callable[..., FastAPI], settings: Settings, seeded: Seeded
) -> None:
    console = Console(mounted(make_app(settings.model_copy(update={"cookie_secure": True}))))
    console.client.base_url = "https://testserver"  # type: ignore[assignment]
    response = console.login("ana")
    cookie = next(
        c for c in response.headers.get_list("set-cookie") if c.startswith("clinicbot_staff=")
    )
    assert "Secure" in cookie


def test_an_open_redirect_after_login_goes_home_instead(site: FastAPI, seeded: Seeded) -> None:
    for target in ("https://evil.example/", "//evil.example/x", "/elsewhere", "/staff\\@evil"):
        response = Console(site).login("ana", next=target)
        assert response.headers["location"] == "/staff/", target


def test_a_wrong_password_is_refused_with_a_generic_message(
    anonymous: Console, seeded: Seeded
) -> None:
    response = anonymous.login("ana", password="wrong password")
    assert response.status_code == 401
    assert "did not match" in response.text
    assert anonymous.get("/conversations").status_code == 303


def test_five_failures_lock_the_account_even_with_the_right_password(
    anonymous: Console, seeded: Seeded, chatlog: ChatLog, clock: FakeClock
) -> None:
    for _ in range(5):
        assert anonymous.login("ana", password="wrong password").status_code == 401
    assert anonymous.login("ana").status_code == 401  # locked: the right password fails too
    assert [e.action for e in chatlog.list_audit(10, username="ana")][:2] == [
        "login.refused",
        "login.locked",
    ]
    clock.advance(minutes=16)
    assert anonymous.login("ana").status_code == 303


def test_repeated_failures_from_one_address_are_slowed_down(
    site: FastAPI, anonymous: Console, seeded: Seeded, sleeps: NoSleep
) -> None:
    for _ in range(6):
        anonymous.login("nobody", password="wrong password")
    # three free attempts, then 0.5 s, 1 s, 2 s ...
    assert sleeps.delays == [0.5, 1.0, 2.0]
    assert anonymous.login("ana").status_code == 303  # waits too, then clears the count
    assert sleeps.delays == [0.5, 1.0, 2.0, 4.0]
    Console(site).login("nobody", password="wrong password")
    assert sleeps.delays == [0.5, 1.0, 2.0, 4.0]


def test_instances_sharing_the_rate_limit_storage_share_the_slow_down(
    make_app: Callable[..., FastAPI], engine: Engine, seeded: Seeded, sleeps: NoSleep
) -> None:
    # Two app instances over one database: the counters the chat's limits use (SqlStorage).
    storage = SqlStorage(engine)
    first = Console(mounted(make_app(login_slowdown=LoginSlowdown(storage))))
    second = Console(mounted(make_app(login_slowdown=LoginSlowdown(storage))))
    for _ in range(3):
        first.login("nobody", password="wrong password")
    assert sleeps.delays == []
    second.login("nobody", password="wrong password")
    assert sleeps.delays == [0.5]  # the other instance's failures count here too


def test_the_login_form_needs_its_own_csrf_token(anonymous: Console, seeded: Seeded) -> None:
    response = anonymous.client.post(
        "/staff/login",
        data={"username": "ana", "password": PASSWORD, "login_token": "forged"},
        follow_redirects=False,
    )
    assert response.status_code == 400
    assert "expired" in response.text
    assert "clinicbot_staff=" not in response.headers.get("set-cookie", "").replace(
        "clinicbot_staff_login=", ""
    )


def test_the_session_ends_after_the_idle_timeout(staff: Console, clock: FakeClock) -> None:
    clock.advance(minutes=29)
    assert staff.get("/conversations").status_code == 200  # using it slides the timeout
    clock.advance(minutes=29)
    assert staff.get("/conversations").status_code == 200
    clock.advance(minutes=31)
    response = staff.get("/conversations")
    assert response.status_code == 303
    assert "/staff/login" in response.headers["location"]


def test_signing_out_ends_the_session_and_is_audited(staff: Console, chatlog: ChatLog) -> None:
    response = staff.post("/logout")
    assert response.status_code == 303
    assert response.headers["location"] == "/staff/login"
    assert staff.get("/conversations").status_code == 303
    assert chatlog.list_audit(1)[0].action == "logout"


def test_a_disabled_account_loses_its_session_at_once(staff: Console, chatlog: ChatLog) -> None:
    chatlog.disable_staff("ana")
    assert staff.get("/conversations").status_code == 303


def test_a_role_change_applies_to_the_open_session(staff: Console, engine: Engine) -> None:
    assert staff.get("/editor").status_code == 403
    with engine.begin() as conn:  # as an administrator would, in the database
        conn.execute(text("UPDATE staff_users SET role = 'editor' WHERE username = 'ana'"))
    assert staff.get("/editor").status_code == 200
    with engine.begin() as conn:
        conn.execute(text("UPDATE staff_users SET role = 'staff' WHERE username = 'ana'"))
    assert staff.get("/editor").status_code == 403


def test_a_session_from_another_secret_is_refused(
    make_app: Callable[..., FastAPI], settings: Settings, staff: Console
) -> None:
    other_secret = "another-secret-" + "y" * 32
    other = Console(mounted(make_app(settings.model_copy(update={"session_secret": other_secret}))))
    other.client.cookies = staff.client.cookies
    assert other.get("/conversations").status_code == 303


def test_without_a_configured_secret_one_is_generated(
    make_app: Callable[..., FastAPI], settings: Settings, seeded: Seeded
) -> None:
    console = Console(mounted(make_app(settings.model_copy(update={"session_secret": ""}))))
    assert console.login("ana").status_code == 303
    assert "CLINICBOT_SESSION_SECRET is not set" in console.get("/about").text


def test_the_console_works_under_a_reverse_proxy_prefix(staff_app: FastAPI, seeded: Seeded) -> None:
    # As uvicorn --root-path /clinic behind a proxy: the path keeps the prefix, root_path
    # names it.
    console = Console(mounted(staff_app), prefix="/clinic/staff", root_path="/clinic")
    response = console.login("ana")
    assert response.headers["location"] == "/clinic/staff/"
    assert "Path=/clinic/staff/" in response.headers["set-cookie"]
    page = console.get("/conversations")
    assert page.status_code == 200
    assert 'href="/clinic/staff/static/staff.css"' in page.text


def test_a_session_forged_with_the_shipped_placeholder_secret_is_refused(
    make_app: Callable[..., FastAPI], settings: Settings, seeded: Seeded, chatlog: ChatLog
) -> None:
    # The attack: sign an editor session with the secret the deployment example shipped.
    ana = chatlog.get_staff("ana")
    assert ana is not None
    forger = URLSafeSerializer("CHANGE-ME", salt="clinicbot.staff.session")
    now = datetime.now(UTC).timestamp()
    forged = forger.dumps(
        {"u": "ana", "r": "editor", "c": "x", "g": ana.session_generation, "i": now, "s": now}
    )

    with pytest.raises(WeakSecret, match="CLINICBOT_SESSION_SECRET"):
        make_app(settings.model_copy(update={"session_secret": "CHANGE-ME"}))
    generated = ensure_session_secret(settings.model_copy(update={"session_secret": ""}))
    console = Console(mounted(make_app(generated)))
    console.client.cookies.set("clinicbot_staff", forged, path="/staff/")
    assert console.get("/conversations").status_code == 303  # to the login form


@pytest.mark.parametrize(("proxy_trusted", "secure"), [(True, True), (False, False)])
def test_cookies_are_secure_when_a_trusted_proxy_says_https(
    make_app: Callable[..., FastAPI],
    settings: Settings,
    seeded: Seeded,
    proxy_trusted: bool,
    secure: bool,
) -> None:
    # COOKIE_SECURE forgotten: nginx terminates TLS and says so in X-Forwarded-Proto, which
    # uvicorn believes only from CLINICBOT_FORWARDED_ALLOW_IPS (as app.py runs it).
    from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

    site = mounted(make_app(settings.model_copy(update={"cookie_secure": False})))
    trusted = "*" if proxy_trusted else "192.0.2.1"
    console = Console(ProxyHeadersMiddleware(site, trusted_hosts=trusted))  # type: ignore[arg-type]
    console.client.headers["x-forwarded-proto"] = "https"
    console.client.headers["x-forwarded-for"] = "203.0.113.5"

    response = console.get("/login")  # sets the login form's cookie, as sign-in sets its own

    cookie = next(
        c for c in response.headers.get_list("set-cookie") if c.startswith("clinicbot_staff_login=")
    )
    assert ("Secure" in cookie) is secure
