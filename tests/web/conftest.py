"""Fixtures for the web tests: the app over a fake or the real Responder, a real store, a
live server on a free port, and Chromium through Playwright.

Switch the whole suite between the fake and the real Responder with USE_REAL_RESPONDER.
The store is always real: SQLite in tmp_path, or a fresh PostgreSQL database when a test
asks for `database_url` with the "postgres" param (tests/support/databases.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.settings import PROJECT_ROOT, Settings
from tests.support.browser import chromium
from tests.support.databases import pg_database
from tests.support.fakes import FakeIndex, FakeResponder
from tests.support.servers import serve

USE_REAL_RESPONDER = True  # the one line: True = real index of knowledge/ + embedding model
# A question the responder answers with citations (fake: by keyword; real: from knowledge/).
ANSWERABLE_QUESTION = (
    "Does ketamine help with migraines?" if USE_REAL_RESPONDER else "What are your opening hours?"
)


# --- settings and store ----------------------------------------------------------------
@pytest.fixture(scope="session")
def real_responder(shipped_index_dir: Path) -> Any:
    """The served path over the shipped index: questions embedded by its ONNX encoder."""
    from bot.answer.pipeline import load_responder

    return load_responder(Settings(index_dir=shipped_index_dir))


@pytest.fixture
def make_settings(tmp_path: Path) -> Callable[..., Settings]:
    def make(**overrides: Any) -> Settings:
        values: dict[str, Any] = {"data_dir": tmp_path / "data", "clinic_phone": "410-555-2368"}
        values.update(overrides)
        return Settings(**values)

    return make


@pytest.fixture(params=["sqlite"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """SQLite by default; tests parametrize indirectly with "postgres" to run there too."""
    if request.param == "sqlite":
        (tmp_path / "db").mkdir()
        yield f"sqlite:///{tmp_path / 'db' / 'clinic.sqlite3'}"
        return
    with pg_database("clinicbot_web_") as url:
        yield url


@dataclass
class Stack:
    """Everything a test needs to drive and inspect one app."""

    settings: Settings
    responder: Any
    chatlog: Any
    engine: Any
    app: Any
    url: str = ""  # set once served live

    def rows(self, sql: str, **params: Any) -> list[Any]:
        from sqlalchemy import text

        with self.engine.connect() as conn:
            return list(conn.execute(text(sql), params))


def build_stack(settings: Settings, responder: Any, *, staff: bool = False) -> Stack:
    """The app over a migrated store at settings.database_url and `responder`."""
    from bot.store.db import make_engine, migrate, ping
    from bot.store.repo import ChatLog
    from bot.web.server import create_app

    engine = make_engine(settings.resolved_database_url)
    migrate(engine)
    chatlog = ChatLog(engine)
    # the real Responder brings its served index; the fake one gets a one-page stand-in
    index = FakeIndex if isinstance(responder, FakeResponder) else None
    app = create_app(
        settings,
        responder,
        chatlog,
        index=index,
        db_check=lambda: ping(engine),
        staff_app=None if staff else False,  # building the console takes seconds
    )
    return Stack(settings, responder, chatlog, engine, app)


def default_responder(request: pytest.FixtureRequest) -> Any:
    return request.getfixturevalue("real_responder") if USE_REAL_RESPONDER else FakeResponder()


@pytest.fixture
def make_stack(
    make_settings: Callable[..., Settings], database_url: str, request: pytest.FixtureRequest
) -> Iterator[Callable[..., Stack]]:
    """Build the app: real store at `database_url`, fake or real Responder."""
    stacks: list[Stack] = []

    def make(responder: Any = None, *, staff: bool = False, **overrides: Any) -> Stack:
        settings = make_settings(database_url=database_url, **overrides)
        stack = build_stack(settings, responder or default_responder(request), staff=staff)
        stacks.append(stack)
        return stack

    yield make
    for stack in stacks:
        stack.engine.dispose()


@pytest.fixture(scope="module")
def shared_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """One app on SQLite for a module's read-only checks (allowed origin: clinic.example)."""
    data_dir = tmp_path_factory.mktemp("shared")
    settings = Settings(
        data_dir=data_dir, clinic_phone="410-555-2368", allowed_origins=["https://clinic.example"]
    )
    stack = build_stack(settings, FakeResponder())
    yield stack
    stack.engine.dispose()


# --- a live server -------------------------------------------------------------------------
@pytest.fixture
def live(make_stack: Callable[..., Stack]) -> Iterator[Callable[..., Stack]]:
    """Start apps on free ports: `stack = live(**settings_overrides)`."""
    stacks: list[Any] = []

    def start(responder: Any = None, **overrides: Any) -> Stack:
        stack = make_stack(responder, **overrides)
        cm = serve(stack.app)
        stack.url = cm.__enter__()
        stacks.append(cm)
        return stack

    yield start
    for cm in reversed(stacks):
        cm.__exit__(None, None, None)


class ClinicSite:
    """examples/clinic-page.html served from another origin, its snippet pointed at `app_url`."""

    def __init__(self) -> None:
        self.app_url = "http://127.0.0.1:7860"
        self.url = ""

    def asgi(self) -> Any:
        from fastapi import FastAPI
        from fastapi.responses import HTMLResponse

        site = FastAPI()

        @site.get("/clinic-page.html")
        def clinic_page() -> HTMLResponse:
            html = (PROJECT_ROOT / "examples" / "clinic-page.html").read_text()
            return HTMLResponse(html.replace("http://127.0.0.1:7860", self.app_url))

        return site


@pytest.fixture(scope="session")
def clinic_site() -> Iterator[ClinicSite]:
    """The sample clinic site on a free port; allowed as 127.0.0.1, refused as localhost."""
    site = ClinicSite()
    with serve(site.asgi()) as url:
        site.url = url
        yield site


# --- the browser ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    # Module scope, not session: while this one is open no other suite's browser can start.
    with chromium() as launched:
        yield launched


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1100, "height": 800})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()
