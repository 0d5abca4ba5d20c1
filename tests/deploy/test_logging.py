"""JSON-lines logs: one object per line, the session id lifted out, personal data redacted."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from bot.logs import configure_json_logging, json_handler

SESSION = "0123456789abcdef0123456789abcdef"


@pytest.fixture
def lines() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    stream = io.StringIO()
    logger = logging.getLogger("tests.deploy.ops")
    handler = json_handler(stream)
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    yield logger, stream
    logger.removeHandler(handler)


def records(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_each_record_is_one_json_object_with_time_level_logger_and_message(lines) -> None:
    logger, stream = lines

    logger.info("serving index version %s", "20250601T120000Z-abcdef12")
    logger.warning("two\nlines")

    first, second = records(stream)
    assert first["level"] == "INFO" and first["logger"] == "tests.deploy.ops"
    assert first["message"] == "serving index version 20250601T120000Z-abcdef12"
    assert first["time"].endswith("+00:00") and "T" in first["time"]
    assert second["message"] == "two\nlines"  # escaped inside the JSON, still one line
    assert len(stream.getvalue().splitlines()) == 2


def test_the_session_id_comes_from_extra_or_from_the_message(lines) -> None:
    logger, stream = lines

    logger.info("appointment requested", extra={"session_id": SESSION})
    logger.info("rate limit reached (session=%s)", SESSION)
    logger.info("no session here")

    a, b, c = records(stream)
    assert a["session"] == SESSION and b["session"] == SESSION
    assert "session" not in c


@pytest.mark.parametrize(
    ("message", "hidden", "shown"),
    [
        ("callback to 555-123-4567 please", "555-123-4567", "[phone]"),
        ("duplicate key (email)=(ann@example.org)", "ann@example.org", "[email]"),
        ("DOB 03/14/1985 given", "03/14/1985", "[date]"),
    ],
)
def test_personal_data_in_messages_is_redacted(
    lines, message: str, hidden: str, shown: str
) -> None:
    logger, stream = lines

    logger.error("%s", message)

    (entry,) = records(stream)
    assert hidden not in stream.getvalue()
    assert shown in entry["message"]


def test_personal_data_in_a_traceback_is_redacted(lines) -> None:
    logger, stream = lines

    try:
        raise ValueError("no row for ann@example.org / 555-123-4567")
    except ValueError:
        logger.exception("store failed")

    (entry,) = records(stream)
    assert "ValueError" in entry["error"] and "[email]" in entry["error"]
    assert "ann@example.org" not in stream.getvalue() and "555-123-4567" not in stream.getvalue()


def test_access_lines_keep_method_path_status_but_no_address_or_query(lines) -> None:
    _, stream = lines
    access = logging.getLogger("uvicorn.access")
    access.addHandler(handler := json_handler(stream))
    access.propagate, level = False, access.level
    access.setLevel(logging.INFO)
    try:
        access.info(
            '%s - "%s %s HTTP/%s" %d',
            "203.0.113.7:51234",
            "GET",
            "/staff/conversations?q=555-123-4567",
            "1.1",
            200,
        )
    finally:
        access.removeHandler(handler)
        access.propagate = True
        access.setLevel(level)

    (entry,) = records(stream)
    assert entry["http"] == {"method": "GET", "path": "/staff/conversations", "status": 200}
    assert "203.0.113.7" not in stream.getvalue() and "555" not in stream.getvalue()


def test_configure_routes_uvicorn_loggers_through_the_json_handler() -> None:
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    stream = io.StringIO()
    try:
        configure_json_logging(stream=stream)
        logging.getLogger("uvicorn.error").info("Started server process [%d]", 42)
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
        for handler in saved[0]:
            root.addHandler(handler)
        root.setLevel(saved[1])

    (entry,) = records(stream)
    assert entry["logger"] == "uvicorn.error" and entry["message"] == "Started server process [42]"
