"""The staff session secret: published, short or missing ones stop the start; `make run`
(SQLite, nothing configured) gets a random one kept in the data folder."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from bot.settings import PROJECT_ROOT, Settings
from bot.web.secret import (
    SECRET_FILE,
    WeakSecret,
    ensure_session_secret,
    placeholder_secrets,
    secret_problem,
)

GOOD = "k9Vb2-Qx7LmZp4RtY8wE1nHs6JdFg3Ac"  # 32 bytes, many characters


@pytest.mark.parametrize(
    ("secret", "why"),
    [
        ("CHANGE-ME", "placeholder"),  # what deploy/clinicbot.env shipped
        ("  change-me ", "placeholder"),
        ("changeme", "placeholder"),
        ("your-secret-key", "placeholder"),
        ("keyboard cat", "placeholder"),
        ("x" * 31, "shorter than 32 bytes"),
        ("k9Vb2-Qx7LmZp4RtY8wE1nHs6JdFg3A", "shorter than 32 bytes"),  # 31 bytes
        ("ab" * 40, "different characters"),
    ],
)
def test_weak_secrets_are_refused_with_the_reason(secret: str, why: str) -> None:
    problem = secret_problem(secret)
    assert problem is not None and why in problem


def test_a_long_random_secret_is_accepted() -> None:
    assert secret_problem(GOOD) is None
    assert secret_problem("é" * 8 + GOOD[:16]) is None  # bytes, not characters, count


def test_the_placeholder_list_is_data_and_holds_the_shipped_example() -> None:
    assert "change-me" in placeholder_secrets()
    assert len(placeholder_secrets()) >= 30


def test_a_configured_weak_secret_stops_with_a_message_naming_the_setting(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, session_secret="CHANGE-ME")
    with pytest.raises(WeakSecret, match="CLINICBOT_SESSION_SECRET is a published placeholder"):
        ensure_session_secret(settings)


def test_a_shared_database_needs_a_configured_secret(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, database_url="postgresql+psycopg://u@db/clinic")
    with pytest.raises(WeakSecret, match="CLINICBOT_SESSION_SECRET is not set"):
        ensure_session_secret(settings)
    assert not (tmp_path / SECRET_FILE).exists()  # never a per-instance secret there


def test_the_embedded_default_generates_a_private_secret_once_and_reuses_it(
    tmp_path: Path,
) -> None:
    settings = Settings(data_dir=tmp_path / "data")

    first = ensure_session_secret(settings).session_secret
    again = ensure_session_secret(settings).session_secret

    path = tmp_path / "data" / SECRET_FILE
    assert first == again == path.read_text().strip()
    assert secret_problem(first) is None
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert ensure_session_secret(Settings(data_dir=tmp_path / "other")).session_secret != first


def test_a_secret_file_readable_by_others_is_made_private(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    ensure_session_secret(settings)
    os.chmod(tmp_path / SECRET_FILE, 0o644)

    ensure_session_secret(settings)

    assert stat.S_IMODE((tmp_path / SECRET_FILE).stat().st_mode) == 0o600


def _start_app(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CLINICBOT_")}
    return subprocess.run(
        [sys.executable, "app.py"],
        cwd=PROJECT_ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_app_exits_non_zero_naming_the_setting_with_a_placeholder_secret(
    tmp_path: Path,
) -> None:
    result = _start_app(
        {"CLINICBOT_DATA_DIR": str(tmp_path / "data"), "CLINICBOT_SESSION_SECRET": "CHANGE-ME"}
    )

    assert result.returncode == 1
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("app: cannot start: CLINICBOT_SESSION_SECRET is a published")
    assert not (tmp_path / "data").exists()  # refused before anything was written


def test_the_deployment_example_does_not_start_until_a_secret_is_set(tmp_path: Path) -> None:
    env = {}
    for line in (PROJECT_ROOT / "deploy" / "clinicbot.env").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, value = line.split("=", 1)
            env[name] = value
    env["CLINICBOT_DATA_DIR"] = str(tmp_path / "data")

    result = _start_app(env)

    assert result.returncode == 1
    assert "CLINICBOT_SESSION_SECRET is not set" in result.stderr.strip().splitlines()[-1]
    assert "CHANGE-ME" not in (PROJECT_ROOT / "deploy" / "clinicbot.env").read_text()
