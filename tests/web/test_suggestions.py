"""Suggested questions: set per clinic, and each default one is answered by the shipped pages.

A suggestion the bot then cannot answer would be the first thing a visitor clicks and the first
"I could not find that" they read.
"""

from __future__ import annotations

from typing import Any

import pytest

from bot.settings import Settings
from bot.web.visitor.actions import VisitorChat
from bot.web.visitor.chat import build_chat
from tests.support.fakes import FakeResponder


def suggestion_buttons(blocks: Any) -> list[str]:
    return [
        c["props"]["value"]
        for c in blocks.get_config_file()["components"]
        if "suggestion" in (c["props"].get("elem_classes") or [])
    ]


@pytest.mark.parametrize(
    "questions", [["Do you take Medicare?", "Where do I park?"], []], ids=["two", "none"]
)
def test_the_clinic_sets_its_own_suggested_questions(make_stack: Any, questions: list[str]) -> None:
    stack = make_stack(FakeResponder(), suggested_questions=questions)
    blocks = build_chat(VisitorChat(stack.settings, stack.responder, stack.chatlog))
    assert suggestion_buttons(blocks) == questions


def test_suggestions_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLINICBOT_SUGGESTED_QUESTIONS", '["What are your hours?"]')
    assert Settings().suggested_questions == ["What are your hours?"]


@pytest.mark.model
@pytest.mark.parametrize("question", Settings().suggested_questions)
def test_every_default_suggestion_is_answered_by_the_shipped_pages(
    real_responder: Any, question: str
) -> None:
    reply = real_responder.reply(question)
    assert reply.kind in {"answer", "appointment"}, (question, reply.kind, reply.answer[:200])
    if reply.kind == "answer":
        assert reply.citations
