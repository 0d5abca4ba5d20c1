"""The optional LLM phrasing: shown only when every sentence is supported; else extractive."""

from __future__ import annotations

import threading
import time

import pytest
from langchain_core.language_models.fake_chat_models import FakeListChatModel
from langchain_core.messages import AIMessage

from bot.answer.llm import MAX_CALLS_IN_FLIGHT, make_phraser, verify
from bot.settings import Settings
from bot.types import Citation, Reply

PASSAGE = (
    "Intranasal ketamine spray and intravenous (IV) ketamine infusion are two of the main "
    "methods used to administer ketamine for migraines."
)
CITATION = Citation(n=1, source="page", title="Ketamine", url=None, quote=PASSAGE, passage=PASSAGE)
EXTRACTIVE = Reply(
    question="How is ketamine given?",
    kind="answer",
    answer=f"{PASSAGE} [1]\n\nThis is general information.",
    citations=(CITATION,),
)


def phrase_with(output: str, timeout: float = 5.0) -> Reply:
    model = FakeListChatModel(responses=[output])
    phraser = make_phraser(Settings(llm_timeout_s=timeout), model=model)
    return phraser("How is ketamine given?", EXTRACTIVE)


SUPPORTED = "Ketamine for migraines is given as an intranasal spray or an IV infusion [1]."


def test_supported_rewrite_is_shown_with_its_marker():
    reply = phrase_with(SUPPORTED)
    assert SUPPORTED in reply.answer
    assert "llm:phrased" in reply.notes


@pytest.mark.parametrize(
    "output, problem",
    [
        ("Ketamine cures migraines forever and is risk free [1].", "unsupported"),
        ("Ketamine is given by IV infusion [1]. Book at https://evil.example.com now.", "url"),
        ("Ketamine is given by IV infusion [1]. <script>alert(1)</script>", "markup"),
        ('Ketamine is given by infusion [1] <img src=x onerror="alert(1)">', "markup"),
        ("The usual dose is 0.5 mg/kg by IV infusion [1].", "dose"),
        ("Call 410-555-0199 to get an IV infusion [1].", "phone"),
        ("Ketamine is given by IV infusion.", "uncited"),
        ("Ketamine is given by IV infusion [7].", "unknown marker"),
        ("NO_ANSWER", "no answer"),
        ("", "no answer"),
    ],
)
def test_adversarial_outputs_fall_back_to_the_extractive_answer(output, problem):
    assert any(problem in p for p in verify(output, [CITATION]))
    reply = phrase_with(output)
    assert reply.answer == EXTRACTIVE.answer
    assert "llm:rejected" in reply.notes


def test_a_hanging_model_times_out_to_the_extractive_answer():
    class SlowModel(FakeListChatModel):
        def invoke(self, *args, **kwargs):  # type: ignore[override]
            time.sleep(2)
            return AIMessage("Ketamine is given by IV infusion [1].")

    phraser = make_phraser(Settings(llm_timeout_s=0.2), model=SlowModel(responses=["x"]))
    started = time.perf_counter()
    reply = phraser("How is ketamine given?", EXTRACTIVE)
    assert time.perf_counter() - started < 1.5
    assert reply.answer == EXTRACTIVE.answer
    assert "llm:timeout" in reply.notes


def test_a_hung_provider_cannot_pile_up_calls_and_is_used_again_once_it_recovers():
    released = threading.Event()

    class HungModel(FakeListChatModel):
        def invoke(self, *args, **kwargs):  # type: ignore[override]
            released.wait(30)
            return AIMessage(SUPPORTED)

    phraser = make_phraser(Settings(llm_timeout_s=0.2), model=HungModel(responses=["x"]))
    try:
        hung = [phraser("How is ketamine given?", EXTRACTIVE) for _ in range(MAX_CALLS_IN_FLIGHT)]
        assert all("llm:timeout" in r.notes for r in hung)
        started = time.perf_counter()
        skipped = phraser("How is ketamine given?", EXTRACTIVE)
        assert time.perf_counter() - started < 0.15  # no wait for a timeout behind the others
        assert skipped.answer == EXTRACTIVE.answer
        assert "llm:busy" in skipped.notes
    finally:
        released.set()
    deadline = time.monotonic() + 10
    reply = skipped
    while time.monotonic() < deadline and "llm:phrased" not in reply.notes:
        time.sleep(0.05)
        reply = phraser("How is ketamine given?", EXTRACTIVE)
    assert "llm:phrased" in reply.notes


def test_a_failing_model_keeps_the_extractive_answer():
    class BrokenModel(FakeListChatModel):
        def invoke(self, *args, **kwargs):  # type: ignore[override]
            raise ConnectionError("endpoint down")

    phraser = make_phraser(Settings(), model=BrokenModel(responses=["x"]))
    reply = phraser("How is ketamine given?", EXTRACTIVE)
    assert reply.answer == EXTRACTIVE.answer
    assert "llm:error" in reply.notes


@pytest.mark.parametrize("kind", ["emergency", "refusal", "fallback", "appointment"])
def test_only_answers_are_ever_sent_to_the_model(kind):
    class ExplodingModel(FakeListChatModel):
        def invoke(self, *args, **kwargs):  # type: ignore[override]
            raise AssertionError("the model must not be called")

    reply = Reply(question="q", kind=kind, answer="Call 911 now.")
    phraser = make_phraser(Settings(), model=ExplodingModel(responses=["x"]))
    assert phraser("q", reply) is reply
