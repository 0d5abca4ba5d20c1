"""Helpers for the deployment tests: app and nginx processes, and a Gradio queue client.

`QueueClient` speaks the protocol the chat page's JavaScript speaks (POST queue/join, then
the event stream GET queue/data), so a test can call any event of the page, including the
appointment form's submit, which is not a named API endpoint.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import httpx

from bot.settings import PROJECT_ROOT
from tests.support.commands import run_command

PYTHON = sys.executable
NGINX = "/usr/sbin/nginx"
REFERENCE = re.compile(r"APT-[0-9A-Z]{6}")
STAFF_PASSWORD = "correct horse battery staple"  # a throw-away test account


def tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def run(args: Sequence[str], *, input: str | None = None, timeout: float = 300) -> str:
    """Run a project command to completion; its stdout, or a failure with its output."""
    done = run_command(args, input=input, timeout=timeout)
    assert done.returncode == 0, f"{' '.join(args)} -> {done.returncode}\n{done.stderr[-3000:]}"
    return done.stdout


# --- processes -------------------------------------------------------------------------------
def stop_process(process: subprocess.Popen | None, sig: int, *, grace_s: float) -> None:
    """Ask a running process to stop with `sig`; kill it if it is still there after `grace_s`."""
    if process is None or process.poll() is not None:
        return
    process.send_signal(sig)
    try:
        process.wait(grace_s)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(10)


class LoopbackProcess:
    """What the app and nginx processes share: a loopback port to reach, and a graceful stop."""

    port: int
    process: subprocess.Popen | None
    stop_signal: ClassVar[int] = signal.SIGTERM
    stop_grace_s: ClassVar[float] = 40

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        stop_process(self.process, self.stop_signal, grace_s=self.stop_grace_s)


@dataclass
class AppInstance(LoopbackProcess):
    """One `python app.py` process on a loopback port."""

    name: str
    port: int
    args: list[str]
    env: dict[str, str]
    log: Path
    process: subprocess.Popen | None = None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [PYTHON, "app.py", "--port", str(self.port), *self.args],
                cwd=PROJECT_ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def readyz(self) -> tuple[int, dict[str, Any]] | None:
        try:
            response = httpx.get(self.url + "/readyz", timeout=15)
        except httpx.HTTPError:
            return None
        return response.status_code, response.json()

    def wait_ready(self, timeout: float) -> dict[str, Any]:
        """Poll /readyz until it says ready; fails with the log if the process dies."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise AssertionError(
                    f"{self.name} exited with {self.process.returncode}:\n{tail(self.log)}"
                )
            state = self.readyz()
            if state is not None and state[0] == 200:
                return state[1]
            time.sleep(0.5)
        raise AssertionError(f"{self.name} not ready after {timeout:.0f} s:\n{tail(self.log)}")

    def signal(self, sig: int) -> None:
        assert self.process is not None
        self.process.send_signal(sig)


@dataclass
class Nginx(LoopbackProcess):
    """Debian's nginx, run in the foreground from a private prefix directory."""

    stop_signal: ClassVar[int] = signal.SIGQUIT  # nginx's graceful stop
    stop_grace_s: ClassVar[float] = 15

    prefix: Path
    site: str  # the rendered deploy/nginx.conf.j2 (http-context directives)
    port: int
    process: subprocess.Popen | None = None

    @property
    def access_log(self) -> Path:
        return self.prefix / "access.log"

    def write_config(self) -> Path:
        for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (self.prefix / "temp" / name).mkdir(parents=True, exist_ok=True)
        (self.prefix / "clinicbot.conf").write_text(self.site)
        main = self.prefix / "nginx.conf"
        user = "user root;\n" if os.geteuid() == 0 else ""  # workers must read our 0700 tmp
        temp = self.prefix / "temp"
        main.write_text(
            f"{user}worker_processes 1;\n"
            f"error_log {self.prefix / 'error.log'} info;\n"
            "events { worker_connections 512; }\n"
            "http {\n"
            f"    client_body_temp_path {temp / 'body'};\n"
            f"    proxy_temp_path {temp / 'proxy'};\n"
            f"    fastcgi_temp_path {temp / 'fastcgi'};\n"
            f"    uwsgi_temp_path {temp / 'uwsgi'};\n"
            f"    scgi_temp_path {temp / 'scgi'};\n"
            f"    include {self.prefix / 'clinicbot.conf'};\n"
            "}\n"
        )
        return main

    def command(self, *extra: str) -> list[str]:
        return [
            NGINX,
            "-c",
            str(self.prefix / "nginx.conf"),
            "-p",
            str(self.prefix),
            "-e",
            str(self.prefix / "error.log"),
            *extra,
        ]

    def start(self) -> None:
        self.write_config()
        checked = run_command(self.command("-t", "-g", f"pid {self.prefix / 'nginx.pid'};"))
        assert checked.returncode == 0, checked.stderr
        self.process = subprocess.Popen(
            self.command("-g", f"daemon off; pid {self.prefix / 'nginx.pid'};"),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            assert self.process.poll() is None, tail(self.prefix / "error.log")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.1)
        raise AssertionError("nginx did not start listening:\n" + tail(self.prefix / "error.log"))

    def access_entries(self) -> list[dict[str, Any]]:
        """The JSON access-log lines written so far."""
        text = self.access_log.read_text() if self.access_log.exists() else ""
        return [json.loads(line) for line in text.splitlines() if line.strip()]


# --- the Gradio queue protocol ---------------------------------------------------------------
@dataclass
class Outcome:
    """How one queued event ended, as the client saw it.

    refused: the queue/join POST failed (nothing was queued, as far as the client knows);
    lost: queued, but the event stream failed to open; cut: the stream opened and broke off
    before the result; error: the app reported a failure; completed: `output` is the result.
    """

    status: str
    output: list[Any] | None = None
    detail: str = ""

    @property
    def completed(self) -> bool:
        return self.status == "completed"


@dataclass
class QueueClient:
    """One browser tab's session with the chat at `base` (e.g. http://127.0.0.1:8080/chat)."""

    base: str
    local_address: str | None = None
    timeout: float = 60
    session_hash: str = field(default_factory=lambda: uuid.uuid4().hex[:11])
    _config: dict[str, Any] | None = None

    def __post_init__(self) -> None:
        self.base = self.base.rstrip("/")
        transport = httpx.HTTPTransport(local_address=self.local_address)
        self.http = httpx.Client(timeout=self.timeout, transport=transport)

    def close(self) -> None:
        self.http.close()

    @property
    def config(self) -> dict[str, Any]:
        if self._config is None:
            response = self.http.get(self.base + "/config")
            response.raise_for_status()
            self._config = response.json()
        return self._config

    def dependency(self, *, api_name: str | None = None, elem_id: str | None = None) -> dict:
        """The page event named `api_name`, or the one the button `elem_id` triggers."""
        deps = self.config["dependencies"]
        if api_name is not None:
            return next(d for d in deps if d["api_name"] == api_name)
        components = self.config["components"]
        button = next(c["id"] for c in components if c.get("props", {}).get("elem_id") == elem_id)
        return next(d for d in deps if any(t[0] == button for t in d["targets"]))

    def call(
        self, dependency: dict, data: list[Any], on_stream: Callable[[], None] | None = None
    ) -> Outcome:
        """Queue the event and read its stream to the end; `on_stream` runs once it is open."""
        trigger = dependency["targets"][0][0] if dependency["targets"] else None
        body = {
            "data": data,
            "fn_index": dependency["id"],
            "trigger_id": trigger,
            "session_hash": self.session_hash,
            "event_data": None,
        }
        try:
            joined = self.http.post(self.base + "/gradio_api/queue/join", json=body)
        except httpx.HTTPError as exc:
            return Outcome("refused", detail=repr(exc))
        if joined.status_code != 200:
            return Outcome("refused", detail=f"{joined.status_code} {joined.text[:200]}")
        event_id = joined.json()["event_id"]
        opened = False
        try:
            with self.http.stream(
                "GET",
                self.base + "/gradio_api/queue/data",
                params={"session_hash": self.session_hash},
            ) as stream:
                if stream.status_code != 200:
                    return Outcome("lost", detail=f"stream {stream.status_code}")
                for line in stream.iter_lines():
                    if not line.startswith("data:"):
                        continue
                    message = json.loads(line[5:])
                    if not opened:
                        opened = True
                        if on_stream is not None:
                            on_stream()
                    if message.get("event_id") not in (event_id, None):
                        continue
                    if message["msg"] == "process_completed":
                        if message.get("success"):
                            return Outcome("completed", output=message["output"]["data"])
                        return Outcome("error", detail=str(message.get("output"))[:300])
                    if message["msg"] == "unexpected_error":
                        return Outcome("error", detail=str(message.get("message"))[:300])
        except httpx.HTTPError as exc:
            return Outcome("cut" if opened else "lost", detail=repr(exc))
        return Outcome("cut" if opened else "lost", detail="stream ended without a result")

    # --- the chat's events -----------------------------------------------------------------
    def ask(self, question: str) -> dict[str, Any]:
        """The named API endpoint /ask: kind, answer, citations, message_id, index_version."""
        outcome = self.call(self.dependency(api_name="ask"), [question])
        assert outcome.completed, outcome
        assert outcome.output is not None
        return dict(outcome.output[0])

    def feedback(self, message_id: int, liked: bool) -> bool:
        outcome = self.call(self.dependency(api_name="feedback"), [message_id, liked])
        assert outcome.completed, outcome
        assert outcome.output is not None
        return bool(outcome.output[0])

    def request_appointment(
        self, name: str, phone: str = "555-123-4567", on_stream: Callable[[], None] | None = None
    ) -> tuple[Outcome, str | None]:
        """Submit the appointment form; the reference shown to the visitor, if any."""
        # the last two: the server-side session (State) and the form's one-time key (none)
        data = [name, phone, "", "weekday mornings", "first visit", True, None, None]
        outcome = self.call(self.dependency(elem_id="appt-submit"), data, on_stream)
        if not outcome.completed:
            return outcome, None
        found = REFERENCE.search(json.dumps(outcome.output))
        return outcome, found.group(0) if found else None


# --- concurrent submitters -------------------------------------------------------------------
@dataclass
class Tally:
    """What a group of submitting threads saw; thread-safe."""

    acknowledged: list[str] = field(default_factory=list)
    outcomes: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, outcome: Outcome, reference: str | None) -> None:
        with self.lock:
            self.outcomes[outcome.status] = self.outcomes.get(outcome.status, 0) + 1
            if reference is not None:
                self.acknowledged.append(reference)


def submit_until(
    stop: threading.Event, base: str, tally: Tally, tag: str, pause: float = 0.0
) -> None:
    """Submit appointment requests through `base` in a loop until `stop` is set."""
    client = QueueClient(base, timeout=30)
    try:
        n = 0
        while not stop.is_set():
            n += 1
            try:
                outcome, reference = client.request_appointment(f"Visitor {tag}-{n}")
            except (httpx.HTTPError, KeyError, StopIteration) as exc:  # e.g. config fetch failed
                outcome, reference = Outcome("refused", detail=repr(exc)), None
                client._config = None
                time.sleep(0.1)
            tally.add(outcome, reference)
            if pause:
                time.sleep(pause)
    finally:
        client.close()
