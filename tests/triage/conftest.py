"""Fixtures for triage tests: copies of the shipped data files to break on purpose."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot import triage
from bot.triage import rules


@pytest.fixture
def rules_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A writable copy of bot/triage/rules/ that the loaders use for this test only."""
    copy = tmp_path / "rules"
    shutil.copytree(rules.RULES_DIR, copy)
    monkeypatch.setattr(rules, "RULES_DIR", copy)
    triage.clear_caches()
    yield copy
    triage.clear_caches()


def replace_line(path: Path, old: str, new: str) -> int:
    """Replace the first line containing `old`; return its 1-based number."""
    lines = path.read_text(encoding="utf-8").splitlines()
    number = next(i for i, line in enumerate(lines) if old in line)
    lines[number] = lines[number].replace(old, new)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return number + 1
