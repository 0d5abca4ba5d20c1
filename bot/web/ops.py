"""Structured logs for operations: one JSON object per line, with personal data redacted.

    configure_json_logging()        # app.py --log-json: every logger, uvicorn's included

Each line holds `time` (UTC, ISO 8601), `level`, `logger`, `message`, and `session` when the
record names a visitor session (`extra={"session_id": ...}`, or the "(session=<id>)" our log
calls already write), plus `error` with the traceback when there is one. `RedactFilter` runs
every message and traceback through `bot.store.redact.redact` first, so a phone number, an
e-mail address or a date of birth that reaches a log call (a database error quoting a row,
a staff search in a URL) is written as [phone], [email] or [date]. uvicorn's access lines
keep the method, path and status but never the client address or the query string.

The health routes (/healthz, /readyz) live in `bot.web.server`.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime
from typing import IO, Any

from bot.store.redact import redact

ACCESS_LOGGER = "uvicorn.access"
# Visitor-session ids are uuid4().hex; the code logs them as "(session=<id>)".
_SESSION_IN_MESSAGE = re.compile(r"\bsession=([0-9a-f]{32})\b")


class RedactFilter(logging.Filter):
    """Rewrites each record's message (and traceback) with personal data replaced.

    Attach it to a handler, not a logger: handler filters also see records that propagate
    up from other loggers (uvicorn's, third-party libraries').
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name == ACCESS_LOGGER and _is_access_args(record.args):
            _, method, full_path, _http_version, status = record.args  # type: ignore[misc]
            path = str(full_path).split("?", 1)[0]  # query strings can carry search text
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
    for name in ("uvicorn", "uvicorn.error", ACCESS_LOGGER):
        logger = logging.getLogger(name)
        for old in list(logger.handlers):
            logger.removeHandler(old)
        logger.propagate = True
        # an earlier uvicorn config may have set its own level or disabled the logger
        logger.setLevel(logging.NOTSET)
        logger.disabled = False
