"""`clinicbot-serve` (or `python app.py`): the visitor chat at "/", the staff console at "/staff".

    clinicbot-serve [--host H] [--port P] [--index DIR] [--database-url URL] [--root-path PATH]
                    [--log-json]

Defaults come from the settings (CLINICBOT_* environment variables): 127.0.0.1:7860, the index
`clinicbot-ingest` publishes (data/index), SQLite in data/. With no index yet, knowledge/ is
ingested first. Runs the database migrations, then uvicorn; Ctrl-C or SIGTERM lets in-flight
requests finish before the process exits. Exit status 1 with one line on stderr if it cannot start.
--log-json writes JSON lines without personal data (bot.logs; see docs/DEPLOYMENT.md).
"""

from __future__ import annotations

import argparse
import logging
import socket
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from bot.settings import InvalidSettings, Settings, load_settings, offline_environment

log = logging.getLogger("app")
GRACEFUL_SHUTDOWN_S = 30


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="clinicbot-serve", description="Serve the clinic's visitor chat."
    )
    parser.add_argument("--host", help="interface to listen on (default: 127.0.0.1)")
    parser.add_argument("--port", type=int, help="port (default: 7860)")
    parser.add_argument("--index", type=Path, metavar="DIR", help="index directory (data/index)")
    parser.add_argument("--database-url", metavar="URL", help="SQLAlchemy URL (SQLite in data/)")
    parser.add_argument(
        "--root-path", metavar="PATH", help="public sub-path behind a reverse proxy, e.g. /chat"
    )
    parser.add_argument(
        "--log-json", action="store_true", help="log JSON lines (personal data redacted)"
    )
    return parser.parse_args(argv)


def settings_from(args: argparse.Namespace) -> Settings:
    """Settings from the environment, with the command-line flags on top."""
    updates = {
        "host": args.host,
        "port": args.port,
        "index_dir": args.index,
        "database_url": args.database_url,
        "root_path": args.root_path.rstrip("/") if args.root_path else None,
    }
    return load_settings().model_copy(update={k: v for k, v in updates.items() if v is not None})


class IndexUnusable(RuntimeError):
    """The served index version cannot be loaded; the app refuses to start on it."""


def load_index_now(settings: Settings, responder: object) -> None:
    """Load the served version before serving, so a damaged one stops the start, not a visitor."""
    from bot.index import read_current

    try:
        responder.index_source.current()  # type: ignore[attr-defined]
        # The query encoder too (one load per process): the first visitor does not wait for
        # it, and a damaged one stops the start.
        responder.embedder.embed(["ready"])  # type: ignore[attr-defined]
    except Exception as exc:  # IndexLoadError, or whatever Chroma raises on a damaged file
        try:
            version = read_current(settings.resolved_index_dir)
        except Exception:  # CURRENT itself may be the damaged part
            version = "(unreadable CURRENT)"
        raise IndexUnusable(
            f"index version {version} in {settings.resolved_index_dir} cannot be loaded "
            f"({type(exc).__name__}: {exc}); `python ingest.py --rollback` serves the previous one"
        ) from exc


def warm_index(settings: Settings) -> Any:
    """An IndexWatcher on the served index that starts loading the published version and its
    query encoder in a thread now, while Gradio and the store are imported (the hashing and
    onnxruntime's set-up release the GIL). Errors are left for `load_index_now` to report."""
    import threading

    from bot.index import CURRENT, IndexWatcher

    watcher = IndexWatcher(settings.resolved_index_dir)

    def load() -> None:
        with suppress(Exception):
            watcher.current().query_encoder()

    if (settings.resolved_index_dir / CURRENT).is_file():
        threading.Thread(target=load, name="warm-index", daemon=True).start()
    return watcher


@contextmanager
def startup_steps(show: bool) -> Iterator[Callable[[str], None]]:
    """`step(name)` per start-up step: a progress bar for a person, nothing for --log-json."""
    if not show:
        yield lambda name: log.info("start-up: %s", name)
        return
    from bot import quiet

    with quiet.steps(["model", "index", "web app"]) as bar:
        yield bar.next
        bar.done()


def claim_address(host: str, port: int) -> socket.socket:
    """The listening socket, bound before the model and index load: a port already taken is
    one clear line within a second, and the `Chat:` line is printed only for an address we
    hold (port 0 picks a free one, and that line names it)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def server_options(settings: Settings, *, log_json: bool = False) -> dict[str, Any]:
    """uvicorn's settings: where to listen, whom to trust for X-Forwarded-*, shutdown grace."""
    return {
        "host": settings.host,
        "port": settings.port,
        "timeout_graceful_shutdown": GRACEFUL_SHUTDOWN_S,
        "proxy_headers": True,
        "forwarded_allow_ips": settings.forwarded_allow_ips,
        "log_level": "info",
        # No logging config of uvicorn's own: its loggers reach our redacting handler (text
        # or JSON, or the log file of bot.quiet), so access lines carry no client address,
        # query string or session hash.
        "log_config": None,
    }


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    offline_environment()
    from bot.logs import configure_json_logging, configure_text_logging, redirect_prints

    if args.log_json:
        configure_json_logging()
    else:
        configure_text_logging()  # until the data folder is known (then bot.quiet)
    from bot.web.secret import WeakSecret, ensure_session_secret

    try:
        settings = ensure_session_secret(settings_from(args))
    except (InvalidSettings, WeakSecret) as exc:  # a mistyped CLINICBOT_TIMEZONE, a weak secret
        print(f"app: cannot start: {exc}", file=sys.stderr)
        return 1
    try:
        listener = claim_address(settings.host, settings.port)
    except OSError as exc:
        print(
            f"app: cannot start: cannot listen on {settings.host}:{settings.port}: "
            f"{exc.strerror or exc} (another app running? --port or CLINICBOT_PORT picks another)",
            file=sys.stderr,
        )
        return 1
    log_file = None
    if not args.log_json:  # a person at a terminal: the log goes to data/logs/app.log
        from bot import quiet

        log_file = quiet.configure(settings.data_dir)

    watcher = warm_index(settings)
    from bot import triage

    try:
        triage.load()  # a broken rule, exemplar or model file: refuse to serve at all
    except triage.TriageDataError as exc:
        print(f"app: cannot start: triage data {exc}", file=sys.stderr)
        return 1

    from bot.answer.pipeline import load_responder
    from bot.ingest import IngestError
    from bot.ingest.first_run import ensure_index
    from bot.store.db import StoreError, make_engine, migrate, ping, safe_url, timeouts_from
    from bot.store.repo import ChatLog
    from bot.web.server import create_app

    try:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        # a bad URL fails before ingest
        engine = make_engine(settings.resolved_database_url, timeouts_from(settings))
        migrate(engine)
        ensure_index(settings)  # first run: its own progress bars and report
        with startup_steps(not args.log_json) as step:
            step("loading the model")
            responder = load_responder(settings, index_source=watcher)
            step("opening the index")
            load_index_now(settings, responder)
            step("building the web app")
            chatlog = ChatLog(engine, max_failed_logins=settings.staff_max_failed_logins)
            app = create_app(settings, responder, chatlog, db_check=lambda: ping(engine))
    except StoreError as exc:
        print(f"app: database {safe_url(settings.resolved_database_url)}: {exc}", file=sys.stderr)
        return 1
    except IngestError as exc:  # the first ingest: bad pages or no knowledge directory
        print(f"app: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:  # one line for the operator; details are in the log
        log.exception("startup failed")
        print(f"app: cannot start: {exc}", file=sys.stderr)
        return 1

    if log_file is not None:
        print(f"Log: {log_file}", file=sys.stderr)
    print(f"Chat: http://{settings.host}:{listener.getsockname()[1]}/", file=sys.stderr)
    import uvicorn

    redirect_prints()  # from here on, Gradio's own printing reaches the log without its text
    server = uvicorn.Server(uvicorn.Config(app, **server_options(settings, log_json=args.log_json)))
    server.run(sockets=[listener])
    return 0 if server.started else 3


if __name__ == "__main__":
    sys.exit(main())
