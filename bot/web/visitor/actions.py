"""What a visitor can do, as plain functions over the Responder and the ChatLog (no Gradio).

The chat UI (`bot.web.visitor.chat`) and the API endpoints call these; tests call them directly.
Limits (message length, per-session rate) are checked here, before anything reaches the
responder. Every failure of the responder or the store becomes a friendly message and one
log line with the session id and the exception's type and place, never the visitor's text.
"""

from __future__ import annotations

import hashlib
import logging
import time
import traceback
import uuid
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from bot.settings import Settings
from bot.store.errors import AlreadyRequested, AppointmentInvalid
from bot.store.visitor.appointments import AppointmentForm, validate
from bot.types import Reply
from bot.web.ratelimit import VisitorLimiter

log = logging.getLogger(__name__)

HISTORY_KEPT = 10  # earlier questions passed to the responder for follow-ups


class ResponderLike(Protocol):
    def reply(self, message: str, history: Sequence[str] = (), remind: bool = True) -> Reply: ...


class ChatLogLike(Protocol):
    def log_reply(self, session_id: str, reply: Reply) -> int: ...

    def set_feedback(self, session_id: str, message_id: int, value: int) -> bool: ...

    def request_appointment(
        self, session_id: str | None, form: AppointmentForm, *, key: str | None = None
    ) -> str: ...


@dataclass
class VisitorSession:
    """One browser tab's conversation state, kept on the server (never in the browser)."""

    session_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    questions: list[str] = field(default_factory=list)
    sent_at: deque[float] = field(default_factory=deque)
    # the bubbles shown after the welcome, as Chatbot messages (already escaped HTML)
    transcript: list[Any] = field(default_factory=list)  # Chatbot messages, escaped HTML
    # chat position of a bot bubble -> its message id in the log (for thumbs up/down)
    message_ids: dict[int, int] = field(default_factory=dict)
    # the address that opened the session: a call from another one gets a new session, so a
    # copied Gradio session hash cannot read this visitor's transcript
    client: str | None = None
    # the "general information, not medical advice" reminder is shown once per conversation
    reminded: bool = False

    @property
    def log_ref(self) -> str:
        """What logs name the session by: a hash, since the id itself opens the session."""
        return hashlib.sha256(self.session_id.encode("ascii")).hexdigest()[:16]


@dataclass(frozen=True)
class Turn:
    """The outcome of one visitor message: what to show, and what was logged."""

    kind: str  # a Reply kind, or "too_long" / "rate_limited" / "error" / "empty"
    reply: Reply | None = None
    message_id: int | None = None
    notice: str = ""  # the text shown instead of a reply when kind is not a Reply kind


@dataclass(frozen=True)
class AppointmentOutcome:
    reference: str | None = None
    errors: dict[str, str] = field(default_factory=dict)
    failure: str = ""  # a friendly message when storing failed for another reason
    already: bool = False  # the same form was stored before (a retry): `reference` is its


def where(exc: BaseException) -> str:
    """`file:line` of the innermost frame: enough to find a bug without logging the message."""
    frames = traceback.extract_tb(exc.__traceback__)
    if not frames:
        return "?"
    last = frames[-1]
    return f"{last.filename.rsplit('/', 1)[-1]}:{last.lineno}"


class VisitorChat:
    """The visitor-facing operations, with the limits and error handling they need."""

    def __init__(
        self,
        settings: Settings,
        responder: ResponderLike,
        chatlog: ChatLogLike,
        clock: Callable[[], float] = time.monotonic,
        limiter: VisitorLimiter | None = None,
    ) -> None:
        self.settings = settings
        self.responder = responder
        self.chatlog = chatlog
        self.clock = clock
        self.limiter = limiter or VisitorLimiter.for_settings(settings)

    # -- messages shown instead of a reply -------------------------------------------
    def reach_us(self) -> str:
        contact = self.settings.clinic_contact.strip()
        if contact:
            return f"You can reach {self.settings.clinic_name} directly: {contact}."
        return "You can use “Request an appointment” and the clinic will contact you."

    def too_long_text(self, length: int) -> str:
        limit = self.settings.max_message_chars
        return (
            f"Your message is too long for me ({length:,} characters; the limit is {limit:,}). "
            "Please ask a shorter question, one topic at a time."
        )

    def rate_limited_text(self) -> str:
        return (
            "You're sending messages faster than I can answer. "
            "Please wait a minute and try again. " + self.reach_us()
        )

    def busy_text(self) -> str:
        """Shown by the chat page when the bounded queue turns a message away (HTTP 503)."""
        return (
            "We're answering a lot of questions right now. Please try again in a minute. "
            "In an emergency call 911; in a mental-health crisis call or text 988. "
            + self.reach_us()
        )

    def _then_call(self, text: str, lead: str) -> str:
        """`text`, then "`lead`, please call CLINIC: PHONE." when the clinic has a phone; the
        form's messages offer a call, never the form the visitor is already in."""
        phone = self.settings.clinic_phone.strip()
        if phone:
            text += f" {lead}, please call {self.settings.clinic_name}: {phone}."
        return text

    def appointment_failure_text(self) -> str:
        """Shown in the form when storing failed: never "use the form", the visitor is in it."""
        return self._then_call(
            "Sorry, we couldn't confirm your request just now. Your details are still in the "
            "form: please try again in a moment (sending again never makes a second request).",
            "If it keeps failing",
        )

    def error_text(self) -> str:
        return "Sorry, something went wrong on our side and I can't answer right now. " + (
            self.reach_us()
        )

    # -- operations ----------------------------------------------------------------
    def _allow(self, session: VisitorSession) -> bool:
        """Sliding one-minute window of messages per session."""
        now = self.clock()
        while session.sent_at and now - session.sent_at[0] >= 60.0:
            session.sent_at.popleft()
        if len(session.sent_at) >= self.settings.rate_limit_per_minute:
            return False
        session.sent_at.append(now)
        return True

    def ask(self, session: VisitorSession, message: str, client: str | None = None) -> Turn:
        """Answer one visitor message, or say why not; logs every responder reply.

        `client` is the visitor's address (as uvicorn resolved it through trusted proxies):
        messages are limited per address as well as per session, so opening a new session
        for every message does not escape the limit.
        """
        message = message.strip()
        if not message:
            return Turn("empty")
        if len(message) > self.settings.max_message_chars:
            return Turn("too_long", notice=self.too_long_text(len(message)))
        if not self._allow(session) or not self.limiter.allow_message(client):
            log.info("rate limit reached (session=%s)", session.log_ref)
            return Turn("rate_limited", notice=self.rate_limited_text())
        history = session.questions[-HISTORY_KEPT:]
        try:
            reply = self.responder.reply(message, history, remind=not session.reminded)
        except Exception as exc:  # any failure of answering becomes the friendly message
            log.error(
                "responder failed (session=%s): %s at %s",
                session.log_ref,
                type(exc).__name__,
                where(exc),
            )
            return Turn("error", notice=self.error_text())
        session.questions.append(message)
        session.reminded = session.reminded or reply.kind == "answer"
        message_id: int | None = None
        try:
            message_id = self.chatlog.log_reply(session.session_id, reply)
        except Exception as exc:  # the visitor still gets the answer; staff lose one row
            log.error(
                "logging the reply failed (session=%s): %s at %s",
                session.log_ref,
                type(exc).__name__,
                where(exc),
            )
        return Turn(reply.kind, reply=reply, message_id=message_id)

    def feedback(self, session: VisitorSession, message_id: int, liked: bool) -> bool:
        """Record thumbs up (+1) or down (-1) on one logged reply of this session."""
        try:
            return self.chatlog.set_feedback(session.session_id, message_id, 1 if liked else -1)
        except Exception as exc:
            log.error(
                "storing feedback failed (session=%s): %s at %s",
                session.log_ref,
                type(exc).__name__,
                where(exc),
            )
            return False

    def appointments_limited_text(self) -> str:
        return self._then_call(
            "We have received several requests from you already, so this one was not sent. "
            "The clinic will contact you about the earlier ones.",
            "To add something",
        )

    def request_appointment(
        self,
        session: VisitorSession,
        form: AppointmentForm,
        key: str | None = None,
        client: str | None = None,
    ) -> AppointmentOutcome:
        """Validate and store the request; the reference exists only once it is committed.

        `key` is the one-time key of the rendered form: sending the same form again (after
        an error, or a reply lost on the way) returns the first reference, `already` set.
        """
        errors = validate(form)
        if errors:
            return AppointmentOutcome(errors=errors)
        if not self.limiter.allow_appointment(session.session_id, client):
            log.info("appointment rate limit reached (session=%s)", session.log_ref)
            return AppointmentOutcome(failure=self.appointments_limited_text())
        try:
            reference = self.chatlog.request_appointment(session.session_id, form, key=key)
        except AppointmentInvalid as exc:
            return AppointmentOutcome(errors=dict(exc.errors))
        except AlreadyRequested as exc:
            log.info("appointment form sent again (session=%s)", session.log_ref)
            return AppointmentOutcome(reference=exc.reference, already=True)
        except Exception as exc:
            log.error(
                "storing an appointment request failed (session=%s): %s at %s",
                session.log_ref,
                type(exc).__name__,
                where(exc),
            )
            return AppointmentOutcome(failure=self.appointment_failure_text())
        log.info("appointment requested (session=%s)", session.log_ref)
        return AppointmentOutcome(reference=reference)
