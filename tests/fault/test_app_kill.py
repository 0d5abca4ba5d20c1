"""SIGKILL the app while visitors submit appointment requests through its HTTP API.

Each round forks a real app server (`appserver.py`: `create_app` over a migrated store), lets
several visitors submit the appointment form through the Gradio queue exactly as the browser
does, kills the server at a random moment, and checks that every reference a visitor was shown
is in the database and that SQLite's integrity check passes. The next round restarts the app
on the same database, so recovery after a crash is exercised too.
"""

from __future__ import annotations

import json
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from bot.store.db import make_engine
from bot.store.repo import ChatLog
from bot.store.visitor.appointments import AppointmentForm
from tests.support.servers import free_port

from .conftest import long_only
from .gradio_queue import EventFailed, GradioQueue, QueueFull

APPSERVER = Path(__file__).with_name("appserver.py")
VISITORS = 6
REFERENCE = re.compile(r'class="reference">(APT-[0-9A-Z]{6})<')

pytestmark = pytest.mark.timeout(600)


class Zygote:
    """The forking server of appserver.py: one import of Gradio, many app processes."""

    def __init__(self, database_url: str, data_dir: Path) -> None:
        self._log = (data_dir / "appserver.log").open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, str(APPSERVER), database_url, str(data_dir)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._log,
            text=True,
        )
        assert json.loads(self._readline(120))["ready"]

    def _readline(self, timeout: float) -> str:
        result: list[str] = []
        reader = threading.Thread(target=lambda: result.append(self.proc.stdout.readline()))  # type: ignore[union-attr]
        reader.start()
        reader.join(timeout)
        if not result or not result[0]:
            raise RuntimeError(f"appserver did not answer; see {self._log.name}")
        return result[0]

    def spawn(self, port: int) -> int:
        self.proc.stdin.write(json.dumps({"port": port}) + "\n")  # type: ignore[union-attr]
        self.proc.stdin.flush()  # type: ignore[union-attr]
        return int(json.loads(self._readline(30))["pid"])

    def close(self) -> None:
        self.proc.stdin.close()  # type: ignore[union-attr]
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self._log.close()


@dataclass
class Visitors:
    """Threads submitting valid appointment forms until the server goes away."""

    url: str
    config: dict[str, Any]
    acknowledged: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    busy: int = 0
    stop: threading.Event = field(default_factory=threading.Event)

    def visitor(self, n: int) -> None:
        try:
            queue = GradioQueue(self.url, timeout=20, config=self.config)
        except httpx.HTTPError:
            return
        with queue:
            i = 0
            while not self.stop.is_set():
                i += 1
                data = [f"Visitor {n}-{i}", "555 010 2030", "", "mornings", "kill test", True]
                try:
                    outputs = queue.run("submit_appointment", [*data, None, None])
                except QueueFull:
                    self.busy += 1
                    time.sleep(0.05)
                    continue
                except (httpx.HTTPError, EventFailed):
                    return  # the server died mid-request: nothing was shown to the visitor
                shown = " ".join(str(o.get("value", "")) for o in outputs if isinstance(o, dict))
                found = REFERENCE.search(shown)
                if found:
                    self.acknowledged.append(found.group(1))  # the visitor saw it: it counts
                else:
                    self.failures.append(shown[:200])

    def run_until_killed(self, pid: int, delay: float) -> None:
        """Kill `delay` seconds after the first request of the round was acknowledged."""
        threads = [threading.Thread(target=self.visitor, args=(n,)) for n in range(VISITORS)]
        for t in threads:
            t.start()
        deadline = time.monotonic() + 60
        while not self.acknowledged and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(delay)
        os.kill(pid, signal.SIGKILL)
        self.stop.set()
        for t in threads:
            t.join(30)
            assert not t.is_alive(), "a visitor hung after the kill"


def wait_healthy(url: str, pid: int, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + "/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            raise AssertionError("the app process died during start-up") from None
        time.sleep(0.1)
    raise AssertionError(f"the app at {url} did not become healthy in {timeout:.0f} s")


def stored_references(database_url: str) -> set[str]:
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT reference FROM appointment_requests"))
            refs = {r[0] for r in rows}
            if engine.dialect.name == "sqlite":
                check = conn.exec_driver_sql("PRAGMA integrity_check").scalar()
                assert check == "ok", f"integrity_check: {check}"
        return refs
    finally:
        engine.dispose()


def kill_repeatedly(database_url: str, tmp_path: Path, rounds: int) -> None:
    seed = random.randrange(1_000_000)
    rng = random.Random(seed)
    zygote = Zygote(database_url, tmp_path)
    acknowledged: list[str] = []
    busy = 0
    try:
        for n in range(rounds):
            port = free_port()
            url = f"http://127.0.0.1:{port}"
            pid = zygote.spawn(port)
            wait_healthy(url, pid)
            config = httpx.get(url + "/config", timeout=20).raise_for_status().json()
            visitors = Visitors(url, config)
            visitors.run_until_killed(pid, delay=rng.uniform(0.0, 1.0))
            assert not visitors.failures, f"seed {seed} round {n}: {visitors.failures[:2]}"
            acknowledged += visitors.acknowledged
            busy += visitors.busy
            missing = set(visitors.acknowledged) - stored_references(database_url)
            assert not missing, f"seed {seed} round {n}: acknowledged but lost: {missing}"
    finally:
        zygote.close()

    assert len(set(acknowledged)) == len(acknowledged), f"seed {seed}: a reference was reused"
    assert len(acknowledged) >= rounds, f"seed {seed}: only {len(acknowledged)} requests went in"
    # The store still takes writes after all those crashes.
    engine = make_engine(database_url)
    form = AppointmentForm("After Crash", "555 010 2030", "", "", "", True)
    assert ChatLog(engine).request_appointment(None, form).startswith("APT-")
    engine.dispose()
    print(f"{rounds} kills, {len(acknowledged)} acknowledged requests, {busy} busy, seed {seed}")


def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'clinic.sqlite3'}"


def test_killing_the_app_twenty_times_loses_no_acknowledged_request(tmp_path: Path) -> None:
    kill_repeatedly(sqlite_url(tmp_path), tmp_path, rounds=20)


@pytest.mark.postgres
def test_killing_the_app_on_postgresql_loses_no_acknowledged_request(
    tmp_path: Path, postgres_url: str
) -> None:
    kill_repeatedly(postgres_url, tmp_path, rounds=5)


@pytest.mark.slow
@long_only
def test_killing_the_app_sixty_times_loses_no_acknowledged_request(tmp_path: Path) -> None:
    kill_repeatedly(sqlite_url(tmp_path), tmp_path, rounds=60)


@pytest.mark.slow
@long_only
@pytest.mark.postgres
def test_killing_the_app_on_postgresql_twenty_times(tmp_path: Path, postgres_url: str) -> None:
    kill_repeatedly(postgres_url, tmp_path, rounds=20)


def test_references_are_parsed_from_what_the_visitor_sees() -> None:
    shown = '<p>Your reference number is <strong class="reference">APT-7K3M9Q</strong>.</p>'
    found = REFERENCE.search(shown)
    assert found is not None and found.group(1) == "APT-7K3M9Q"
