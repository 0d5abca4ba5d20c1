"""The staff console: review conversations, follow up requests, see insights (mounted at /staff).

Thin routes over `ChatLog` (bot.store) and the ingest pipeline (editor pages, `staff_editor`),
rendered with autoescaping Jinja2 templates from `templates/staff/`. Every route except the
login form and the stylesheet needs a signed-in account (`auth.StaffAuth`); every view, export
and change of visitor data is written to the audit trail.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import jinja2
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from bot.embed import Embedder
from bot.settings import Settings
from bot.store.db import safe_url
from bot.store.errors import DatabaseUnavailable, InvalidValue, StoreError
from bot.store.models import REQUEST_STATUSES
from bot.store.repo import ChatLog
from bot.types import REPLY_KINDS
from bot.web import staff_editor
from bot.web.auth import Forbidden, NotSignedIn, StaffAuth, StaffSession, base_path, utc_now
from bot.web.insights import day_chart, group_similar

log = logging.getLogger(__name__)

TEMPLATES = Path(__file__).resolve().parent / "templates" / "staff"
PAGE_SIZE = 50
EXPORT_LIMIT = 10_000
NOTE_MAX = 2000
INSIGHT_DAYS = (7, 30, 90)

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

# Messages shown after a redirect, chosen by key so nothing from the URL is echoed.
NOTICES = {
    "reviewed": "Marked reviewed.",
    "status": "Request updated.",
}


def _format_time(value: datetime | None) -> str:
    if value is None:
        return ""
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


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


def make_environment() -> jinja2.Environment:
    """Jinja2 with autoescaping on for every template: page text and visitor text are untrusted."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["when"] = _format_time
    env.filters["safe_href"] = _safe_href
    return env


# --- the conversation filters -------------------------------------------------------------


class ListFilters:
    """The conversation list's query string, parsed leniently (bad dates become an error)."""

    def __init__(self, request: Request) -> None:
        q = request.query_params
        self.errors: list[str] = []
        self.start_text = q.get("start", "").strip()
        self.end_text = q.get("end", "").strip()
        self.start = self._date(self.start_text, "From")
        self.end = self._date(self.end_text, "To")
        self.kinds = [k for k in q.getlist("kind") if k in REPLY_KINDS]
        self.thumbs_down = q.get("thumbs_down") == "1"
        self.unreviewed = q.get("unreviewed") == "1"
        self.text = q.get("q", "").strip()[:200]
        try:
            self.page = max(1, int(q.get("page", "1")))
        except ValueError:
            self.page = 1

    def _date(self, text: str, label: str) -> date | None:
        if not text:
            return None
        try:
            return date.fromisoformat(text)
        except ValueError:
            self.errors.append(f"{label}: use a date like 2025-01-31.")
            return None

    def store_args(self) -> dict[str, Any]:
        """Keyword arguments for ChatLog.list_conversations / export_rows (days are UTC)."""
        return {
            "start": datetime.combine(self.start, time.min, UTC) if self.start else None,
            "end": datetime.combine(self.end + timedelta(days=1), time.min, UTC)
            if self.end
            else None,
            "kinds": set(self.kinds) or None,
            "thumbs_down": self.thumbs_down,
            "unreviewed": self.unreviewed,
            "text": self.text or None,
        }

    def query(self, **override: Any) -> str:
        """The query string for these filters (for export and paging links)."""
        pairs: list[tuple[str, str]] = []
        if self.start_text:
            pairs.append(("start", self.start_text))
        if self.end_text:
            pairs.append(("end", self.end_text))
        pairs += [("kind", k) for k in self.kinds]
        if self.thumbs_down:
            pairs.append(("thumbs_down", "1"))
        if self.unreviewed:
            pairs.append(("unreviewed", "1"))
        if self.text:
            pairs.append(("q", self.text))
        pairs += [(k, str(v)) for k, v in override.items()]
        return urlencode(pairs)

    def describe(self) -> str:
        """The filters for the audit trail, without the search text (it may be personal)."""
        parts = [
            f"start={self.start_text}" if self.start_text else "",
            f"end={self.end_text}" if self.end_text else "",
            f"kinds={','.join(self.kinds)}" if self.kinds else "",
            "thumbs_down" if self.thumbs_down else "",
            "unreviewed" if self.unreviewed else "",
            "text_search" if self.text else "",
        ]
        return " ".join(p for p in parts if p) or "all"


# --- the app ------------------------------------------------------------------------------


def build_staff_app(
    settings: Settings,
    chatlog: ChatLog,
    index_dir: Path,
    *,
    embedder: Embedder | None = None,
    clock: Callable[[], datetime] = utc_now,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> FastAPI:
    """The console as an ASGI app, to mount at "/staff" (works under a proxy root_path too).

    `embedder` is what editor publishes embed with (default: the configured model, loaded on
    first use); `clock` and `sleep` are seams for tests.
    """
    env = make_environment()

    def render(
        request: Request, template: str, *, status_code: int = 200, **context: Any
    ) -> HTMLResponse:
        session: StaffSession | None = getattr(request.state, "staff", None)
        html = env.get_template(template).render(
            base=base_path(request),
            me=session,
            csrf=session.csrf if session else "",
            clinic=settings.clinic_name,
            section=context.pop("section", ""),
            **context,
        )
        return HTMLResponse(html, status_code=status_code)

    def render_login(request: Request, *, status_code: int = 200, **context: Any) -> HTMLResponse:
        context.setdefault("error", "")
        context.setdefault("username", "")
        context.setdefault("next", "")
        return render(request, "login.html", status_code=status_code, **context)

    auth = StaffAuth(settings, chatlog, clock=clock, sleep=sleep, render_login=render_login)
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

    def me(request: Request) -> StaffSession:
        session: StaffSession = request.state.staff
        return session

    @staff.get("/", name="home")
    async def home(request: Request) -> Response:
        return RedirectResponse(base_path(request) + "/conversations", status_code=303)

    @staff.post("/logout", name="logout")
    def logout(request: Request) -> Response:
        return auth.logout(request)

    @staff.get("/conversations", response_class=HTMLResponse, name="conversations")
    def conversations(request: Request) -> Response:
        filters = ListFilters(request)
        rows = []
        if not filters.errors:
            rows = chatlog.list_conversations(
                **filters.store_args(), limit=PAGE_SIZE + 1, offset=(filters.page - 1) * PAGE_SIZE
            )
        chatlog.audit(
            me(request).username,
            "conversations.list",
            "conversation",
            "",
            f"{filters.describe()} page={filters.page} shown={min(len(rows), PAGE_SIZE)}",
        )
        return render(
            request,
            "conversations.html",
            section="conversations",
            filters=filters,
            kinds=REPLY_KINDS,
            rows=rows[:PAGE_SIZE],
            has_next=len(rows) > PAGE_SIZE,
        )

    @staff.get("/conversations.csv", name="conversations_csv")
    def conversations_csv(request: Request) -> Response:
        filters = ListFilters(request)
        if filters.errors:
            raise InvalidValue(" ".join(filters.errors))
        rows = chatlog.export_rows(**filters.store_args(), limit=EXPORT_LIMIT)
        chatlog.audit(
            me(request).username,
            "conversations.export",
            "conversation",
            "",
            f"{filters.describe()} rows={len(rows)}",
        )
        stamp = clock().strftime("%Y%m%d-%H%M")
        return Response(
            chatlog.export_csv(rows),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="conversations-{stamp}.csv"'},
        )

    @staff.get("/conversations/{conv_id}", response_class=HTMLResponse, name="transcript")
    def transcript(request: Request, conv_id: str, done: str = "") -> Response:
        found = chatlog.get_transcript(conv_id[:64])
        if found is None:
            raise StarletteHTTPException(404, "No such conversation (it may have been purged).")
        chatlog.audit(me(request).username, "conversation.view", "conversation", found.id)
        return render(
            request,
            "transcript.html",
            section="conversations",
            t=found,
            notice=NOTICES.get(done, ""),
            back=request.query_params.get("back", ""),
        )

    @staff.post("/conversations/{conv_id}/review", name="review")
    async def review(request: Request, conv_id: str) -> Response:
        form = await request.form()
        note = str(form.get("note", ""))[:NOTE_MAX].strip()
        ok = await run_in_threadpool(
            chatlog.mark_reviewed, conv_id[:64], me(request).username, note
        )
        if not ok:
            raise StarletteHTTPException(404, "No such conversation (it may have been purged).")
        target = f"{base_path(request)}/conversations/{conv_id}?done=reviewed"
        return RedirectResponse(target, status_code=303)

    @staff.get("/requests", response_class=HTMLResponse, name="requests")
    def requests_queue(request: Request, status: str = "open", done: str = "") -> Response:
        status = status if status in (*REQUEST_STATUSES, "open", "all") else "open"
        if status == "open":
            rows = [r for r in chatlog.list_requests(None, limit=500) if r.status != "closed"]
        else:
            rows = chatlog.list_requests(None if status == "all" else status, limit=500)
        chatlog.audit(
            me(request).username,
            "requests.list",
            "appointment_request",
            "",
            f"status={status} shown={len(rows)}",
        )
        return render(
            request,
            "requests.html",
            section="requests",
            rows=rows,
            status=status,
            statuses=REQUEST_STATUSES,
            notice=NOTICES.get(done, ""),
        )

    @staff.post("/requests/{request_id}/status", name="request_status")
    async def request_status(request: Request, request_id: int) -> Response:
        form = await request.form()
        status = str(form.get("status", ""))
        if status not in REQUEST_STATUSES:
            raise InvalidValue(f"Choose one of: {', '.join(REQUEST_STATUSES)}.")
        note = str(form.get("note", ""))[:NOTE_MAX].strip()
        ok = await run_in_threadpool(
            chatlog.set_request_status, request_id, status, me(request).username, note
        )
        if not ok:
            raise StarletteHTTPException(404, "No such appointment request.")
        shown = str(form.get("shown", "open"))
        shown = shown if shown in (*REQUEST_STATUSES, "open", "all") else "open"
        target = f"{base_path(request)}/requests?{urlencode({'status': shown, 'done': 'status'})}"
        return RedirectResponse(f"{target}#request-{request_id}", status_code=303)

    @staff.get("/insights", response_class=HTMLResponse, name="insights")
    def insights(request: Request, days: int = 30) -> Response:
        days = days if days in INSIGHT_DAYS else 30
        today = clock().astimezone(UTC).date()
        chart = day_chart(chatlog.stats_by_day(days), end=today, days=days)
        top = chatlog.top_questions(limit=15, days=days)
        fallbacks = Counter(" ".join(q.split()) for q in chatlog.fallback_questions(1000, days))
        groups = group_similar(fallbacks.items())[:30]
        chatlog.audit(me(request).username, "insights.view", "", "", f"days={days}")
        return render(
            request,
            "insights.html",
            section="insights",
            days=days,
            day_options=INSIGHT_DAYS,
            chart=chart,
            top=top,
            groups=groups,
            fallback_total=sum(fallbacks.values()),
        )

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

    @editor.get("/audit", response_class=HTMLResponse, name="audit")
    def audit_trail(request: Request, user: str = "") -> Response:
        rows = chatlog.list_audit(300, username=user.strip().lower() or None)
        chatlog.audit(me(request).username, "audit.view", "", "", f"user={user[:64]}")
        return render(request, "audit.html", section="audit", rows=rows, user=user)

    app.include_router(editor)
    return app
