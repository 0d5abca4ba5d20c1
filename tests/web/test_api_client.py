"""The chat's API as a program uses it: gradio_client against the live app."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import ANSWERABLE_QUESTION

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]  # a live server per test


def test_gradio_client_asks_and_gives_feedback(live: Any) -> None:
    from gradio_client import Client

    stack = live()
    client = Client(stack.url, verbose=False)

    result = client.predict(ANSWERABLE_QUESTION, api_name="/ask")

    assert result["kind"] == "answer"
    assert result["citations"] and "[1]" in result["answer"]
    assert {"n", "title", "url", "quote"} <= set(result["citations"][0])
    assert client.predict(result["message_id"], False, api_name="/feedback") is True
    client.close()
    rows = stack.rows("SELECT question, feedback FROM messages")
    assert [tuple(r) for r in rows] == [(ANSWERABLE_QUESTION, -1)]


def test_gradio_client_gets_the_same_limits_as_the_page(live: Any) -> None:
    from gradio_client import Client

    stack = live(max_message_chars=20, rate_limit_per_minute=1)
    client = Client(stack.url, verbose=False)

    too_long = client.predict("x" * 21, api_name="/ask")
    first = client.predict("What are your hours?", api_name="/ask")
    limited = client.predict("What are your hours?", api_name="/ask")
    client.close()

    assert too_long["kind"] == "too_long" and too_long["message_id"] is None
    assert first["kind"] != "rate_limited"
    assert limited["kind"] == "rate_limited"


def test_the_page_handlers_are_not_callable_from_clients(live: Any) -> None:
    from gradio_client import Client

    client = Client(live().url, verbose=False)
    endpoints = client.view_api(print_info=False, return_format="dict")["named_endpoints"]
    client.close()

    assert set(endpoints) == {"/ask", "/feedback"}
