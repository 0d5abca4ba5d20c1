"""Take the README's staff-console screenshots from seeded demo data (no real visitor data).

    .venv/bin/python -m tests.staff.make_screenshots [OUT_DIR]     # default docs/screenshots

Builds a throwaway SQLite store and index in a temporary directory, serves the console with
uvicorn on a free port and drives Debian's Chromium through Playwright.
"""

from __future__ import annotations

import random
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.embed import HashingEmbedder
from bot.ingest import pipeline
from bot.settings import PROJECT_ROOT, Settings
from bot.store.appointments import AppointmentForm
from bot.store.db import make_engine, migrate
from bot.store.repo import ChatLog
from bot.types import Citation, Reply
from bot.web.staff import build_staff_app
from tests.support.accounts import CHEAP_HASHER, PASSWORD, add_staff_accounts
from tests.support.browser import chromium
from tests.support.clock import FakeClock
from tests.support.servers import serve

from .support import mounted, write_page

TODAY = datetime.now(UTC).replace(second=0, microsecond=0)
INDEX_VERSION = ""  # the demo index's version, set once it is published

PAGES = {
    "insurance": (
        "Insurance and payment",
        "https://moodcenter.example/insurance",
        "We accept Medicare and most major insurance plans. TMS therapy is covered by "
        "many plans after a prior authorisation; our staff check your benefits for you.",
    ),
    "hours": (
        "Opening hours and location",
        "https://moodcenter.example/contact",
        "We are open Monday to Friday, 8am to 6pm. The clinic is at 120 Harbor Street, "
        "second floor.",
    ),
    "ketamine": (
        "Ketamine infusions",
        "https://moodcenter.example/ketamine",
        "An infusion takes about 40 minutes, followed by a short rest. Most patients "
        "start with six infusions over two to three weeks.",
    ),
    "referrals": (
        "Referrals and first visit",
        "https://moodcenter.example/first-visit",
        "You do not need a referral. Your first visit is a 60-minute consultation.",
    ),
}

ANSWERS = [
    (
        "Do you take Medicare?",
        "Yes. We accept Medicare and most major insurance plans [1].",
        "insurance",
        "We accept Medicare and most major insurance plans.",
    ),
    (
        "Is TMS covered by insurance?",
        "Often, yes: TMS therapy is covered by many plans after a "
        "prior authorisation, and the staff check your benefits for you [1].",
        "insurance",
        "TMS therapy is covered by many plans after a prior authorisation; our staff check your "
        "benefits for you.",
    ),
    (
        "What are your opening hours?",
        "We are open Monday to Friday, 8am to 6pm [1].",
        "hours",
        "We are open Monday to Friday, 8am to 6pm.",
    ),
    (
        "How long does a ketamine infusion take?",
        "An infusion takes about 40 minutes, followed by a short rest [1].",
        "ketamine",
        "An infusion takes about 40 minutes, followed by a short rest.",
    ),
    (
        "Do I need a referral?",
        "No, you do not need a referral [1].",
        "referrals",
        "You do not need a referral.",
    ),
]
FALLBACKS = [
    "Can I bring my dog to the clinic?",
    "Are dogs allowed at the clinic?",
    "Do you have appointments on Saturday?",
    "Are you open on weekends?",
    "Is there parking nearby?",
    "Where can I park?",
    "Do you treat teenagers?",
    "Do you see patients under 18?",
    "What is the wifi password?",
]
REFUSALS = ["Should I stop taking my sertraline?", "What dose of ketamine is right for me?"]
FALLBACK_ANSWER = (
    "I could not find that on the clinic's pages. The front desk can help: call "
    "(555) 010-4400, or request an appointment and we will call you back."
)
REFUSAL_ANSWER = (
    "I can't give medical advice about your medication or dose. Please ask your prescriber, "
    "or request an appointment to talk it through with our clinicians."
)
EMERGENCY_ANSWER = (
    "If you are in danger or may have taken too much of a medicine, call 911 now. For a "
    "mental-health crisis, call or text 988 (Suicide & Crisis Lifeline), any time."
)


def citation(source: str, quote: str) -> Citation:
    title, url, text = PAGES[source]
    return Citation(1, source, title, url, quote, text, f"{source}-0001", f"{source[:4]}7f3a9c2e1b")


def seed_demo(chatlog: ChatLog, clock: FakeClock) -> None:
    """Three weeks of plausible traffic, two unreviewed emergencies, a few requests."""
    rng = random.Random(7)
    add_staff_accounts(chatlog)
    names = iter(["Maria Lopez", "James Chen", "Priya Nair", "Tom Becker", "Aisha Bello"])
    session = 0
    for day in range(20, -1, -1):
        clock.now = (TODAY - timedelta(days=day)).replace(hour=8, minute=5)
        for _ in range(rng.randint(3, 9) + (20 - day) // 4):
            session += 1
            sid = f"demo-{session}"
            clock.advance(minutes=rng.randint(5, 50))
            roll = rng.random()
            if roll < 0.62:
                q, a, src, quote = rng.choice(ANSWERS)
                reply = Reply(q, "answer", a, (citation(src, quote),), index_version=INDEX_VERSION)
            elif roll < 0.85:
                reply = Reply(rng.choice(FALLBACKS), "fallback", FALLBACK_ANSWER)
            else:
                reply = Reply(rng.choice(REFUSALS), "refusal", REFUSAL_ANSWER)
            message = chatlog.log_reply(sid, reply)
            if rng.random() < 0.3:
                chatlog.set_feedback(sid, message, -1 if reply.kind != "answer" else 1)
            if reply.kind != "answer" and rng.random() < 0.25 and day < 6:
                clock.advance(minutes=1)
                chatlog.log_reply(
                    sid,
                    Reply(
                        "I'd like to book an appointment",
                        "appointment",
                        "Of course, please fill in the form below.",
                    ),
                )
                name = next(names, None)
                if name:
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
            if day > 2 and rng.random() < 0.5:
                summary = chatlog.list_conversations(limit=1)[0]
                chatlog.mark_reviewed(summary.id, "ana", "")
    # two emergencies today, not yet reviewed, and an XSS attempt
    clock.now = TODAY - timedelta(hours=3)
    chatlog.log_reply(
        "demo-e1", Reply("I took too many pills and feel dizzy", "emergency", EMERGENCY_ANSWER)
    )
    clock.now = TODAY - timedelta(minutes=50)
    chatlog.log_reply(
        "demo-e2",
        Reply(
            "How long does a ketamine infusion take?",
            "answer",
            ANSWERS[3][1],
            (citation("ketamine", ANSWERS[3][3]),),
            index_version=INDEX_VERSION,
        ),
    )
    clock.advance(minutes=2)
    m = chatlog.log_reply(
        "demo-e2", Reply("honestly I don't want to live anymore", "emergency", EMERGENCY_ANSWER)
    )
    chatlog.set_feedback("demo-e2", m, 1)
    clock.now = TODAY - timedelta(minutes=20)
    chatlog.log_reply(
        "demo-x", Reply('<img src=x onerror="alert(1)"> =cmd|calc', "fallback", FALLBACK_ANSWER)
    )
    requests = chatlog.list_requests(None)
    for request, status in zip(requests[2:], ["contacted", "closed", "closed"], strict=False):
        chatlog.set_request_status(request.id, status, "ana", "called back")
    clock.now = TODAY


def main(out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        knowledge = tmp / "knowledge"
        knowledge.mkdir()
        for source, (title, url, text) in PAGES.items():
            write_page(knowledge, f"{source}.md", title, text, url=url)
        settings = Settings(
            data_dir=tmp / "data",
            knowledge_dir=knowledge,
            index_dir=tmp / "index",
            session_secret="screenshots-" + "s" * 32,
            clinic_name="The Mood Center",
        )
        embedder = HashingEmbedder()
        global INDEX_VERSION
        INDEX_VERSION = pipeline.publish(settings, embedder, progress=False).version or ""
        write_page(
            knowledge,
            "parking.md",
            "Parking and getting here",
            "Free parking is behind the building on Harbor Street.",
        )
        write_page(
            knowledge,
            "insurance.md",
            PAGES["insurance"][0],
            PAGES["insurance"][2] + " We also accept Medicaid.",
            url=PAGES["insurance"][1],
        )

        engine = make_engine(f"sqlite:///{tmp / 'demo.sqlite3'}")
        migrate(engine)
        clock = FakeClock()
        chatlog = ChatLog(engine, clock=clock, password_hasher=CHEAP_HASHER)
        seed_demo(chatlog, clock)
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


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else PROJECT_ROOT / "docs" / "screenshots")
