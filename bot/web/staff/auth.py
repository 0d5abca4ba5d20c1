"""Staff sign-in: the login form, signed session cookies, CSRF tokens and role checks.

The session is a cookie signed with `settings.session_secret` (itsdangerous) holding the
username, a CSRF token, the account's session generation and two times: when it was issued
and when it was last used. Every console request re-checks the account in the store (so
disabling an account or changing its role takes effect at once) and slides the idle timeout.

Sessions end server-side. Logging out, a password change (`bot.staff passwd`) and disabling
the account add one to the account's session generation in the database; a cookie issued
with an older number is refused from then on by every instance sharing that database, so a
copy of the cookie taken before logout is worthless. Logging out therefore signs the account
out everywhere (every browser and device), and the button says so. A counter rather than a
"sessions valid after" time, so a login in the same clock tick as a logout, or on an instance
whose clock runs behind, is neither wrongly kept nor wrongly refused.

Failed logins are slowed per client address (`bot.web.ratelimit.LoginSlowdown`, the chat's
`limits` storage: shared by instances on PostgreSQL) and locked out per account by the store
(`ChatLog.verify_login`, shared by every instance).
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from itsdangerous import BadSignature, URLSafeSerializer

from bot.settings import Settings
from bot.store.repo import ChatLog
from bot.web.ratelimit import LoginSlowdown
from bot.web.secret import check_session_secret

log = logging.getLogger(__name__)

SESSION_COOKIE = "clinicbot_staff"
LOGIN_COOKIE = "clinicbot_staff_login"  # the login form's CSRF token, before any session
MAX_SESSION_HOURS = 12  # a session ends after this even if used all day
CSRF_FIELD = "csrf"
CSRF_HEADER = "x-csrf-token"


class NotSignedIn(Exception):
    """No valid session: pages redirect to the login form, everything else gets 401."""


class Forbidden(Exception):
    """Signed in, but this account's role may not do this, or the CSRF token is wrong (403)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class StaffSession:
    """The signed-in staff member of a request."""

    username: str
    role: str
    csrf: str
    generation: int  # the account's session generation at login; refused once it moves on
    issued: float  # epoch seconds
    seen: float  # epoch seconds of the last request

    @property
    def is_editor(self) -> bool:
        return self.role == "editor"


def utc_now() -> datetime:
    return datetime.now(UTC)


def base_path(request: Request) -> str:
    """Where the console is mounted, as the browser sees it (reverse-proxy prefix included)."""
    return str(request.scope.get("root_path", "")).rstrip("/")


def safe_next(request: Request, target: str | None) -> str:
    """`target` if it is a path inside the console, else the console's home: no open redirect."""
    base = base_path(request)
    if (
        target
        and target.startswith(base + "/")
        and not target.startswith("//")
        and "\\" not in target
        and not any(ord(c) < 32 for c in target)
    ):
        return target
    return base + "/"


class StaffAuth:
    """Sessions, CSRF and roles for one console app; its routes come from `router()`."""

    def __init__(
        self,
        settings: Settings,
        chatlog: ChatLog,
        *,
        clock: Callable[[], datetime] = utc_now,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        render_login: Callable[..., HTMLResponse],
        slowdown: LoginSlowdown | None = None,
    ) -> None:
        secret = settings.session_secret
        self.ephemeral_secret = not secret
        if secret:
            check_session_secret(secret)  # never sign with a published or short value
        else:
            # Only when built without app.py (which generates or requires one): sessions
            # then end when the process restarts and do not work across instances.
            log.warning("CLINICBOT_SESSION_SECRET is empty: using a random per-process secret")
            secret = secrets.token_urlsafe(32)
        self._serializer = URLSafeSerializer(secret, salt="clinicbot.staff.session")
        self._login_serializer = URLSafeSerializer(secret, salt="clinicbot.staff.login")
        self.idle_seconds = settings.staff_idle_minutes * 60
        self.secure = settings.cookie_secure
        self.chatlog = chatlog
        self.clock = clock
        self.sleep = sleep
        self.render_login = render_login
        self.slowdown = slowdown if slowdown is not None else LoginSlowdown()

    # --- the session cookie ----------------------------------------------------------

    def secure_for(self, request: Request) -> bool:
        """Secure cookies when configured, and whenever the request came over https: directly,
        or through a trusted proxy's X-Forwarded-Proto (uvicorn believes only
        CLINICBOT_FORWARDED_ALLOW_IPS), so a forgotten COOKIE_SECURE cannot leak them."""
        return self.secure or request.url.scheme == "https"

    def read(self, request: Request) -> StaffSession | None:
        """The request's valid, unexpired session, or None."""
        raw = request.cookies.get(SESSION_COOKIE)
        if not raw:
            return None
        try:
            data = self._serializer.loads(raw)
            session = StaffSession(
                str(data["u"]),
                str(data["r"]),
                str(data["c"]),
                int(data["g"]),  # cookies from before revocable sessions have none: refused
                float(data["i"]),
                float(data["s"]),
            )
        except (BadSignature, KeyError, TypeError, ValueError):
            return None
        now = self.clock().timestamp()
        if (
            now - session.seen > self.idle_seconds
            or now - session.issued > MAX_SESSION_HOURS * 3600
        ):
            return None
        return session

    def write(self, response: Response, request: Request, session: StaffSession) -> None:
        """Set the session cookie (HttpOnly, SameSite=Strict, Secure when configured)."""
        value = self._serializer.dumps(
            {
                "u": session.username,
                "r": session.role,
                "c": session.csrf,
                "g": session.generation,
                "i": session.issued,
                "s": session.seen,
            }
        )
        response.set_cookie(
            SESSION_COOKIE,
            value,
            max_age=self.idle_seconds,
            path=base_path(request) + "/",
            secure=self.secure_for(request),
            httponly=True,
            samesite="strict",
        )

    def clear(self, response: Response, request: Request) -> None:
        response.delete_cookie(
            SESSION_COOKIE,
            path=base_path(request) + "/",
            secure=self.secure_for(request),
            httponly=True,
            samesite="strict",
        )

    def touch(self, response: Response, request: Request) -> None:
        """Slide the idle timeout of the request's session, unless the response ended it."""
        session: StaffSession | None = getattr(request.state, "staff", None)
        if session is None or getattr(request.state, "signed_out", False):
            return
        fresh = replace(session, seen=self.clock().timestamp())
        self.write(response, request, fresh)

    # --- guards (FastAPI dependencies) -------------------------------------------------

    async def signed_in(self, request: Request) -> StaffSession | None:
        """The request's session if its cookie is valid and the store still honours it.

        The account must exist, be active and still be at the session's generation (not
        logged out, password unchanged, not disabled since). The role is the account's
        current one.
        """
        session = self.read(request)
        if session is None:
            return None
        account = await run_in_threadpool(self.chatlog.get_staff, session.username)
        if (
            account is None
            or not account.active
            or account.session_generation != session.generation
        ):
            return None
        if account.role != session.role:  # role changed since login: use the current one
            session = replace(session, role=account.role)
        return session

    async def require_staff(self, request: Request) -> StaffSession:
        """The signed-in staff member (any role); checks the CSRF token on every POST."""
        session = await self.signed_in(request)
        if session is None:
            raise NotSignedIn()
        request.state.staff = session
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            await self.check_csrf(request, session.csrf)
        return session

    async def require_editor(self, request: Request) -> StaffSession:
        """Like `require_staff`, and the account must have the editor role."""
        session = await self.require_staff(request)
        if not session.is_editor:
            raise Forbidden("This needs the editor role.")
        return session

    @staticmethod
    async def check_csrf(request: Request, expected: str) -> None:
        token = request.headers.get(CSRF_HEADER)
        if token is None:
            form = await request.form()
            value = form.get(CSRF_FIELD)
            token = value if isinstance(value, str) else None
        if not token or not hmac.compare_digest(token, expected):
            raise Forbidden("The form has expired or did not come from this console. Reload it.")

    # --- the routes ---------------------------------------------------------------------

    def new_login_token(self) -> tuple[str, str]:
        """(cookie value, form value) for the login form's CSRF check."""
        nonce = secrets.token_urlsafe(24)
        return self._login_serializer.dumps(nonce), nonce

    def login_token_ok(self, request: Request, token: str) -> bool:
        try:
            nonce = self._login_serializer.loads(request.cookies.get(LOGIN_COOKIE, ""))
        except BadSignature:
            return False
        return bool(token) and hmac.compare_digest(str(nonce), token)

    def login_page(self, request: Request, **context: Any) -> HTMLResponse:
        """The login form with a fresh CSRF token (also in a short-lived cookie)."""
        cookie, token = self.new_login_token()
        response = self.render_login(request, login_token=token, **context)
        response.set_cookie(
            LOGIN_COOKIE,
            cookie,
            max_age=3600,
            path=base_path(request) + "/",
            secure=self.secure_for(request),
            httponly=True,
            samesite="strict",
        )
        return response

    def router(self) -> APIRouter:
        """GET/POST /login and POST /logout."""
        router = APIRouter()

        @router.get("/login", response_class=HTMLResponse, name="login")
        async def login_form(request: Request, next: str = "") -> Response:
            if await self.signed_in(request) is not None:
                return RedirectResponse(safe_next(request, next), status_code=303)
            return self.login_page(request, next=next)

        @router.post("/login", response_class=HTMLResponse, name="login_submit")
        async def login_submit(request: Request) -> Response:
            form = await request.form()
            username = str(form.get("username", ""))[:200]
            password = str(form.get("password", ""))[:1024]
            target = str(form.get("next", ""))
            if not self.login_token_ok(request, str(form.get("login_token", ""))):
                return self.login_page(
                    request,
                    next=target,
                    username=username,
                    error="The form had expired. Please sign in again.",
                    status_code=400,
                )
            address = request.client.host if request.client else "?"
            delay = self.slowdown.delay_for(address)
            if delay:
                await self.sleep(delay)
            account = await run_in_threadpool(
                self.chatlog.verify_login, username, password, self.clock()
            )
            if account is None:
                self.slowdown.failed(address)
                return self.login_page(
                    request,
                    next=target,
                    username=username,
                    error=(
                        "That name and password did not match, or the account is locked "
                        "for a while after repeated failures."
                    ),
                    status_code=401,
                )
            self.slowdown.succeeded(address)
            now = self.clock().timestamp()
            session = StaffSession(
                account.username,
                account.role,
                secrets.token_urlsafe(32),
                account.session_generation,
                now,
                now,
            )
            response = RedirectResponse(safe_next(request, target), status_code=303)
            self.write(response, request, session)
            response.delete_cookie(LOGIN_COOKIE, path=base_path(request) + "/")
            return response

        return router

    def logout(self, request: Request) -> Response:
        """End every session of the account, here and on every other instance, and delete this
        browser's cookie (the caller has checked the session and its CSRF token)."""
        session: StaffSession = request.state.staff
        self.chatlog.sign_out_everywhere(session.username)
        request.state.signed_out = True
        response = RedirectResponse(base_path(request) + "/login", status_code=303)
        self.clear(response, request)
        return response
