"""The appointment-request queue: contact details, the link to the conversation, status changes."""

from __future__ import annotations

from bot.store.repo import ChatLog
from bot.store.visitor.appointments import AppointmentForm
from tests.support.fakes import FakeClock

from .support import XSS, Console, Seeded


def test_the_queue_shows_what_the_visitor_shared_and_links_the_conversation(
    staff: Console, seeded: Seeded
) -> None:
    page = staff.get("/requests").text
    assert seeded.reference in page
    assert "Maria Lopez" in page
    assert "555-010-2030" in page
    assert "maria@example.org" in page
    assert "mornings" in page and "first visit" in page
    assert "consented to be contacted" in page
    assert f'href="/staff/conversations/{seeded.answer}"' in page


def test_changing_the_status_moves_the_request_and_is_audited(
    staff: Console, seeded: Seeded, chatlog: ChatLog
) -> None:
    response = staff.post(
        f"/requests/{seeded.request_id}/status",
        {"status": "contacted", "note": "left a voicemail", "shown": "open"},
    )
    assert response.status_code == 303
    assert response.headers["location"].endswith(f"#request-{seeded.request_id}")
    request = chatlog.get_request(seeded.request_id)
    assert request is not None
    assert (request.status, request.staff_note) == ("contacted", "left a voicemail")
    event = chatlog.list_audit(1, target_type="appointment_request")[0]
    assert (event.username, event.action, event.detail) == (
        "ana",
        "request.status",
        "new -> contacted",
    )
    assert "Request updated." in staff.get("/requests?status=open&done=status").text

    staff.post(f"/requests/{seeded.request_id}/status", {"status": "closed", "note": "booked"})
    assert seeded.reference not in staff.get("/requests").text  # open = new + contacted
    assert seeded.reference in staff.get("/requests?status=closed").text
    assert seeded.reference in staff.get("/requests?status=all").text


def test_an_unknown_status_or_request_is_refused(staff: Console, seeded: Seeded) -> None:
    bad = staff.post(f"/requests/{seeded.request_id}/status", {"status": "deleted"})
    assert bad.status_code == 400
    assert staff.post("/requests/99999/status", {"status": "closed"}).status_code == 404


def test_viewing_the_queue_is_audited(staff: Console, seeded: Seeded, chatlog: ChatLog) -> None:
    staff.get("/requests?status=all")
    event = chatlog.list_audit(1, username="ana")[0]
    assert (event.action, event.detail) == ("requests.list", "status=all shown=1")


def test_request_text_is_shown_as_text(
    staff: Console, seeded: Seeded, chatlog: ChatLog, clock: FakeClock
) -> None:
    clock.advance(minutes=1)
    chatlog.request_appointment(
        None, AppointmentForm("Eve", "", "eve@example.org", XSS[:90], XSS, True)
    )
    page = staff.get("/requests").text
    assert "<script>" not in page
    assert "<img" not in page
    assert "Eve" in page
    assert ">none<" in page  # no conversation to link to
