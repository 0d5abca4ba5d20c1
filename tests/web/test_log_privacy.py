"""Session ids are secrets and visitor text stays out of the logs, in both log formats:
no session id or Gradio session hash in any line, Gradio's own printing withheld, and a
replayed or empty session hash never returns another visitor's transcript."""

from __future__ import annotations

import io
import logging
import sys
import traceback
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest

from bot.logs import (
    PrintedToLog,
    configure_json_logging,
    configure_text_logging,
    printed_line_for_log,
)
from bot.web.visitor.actions import VisitorChat, VisitorSession
from bot.web.visitor.chat import ChatPage
from tests.support.fakes import FakeResponder

MARKER = "Zebra-Quokka-7731"  # stands for anything a visitor types
PERSONAL = f"my phone is 555_123_4567, jane @ example.com, {MARKER}"


@pytest.fixture(params=["text", "json"])
def captured(request: pytest.FixtureRequest) -> Iterator[io.StringIO]:
    """The app's logging (as app.py configures it) into a string, in each format."""
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    stream = io.StringIO()
    (configure_text_logging if request.param == "text" else configure_json_logging)(stream=stream)
    yield stream
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in saved[0]:
        root.addHandler(handler)
    root.setLevel(saved[1])


class Failing(FakeResponder):
    def reply(self, message: str, history: Any = ()) -> Any:
        raise RuntimeError(f"could not answer {message!r}")


def test_visitor_events_name_the_session_by_a_hash_only(
    make_stack: Any, captured: io.StringIO
) -> None:
    stack = make_stack(FakeResponder(), rate_limit_per_minute=1)
    visitor = VisitorChat(stack.settings, Failing(), stack.chatlog)
    session = VisitorSession()

    visitor.ask(session, PERSONAL, "203.0.113.5")  # the responder fails: logged
    visitor.ask(session, PERSONAL, "203.0.113.5")  # rate limited: logged

    text = captured.getvalue()
    assert text.count(session.log_ref) >= 2  # one per event (JSON also lifts it out)
    assert session.session_id not in text
    assert MARKER not in text and "4567" not in text


def access(path: str) -> None:
    logging.getLogger("uvicorn.access").info(
        '%s - "%s %s HTTP/%s" %d', "198.51.100.4", "GET", path, "1.1", 200
    )


def test_access_lines_hold_no_session_hash_query_or_address(captured: io.StringIO) -> None:
    access("/gradio_api/heartbeat/k3j4h5g6f7d")
    access("/gradio_api/queue/data?session_hash=k3j4h5g6f7d")
    access(f"/staff/conversations?q={MARKER}")

    text = captured.getvalue()
    assert "k3j4h5g6f7d" not in text and MARKER not in text and "198.51.100.4" not in text
    assert "/gradio_api/heartbeat/-" in text and "/staff/conversations 200" in text


def test_gradio_printing_reaches_the_log_without_the_visitors_text(
    captured: io.StringIO, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdout", PrintedToLog("stdout"))
    monkeypatch.setattr(sys, "stderr", PrintedToLog("stderr"))
    print(f"Error: could not parse {PERSONAL}")  # as queueing.py prints str(e)
    try:
        raise ValueError(PERSONAL)
    except ValueError:
        traceback.print_exc()  # as Gradio does for a failing event
    sys.stderr.flush()

    text = captured.getvalue()
    assert MARKER not in text and "4567" not in text and "jane" not in text
    assert "ValueError: [message withheld]" in text
    assert "test_log_privacy.py" in text  # the frame lines stay, for debugging


@pytest.mark.parametrize(
    ("line", "kept"),
    [
        ('  File "/srv/app/bot/web/visitor/chat.py", line 12, in answer', True),
        ("Traceback (most recent call last):", True),
        (f"KeyError: '{MARKER}'", False),
        (f"    message = {MARKER}", False),
        (MARKER, False),
    ],
)
def test_printed_lines_keep_only_frames_and_exception_names(line: str, kept: bool) -> None:
    shown = printed_line_for_log(line)
    assert shown is not None and (MARKER not in shown)
    assert (shown == line) is kept


def request_from(address: str, session_hash: str | None = "abcdefghijk") -> Any:
    return SimpleNamespace(client=SimpleNamespace(host=address), session_hash=session_hash)


@pytest.fixture
def page(make_stack: Any) -> ChatPage:
    stack = make_stack(FakeResponder())
    return ChatPage(VisitorChat(stack.settings, stack.responder, stack.chatlog))


def transcript_text(messages: list[Any]) -> str:
    return " ".join(str(m["content"]) for m in messages)


def test_a_replayed_session_from_another_address_gets_a_new_conversation(
    page: ChatPage,
) -> None:
    shown, _, session, *_ = page.show_question(PERSONAL, None, request_from("203.0.113.5"))
    assert MARKER in transcript_text(shown)

    replayed, _, other, *_ = page.show_question("hi", session, request_from("198.51.100.9"))

    assert MARKER not in transcript_text(replayed)
    assert other is not session
    again, _, same, *_ = page.show_question("and?", session, request_from("203.0.113.5"))
    assert same is session and MARKER in transcript_text(again)


@pytest.mark.parametrize("empty", [None, "", "x"])
def test_api_calls_without_a_session_hash_share_nothing(page: ChatPage, empty: str | None) -> None:
    first = page._api_session(request_from("203.0.113.5", empty))
    first.questions.append(PERSONAL)

    second = page._api_session(request_from("203.0.113.5", empty))

    assert second is not first and second.questions == []


def test_an_api_session_hash_used_from_another_address_starts_afresh(page: ChatPage) -> None:
    mine = page._api_session(request_from("203.0.113.5"))
    mine.questions.append(PERSONAL)

    assert page._api_session(request_from("203.0.113.5")) is mine
    assert page._api_session(request_from("198.51.100.9")).questions == []
