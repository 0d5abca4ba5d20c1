"""A request saved but reported as failed (the reply lost after the commit): sending the
same form again through the page's HTTP API yields one row and the first reference."""

from __future__ import annotations

import html
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from bot.settings import Settings
from bot.store.db import make_engine, migrate
from bot.store.repo import ChatLog
from bot.web.server import create_app
from tests.support.servers import serve

from .gradio_queue import GradioQueue, new_session

FORM = ["Lou Retry", "555 010 2030", "", "evenings", "lost reply test", True]


class LosesOneReply(ChatLog):
    """The real store; the first request commits, then fails as a killed reply would."""

    lose_next = True

    def request_appointment(
        self, session_id: str | None, form: Any, *, key: str | None = None
    ) -> str:
        reference = super().request_appointment(session_id, form, key=key)
        if self.lose_next:
            self.lose_next = False
            raise ConnectionResetError("the reply never reached the visitor")
        return reference


def shown(outputs: list[Any]) -> str:
    return html.unescape(" ".join(str(o.get("value", "")) for o in outputs if isinstance(o, dict)))


@pytest.fixture
def page(tmp_path: Path, make_responder: Callable[..., Any]) -> Iterator[tuple[GradioQueue, Any]]:
    engine = make_engine(f"sqlite:///{tmp_path / 'clinic.sqlite3'}")
    migrate(engine)
    settings = Settings(data_dir=tmp_path, clinic_phone="410-555-2368")
    app = create_app(
        settings, make_responder(), LosesOneReply(engine), index=lambda: None, staff_app=False
    )
    with serve(app) as url, GradioQueue(url) as queue:
        yield queue, engine
    engine.dispose()


def test_resending_the_form_after_a_lost_reply_gives_one_request_and_the_same_reference(
    page: tuple[GradioQueue, Any],
) -> None:
    queue, engine = page
    visitor = new_session()
    # Opening the form gives it its one-time key, which the browser then sends with it.
    opened = queue.call("show_form", [None], visitor)
    key = opened[-1]

    first = shown(queue.run("submit_appointment", [*FORM, None, key], visitor))
    again = queue.run("submit_appointment", [*FORM, None, key], visitor)

    with engine.connect() as conn:
        rows = conn.execute(text("SELECT reference FROM appointment_requests")).all()
    assert "APT-" not in first and "try again" in first and "410-555-2368" in first
    assert len(rows) == 1
    assert "We already have your request" in shown(again) and rows[0][0] in shown(again)
    assert again[-1] != key  # a later, different request gets a new key
