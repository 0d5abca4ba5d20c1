"""Take the README's staff-console screenshots from demo traffic answered by the real bot.

    .venv/bin/python -m tests.staff.make_screenshots [OUT_DIR]     # default docs/screenshots

The index is published from a copy of the shipped knowledge/ with the real embedding model,
and every seeded reply is what the real Responder (`bot.answer.pipeline.load_responder`)
says to plausible visitor questions about that page: answers with their citations and page
versions, fallbacks for what the page does not cover, refusals, emergencies. The visitors,
their appointment requests, feedback and reviews are made up, on a fixed fake clock (so the
screenshots come out the same on every run) for a clinic in America/New_York. The console is
served with uvicorn on a free port and photographed with Debian's Chromium via Playwright.
"""

from __future__ import annotations

import random
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from pathlib import Path
from types import SimpleNamespace
from unittest import mock
from zoneinfo import ZoneInfo

from bot.answer.pipeline import Responder, load_responder
from bot.embed import SentenceTransformerEmbedder
from bot.ingest import pipeline
from bot.settings import PROJECT_ROOT, Settings, offline_environment
from bot.store.db import make_engine, migrate
from bot.store.repo import ChatLog
from bot.store.visitor.appointments import REFERENCE_ALPHABET, REFERENCE_LENGTH, AppointmentForm
from bot.types import Reply
from bot.web.staff.app import build_staff_app
from tests.support.accounts import CHEAP_HASHER, PASSWORD, add_staff_accounts
from tests.support.browser import chromium
from tests.support.fakes import FakeClock
from tests.support.servers import serve

from .support import mounted, write_page

ZONE_NAME = "America/New_York"
ZONE = ZoneInfo(ZONE_NAME)
# The shipped page says it was updated on 2026-11-24: the demo index is published that
# afternoon, visitors come from the next day on, and "now" is four weeks later.
PUBLISHED_AT = datetime(2026, 11, 24, 20, 0, tzinfo=UTC)  # 15:00 EST
TODAY = datetime(2026, 12, 23, 16, 40, tzinfo=UTC)  # 11:40 EST
DAYS = 29
# Shown on the editor page, so a fixed path rather than a random temporary directory.
WORK_DIR = Path(tempfile.gettempdir()) / "clinicbot-screenshots"

# What visitors ask. The lists only shape the mix of traffic: the kind of each reply, its
# text and its citations are whatever the Responder returns.
ABOUT_THE_PAGE = [
    "Can ketamine help with migraines?",
    "How does ketamine work for pain?",
    "Does insurance cover Spravato for migraines?",
    "Is Spravato approved for migraines?",
    "Can ketamine help with cluster headaches?",
    "Do you offer TMS for migraines?",
    "Can ketamine help my depression?",
    "Can ketamine help with nausea from migraines?",
    "What is Spravato?",
]
FOLLOW_UPS = {  # a second question that leans on the first
    "Is Spravato approved for migraines?": "Does insurance cover it?",
    "Can ketamine help with migraines?": "How is it given?",
}
NOT_ON_THE_PAGE = [  # in pairs of wordings, as Insights groups them
    "Do you take Medicare?",
    "Is Medicare accepted?",
    "Is there parking nearby?",
    "Where can I park?",
    "Are you open on Saturdays?",
    "Are you open on weekends?",
    "How much does an infusion cost?",
    "What does an infusion cost?",
    "What are the side effects of ketamine?",
    "Does ketamine have side effects?",
    "Do you treat children?",
    "Do you see patients under 18?",
]
ADVICE = ["Should I stop taking my sumatriptan?", "What dose of ketamine is right for me?"]
BOOKING = "I'd like to book an appointment"
PEOPLE = ["Maria Lopez", "James Chen", "Priya Nair", "Tom Becker", "Aisha Bello"]


class Visitors:
    """Asks the real Responder, once per distinct (question, earlier questions)."""

    def __init__(self, responder: Responder) -> None:
        self.responder = responder
        self._replies: dict[tuple[str, tuple[str, ...]], Reply] = {}

    def ask(self, question: str, history: Sequence[str] = ()) -> Reply:
        key = (question, tuple(history))
        if key not in self._replies:
            reply = self.responder.reply(question, history)
            # The measured time differs on every run; 0 leaves it out of the transcript.
            self._replies[key] = replace(reply, latency_ms=0.0)
        return self._replies[key]


def local(day: date, hour: int, minute: int = 0) -> datetime:
    """That wall-clock time at the clinic, as the aware UTC datetime the store keeps."""
    return datetime.combine(day, time(hour, minute), tzinfo=ZONE).astimezone(UTC)


def references(rng: random.Random) -> Callable[[], str]:
    """Appointment references like the store's, but the same on every run."""
    return lambda: "APT-" + "".join(rng.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH))


def seed_demo(chatlog: ChatLog, clock: FakeClock, visitors: Visitors) -> None:
    """Four weeks of traffic, two unreviewed emergencies today, a few appointment requests."""
    rng = random.Random(7)
    add_staff_accounts(chatlog)
    people = iter(PEOPLE)
    today = TODAY.astimezone(ZONE).date()
    session = 0
    for back in range(DAYS - 1, -1, -1):
        day = today - timedelta(days=back)
        clock.now = local(day, 7, 40)
        for _ in range(rng.randint(3, 8) + (DAYS - 1 - back) // 6):
            clock.advance(minutes=rng.randint(15, 90))  # busy days run into the evening
            if clock.now > TODAY - timedelta(hours=3):
                break  # today's traffic stops before the emergencies below and "now"
            session += 1
            sid = f"demo-{session}"
            roll = rng.random()
            if roll < 0.66:
                question = rng.choice(ABOUT_THE_PAGE)
            elif roll < 0.93:
                question = rng.choice(NOT_ON_THE_PAGE)
            else:
                question = rng.choice(ADVICE)
            reply = visitors.ask(question)
            message = chatlog.log_reply(sid, reply)
            if rng.random() < 0.3:
                chatlog.set_feedback(sid, message, 1 if reply.kind == "answer" else -1)
            follow_up = FOLLOW_UPS.get(question)
            if follow_up and rng.random() < 0.5:
                clock.advance(minutes=1)
                chatlog.log_reply(sid, visitors.ask(follow_up, [question]))
            if reply.kind != "answer" and back < 6 and rng.random() < 0.3:
                name = next(people, None)
                if name:
                    clock.advance(minutes=1)
                    chatlog.log_reply(sid, visitors.ask(BOOKING, [question]))
                    chatlog.request_appointment(
                        sid,
                        AppointmentForm(
                            name,
                            f"555-010-{rng.randint(1000, 9999)}",
                            f"{name.split()[0].lower()}@example.org",
                            rng.choice(["weekday mornings", "after 4pm", "any time"]),
                            "first consultation",
                            True,
                        ),
                    )
            if back > 2 and rng.random() < 0.5:
                summary = chatlog.list_conversations(limit=1)[0]
                chatlog.mark_reviewed(summary.id, "ana", "")

    clock.now = TODAY - timedelta(hours=2, minutes=40)
    chatlog.log_reply("demo-e1", visitors.ask("I took too many pills and feel dizzy"))
    clock.now = TODAY - timedelta(minutes=50)
    first = "Can ketamine help with migraines?"
    chatlog.log_reply("demo-e2", visitors.ask(first))
    clock.advance(minutes=2)
    crisis = visitors.ask("honestly I don't want to live anymore", [first])
    chatlog.set_feedback("demo-e2", chatlog.log_reply("demo-e2", crisis), 1)
    clock.now = TODAY - timedelta(minutes=20)
    chatlog.log_reply("demo-x", visitors.ask('<img src=x onerror="alert(1)"> =cmd|calc'))
    for request, status in zip(
        chatlog.list_requests(None)[2:], ["contacted", "closed", "closed"], strict=False
    ):
        chatlog.set_request_status(request.id, status, "ana", "called back")
    clock.now = TODAY


@contextmanager
def publish_clock(at: datetime) -> Iterator[None]:
    """Publish as if at `at`: the ingest names the version after the time it reads."""

    class Frozen(datetime):
        @classmethod
        def now(cls, tz: tzinfo | None = None) -> datetime:  # type: ignore[override]
            return at if tz is None else at.astimezone(tz)

    with mock.patch.object(pipeline, "dt", SimpleNamespace(datetime=Frozen, UTC=UTC)):
        yield


def publish_shipped_pages(settings: Settings, embedder: SentenceTransformerEmbedder) -> str:
    """Copy knowledge/ and publish it with the real model; returns the version id."""
    shutil.copytree(PROJECT_ROOT / "knowledge", settings.knowledge_dir)
    with publish_clock(PUBLISHED_AT):
        report = pipeline.publish(settings, embedder, progress=False)
    version = report.version or ""
    # Fails loudly if the ingest stops reading the clock we set (the id would change each run).
    assert version.startswith(PUBLISHED_AT.strftime("%Y%m%dT%H%M%SZ")), version
    assert not report.bad_files, report.lines()
    return version


def main(out_dir: Path) -> None:
    offline_environment()
    out_dir.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(WORK_DIR, ignore_errors=True)
    try:
        settings = Settings(
            data_dir=WORK_DIR / "data",
            knowledge_dir=WORK_DIR / "knowledge",
            index_dir=WORK_DIR / "index",
            session_secret="screenshots-" + "s" * 32,
            clinic_name="The Mood Center",
            timezone=ZONE_NAME,
        )
        embedder = SentenceTransformerEmbedder()
        publish_shipped_pages(settings, embedder)
        visitors = Visitors(load_responder(settings, embedder=embedder))

        engine = make_engine(f"sqlite:///{WORK_DIR / 'demo.sqlite3'}")
        migrate(engine)
        clock = FakeClock()
        chatlog = ChatLog(
            engine,
            clock=clock,
            password_hasher=CHEAP_HASHER,
            references=references(random.Random(3)),
        )
        seed_demo(chatlog, clock, visitors)
        # An edit waiting to be published, for the editor's dry run.
        write_page(
            settings.knowledge_dir,
            "visiting-the-clinic.md",
            "Visiting the clinic",
            "Free parking is behind the building. Please arrive ten minutes early.",
        )
        app = build_staff_app(
            settings, chatlog, settings.resolved_index_dir, embedder=embedder, clock=clock
        )
        emergency = next(c.id for c in chatlog.list_conversations(limit=5) if c.has_emergency)

        with serve(mounted(app)) as base, chromium() as browser:
            page = browser.new_page(viewport={"width": 1280, "height": 860})

            def shot(name: str, full: bool = False) -> None:
                page.screenshot(path=str(out_dir / f"staff-{name}.png"), full_page=full)
                print(out_dir / f"staff-{name}.png")

            page.goto(f"{base}/staff/login")
            page.fill("#username", "eddie")
            shot("login")
            page.fill("#password", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url("**/staff/conversations")
            shot("conversations")
            page.goto(f"{base}/staff/conversations/{emergency}")
            shot("transcript", full=True)
            page.goto(f"{base}/staff/insights?days=30")
            shot("insights", full=True)
            page.goto(f"{base}/staff/requests?status=all")
            shot("requests")
            page.goto(f"{base}/staff/editor")
            page.click("button:has-text('Dry run')")
            page.wait_for_selector("#report-title")
            shot("editor", full=True)
        engine.dispose()
    finally:
        shutil.rmtree(WORK_DIR, ignore_errors=True)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else PROJECT_ROOT / "docs" / "screenshots")
