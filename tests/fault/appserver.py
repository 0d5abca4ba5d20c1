"""A zygote that forks real app servers on demand, so a test can SIGKILL dozens of them cheaply.

    python tests/fault/appserver.py DATABASE_URL DATA_DIR

Builds the app once, the way `app.py` does (`create_app` over a `ChatLog`; the staff console
off), without touching the database. Then, for every port number read on stdin, it forks a
child that runs the migrations (a no-op after the first) and serves the app with uvicorn on
127.0.0.1:PORT until it is killed, and answers `{"pid": N}` on stdout. Forking a built app
makes a restart take a fraction of a second instead of the seconds Gradio needs to import
and build. The Responder is a stub: the appointment path never reaches it. Children die with
the zygote (PDEATHSIG), and the zygote exits when its stdin closes: nothing outlives the test.
"""

from __future__ import annotations

import ctypes
import json
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import uvicorn
from sqlalchemy import Engine

from bot.settings import Settings, offline_environment
from bot.store.db import make_engine, migrate, ping
from bot.store.repo import ChatLog
from bot.types import Reply
from bot.web.server import create_app

PR_SET_PDEATHSIG = 1


class StubResponder:
    """Every question gets the same fallback (the appointment form never asks it anything)."""

    def reply(self, message: str, history: Sequence[str] = (), remind: bool = True) -> Reply:
        return Reply(message, "fallback", "I'm sorry, our pages don't answer that.")


def build(database_url: str, data_dir: str) -> tuple[Any, Engine]:
    """The app and its (not yet connected) engine: nothing a fork could share by accident."""
    unlimited = "1000000/minute"  # the fault tests send hundreds of requests from one address
    settings = Settings(
        data_dir=Path(data_dir),
        database_url=database_url,
        rate_limit_per_minute=100_000,
        rate_limit_client_messages=unlimited,
        rate_limit_session_appointments=unlimited,
        rate_limit_client_appointments=unlimited,
    )
    engine = make_engine(settings.resolved_database_url)
    app = create_app(
        settings,
        StubResponder(),
        ChatLog(engine),
        index=lambda: None,
        db_check=lambda: ping(engine),
        staff_app=False,
    )
    return app, engine


def serve(app: Any, engine: Engine, port: int) -> None:
    """The child: migrate as app.py does, then serve until killed."""
    ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)  # stdin/stdout are the zygote's conversation with the test
    os.dup2(devnull, 1)
    migrate(engine)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")


def main(argv: list[str]) -> int:
    offline_environment()
    app, engine = build(argv[0], argv[1])
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        if not line.strip():
            continue
        port = int(json.loads(line)["port"])
        pid = os.fork()
        if pid == 0:
            try:
                serve(app, engine, port)
            finally:
                os._exit(0)
        print(json.dumps({"pid": pid}), flush=True)
        # Reap children that were killed, so they do not linger as zombies.
        while True:
            try:
                done, _ = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if done == 0:
                break
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
