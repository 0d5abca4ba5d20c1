"""Shared fixtures of the answering tests."""

from __future__ import annotations

import importlib.util
from types import ModuleType

import pytest

from bot.settings import PROJECT_ROOT


@pytest.fixture(scope="session")
def pairs_check() -> ModuleType:
    """bench/pairs_check.py: the near-copy check that keeps training data off the eval sets."""
    path = PROJECT_ROOT / "bench/pairs_check.py"
    spec = importlib.util.spec_from_file_location("pairs_check", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
