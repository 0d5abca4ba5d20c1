"""Signing out really ends the session: server-side, on every instance, for every copy.

Each test runs on SQLite and on PostgreSQL. The test clock never moves unless a test moves
it, so every login, logout and request here happens in the same instant: the revocation
cannot lean on timestamps being different.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi import FastAPI
from itsdangerous import URLSafeSerializer

from bot.embed import HashingEmbedder
from bot.settings import Settings
from bot.staff import main as staff_cli
from bot.store.db import make_engine
from bot.store.repo import ChatLog
from bot.web.staff.app import build_staff_app
from bot.web.staff.auth import SESSION_COOKIE
from tests.support.accounts import CHEAP_HASHER, PASSWORD
from tests.support.fakes import FakeClock, NoSleep

from .support import Console, Seeded, mounted


@dataclass(frozen=True)
class Stolen:
    """A copy of a signed-in browser's session cookie and CSRF token."""

    cookie: str
    csrf: str


def steal(console: Console) -> Stolen:
    cookie = console.client.cookies.get(SESSION_COOKIE)
    assert cookie, "not signed in"
    return Stolen(cookie, console.csrf)


def holding(site: FastAPI, stolen: Stolen) -> Console:
    """A new client that sends the copied cookie (the console deletes a refused one, so each
    check starts from a fresh copy)."""
    console = Console(site)
    console.client.cookies.set(SESSION_COOKIE, stolen.cookie, path="/staff/")
    console.csrf = stolen.csrf
    return console


def is_refused(site: FastAPI, stolen: Stolen, seeded: Seeded) -> bool:
    """Whether the console treats the copy as signed out, for a page and for a change."""
    page = holding(site, stolen).get("/conversations")
    change = holding(site, stolen).post(f"/conversations/{seeded.answer}/review", {"note": "x"})
    if page.status_code == 200 and change.status_code == 303:
        return False
    assert page.status_code == 303 and "/staff/login" in page.headers["location"]
    assert change.status_code == 401 and "session has ended" in change.text
    return True


@pytest.fixture
def run_cli(monkeypatch: pytest.MonkeyPatch, db_url: str) -> Callable[..., int]:
    """`python -m bot.staff ARGS --database-url URL`, in-process, on the test database."""

    def run(*args: str, stdin: str = "") -> int:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        return staff_cli([*args, "--database-url", db_url], password_hasher=CHEAP_HASHER)

    return run


@pytest.fixture
def instance_b(
    db_url: str, settings: Settings, index_dir: Path, clock: FakeClock, seeded: Seeded
) -> Iterator[FastAPI]:
    """A second app instance: its own engine, store and console app on the same database."""
    engine = make_engine(db_url)
    chatlog = ChatLog(engine, clock=clock, password_hasher=CHEAP_HASHER)
    app = build_staff_app(
        settings, chatlog, index_dir, embedder=HashingEmbedder(), clock=clock, sleep=NoSleep()
    )
    yield mounted(app)
    engine.dispose()


def test_a_copied_cookie_is_refused_after_logout(
    site: FastAPI, staff: Console, seeded: Seeded, chatlog: ChatLog
) -> None:
    stolen = steal(staff)
    assert not is_refused(site, stolen, seeded)  # the copy works while signed in

    assert staff.post("/logout").status_code == 303

    assert is_refused(site, stolen, seeded)
    login = holding(site, stolen).get("/login")
    assert login.status_code == 200  # the form, not a redirect into the console
    logout = chatlog.list_audit(1)[0]
    assert (logout.username, logout.action, logout.detail) == (
        "ana",
        "logout",
        "signed out everywhere",
    )


def test_logout_on_one_instance_ends_the_session_on_another(
    site: FastAPI, instance_b: FastAPI, staff: Console, seeded: Seeded
) -> None:
    stolen = steal(staff)
    # Round robin: the same browser's next requests land on instance B.
    assert not is_refused(instance_b, stolen, seeded)

    assert staff.post("/logout").status_code == 303  # on instance A

    assert is_refused(instance_b, stolen, seeded)
    assert is_refused(site, stolen, seeded)


def test_logout_on_another_instance_ends_the_session_here(
    site: FastAPI, instance_b: FastAPI, staff: Console, seeded: Seeded
) -> None:
    stolen = steal(staff)
    assert holding(instance_b, stolen).post("/logout").status_code == 303

    assert is_refused(site, stolen, seeded)


def test_every_session_of_the_account_ends_even_one_opened_in_the_same_instant(
    site: FastAPI, staff: Console, seeded: Seeded
) -> None:
    other_device = Console(site)
    assert other_device.login("ana").status_code == 303  # same clock reading as `staff`
    editor = Console(site)
    assert editor.login("eddie").status_code == 303

    assert staff.post("/logout").status_code == 303

    assert is_refused(site, steal(other_device), seeded)
    assert not is_refused(site, steal(editor), seeded)  # other accounts are untouched


def test_a_fresh_login_right_after_logout_works(
    site: FastAPI, staff: Console, seeded: Seeded
) -> None:
    before = steal(staff)
    assert staff.post("/logout").status_code == 303

    assert staff.login("ana").status_code == 303  # same instant as the logout
    after = steal(staff)

    assert not is_refused(site, after, seeded)
    assert is_refused(site, before, seeded)


def test_changing_the_password_ends_open_sessions(
    site: FastAPI, staff: Console, seeded: Seeded, run_cli: Callable[..., int]
) -> None:
    stolen = steal(staff)
    new = "n3w-secret-phrase\n"
    assert run_cli("passwd", "ana", "--password-stdin", stdin=new) == 0

    assert is_refused(site, stolen, seeded)
    assert Console(site).login("ana", PASSWORD).status_code == 401
    assert Console(site).login("ana", "n3w-secret-phrase").status_code == 303


def test_disabling_ends_open_sessions_and_enabling_does_not_revive_them(
    site: FastAPI, staff: Console, seeded: Seeded, run_cli: Callable[..., int]
) -> None:
    stolen = steal(staff)
    assert run_cli("disable", "ana") == 0
    assert is_refused(site, stolen, seeded)

    assert run_cli("enable", "ana") == 0
    assert is_refused(site, stolen, seeded)
    assert Console(site).login("ana").status_code == 303


def test_a_cookie_from_before_revocable_sessions_is_refused(
    site: FastAPI, settings: Settings, seeded: Seeded, clock: FakeClock, chatlog: ChatLog
) -> None:
    serializer = URLSafeSerializer(settings.session_secret, salt="clinicbot.staff.session")
    now = clock().timestamp()
    fields = {"u": "ana", "r": "staff", "c": "token", "i": now, "s": now}
    ana = chatlog.get_staff("ana")
    assert ana is not None
    current = Stolen(serializer.dumps({**fields, "g": ana.session_generation}), "token")
    old = Stolen(serializer.dumps(fields), "token")  # signed right, but no generation

    assert not is_refused(site, current, seeded)
    assert is_refused(site, old, seeded)


def test_the_sign_out_button_says_it_signs_out_everywhere(staff: Console) -> None:
    page = staff.get("/conversations").text
    assert "Sign out everywhere</button>" in page
    assert "every browser and on every device" in page
