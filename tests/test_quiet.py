"""The quiet console of `make run`: people see our warnings and anyone's errors; the rest,
Python warnings from libraries included, goes to the log file in the data folder."""

from __future__ import annotations

import io
import logging
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.quiet import ForPeople, configure


@pytest.mark.parametrize(
    ("logger", "level", "shown"),
    [
        ("alembic.runtime.migration", logging.INFO, False),
        ("onnx_model", logging.WARNING, False),
        ("uvicorn.error", logging.INFO, False),
        ("uvicorn.error", logging.ERROR, True),
        ("py.warnings", logging.WARNING, False),
        ("bot.index", logging.INFO, False),
        ("bot.index", logging.WARNING, True),
        ("app", logging.ERROR, True),
    ],
)
def test_the_console_shows_only_what_a_person_acts_on(logger: str, level: int, shown: bool) -> None:
    record = logging.LogRecord(logger, level, __file__, 1, "message", None, None)
    assert ForPeople().filter(record) is shown


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in list(root.handlers):
        root.removeHandler(handler)
        handler.close()
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)
    logging.captureWarnings(False)


def test_library_chatter_and_warnings_go_to_the_log_file(
    tmp_path: Path, restore_logging: None
) -> None:
    console = io.StringIO()
    path = configure(tmp_path / "data", console=console)

    logging.getLogger("alembic.runtime.migration").info("Running upgrade -> 0001")
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        warnings.warn("something is deprecated", DeprecationWarning, stacklevel=1)
    logging.getLogger("bot.web").warning("the clinic's phone for ann@example.org is unset")
    for handler in logging.getLogger().handlers:
        handler.flush()

    assert path == tmp_path / "data" / "logs" / "app.log"
    written = path.read_text()
    assert "Running upgrade" in written and "something is deprecated" in written
    assert console.getvalue().splitlines() == [
        "WARNING bot.web: the clinic's phone for [email] is unset"
    ]
