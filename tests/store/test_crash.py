"""Acknowledged appointment requests survive a writer killed at random moments (SIGKILL).

A forked writer process inserts requests in a loop and prints each reference only after
`request_appointment` has returned (i.e. committed); the test kills it with SIGKILL at a
random moment, several times over, then checks that every printed reference is in the
database, that SQLite's integrity check passes and that the store still takes writes.
Forking (rather than starting a new interpreter) keeps each round to a fraction of a
second; the child builds its own engine and never touches the parent's connections.
"""

from __future__ import annotations

import multiprocessing
import os
import random
import select
import signal
import time

import pytest
from sqlalchemy import select as sql_select
from sqlalchemy.orm import Session

from bot.store.db import make_engine
from bot.store.models import AppointmentRequest
from bot.store.repo import ChatLog
from bot.store.visitor.appointments import AppointmentForm

FORM = AppointmentForm("Crash Test", "555-123-4567", "", "", "", True)


def _writer(url: str, write_fd: int) -> None:
    engine = make_engine(url)
    log = ChatLog(engine)
    os.write(write_fd, b"ready\n")
    while True:
        reference = log.request_appointment(None, FORM)
        os.write(write_fd, reference.encode() + b"\n")  # only after the commit returned


def _run_and_kill(url: str, rng: random.Random) -> list[str]:
    """One writer run killed after a random delay; returns the references it acknowledged."""
    read_fd, write_fd = os.pipe()
    process = multiprocessing.get_context("fork").Process(target=_writer, args=(url, write_fd))
    process.start()
    os.close(write_fd)
    output = b""
    deadline = time.monotonic() + 30
    while b"ready\n" not in output:  # wait for the engine, then kill at a random moment
        assert time.monotonic() < deadline, "writer did not start"
        if select.select([read_fd], [], [], 0.5)[0]:
            output += os.read(read_fd, 65536)
    time.sleep(rng.uniform(0.0, 0.25))
    os.kill(process.pid, signal.SIGKILL)
    process.join(10)
    while chunk := os.read(read_fd, 65536):  # the writer is dead: read to EOF
        output += chunk
    os.close(read_fd)
    assert process.exitcode == -signal.SIGKILL
    lines = output.decode().split("\n")
    # The last element is "" after a complete line or a partial reference: never acknowledged.
    return [line for line in lines[:-1] if line.startswith("APT-")]


def _kill_repeatedly(db_url: str, rounds: int) -> None:
    seed = random.randrange(1_000_000)
    rng = random.Random(seed)
    acknowledged: list[str] = []
    for _ in range(rounds):
        acknowledged += _run_and_kill(db_url, rng)

    engine = make_engine(db_url)
    with Session(engine) as session:
        stored = set(session.scalars(sql_select(AppointmentRequest.reference)))
        if engine.dialect.name == "sqlite":
            assert session.connection().exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
    missing = set(acknowledged) - stored
    assert not missing, f"seed {seed}: acknowledged but lost: {sorted(missing)[:5]}"
    assert len(acknowledged) > rounds, f"seed {seed}: the writer hardly wrote anything"
    # Still writable after the crashes.
    assert ChatLog(engine).request_appointment(None, FORM).startswith("APT-")
    engine.dispose()


def test_acknowledged_requests_survive_sigkill(db_url: str) -> None:
    _kill_repeatedly(db_url, rounds=6)


@pytest.mark.slow
def test_acknowledged_requests_survive_many_sigkills(db_url: str) -> None:
    _kill_repeatedly(db_url, rounds=25)
