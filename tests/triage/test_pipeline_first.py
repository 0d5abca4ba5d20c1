"""Triage runs first in the Responder: a decided message never reaches retrieval."""

from __future__ import annotations

import pytest

from bot.answer.pipeline import Responder
from tests.support.fakes import NoIndex


@pytest.fixture(scope="module")
def responder() -> Responder:
    return Responder(NoIndex(), embedder=None)


@pytest.mark.parametrize(
    "message, kind, first_line",
    [
        ("my dad's face is drooping and he can't lift his arm", "emergency", "Call 911"),
        ("i took all of my pills an hour ago", "emergency", "Call 911"),
        ("tengo ganas de matarme", "emergency", "Llame al 911"),
        ("what dose of ketamine should i take for my migraines", "refusal", "I'm sorry"),
        ("could someone from the clinic call me back tomorrow", "appointment", "I can pass"),
        ("hello!", "fallback", "Hello"),
    ],
)
def test_decided_messages_are_answered_by_triage_alone(
    responder: Responder, message: str, kind: str, first_line: str
) -> None:
    reply = responder.reply(message)
    assert reply.kind == kind
    assert reply.answer.startswith(first_line)
    assert reply.retrieved == () and reply.citations == ()
    assert reply.answer.rstrip().endswith(("call or text 988.", "al 988."))
    assert any(link["href"] == "tel:911" for link in reply.to_json()["links"])
