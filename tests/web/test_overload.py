"""Past saturation: new messages are refused at once (503, Retry-After, the busy text) while
the admitted ones are answered; idle visitor sessions expire so memory stays bounded."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Sequence
from typing import Any

import httpx

from bot.types import Reply
from bot.web.visitor.admission import (
    AdmissionControl,
    admission_limits,
    cgroup_cpu_quota,
    usable_cpus,
    waiting_for,
)
from tests.fault.gradio_queue import GradioQueue, QueueFull, new_session
from tests.support.fakes import FakeResponder

QUESTION = "What are your opening hours?"


def test_the_middleware_refuses_a_join_without_reading_it_only_past_the_limit() -> None:
    waiting = [3]
    passed: list[str] = []

    async def inner(scope: dict, receive: Any, send: Any) -> None:
        passed.append(scope["path"])
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    admission = AdmissionControl(
        inner, waiting=lambda: waiting[0], max_waiting=3, retry_after_s=7, busy_text="Busy now."
    )
    reads: list[str] = []

    async def app(scope: dict, receive: Any, send: Any) -> None:
        async def counted() -> dict:
            reads.append(scope["path"])
            return await receive()

        await admission(scope, counted, send)

    async def post(path: str) -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            return await client.post(path, json={"data": ["x"]})

    refused = asyncio.run(post("/chat/gradio_api/queue/join"))
    other = asyncio.run(post("/gradio_api/upload"))  # not a chat event: never refused here
    waiting[0] = 2
    admitted = asyncio.run(post("/gradio_api/queue/join"))

    assert refused.status_code == 503 and refused.headers["retry-after"] == "7"
    assert refused.json()["detail"] == "Busy now."
    assert other.status_code == 200 and admitted.status_code == 200
    assert passed == ["/gradio_api/upload", "/gradio_api/queue/join"]
    assert "/chat/gradio_api/queue/join" not in reads  # refused before its body was read


def test_by_default_one_message_is_answered_per_cpu_and_four_per_worker_wait() -> None:
    assert admission_limits(None, None, cpus=2) == (2, 8)
    assert admission_limits(None, None, cpus=16) == (16, 64)
    assert admission_limits(3, 0, cpus=16) == (3, 0)  # the settings win
    assert admission_limits(None, 5, cpus=1) == (1, 5)


def test_the_queue_holds_about_a_second_of_answers_at_the_measured_speed() -> None:
    assert waiting_for(1.0, 2, None, floor=8, cap=200) == 8  # nothing measured yet
    assert waiting_for(1.0, 2, 0.02, floor=8, cap=200) == 100  # 2 workers x 50 answers/s
    assert waiting_for(1.0, 2, 0.04, floor=8, cap=200) == 50  # a busier CPU: a shorter queue
    assert waiting_for(1.0, 2, 1.0, floor=8, cap=200) == 8
    assert waiting_for(1.0, 2, 0.0001, floor=8, cap=200) == 200


def test_the_cpu_count_follows_a_containers_quota(tmp_path: Any) -> None:
    assert cgroup_cpu_quota("max 100000") is None
    assert cgroup_cpu_quota("150000 100000\n") == 1.5
    quota = tmp_path / "cpu.max"
    quota.write_text("50000 100000\n")  # half a CPU: one worker
    assert usable_cpus(str(quota)) == 1
    unlimited = usable_cpus(str(tmp_path / "missing"))
    assert unlimited == len(__import__("os").sched_getaffinity(0))


def test_with_default_limits_the_app_admits_per_cpu_and_refuses_the_rest(live: Any) -> None:
    release = threading.Event()
    started: list[str] = []

    class SlowResponder(FakeResponder):
        def reply(self, message: str, history: Sequence[str] = (), remind: bool = True) -> Reply:
            started.append(message)
            release.wait(30)
            return super().reply(message, history, remind)

    stack = live(responder=SlowResponder())
    workers, waiting = admission_limits(None, None, usable_cpus())
    queue = GradioQueue(stack.url)
    answered: list[Any] = []

    def visitor() -> None:
        answered.append(queue.run("ask", [QUESTION], new_session())[0])

    admitted = [threading.Thread(target=visitor) for _ in range(workers + waiting)]
    try:
        for t in admitted:
            t.start()
        deadline = time.monotonic() + 20
        while len(started) < workers and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(1)  # the rest are waiting in the queue by now
        refused = httpx.post(
            stack.url + "/gradio_api/queue/join",
            json={"data": [QUESTION], "fn_index": 0, "session_hash": new_session()},
            timeout=10,
        )
        answering_at_once = len(started)
    finally:
        release.set()
        for t in admitted:
            t.join(30)
        queue.close()

    assert answering_at_once == workers
    assert refused.status_code == 503 and "retry-after" in refused.headers
    assert len(answered) == workers + waiting


def test_a_full_queue_refuses_new_messages_at_once_with_retry_after(live: Any) -> None:
    release = threading.Event()

    class SlowResponder(FakeResponder):
        def reply(self, message: str, history: Sequence[str] = (), remind: bool = True) -> Reply:
            release.wait(30)
            return super().reply(message, history, remind)

    stack = live(
        responder=SlowResponder(), queue_max_size=2, concurrency_limit=1, busy_retry_after_s=4
    )
    queue = GradioQueue(stack.url)
    answered: list[Any] = []

    def visitor() -> None:
        answered.append(queue.run("ask", [QUESTION], new_session())[0])

    admitted = [threading.Thread(target=visitor) for _ in range(3)]  # 1 answering + 2 waiting
    try:
        for t in admitted:
            t.start()
            time.sleep(0.5)
        started = time.monotonic()
        refused = httpx.post(
            stack.url + "/gradio_api/queue/join",
            json={"data": [QUESTION], "fn_index": 0, "session_hash": new_session()},
            timeout=10,
        )
        refused_in = time.monotonic() - started
    finally:
        release.set()
        for t in admitted:
            t.join(30)
        queue.close()

    assert refused.status_code == 503 and refused.headers["retry-after"] == "4"
    assert "try again" in refused.json()["detail"]
    assert refused_in < 2  # answered at once, not after the queue drained
    assert len(answered) == 3 and all(a["kind"] == "answer" for a in answered)


def test_idle_visitor_sessions_expire_from_the_app(live: Any) -> None:
    stack = live(session_idle_minutes=60)
    queue = GradioQueue(stack.url)
    visitors = [new_session() for _ in range(5)]
    for visitor in visitors:
        queue.call("show_question", [QUESTION, None], visitor)  # a chat page's session state
        queue.run("ask", [QUESTION], visitor)  # an API session
    queue.close()
    janitor = stack.app.state.session_janitor
    holder = janitor.blocks.state_holder
    assert set(visitors) <= set(holder.session_data)

    kept = janitor.sweep()  # nobody idle for an hour yet
    janitor.idle_s = 0.0
    dropped = janitor.sweep()

    assert kept == 0
    assert dropped >= 10  # 5 page sessions and 5 API sessions
    assert not set(visitors) & set(holder.session_data)
    assert janitor.blocks.state_session_capacity == stack.settings.max_sessions


def test_a_refused_client_is_told_when_to_come_back(live: Any) -> None:
    stack = live(queue_max_size=0)  # every message refused: the queue holds nothing
    with GradioQueue(stack.url) as queue:
        try:
            queue.run("ask", [QUESTION], new_session())
            raised = None
        except QueueFull as exc:
            raised = exc
    assert raised is not None and "try again" in str(raised)
