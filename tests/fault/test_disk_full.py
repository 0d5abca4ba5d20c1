"""Disk full while logging: the visitor still gets a reply or a friendly error, nothing
acknowledged is lost.

Two ways to fill the disk: a `ChatLog` whose writes fail with SQLite's own "database or disk is
full" (or an OSError) while a switch is on, and, where the test may mount one, a real 2 MB tmpfs
holding the SQLite database, filled to the last byte. Both go through the app's HTTP API.
"""

from __future__ import annotations

import errno
import html
import os
import sqlite3
import subprocess
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import exc as sa_exc
from sqlalchemy import text

from bot.settings import Settings
from bot.store.db import make_engine, migrate
from bot.store.repo import ChatLog
from bot.web.server import create_app
from tests.support.servers import serve

from .gradio_queue import GradioQueue, new_session

QUESTION = "Does ketamine work for migraines?"
FORM = ["Dana Full", "555 010 2030", "", "evenings", "disk full test", True]


def sqlite_full() -> Exception:
    return sa_exc.OperationalError(
        "INSERT INTO messages ...", {}, sqlite3.OperationalError("database or disk is full")
    )


def no_space() -> Exception:
    return OSError(errno.ENOSPC, "No space left on device")


class FillableChatLog(ChatLog):
    """The real store, whose writes fail with `error()` while `full` is set."""

    def __init__(self, engine: Any, error: Callable[[], Exception]) -> None:
        super().__init__(engine)
        self.full = False
        self.error = error
        self.refused = 0

    def _check(self) -> None:
        if self.full:
            self.refused += 1
            raise self.error()

    def log_reply(self, session_id: str, reply: Any) -> int:
        self._check()
        return super().log_reply(session_id, reply)

    def set_feedback(self, session_id: str, message_id: int, value: int) -> bool:
        self._check()
        return super().set_feedback(session_id, message_id, value)

    def request_appointment(
        self, session_id: str | None, form: Any, *, key: str | None = None
    ) -> str:
        self._check()
        return super().request_appointment(session_id, form, key=key)


def shown(outputs: list[Any]) -> str:
    """Everything the appointment form shows after a submit (errors, status, confirmation)."""
    return html.unescape(" ".join(str(o.get("value", "")) for o in outputs if isinstance(o, dict)))


def references(engine: Any) -> set[str]:
    with engine.connect() as conn:
        return {r[0] for r in conn.execute(text("SELECT reference FROM appointment_requests"))}


@pytest.fixture
def app_over(
    tmp_path: Path, make_responder: Callable[..., Any]
) -> Iterator[Callable[[ChatLog], GradioQueue]]:
    """Serve the app over a given ChatLog; returns a queue client for it."""
    servers: list[Any] = []
    clients: list[GradioQueue] = []

    def start(chatlog: ChatLog) -> GradioQueue:
        settings = Settings(
            data_dir=tmp_path, clinic_phone="410-555-2368", rate_limit_per_minute=10_000
        )
        app = create_app(settings, make_responder(), chatlog, index=lambda: None, staff_app=False)
        server = serve(app)
        url = server.__enter__()
        servers.append(server)
        clients.append(GradioQueue(url))
        return clients[-1]

    yield start
    for client in clients:
        client.close()
    for server in reversed(servers):
        server.__exit__(None, None, None)


@pytest.mark.parametrize("error", [sqlite_full, no_space], ids=["sqlite-full", "enospc"])
def test_a_full_disk_never_costs_the_visitor_a_reply_or_an_acknowledged_request(
    tmp_path: Path, app_over: Callable[[ChatLog], GradioQueue], error: Callable[[], Exception]
) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'clinic.sqlite3'}")
    migrate(engine)
    chatlog = FillableChatLog(engine, error)
    queue = app_over(chatlog)
    visitor = new_session()

    before = queue.run("ask", [QUESTION], visitor)[0]
    acknowledged = shown(queue.run("submit_appointment", [*FORM, None, None], new_session()))
    assert before["kind"] == "answer" and before["message_id"] is not None
    assert "APT-" in acknowledged

    chatlog.full = True
    # a new visitor, whose first reply carries the same once-per-conversation reminder
    during = queue.run("ask", [QUESTION], new_session())[0]
    refused = shown(queue.run("submit_appointment", [*FORM, None, None], new_session()))
    feedback = queue.run("feedback", [before["message_id"], False], visitor)[0]

    # The answer still reaches the visitor; only the staff log misses the row.
    assert during["kind"] == "answer" and during["answer"] == before["answer"]
    assert during["message_id"] is None
    # The request is refused kindly, with no reference, and the way to reach the clinic.
    assert "APT-" not in refused
    assert "couldn't confirm your request" in refused and "410-555-2368" in refused
    assert feedback is False
    assert chatlog.refused == 3

    chatlog.full = False
    after = shown(queue.run("submit_appointment", [*FORM, None, None], new_session()))
    stored = references(engine)
    assert {acknowledged.split("APT-")[1][:6], after.split("APT-")[1][:6]} <= {
        r.removeprefix("APT-") for r in stored
    }
    assert len(stored) == 2  # the refused one was never written
    engine.dispose()


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    """A 2 MB tmpfs mounted for this test (needs root; skipped where mounting is not allowed)."""
    mount = tmp_path / "tiny"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(folder: Path) -> Path:
    """Write zeros until the filesystem refuses; returns the filler file."""
    filler = folder / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT)
    try:
        while True:
            os.write(fd, b"\0" * 4096)
    except OSError as exc:
        assert exc.errno == errno.ENOSPC
    finally:
        os.close(fd)
    return filler


def test_a_really_full_filesystem_keeps_replies_flowing_and_acknowledged_requests(
    tiny_disk: Path, app_over: Callable[[ChatLog], GradioQueue]
) -> None:
    engine = make_engine(f"sqlite:///{tiny_disk / 'clinic.sqlite3'}")
    migrate(engine)
    queue = app_over(ChatLog(engine))
    acknowledged = [shown(queue.run("submit_appointment", [*FORM, None, None], new_session()))]
    filler = fill(tiny_disk)

    # Long questions until the log cannot take another row (bounded).
    replies, unlogged = 0, 0
    for _ in range(300):
        message = f"{QUESTION} {uuid.uuid4().hex} " + "migraine relief " * 50
        reply = queue.run("ask", [message[:990]], new_session())[0]
        assert reply["kind"] in ("answer", "fallback"), reply
        assert reply["answer"]
        replies += 1
        if reply["message_id"] is None:
            unlogged += 1
            if unlogged >= 3:
                break
    assert unlogged, f"{replies} replies were all logged: the disk never filled up"

    outcome = shown(queue.run("submit_appointment", [*FORM, None, None], new_session()))
    if "APT-" in outcome:
        acknowledged.append(outcome)  # SQLite found room after all: then it must be kept
    else:
        assert "couldn't confirm your request" in outcome

    filler.unlink()
    acknowledged.append(shown(queue.run("submit_appointment", [*FORM, None, None], new_session())))
    stored = {r.removeprefix("APT-") for r in references(engine)}
    for page in acknowledged:
        assert page.split("APT-")[1][:6] in stored
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
    engine.dispose()
