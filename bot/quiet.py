"""A quiet console for `make run`: the log goes to a file, people see progress and the URL.

Library chatter (Alembic's migration lines, ONNX export notices, uvicorn's start-up lines,
Python warnings from dependencies) is written to `<data_dir>/logs/app.log`, redacted like
every log line. The console keeps what a person acts on: our own warnings and errors,
anyone's errors, the progress bars (`tqdm`) of start-up and ingest, and the final URL line.
`app.py --log-json` does not use this: services log JSON lines to their journal instead.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import sys
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from tqdm import tqdm

from bot.logs import RedactFilter

OUR_LOGGERS = ("app", "bot", "ingest")
LOG_FILE = Path("logs") / "app.log"


class ForPeople(logging.Filter):
    """Console records: our own warnings and errors, anyone's errors, never Python warnings."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name == "py.warnings":
            return False
        ours = record.name.split(".", 1)[0] in OUR_LOGGERS
        return record.levelno >= (logging.WARNING if ours else logging.ERROR)


def configure(data_dir: Path, console: IO[str] | None = None) -> Path:
    """Route every log record to the data folder's log file; the console gets `ForPeople`."""
    path = data_dir / LOG_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    # Set before transformers / huggingface_hub are imported: their own bars and notices
    # ("Loading weights") would otherwise interleave with ours.
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    file_handler = logging.handlers.RotatingFileHandler(
        path, maxBytes=5_000_000, backupCount=3, encoding="utf-8"
    )
    file_handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    file_handler.addFilter(RedactFilter())
    screen = logging.StreamHandler(console or sys.stderr)
    screen.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    screen.addFilter(ForPeople())
    screen.addFilter(RedactFilter())
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    root.addHandler(file_handler)
    root.addHandler(screen)
    root.setLevel(logging.INFO)
    logging.captureWarnings(True)  # warnings.warn(...) from libraries -> the file
    warnings.simplefilter("default")
    return path


@contextmanager
def steps(names: Sequence[str], *, desc: str = "starting") -> Iterator[StepBar]:
    """A progress bar over named start-up steps; `bar.next("name")` moves it on."""
    with tqdm(total=len(names), desc=desc, unit="step", file=sys.stderr, leave=True) as bar:
        yield StepBar(bar)


class StepBar:
    """One tick per finished step; the step under way is shown beside the bar."""

    def __init__(self, bar: tqdm) -> None:
        self.bar = bar
        self.started = False

    def next(self, name: str) -> None:
        if self.started:
            self.bar.update(1)
        self.started = True
        self.bar.set_postfix_str(name, refresh=True)

    def done(self) -> None:
        if self.started:
            self.bar.update(1)
        self.bar.set_postfix_str("ready", refresh=True)
