"""The installed commands of pyproject.toml [project.scripts] start and describe themselves."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
VENV_BIN = Path(sys.executable).parent


def test_the_four_commands_are_declared() -> None:
    assert set(SCRIPTS) == {
        "clinicbot-ingest",
        "clinicbot-serve",
        "clinicbot-ask",
        "clinicbot-eval",
    }


@pytest.mark.parametrize("command", sorted(SCRIPTS))
def test_each_command_prints_its_usage_from_the_venv(command: str) -> None:
    script = VENV_BIN / command
    assert script.exists(), f"{script} is not installed: run `make setup` (pip install -e .)"
    # This checkout's code, whichever checkout the editable install points at.
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [str(script), "--help"], capture_output=True, text=True, env=env, cwd="/", timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"usage: {command}"), done.stdout


@pytest.mark.parametrize("wrapper", ["app.py", "ingest.py"])
def test_the_checkout_wrappers_still_run(wrapper: str) -> None:
    done = subprocess.run(
        [sys.executable, wrapper, "--help"], capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("usage: clinicbot-"), done.stdout
