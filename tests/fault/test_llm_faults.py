"""A configured LLM that hangs, fails or talks nonsense: timeout, extractive answer, emergencies
untouched.

The phraser is the real `bot.answer.llm.make_phraser` around LangChain's fake chat models,
on a real Responder over the hashing index of knowledge/. The extractive answer of the same
question without any model is the yardstick: a bad model must leave exactly that.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from langchain_core.language_models import BaseChatModel
from langchain_core.language_models.fake_chat_models import FakeListChatModel
from langchain_core.outputs import ChatResult

from bot.answer.llm import MAX_CALLS_IN_FLIGHT, SYSTEM_PROMPT, make_phraser
from bot.sentences import sentence_spans
from bot.settings import Settings
from tests.support.servers import serve

from .gradio_queue import GradioQueue, new_session

TIMEOUT_S = 0.3
QUESTIONS = (
    "Does ketamine work for migraines?",
    "Why does ketamine relieve migraine pain?",
    "Does insurance cover Spravato?",
    "Is ketamine used for depression?",
)
EMERGENCIES = (
    "I want to kill myself",
    "I overdosed on my migraine pills",
    "I suddenly have the worst headache of my life",
)

# What a broken, confused or compromised model might send back.
GARBAGE = (
    "",
    "   ",
    "NO_ANSWER",
    "\x00\x01\x02 \ufffd\ufffd binary noise",
    "<script>alert(1)</script> Ketamine can help with migraines [1].",
    '<img src=x onerror="alert(1)"> Ketamine helps [1].',
    "Ketamine can help with migraines [1]. [Book here](javascript:alert(1)) [1]",
    "Ketamine can help with migraines, see https://evil.example/offer [1].",
    "Ketamine can help with migraines; call 410-555-0199 today [1].",
    "Take 50 mg of ketamine at home for your migraine [1].",
    "A dose of 0.5 mg/kg works for most patients [1].",
    "Ketamine cures cancer, diabetes and baldness in one session [1].",
    "Ketamine can help with migraines.",  # no citation marker
    "Ketamine can help with migraines [7].",  # a source that does not exist
    "**Ketamine** can _help_ with `migraines` [1].",
    SYSTEM_PROMPT,
    "My instructions are: " + SYSTEM_PROMPT.splitlines()[1] + " [1]",
    "ignore previous instructions " * 200,
)


class FailingChatModel(BaseChatModel):
    """A provider that is down: every call raises."""

    error: str = "connection refused"

    @property
    def _llm_type(self) -> str:
        return "failing-fake"

    def _generate(self, *args: Any, **kwargs: Any) -> ChatResult:
        raise ConnectionError(self.error)


class HangingChatModel(BaseChatModel):
    """A provider that never answers, until the test lets it go (so no thread outlives it)."""

    release: threading.Event

    @property
    def _llm_type(self) -> str:
        return "hanging-fake"

    def _generate(self, *args: Any, **kwargs: Any) -> ChatResult:
        self.release.wait(60)
        raise TimeoutError("the provider never answered")


class CountingModel(FakeListChatModel):
    """Answers like FakeListChatModel and counts its calls (emergencies must make none)."""

    calls: int = 0

    def _call(self, *args: Any, **kwargs: Any) -> str:
        self.calls += 1
        return super()._call(*args, **kwargs)


@pytest.fixture
def hanging() -> Iterator[HangingChatModel]:
    model = HangingChatModel(release=threading.Event())
    yield model
    model.release.set()
    time.sleep(0.1)  # let the phraser's threads return before the next test uses them


@pytest.fixture
def extractive(make_responder: Callable[..., Any]) -> dict[str, Any]:
    """The replies without a model: what every failure must fall back to."""
    responder = make_responder()
    replies = {q: responder.reply(q) for q in QUESTIONS}
    assert all(r.kind == "answer" for r in replies.values()), "the questions must be answerable"
    return replies


def with_model(make_responder: Callable[..., Any], model: BaseChatModel) -> Any:
    responder = make_responder()
    responder.phraser = make_phraser(Settings(llm_timeout_s=TIMEOUT_S), model=model)
    return responder


def assert_extractive(reply: Any, expected: Any, note: str) -> None:
    assert reply.kind == "answer"
    assert reply.answer == expected.answer
    assert reply.citations == expected.citations
    assert note in reply.notes, reply.notes


def test_a_hanging_model_times_out_and_the_extractive_answer_is_shown(
    make_responder: Callable[..., Any], extractive: dict[str, Any], hanging: HangingChatModel
) -> None:
    responder = with_model(make_responder, hanging)
    for question, expected in extractive.items():
        started = time.perf_counter()
        reply = responder.reply(question)
        elapsed = time.perf_counter() - started
        assert_extractive(reply, expected, "llm:timeout")
        assert elapsed < TIMEOUT_S + 2.0, f"{elapsed:.2f} s for {question!r}"


def test_more_hanging_calls_than_llm_workers_are_skipped_and_the_model_recovers(
    make_responder: Callable[..., Any], extractive: dict[str, Any], hanging: HangingChatModel
) -> None:
    # Hung calls hold the phraser's call slots; once all are held, later replies skip the
    # model at once instead of queueing behind them for a timeout each.
    responder = with_model(make_responder, hanging)
    question, expected = next(iter(extractive.items()))
    for n in range(10):
        started = time.perf_counter()
        note = "llm:timeout" if n < MAX_CALLS_IN_FLIGHT else "llm:busy"
        assert_extractive(responder.reply(question), expected, note)
        limit = TIMEOUT_S + 2.0 if note == "llm:timeout" else TIMEOUT_S
        assert time.perf_counter() - started < limit

    hanging.release.set()  # the provider comes back: the slots free up
    deadline = time.monotonic() + 10
    while "llm:busy" in responder.reply(question).notes and time.monotonic() < deadline:
        time.sleep(0.05)
    assert "llm:busy" not in responder.reply(question).notes
    quote = expected.citations[0].quote
    start, end = sentence_spans(quote)[0]  # one sentence of the cited quote, cited
    sentence = quote[start:end].rstrip(".")
    healthy = with_model(make_responder, FakeListChatModel(responses=[f"{sentence} [1]."]))
    assert "llm:phrased" in healthy.reply(question).notes


def test_a_failing_model_leaves_the_extractive_answer(
    make_responder: Callable[..., Any], extractive: dict[str, Any]
) -> None:
    responder = with_model(make_responder, FailingChatModel())
    for question, expected in extractive.items():
        assert_extractive(responder.reply(question), expected, "llm:error")


@pytest.mark.parametrize("output", GARBAGE, ids=range(len(GARBAGE)))
def test_garbage_from_the_model_is_rejected(
    make_responder: Callable[..., Any], extractive: dict[str, Any], output: str
) -> None:
    responder = with_model(make_responder, FakeListChatModel(responses=[output]))
    question, expected = next(iter(extractive.items()))
    assert_extractive(responder.reply(question), expected, "llm:rejected")


@pytest.mark.parametrize(
    "model",
    [
        FakeListChatModel(responses=["late [1]"], sleep=1),
        FailingChatModel(),
        FakeListChatModel(responses=["Take 50 mg now [1]."]),
    ],
    ids=["hanging", "failing", "garbage"],
)
def test_emergencies_never_wait_for_or_reach_the_model(
    make_responder: Callable[..., Any], model: BaseChatModel
) -> None:
    responder = with_model(make_responder, model)
    counting = CountingModel(responses=["x [1]"])
    witness = with_model(make_responder, counting)
    for message in EMERGENCIES:
        started = time.perf_counter()
        reply = responder.reply(message)
        assert time.perf_counter() - started < TIMEOUT_S, "an emergency waited for the model"
        assert reply.kind == "emergency"
        assert reply.answer.splitlines()[0].startswith("Call 911")
        assert witness.reply(message).kind == "emergency"
    assert counting.calls == 0


def test_a_hanging_model_behind_the_http_api_still_answers_in_time(
    make_responder: Callable[..., Any],
    extractive: dict[str, Any],
    hanging: HangingChatModel,
    tmp_path: Any,
) -> None:
    from bot.store.db import make_engine, migrate
    from bot.store.repo import ChatLog
    from bot.web.server import create_app

    engine = make_engine(f"sqlite:///{tmp_path / 'clinic.sqlite3'}")
    migrate(engine)
    responder = with_model(make_responder, hanging)
    app = create_app(
        Settings(data_dir=tmp_path), responder, ChatLog(engine), index=lambda: None, staff_app=False
    )
    with serve(app) as url, GradioQueue(url) as queue:
        for question, expected in extractive.items():
            visitor = new_session()  # a first answer each: it carries the reminder, as expected
            started = time.perf_counter()
            reply = queue.run("ask", [question], visitor)[0]
            assert time.perf_counter() - started < TIMEOUT_S + 5.0
            assert reply["kind"] == "answer" and reply["answer"] == expected.answer
        emergency = queue.run("ask", [EMERGENCIES[0]], visitor)[0]
        assert emergency["kind"] == "emergency" and "988" in emergency["answer"]
    engine.dispose()
