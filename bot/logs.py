"""Structured logs for operations: one JSON object per line, with personal data redacted.

    configure_json_logging()        # app.py --log-json: every logger, uvicorn's included

Each line holds `time` (UTC, ISO 8601), `level`, `logger`, `message`, and `session` when the
record names a visitor session (`extra={"session_id": ...}`, or the "(session=<id>)" our log
calls already write), plus `error` with the traceback when there is one. `RedactFilter` runs
every message and traceback through `bot.redact.redact` first, so a phone number, an
e-mail address or a date of birth that reaches a log call (a database error quoting a row,
a staff search in a URL) is written as [phone], [email] or [date]. uvicorn's access lines
keep the method, path and status but never the client address, the query string (a staff
search, Gradio's session hash) or the session hash in a heartbeat path. The text format
(`configure_text_logging`, the default) goes through the same filter.

Gradio prints some errors itself (`print(str(e))`, `traceback.print_exc()`), which can quote
what a visitor sent. `redirect_prints()` turns everything printed to stdout/stderr after
start-up into log records that keep only traceback frame lines and exception class names.

The health routes (/healthz, /readyz) live in `bot.web.server`.
"""

from __future__ import annotations

import io
import json
import logging
import re
import sys
from datetime import UTC, datetime
from typing import IO, Any

from bot.redact import redact

ACCESS_LOGGER = "uvicorn.access"
# The code logs a visitor session by a hash of its id, as "(session=<hash>)".
_SESSION_IN_MESSAGE = re.compile(r"\bsession=([0-9a-f]{16,32})\b")
# Paths whose segments are secrets: Gradio's session hash opens that visitor's session.
_SECRET_SEGMENT = re.compile(r"(/gradio_api/heartbeat/)[^/?]+")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class RedactFilter(logging.Filter):
    """Rewrites each record's message (and traceback) with personal data replaced.

    Attach it to a handler, not a logger: handler filters also see records that propagate
    up from other loggers (uvicorn's, third-party libraries').
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name == ACCESS_LOGGER and _is_access_args(record.args):
            _, method, full_path, _http_version, status = record.args  # type: ignore[misc]
            path = str(full_path).split("?", 1)[0]  # query strings can carry search text
            path = _SECRET_SEGMENT.sub(r"\1-", path)
            record.http = {"method": method, "path": redact(path), "status": status}
            record.msg, record.args = f"{method} {redact(path)} {status}", None
            return True
        record.msg, record.args = redact(record.getMessage()), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def _is_access_args(args: Any) -> bool:
    # uvicorn.access records: (client address, method, path with query, HTTP version, status)
    return isinstance(args, tuple) and len(args) == 5


class JsonLinesFormatter(logging.Formatter):
    """One JSON object per record, on one line (newlines inside values are escaped)."""

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": message,
        }
        session = getattr(record, "session_id", None)
        if session is None and (found := _SESSION_IN_MESSAGE.search(message)):
            session = found.group(1)
        if session is not None:
            entry["session"] = str(session)
        http = getattr(record, "http", None)
        if http is not None:
            entry["http"] = http
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["error"] = record.exc_text
        if record.stack_info:
            entry["stack"] = record.stack_info
        return json.dumps(entry, ensure_ascii=False, default=str)


def json_handler(stream: IO[str] | None = None) -> logging.Handler:
    """A stream handler (stderr by default) writing redacted JSON lines."""
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    handler.addFilter(RedactFilter())
    handler.setFormatter(JsonLinesFormatter())
    return handler


def configure_json_logging(level: int = logging.INFO, stream: IO[str] | None = None) -> None:
    """Send every log record, uvicorn's included, through one redacting JSON-lines handler.

    Run uvicorn with `log_config=None` afterwards, so it keeps its loggers propagating here
    instead of installing its own text handlers.
    """
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(json_handler(stream))
    root.setLevel(level)
    _quiet_uvicorn_loggers()


def _quiet_uvicorn_loggers() -> None:
    """Let uvicorn's loggers propagate to the root handler (run it with log_config=None)."""
    for name in ("uvicorn", "uvicorn.error", ACCESS_LOGGER):
        logger = logging.getLogger(name)
        for old in list(logger.handlers):
            logger.removeHandler(old)
        logger.propagate = True
        logger.setLevel(logging.NOTSET)
        logger.disabled = False


def configure_text_logging(level: int = logging.INFO, stream: IO[str] | None = None) -> None:
    """Plain text lines through the same redaction as the JSON format, uvicorn's included."""
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    handler.addFilter(RedactFilter())
    handler.setFormatter(logging.Formatter(TEXT_FORMAT))
    root.addHandler(handler)
    root.setLevel(level)
    _quiet_uvicorn_loggers()


_FRAME_LINE = re.compile(r'^\s*File "[^"]+", line \d+(?:, in [\w<>.]+)?$')
_EXCEPTION_LINE = re.compile(
    r"^((?:[A-Za-z_]\w*\.)*[A-Za-z_]\w*(?:Error|Exception|Warning|Exit))\b"
)


def printed_line_for_log(line: str) -> str | None:
    """What may be logged of one printed line: traceback frames and exception class names;
    any other text (it may quote a visitor) only by its length."""
    line = line.rstrip()
    if not line:
        return None
    if line.startswith("Traceback (most recent call last)") or _FRAME_LINE.match(line):
        return line
    if found := _EXCEPTION_LINE.match(line.strip()):
        return f"{found.group(1)}: [message withheld]"
    return f"[{len(line)} printed characters withheld]"


class PrintedToLog(io.TextIOBase):
    """A stdout/stderr stand-in: complete lines become records of the `printed` logger."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.logger = logging.getLogger(f"printed.{name}")
        self._buffer = ""

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self._buffer += text
        while "\n" in self._buffer:
            line, self._buffer = self._buffer.split("\n", 1)
            safe = printed_line_for_log(line)
            if safe is not None:
                self.logger.warning(safe)
        return len(text)

    def flush(self) -> None:
        if self._buffer:
            line, self._buffer = self._buffer, ""
            safe = printed_line_for_log(line)
            if safe is not None:
                self.logger.warning(safe)


def redirect_prints() -> None:
    """Route later print()s and tracebacks (Gradio's) through logging, without their text.

    Call after the log handlers exist: they keep the real stderr they were created with.
    """
    sys.stdout = PrintedToLog("stdout")
    sys.stderr = PrintedToLog("stderr")
