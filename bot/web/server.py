"""The FastAPI app: the chat mounted at "/", the staff console at "/staff", health routes,
the embed script, read-only page views, and the security headers around all of them.

`create_app(settings, responder, store, index=..., clock=...)` is the one entry: everything it
serves from is passed in (bot/serve.py builds the real ones; tests pass fakes).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from html import escape
from pathlib import Path
from typing import Any

import gradio as gr
from fastapi import FastAPI
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response

from bot.settings import Settings
from bot.web.guard import RequestGuard
from bot.web.health import BoundedCheck
from bot.web.ratelimit import Limits, LoginSlowdown, VisitorLimiter, storage_for
from bot.web.security import SecurityHeaders
from bot.web.visitor.actions import ChatLogLike, ResponderLike, VisitorChat, where
from bot.web.visitor.admission import (
    MAX_WAITING_PER_WORKER,
    AdmissionControl,
    admission_limits,
    queue_length,
    usable_cpus,
    waiting_limit,
)
from bot.web.visitor.chat import ChatPage
from bot.web.visitor.sessions import SessionJanitor

log = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parent / "static"
STATIC_PREFIX = "/clinic-static"  # "/static" belongs to Gradio
QUEUE_POLL_S = 0.01
# Queue positions are sent to waiting visitors once a second, not to every waiting visitor
# each time a message starts ("auto"): at saturation that was one SSE message per waiting
# visitor per answer, event-loop work that grew with the queue and took CPU from answering.
QUEUE_STATUS_EVERY_S = 1.0

IndexProvider = Callable[[], Any]  # returns the served index (bot.index.ServingIndex)


def theme() -> gr.themes.Base:
    """Calm clinic colours; fonts served by this app or the system, never fetched elsewhere."""
    return gr.themes.Soft(
        primary_hue="teal",
        secondary_hue="slate",
        neutral_hue="slate",
        radius_size="md",
        # The visitor's own system fonts: nothing to download, native on every platform.
        font=["system-ui", "-apple-system", "Segoe UI", "Roboto", "Helvetica Neue", "sans-serif"],
        font_mono=["ui-monospace", "SFMono-Regular", "Menlo", "Consolas", "monospace"],
    ).set(
        # plain form labels instead of coloured pills
        block_title_background_fill="transparent",
        block_title_padding="0",
        block_title_text_color="*neutral_700",
        block_title_text_weight="600",
        button_primary_background_fill="*primary_700",
        button_primary_background_fill_hover="*primary_800",
        button_primary_text_color="white",
        # WCAG AA contrast (4.5:1) for the secondary text Gradio greys out by default
        body_text_color_subdued="*neutral_600",
        input_placeholder_color="*neutral_600",
    )


def utc_now() -> datetime:
    return datetime.now(UTC)


def _index_of(responder: Any) -> IndexProvider | None:
    source = getattr(responder, "index_source", None)
    return source.current if source is not None and hasattr(source, "current") else None


def _db_check_of(chatlog: Any) -> Callable[[], None] | None:
    engine = getattr(chatlog, "engine", None)
    if engine is None:
        return None

    def check() -> None:
        from sqlalchemy import text

        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))

    return check


def knowledge_page_html(page: Any, clinic_name: str) -> str:
    """A cleaned page as a plain, escaped HTML document: headings as <h2>, the rest as <p>."""
    headings = {text.strip() for _, _, text in getattr(page, "headings", ())}
    parts = []
    for block in (b.strip() for b in page.text.split("\n\n")):
        if not block or block == page.title.strip():
            continue
        if block in headings:
            parts.append(f"<h2>{escape(block)}</h2>")
        else:
            parts.append(f"<p>{escape(block).replace(chr(10), '<br>')}</p>")
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{escape(page.title)} · {escape(clinic_name)}</title>"
        "<link rel='stylesheet' href='../clinic-static/page.css'></head>"
        f"<body><main><p class='from'>{escape(clinic_name)} · this page as the chat assistant "
        f"reads it</p><h1>{escape(page.title)}</h1>\n"
        + "\n".join(parts)
        + "\n</main></body></html>"
    )


def create_app(
    settings: Settings,
    responder: ResponderLike,
    store: ChatLogLike,
    *,
    index: IndexProvider | None = None,
    clock: Callable[[], datetime] = utc_now,
    db_check: Callable[[], None] | None = None,
    staff_app: Any | None = None,
) -> FastAPI:
    """The whole web app over `responder` (the answering pipeline), `store` (the ChatLog) and
    `index` (the served version, for the page views; default: the responder's). `clock` is
    the staff console's wall clock (sessions, idle timeout). `db_check` defaults to a query
    on the store's engine; `staff_app` to the console of `bot.web.staff.app` (False: none)."""
    chatlog = store
    index = index or _index_of(responder)
    db_check = db_check or _db_check_of(chatlog)
    if db_check is not None:
        db_check = BoundedCheck(db_check, settings.readyz_timeout_s)
    app = FastAPI(title=settings.clinic_name, docs_url=None, redoc_url=None, openapi_url=None)
    app.add_middleware(RequestGuard, settings=settings)  # inside: its errors get the headers
    app.add_middleware(SecurityHeaders, settings=settings)

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        """The process is up and serving requests."""
        return {"status": "ok"}

    @app.get("/readyz")
    def readyz() -> JSONResponse:
        """Ready to answer: an index version is loaded and the database answers."""
        body: dict[str, Any] = {"status": "ready", "index_version": None, "database": "ok"}
        ready = True
        try:
            served = index() if index is not None else None
            body["index_version"] = getattr(served, "version", None)
            ready = ready and body["index_version"] is not None
        except Exception as exc:
            log.warning("readyz: index not available: %s at %s", type(exc).__name__, where(exc))
            ready = False
        try:
            if db_check is None:
                raise RuntimeError("no database check configured")
            db_check()
        except Exception as exc:
            log.warning("readyz: database unreachable: %s at %s", type(exc).__name__, where(exc))
            body["database"] = "unreachable"
            ready = False
        if not ready:
            body["status"] = "not ready"
        return JSONResponse(body, status_code=200 if ready else 503)

    @app.get("/widget.js")
    def widget() -> FileResponse:
        """The embed launcher the clinic's pages load (see examples/clinic-page.html)."""
        return FileResponse(
            STATIC_DIR / "widget.js",
            media_type="text/javascript",
            headers={"Cache-Control": "public, max-age=300"},
        )

    @app.get(STATIC_PREFIX + "/{name}")
    def static_file(name: str) -> Response:
        path = STATIC_DIR / name
        if "/" in name or name.startswith(".") or not path.is_file():
            return Response("Not found", status_code=404)
        return FileResponse(path, headers={"Cache-Control": "public, max-age=300"})

    @app.get("/knowledge/{source}", response_class=HTMLResponse)
    def knowledge(source: str) -> HTMLResponse:
        """A cleaned clinic page as the assistant reads it (citation link without a URL)."""
        served = index() if index is not None else None
        page = getattr(served, "pages", {}).get(source) if served is not None else None
        if page is None:
            return HTMLResponse("<!doctype html><title>Not found</title>Page not found.", 404)
        return HTMLResponse(knowledge_page_html(page, settings.clinic_name))

    # One rate-limit storage for the chat's limits and the staff login's slow-down.
    limit_storage = storage_for(getattr(chatlog, "engine", None))
    if staff_app is None:
        staff_app = _build_staff(
            settings,
            chatlog,
            getattr(responder, "embedder", None),
            LoginSlowdown(limit_storage),
            clock,
        )
    if staff_app:
        app.mount("/staff", _behind_prefix(staff_app, settings.root_path))

    limiter = VisitorLimiter(Limits.from_settings(settings), limit_storage)
    visitor = VisitorChat(settings, responder, chatlog, limiter=limiter)
    page = ChatPage(visitor)
    blocks = page.build()
    blocks.state_session_capacity = settings.max_sessions  # read by mount_gradio_app
    workers, max_waiting = admission_limits(
        settings.concurrency_limit, settings.queue_max_size, usable_cpus()
    )
    limit: int | Callable[[], int] = max_waiting
    if settings.queue_max_size is None:  # as long as the measured answer time allows
        limit = waiting_limit(blocks, workers, settings.queue_max_wait_s)
        max_waiting = MAX_WAITING_PER_WORKER * workers  # Gradio's own bound, never reached
    blocks.queue(
        status_update_rate=QUEUE_STATUS_EVERY_S,
        max_size=max_waiting,
        default_concurrency_limit=workers,
        api_open=False,
    )
    # Gradio's dispatcher polls every 1 ms while all workers are busy, which at saturation
    # takes CPU from the workers themselves; 10 ms costs at most 10 ms of wait per message.
    blocks._queue.sleep_when_free = QUEUE_POLL_S
    gr.mount_gradio_app(
        app,
        blocks,
        path="/",
        footer_links=[],  # no "Use via API" / "Built with Gradio" / settings links
        run_history=False,  # nothing of the conversation is saved in the browser
        enable_monitoring=False,
        ssr_mode=False,
        pwa=False,
        mcp_server=False,
        show_error=False,
        max_file_size=1,  # no uploads (the routes are also blocked above)
        root_path=settings.root_path or None,
        favicon_path=str(STATIC_DIR / "favicon.png")
        if (STATIC_DIR / "favicon.png").is_file()
        else None,
        theme=theme(),
        css_paths=[STATIC_DIR / "chat.css"],
        head='<meta name="robots" content="noindex">'
        f'<meta name="clinic-busy" content="{escape(visitor.busy_text(), quote=True)}">'
        '<script src="clinic-static/chat-page.js" defer></script>',
    )
    app.add_middleware(
        AdmissionControl,
        waiting=queue_length(blocks),
        max_waiting=limit,
        retry_after_s=settings.busy_retry_after_s,
        busy_text=visitor.busy_text(),
    )
    janitor = SessionJanitor(
        blocks,
        page.expire_api_sessions,
        idle_s=settings.session_idle_minutes * 60,
        interval_s=min(60.0, settings.session_idle_minutes * 30),
    ).start()
    app.router.add_event_handler("shutdown", janitor.stop)
    app.state.session_janitor = janitor
    return app


def _behind_prefix(asgi_app: Any, root_path: str) -> Any:
    """`asgi_app` as if uvicorn ran with --root-path: the proxy strips `root_path` (e.g. /chat)
    from the path, and the console puts it back in its links, redirects and cookie path.

    Only the console gets this; Gradio takes `root_path` itself, and SecurityHeaders matches
    the paths as received.
    """
    if not root_path:
        return asgi_app

    async def prefixed(scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] in ("http", "websocket"):
            scope = {
                **scope,
                "path": root_path + scope["path"],
                "root_path": root_path + scope.get("root_path", ""),
                "app_root_path": root_path + scope.get("app_root_path", ""),
            }
        await asgi_app(scope, receive, send)

    return prefixed


def _build_staff(
    settings: Settings,
    chatlog: Any,
    embedder: Any,
    login_slowdown: LoginSlowdown,
    clock: Callable[[], datetime],
) -> Any | None:
    """The staff console (issue 5) if this checkout has it; it shares the responder's model."""
    try:
        from bot.web.staff.app import build_staff_app
    except ImportError:
        return None
    return build_staff_app(
        settings,
        chatlog,
        settings.resolved_index_dir,
        embedder=embedder,
        clock=clock,
        login_slowdown=login_slowdown,
    )
