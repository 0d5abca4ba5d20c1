"""`python app.py` as an operator runs it: first start ingests, then serves; SIGTERM exits."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from bot.settings import PROJECT_ROOT
from tests.support.servers import free_port

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]


def test_first_start_ingests_knowledge_then_serves_and_stops_cleanly(tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "CLINICBOT_DATA_DIR": str(tmp_path / "data")}
    proc = subprocess.Popen(
        [sys.executable, "app.py", "--port", str(port), "--root-path", "/chat/"],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        ready = None
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                ready = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2)
                break
            except httpx.TransportError:
                time.sleep(0.5)
        assert ready is not None, "app.py did not start"
        assert ready.status_code == 200
        assert ready.json()["index_version"]
        assert (tmp_path / "data" / "index" / "CURRENT").is_file()
        assert (tmp_path / "data" / "clinic.sqlite3").is_file()
        page = httpx.get(f"http://127.0.0.1:{port}/", timeout=10)
        assert page.status_code == 200 and '"root":"http://127.0.0.1:' in page.text.replace(" ", "")
        assert f"127.0.0.1:{port}/chat" in page.text  # links built for the proxy's sub-path
    finally:
        proc.send_signal(signal.SIGTERM)
        output, _ = proc.communicate(timeout=60)
    # uvicorn finishes in-flight requests, then re-raises SIGTERM (what service managers expect)
    assert proc.returncode in (0, -signal.SIGTERM), output
    assert "ingesting" in output and "published" in output
    # a quiet console: progress bars, the report, the log's place, and the URL last
    lines = [line for line in output.splitlines() if line.strip()]
    assert lines[-1] == f"Chat: http://127.0.0.1:{port}/", output
    assert lines[-2] == f"Log: {tmp_path / 'data' / 'logs' / 'app.log'}"
    assert "preparing: 100%" in output and "embedding: 100%" in output
    assert "starting: 100%" in output
    assert not [line for line in lines if "warn" in line.lower() or " INFO " in line], output
    log_text = (tmp_path / "data" / "logs" / "app.log").read_text()
    assert "Application shutdown complete" in log_text  # library lines go to the log file
    assert "alembic.runtime.migration" in log_text


def start_app(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """`python app.py --index TMP ARGS` with data in TMP/data and `env` set, run to its exit."""
    return subprocess.run(
        [sys.executable, "app.py", "--index", str(tmp_path), *args],
        cwd=PROJECT_ROOT,
        env={**os.environ, "CLINICBOT_DATA_DIR": str(tmp_path / "data"), **env},
        capture_output=True,
        text=True,
        timeout=240,
    )


def test_a_bad_database_url_is_one_line_and_exit_1(tmp_path: Path) -> None:
    result = start_app(tmp_path, "--database-url", "mysql://nope/x")

    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1].startswith("app: ")


def test_a_mistyped_time_zone_stops_the_start_in_one_line(tmp_path: Path) -> None:
    result = start_app(tmp_path, CLINICBOT_TIMEZONE="America/New_Yrok")

    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "app: cannot start: invalid setting CLINICBOT_TIMEZONE: unknown time zone "
        "'America/New_Yrok': use an IANA name such as 'America/New_York', 'Europe/London' "
        "or 'UTC'"
    ]
    assert not (tmp_path / "data").exists()  # nothing was started or written


def test_a_missing_clinic_name_stops_the_start_in_one_line(tmp_path: Path) -> None:
    result = start_app(tmp_path, CLINICBOT_CLINIC_FILE=str(tmp_path / "clinic.toml"))  # not there

    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        "app: cannot start: invalid setting the clinic's name is required: set "
        f"CLINICBOT_CLINIC_NAME (or `name` in {tmp_path / 'clinic.toml'})"
    )
    assert not (tmp_path / "data").exists()


def test_a_port_in_use_is_one_line_before_anything_loads(tmp_path: Path) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = start_app(tmp_path, "--port", str(port))

    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"app: cannot start: cannot listen on 127.0.0.1:{port}: Address already in use "
        "(another app running? --port or CLINICBOT_PORT picks another)"
    ]
    assert not (tmp_path / "data" / "logs").exists()  # nothing was loaded or served
