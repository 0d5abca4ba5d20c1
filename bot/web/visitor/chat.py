"""The visitor chat page (Gradio Blocks): conversation, suggested questions, appointment form.

A thin layer over `bot.web.visitor.VisitorChat`. The conversation lives in a server-side
`gr.State`; the Chatbot is output-only, so nothing the browser sends back is re-rendered.
Named API endpoints for `gradio_client`: `/ask` (message -> reply JSON) and `/feedback`.
"""

from __future__ import annotations

import logging
import re
import secrets
import threading
import time
from collections import OrderedDict
from typing import Any

import gradio as gr
from gradio.components.chatbot import MessageDict

from bot.web.visitor import handoff, render
from bot.web.visitor.actions import Turn, VisitorChat, VisitorSession

log = logging.getLogger(__name__)

API_SESSIONS_KEPT = 10_000
MIN_SESSION_HASH = 8  # Gradio's own are 10-11 random characters

Message = MessageDict  # content is escaped HTML built by bot.web.visitor.render
# The appointment form's one-time key (see `new_form_key`): anything else from the browser is
# ignored, so a malformed key only costs idempotency, never a request.
_FORM_KEY = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def new_form_key() -> str:
    """A fresh one-time key for a rendered appointment form (128 random bits)."""
    return secrets.token_urlsafe(16)


def _form_key(value: str | None) -> str | None:
    return value if value and _FORM_KEY.match(value) else None


def _bot_message(html: str) -> Message:
    # No per-bubble appointment chip: the one "Request an appointment" button under the
    # composer is always there, so a hand-off never offers a second, different control.
    return {"role": "assistant", "content": html}


def _user_message(text: str) -> Message:
    return {"role": "user", "content": render.visitor_html(text)}


def client_address(request: gr.Request | None) -> str | None:
    """The visitor's address as uvicorn resolved it (X-Forwarded-For only from trusted
    proxies); None when unknown (handlers called directly in tests)."""
    client = getattr(request, "client", None)
    host = getattr(client, "host", None)
    return str(host) if host else None


def _session(session: VisitorSession | None, request: gr.Request | None = None) -> VisitorSession:
    """The tab's session, or a new one: also when the call comes from another address than
    the one that opened it (a replayed session hash never returns someone's transcript)."""
    client = client_address(request)
    if session is None or (client and session.client and client != session.client):
        session = VisitorSession()
    if session.client is None:
        session.client = client
    return session


class ChatPage:
    """Builds the Blocks and holds the handlers (methods, so tests can call them directly)."""

    def __init__(self, visitor: VisitorChat) -> None:
        self.visitor = visitor
        settings = visitor.settings
        self.phone = settings.clinic_phone
        self.welcome = _bot_message(render.welcome_html(settings.clinic))
        # gradio_client callers have no gr.State; key their sessions by Gradio's session hash.
        # key -> (session, last used on the monotonic clock), least recently used first
        self._api_sessions: OrderedDict[str, tuple[VisitorSession, float]] = OrderedDict()
        self._api_lock = threading.Lock()  # handlers run in several worker threads

    # -- chat handlers -----------------------------------------------------------------
    def transcript(self, session: VisitorSession) -> list[Message]:
        return [self.welcome, *session.transcript]

    def show_question(
        self, message: str, session: VisitorSession | None, request: gr.Request | None = None
    ) -> tuple[list[Message], str, VisitorSession, str, Any]:
        """Step 1 (instant): echo the visitor's message and clear the box.

        The suggested questions go once the conversation has started: one row at most, and
        never competing with an answer for the screen.
        """
        session = _session(session, request)
        messages: list[Message] = session.transcript
        message = message or ""
        if message.strip():
            messages.append(_user_message(message))
        started = gr.update(visible=False) if messages else gr.skip()
        return self.transcript(session), "", session, message, started

    def answer(
        self,
        pending: str,
        session: VisitorSession | None,
        form_key: str | None = None,
        request: gr.Request | None = None,
    ) -> tuple[list[Message], VisitorSession, Any, Any, Any]:
        """Step 2 (queued; the chat shows a typing indicator meanwhile): the reply bubble."""
        session = _session(session, request)
        messages: list[Message] = session.transcript
        turn = self.visitor.ask(session, pending or "", client_address(request))
        open_form = False
        if turn.reply is not None:
            messages.append(_bot_message(render.reply_html(turn.reply, self.phone)))
            if turn.message_id is not None:
                # +1: the welcome bubble sits before the transcript in the Chatbot value
                session.message_ids[len(messages)] = turn.message_id
            open_form = turn.reply.kind == "appointment"
        elif turn.notice:
            kind = "error" if turn.kind == "error" else "notice"
            messages.append(_bot_message(render.notice_html(turn.notice, kind, self.phone)))
        if open_form:
            return (
                self.transcript(session),
                session,
                gr.update(visible=False),
                gr.update(visible=True),
                _form_key(form_key) or new_form_key(),
            )
        return self.transcript(session), session, gr.skip(), gr.skip(), gr.skip()

    def like(self, session: VisitorSession | None, data: gr.LikeData) -> None:
        """Thumbs up/down on a bot bubble -> feedback on its logged message."""
        if session is None or not isinstance(data.index, int):
            return
        message_id = session.message_ids.get(data.index)
        if message_id is None or data.liked not in (True, False):
            return  # the welcome, an app notice, or a feedback being withdrawn
        self.visitor.feedback(session, message_id, bool(data.liked))

    # -- appointment form ------------------------------------------------------------------
    def submit_appointment(
        self,
        name: str,
        phone: str,
        email: str,
        preferred_time: str,
        reason: str,
        consent: bool,
        session: VisitorSession | None,
        form_key: str | None = None,
        request: gr.Request | None = None,
    ) -> tuple[Any, ...]:
        """Store the request; show per-field errors (values untouched) or the reference.

        The form's one-time key stays as it is until a reference is shown, so sending the
        same form again after an error (or a lost reply) finds the first request; then the
        form gets a new key for any later, different request.
        """
        session = _session(session, request)
        form = handoff.form_from(name, phone, email, preferred_time, reason, consent)
        outcome = self.visitor.request_appointment(
            session, form, _form_key(form_key), client_address(request)
        )
        if outcome.reference is None:
            return (*handoff.submit_updates(outcome), session, gr.skip(), gr.skip())
        if outcome.already:
            notice = f"We already have your appointment request. Reference: {outcome.reference}."
        else:
            notice = f"Your appointment request was sent. Reference: {outcome.reference}."
        session.transcript.append(
            _bot_message(render.notice_html(notice, "appointment-sent", self.phone))
        )
        return (
            *handoff.submit_updates(outcome),
            session,
            self.transcript(session),
            new_form_key(),
        )

    # -- API endpoints (gradio_client) ----------------------------------------------------
    def _api_session(self, request: gr.Request | None) -> VisitorSession:
        """The API caller's session by its Gradio session hash; a call without a proper hash
        gets a session of its own (never one shared by every such caller), and a hash used
        from another address starts afresh (see `_session`)."""
        key = str(getattr(request, "session_hash", None) or "")
        if len(key) < MIN_SESSION_HASH:
            return _session(None, request)
        with self._api_lock:
            kept = self._api_sessions.pop(key, None)
            session = _session(kept[0] if kept is not None else None, request)
            self._api_sessions[key] = (session, time.monotonic())
            while len(self._api_sessions) > API_SESSIONS_KEPT:
                self._api_sessions.popitem(last=False)
        return session

    def expire_api_sessions(self, idle_s: float) -> int:
        """Forget API sessions idle for more than `idle_s`; returns how many went."""
        cutoff = time.monotonic() - idle_s
        dropped = 0
        with self._api_lock:
            while self._api_sessions:
                key, (_, used) = next(iter(self._api_sessions.items()))
                if used >= cutoff:
                    break
                del self._api_sessions[key]
                dropped += 1
        return dropped

    def api_ask(self, message: str, request: gr.Request) -> dict:
        """Ask one question; returns kind, answer text, citations and the logged message id."""
        session = self._api_session(request)
        turn: Turn = self.visitor.ask(session, message, client_address(request))
        if turn.reply is None:
            return {"kind": turn.kind, "answer": turn.notice, "citations": [], "message_id": None}
        data = turn.reply.to_json()
        return {
            "kind": data["kind"],
            "answer": data["answer"],
            "citations": data["citations"],
            "message_id": turn.message_id,
            "index_version": data["index_version"],
        }

    def api_feedback(self, message_id: int, liked: bool, request: gr.Request) -> bool:
        """Thumbs up (liked=True) or down on a reply from /ask of this client session."""
        return self.visitor.feedback(self._api_session(request), int(message_id), bool(liked))

    # -- layout --------------------------------------------------------------------------
    def build(self) -> gr.Blocks:
        settings = self.visitor.settings
        with gr.Blocks(
            title=f"{settings.clinic_name} · Ask us",
            analytics_enabled=False,
            fill_height=True,
        ) as demo:
            session = gr.State(None)
            pending = gr.State("")

            with gr.Column(elem_id="chat-view", scale=1) as chat_view:
                chatbot = gr.Chatbot(
                    value=[self.welcome],
                    elem_id="chat",
                    show_label=False,
                    label="Conversation",
                    render_markdown=False,  # we send escaped HTML; visitor text is never markup
                    sanitize_html=True,
                    allow_tags=False,
                    latex_delimiters=[],
                    feedback_options=("Like", "Dislike"),
                    buttons=[],
                    layout="bubble",
                    height="100%",
                    min_height=240,
                    scale=1,
                    autoscroll=True,
                    allow_file_downloads=False,
                    group_consecutive_messages=False,
                )
                with gr.Row(
                    elem_id="suggestions",
                    equal_height=False,
                    visible=bool(settings.suggested_questions),
                ) as suggestion_row:
                    suggestions = [
                        gr.Button(q, size="sm", variant="secondary", elem_classes=["suggestion"])
                        for q in settings.suggested_questions
                    ]
                with gr.Row(elem_id="composer", equal_height=True):
                    box = gr.Textbox(
                        show_label=False,
                        label="Your question",
                        placeholder="Type your question…",
                        lines=1,
                        max_lines=4,
                        scale=5,
                        elem_id="question",
                        container=False,
                    )
                    send = gr.Button(
                        "Send", variant="primary", scale=1, min_width=70, elem_id="send"
                    )
                open_form = gr.Button(
                    "Request an appointment",
                    variant="secondary",
                    elem_id="appointment-button",
                    size="sm",
                )
                gr.Markdown(render.emergency_line_html(), elem_id="emergency-line")

            panel = handoff.build_panel(settings.clinic_name)
            form_view = panel.view

            # -- wiring ---------------------------------------------------------------------
            private: dict[str, Any] = {"api_visibility": "private"}
            ask_steps = dict(
                fn=self.show_question,
                inputs=[box, session],
                outputs=[chatbot, box, session, pending, suggestion_row],
                queue=False,
                show_progress="hidden",
                **private,
            )
            form_key = panel.key
            answer_step = dict(
                fn=self.answer,
                inputs=[pending, session, form_key],
                outputs=[chatbot, session, chat_view, form_view, form_key],
                show_progress="minimal",
                **private,
            )
            box.submit(**ask_steps).then(**answer_step)
            send.click(**ask_steps).then(**answer_step)
            for button in suggestions:
                button.click(
                    fn=self.show_question,
                    inputs=[button, session],
                    outputs=[chatbot, box, session, pending, suggestion_row],
                    queue=False,
                    show_progress="hidden",
                    **private,
                ).then(**answer_step)

            chatbot.like(self.like, inputs=[session], outputs=None, queue=False, **private)

            def show_form(key: str | None) -> tuple[Any, Any, str]:
                return (
                    gr.update(visible=False),
                    gr.update(visible=True),
                    (_form_key(key) or new_form_key()),
                )

            def show_chat() -> tuple[Any, Any]:
                return gr.update(visible=True), gr.update(visible=False)

            opened = [chat_view, form_view, form_key]
            open_form.click(show_form, [form_key], opened, queue=False, **private)
            panel.back.click(show_chat, None, [chat_view, form_view], queue=False, **private)

            panel.submit.click(
                self.submit_appointment,
                inputs=[*panel.inputs, session, form_key],
                outputs=[*panel.outputs(), session, chatbot, form_key],
                show_progress="hidden",
                **private,
            )

            gr.api(self.api_ask, api_name="ask")
            gr.api(self.api_feedback, api_name="feedback")
        return demo


def build_chat(visitor: VisitorChat) -> gr.Blocks:
    """The visitor chat Blocks (queue settings are applied by `bot.web.server`)."""
    return ChatPage(visitor).build()
