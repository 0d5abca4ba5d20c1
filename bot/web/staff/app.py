"""The staff console app (mounted at /staff): sign-in guard, security headers, error pages.

`build_staff_app` wires the pieces: `auth` (login, sessions, CSRF, roles), `review`
(conversations, requests, insights; any signed-in account) and `editor` (knowledge
pages, re-ingest, audit trail; editors only), all rendered with autoescaping Jinja2 templates
from `templates/staff/`. Every route except the login form and the stylesheet needs a
signed-in account; every view, export and change of visitor data is audited.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, tzinfo
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import jinja2
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from bot.embed import Embedder
from bot.localtime import format_local
from bot.settings import Settings
from bot.store.db import safe_url
from bot.store.errors import DatabaseUnavailable, InvalidValue, StoreError
from bot.store.repo import ChatLog
from bot.web.ratelimit import LoginSlowdown
from bot.web.staff import editor as staff_editor
from bot.web.staff import review as staff_review
from bot.web.staff.auth import Forbidden, NotSignedIn, StaffAuth, StaffSession, base_path, utc_now

log = logging.getLogger(__name__)

TEMPLATES = Path(__file__).resolve().parents[1] / "templates" / "staff"

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
    ),
    "Cache-Control": "no-store",
    "Pragma": "no-cache",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}


def _format_time(value: datetime | None, zone: tzinfo) -> str:
    """The time on the clinic's clock, with the zone's abbreviation (storage is UTC)."""
    if value is None:
        return ""
    return format_local(value, zone)


def _format_iso_time(text: str, zone: tzinfo) -> str:
    """An ISO 8601 time with an offset (as index manifests hold) on the clinic's clock;
    any other text unchanged."""
    try:
        value = datetime.fromisoformat(text)
    except (TypeError, ValueError):
        return text
    return text if value.tzinfo is None else format_local(value, zone)


def _safe_href(url: str | None) -> str | None:
    """The URL if it is safe to link to (http, https or a site-relative path), else None."""
    if not url:
        return None
    url = url.strip()
    scheme = urlsplit(url).scheme.lower()
    if scheme in ("http", "https") or (
        not scheme and url.startswith("/") and not url.startswith("//")
    ):
        return url
    return None


def make_environment(zone: tzinfo = UTC) -> jinja2.Environment:
    """Jinja2 with autoescaping on for every template: page text and visitor text are untrusted.

    The `when` filter shows times in `zone`, the clinic's time zone.
    """
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["when"] = partial(_format_time, zone=zone)
    env.filters["when_iso"] = partial(_format_iso_time, zone=zone)
    env.filters["safe_href"] = _safe_href
    return env


# --- the app ------------------------------------------------------------------------------


def build_staff_app(
    settings: Settings,
    chatlog: ChatLog,
    index_dir: Path,
    *,
    embedder: Embedder | None = None,
    clock: Callable[[], datetime] = utc_now,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    login_slowdown: LoginSlowdown | None = None,
) -> FastAPI:
    """The console as an ASGI app, to mount at "/staff" (works under a proxy root_path too).

    `embedder` is what editor publishes embed with (default: the configured model, loaded on
    first use); `login_slowdown` counts failed logins (the app passes one over the chat's rate
    limit storage); `clock` and `sleep` are seams for tests.
    """
    env = make_environment(settings.zone)

    def render(
        request: Request, template: str, *, status_code: int = 200, **context: Any
    ) -> HTMLResponse:
        session: StaffSession | None = getattr(request.state, "staff", None)
        html = env.get_template(template).render(
            base=base_path(request),
            me=session,
            csrf=session.csrf if session else "",
            clinic=settings.clinic_name,
            timezone=settings.timezone,
            section=context.pop("section", ""),
            **context,
        )
        return HTMLResponse(html, status_code=status_code)

    def render_login(request: Request, *, status_code: int = 200, **context: Any) -> HTMLResponse:
        context.setdefault("error", "")
        context.setdefault("username", "")
        context.setdefault("next", "")
        return render(request, "login.html", status_code=status_code, **context)

    auth = StaffAuth(
        settings,
        chatlog,
        clock=clock,
        sleep=sleep,
        render_login=render_login,
        slowdown=login_slowdown,
    )
    app = FastAPI(
        title="Staff console",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        swagger_ui_oauth2_redirect_url=None,
    )
    app.state.auth = auth

    @app.middleware("http")
    async def headers_and_session(request: Request, call_next: Any) -> Response:
        response: Response = await call_next(request)
        auth.touch(response, request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    @app.exception_handler(NotSignedIn)
    async def not_signed_in(request: Request, exc: NotSignedIn) -> Response:
        if request.method in ("GET", "HEAD"):
            target = request.url.path
            if request.url.query:
                target += "?" + request.url.query
            login = base_path(request) + "/login?" + urlencode({"next": target})
            response: Response = RedirectResponse(login, status_code=303)
        else:
            response = render(
                request,
                "error.html",
                status_code=401,
                title="Signed out",
                message="Your session has ended. Sign in again.",
            )
        auth.clear(response, request)
        return response

    @app.exception_handler(Forbidden)
    async def forbidden(request: Request, exc: Forbidden) -> Response:
        return render(
            request, "error.html", status_code=403, title="Not allowed", message=exc.reason
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        titles = {404: "Not found", 405: "Not allowed"}
        return render(
            request,
            "error.html",
            status_code=exc.status_code,
            title=titles.get(exc.status_code, "Error"),
            message=str(exc.detail),
        )

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError) -> Response:
        return render(
            request,
            "error.html",
            status_code=400,
            title="Not valid",
            message="That address or form has a value the console does not understand.",
        )

    @app.exception_handler(StoreError)
    async def store_error(request: Request, exc: StoreError) -> Response:
        if isinstance(exc, InvalidValue):
            return render(
                request, "error.html", status_code=400, title="Not valid", message=str(exc)
            )
        log.error("staff console: store error: %s", exc)
        message = "The database is not reachable right now. Try again in a minute."
        if not isinstance(exc, DatabaseUnavailable):
            message = "The database refused the request; the server log has the details."
        return render(request, "error.html", status_code=503, title="Unavailable", message=message)

    # --- public: the login form and the stylesheet/script ------------------------------
    app.include_router(auth.router())

    @app.get("/static/{name}", name="static")
    async def static(name: str) -> Response:
        kinds = {"staff.css": "text/css", "staff.js": "text/javascript"}
        if name not in kinds:
            raise StarletteHTTPException(404, "No such file.")
        body = (TEMPLATES / name).read_bytes()
        return Response(body, media_type=kinds[name], headers={"Cache-Control": "no-cache"})

    # --- signed-in staff ------------------------------------------------------------------
    staff = APIRouter(dependencies=[Depends(auth.require_staff)])

    @staff.get("/", name="home")
    async def home(request: Request) -> Response:
        return RedirectResponse(base_path(request) + "/conversations", status_code=303)

    @staff.post("/logout", name="logout")
    def logout(request: Request) -> Response:
        return auth.logout(request)

    staff_review.add_routes(staff, chatlog, render, clock, settings.zone)

    @staff.get("/about", response_class=HTMLResponse, name="about")
    def about(request: Request) -> Response:
        return render(
            request,
            "about.html",
            section="about",
            settings=settings,
            database=safe_url(settings.resolved_database_url),
            ephemeral_secret=auth.ephemeral_secret,
            index=staff_editor.served_version(index_dir),
        )

    app.include_router(staff)

    # --- editors only -----------------------------------------------------------------------
    editor = APIRouter(dependencies=[Depends(auth.require_editor)])
    staff_editor.add_routes(editor, settings, chatlog, index_dir, render, embedder)

    app.include_router(editor)
    return app
