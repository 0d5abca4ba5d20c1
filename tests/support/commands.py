"""Running a project command the way a user would: a child process, its text output captured.

One home for the flags every such test needs (the checkout as working directory, text output,
a time limit, no exception on a non-zero exit: the tests assert the exit code themselves).
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from bot.settings import PROJECT_ROOT


def run_command(
    args: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    input: str | None = None,
    cwd: Path | str = PROJECT_ROOT,
    timeout: float = 300,
) -> subprocess.CompletedProcess[str]:
    """Run `args` to completion; its exit code, stdout and stderr (text), whatever the code."""
    return subprocess.run(
        list(args),
        cwd=cwd,
        env=None if env is None else dict(env),
        input=input,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def python_last_line(code: str, env: Mapping[str, str] | None = None) -> str:
    """The last line `python -c code` prints; a failure with its stderr if it exits non-zero."""
    done = run_command([sys.executable, "-c", code], env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.strip().splitlines()[-1]
