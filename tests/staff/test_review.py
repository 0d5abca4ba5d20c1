"""Reviewing conversations as staff do: filter, open a transcript, mark reviewed, export CSV."""

from __future__ import annotations

import csv
import io
import re

import pytest

from bot.store.repo import ChatLog
from bot.types import Reply
from tests.support.fakes import FakeClock

from .support import FORMULA, XSS, Console, Seeded


def listed_ids(html: str) -> list[str]:
    return re.findall(r'href="/staff/conversations/([0-9a-f]{32})"', html)


def test_unreviewed_emergencies_are_listed_first_and_highlighted(
    staff: Console, seeded: Seeded
) -> None:
    page = staff.get("/conversations").text
    ids = listed_ids(page)
    assert ids[0] == seeded.emergency
    assert set(ids) == {seeded.answer, seeded.fallback, seeded.emergency, seeded.hostile}
    first_row = page.split("<tbody>")[1].split("</tr>")[0]
    assert 'class="attention"' in first_row
    assert "Emergency · review" in first_row


def test_an_emergency_loses_its_highlight_once_reviewed(staff: Console, seeded: Seeded) -> None:
    staff.post(f"/conversations/{seeded.emergency}/review", {"note": "called back"})
    page = staff.get("/conversations").text
    assert "Emergency · review" not in page
    assert listed_ids(page)[0] == seeded.hostile  # back to newest first


def test_filters_narrow_the_list(staff: Console, seeded: Seeded, clock: FakeClock) -> None:
    cases = {
        "kind=fallback": {seeded.fallback},
        "kind=answer&kind=emergency": {seeded.answer, seeded.emergency},
        "thumbs_down=1": {seeded.fallback},
        "q=medicare": {seeded.answer},
        "q=MEDICARE": {seeded.answer},
        "start=2025-06-02&end=2025-06-02": {
            seeded.answer,
            seeded.fallback,
            seeded.emergency,
            seeded.hostile,
        },
        "start=2025-06-03": set(),
        "end=2025-06-01": set(),
    }
    for query, expected in cases.items():
        assert set(listed_ids(staff.get(f"/conversations?{query}").text)) == expected, query


def test_not_yet_reviewed_hides_reviewed_conversations(staff: Console, seeded: Seeded) -> None:
    staff.post(f"/conversations/{seeded.answer}/review", {"note": ""})
    ids = set(listed_ids(staff.get("/conversations?unreviewed=1").text))
    assert ids == {seeded.fallback, seeded.emergency, seeded.hostile}


def test_a_bad_date_shows_an_error_instead_of_failing(staff: Console, seeded: Seeded) -> None:
    response = staff.get("/conversations?start=yesterday")
    assert response.status_code == 400  # the page still shows, with what to fix
    assert "use a date like" in response.text


def test_the_list_pages_through_many_conversations(
    staff: Console, seeded: Seeded, chatlog: ChatLog, clock: FakeClock
) -> None:
    for i in range(60):
        clock.advance(seconds=1)
        chatlog.log_reply(f"bulk-{i}", Reply(f"question {i}", "answer", "an answer"))
    first = staff.get("/conversations").text
    assert len(listed_ids(first)) == 50
    assert "page=2" in first
    second = staff.get("/conversations?page=2").text
    assert len(listed_ids(second)) == 14
    assert not set(listed_ids(first)) & set(listed_ids(second))


def test_the_transcript_shows_what_the_visitor_saw(staff: Console, seeded: Seeded) -> None:
    page = staff.get(f"/conversations/{seeded.answer}").text
    assert "Do you take Medicare?" in page
    assert "Yes, we accept Medicare [1]." in page
    assert "We accept Medicare and most major insurance plans." in page  # the quote
    assert '<a href="https://clinic.example/insurance"' in page
    assert "Insurance and payment" in page
    assert "v-insurance-42" in page  # the page version quoted from
    assert "20250601T000000Z-aaaaaaaa" in page  # the index version that answered
    assert "▲ thumbs up" in page
    assert seeded.reference in page  # the appointment request made from it


def test_the_transcript_shows_thumbs_down(staff: Console, seeded: Seeded) -> None:
    assert "▼ thumbs down" in staff.get(f"/conversations/{seeded.fallback}").text


def test_visitor_text_and_page_links_render_as_text(staff: Console, seeded: Seeded) -> None:
    for path in (f"/conversations/{seeded.hostile}", "/conversations"):
        page = staff.get(path).text
        assert "<script>window.__xss" not in page
        assert "<img src=x" not in page
        assert "&lt;img src=x onerror=" in page
    transcript = staff.get(f"/conversations/{seeded.hostile}").text
    assert 'href="javascript:' not in transcript
    assert "link not shown" in transcript


def test_an_unknown_conversation_is_a_friendly_404(staff: Console, seeded: Seeded) -> None:
    response = staff.get("/conversations/" + "0" * 32)
    assert response.status_code == 404
    assert "No such conversation" in response.text


def test_marking_reviewed_records_who_when_and_the_note(
    staff: Console, seeded: Seeded, chatlog: ChatLog
) -> None:
    response = staff.post(
        f"/conversations/{seeded.fallback}/review", {"note": "Add a page about pets <b>"}
    )
    assert response.status_code == 303
    page = staff.get(response.headers["location"].removeprefix("/staff")).text
    assert "Marked reviewed." in page
    assert "Reviewed by <strong>ana</strong>" in page
    assert "Add a page about pets &lt;b&gt;" in page
    transcript = chatlog.get_transcript(seeded.fallback)
    assert transcript is not None
    assert (transcript.reviewed_by, transcript.review_note) == ("ana", "Add a page about pets <b>")
    events = chatlog.list_audit(2, target_id=seeded.fallback)
    assert [(e.username, e.action) for e in events] == [
        ("ana", "conversation.view"),  # the page shown after saving
        ("ana", "conversation.review"),
    ]


def test_viewing_listing_and_exporting_are_audited(
    staff: Console, seeded: Seeded, chatlog: ChatLog
) -> None:
    staff.get("/conversations?kind=fallback&q=dog")
    staff.get(f"/conversations/{seeded.answer}")
    staff.get("/conversations.csv?thumbs_down=1")
    events = chatlog.list_audit(3, username="ana")
    assert [(e.action, e.target_id) for e in events] == [
        ("conversations.export", ""),
        ("conversation.view", seeded.answer),
        ("conversations.list", ""),
    ]
    assert "thumbs_down" in events[0].detail and "rows=1" in events[0].detail
    assert "kinds=fallback" in events[2].detail
    assert "dog" not in events[2].detail  # the search text may be personal: not recorded


def test_the_csv_export_has_the_filtered_messages_and_no_live_formulas(
    staff: Console, seeded: Seeded
) -> None:
    response = staff.get("/conversations.csv?kind=refusal")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert len(rows) == 1
    assert rows[0]["question"] == XSS + " " + FORMULA  # not at the start: stays as typed
    for row in rows:
        for cell in row.values():
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell


def test_a_formula_at_the_start_of_a_question_is_neutralised(
    staff: Console, seeded: Seeded, chatlog: ChatLog
) -> None:
    chatlog.log_reply("s-formula", Reply(FORMULA, "fallback", "@SUM(1+1)"))
    rows = list(csv.DictReader(io.StringIO(staff.get("/conversations.csv?q=HYPERLINK").text)))
    (row,) = [r for r in rows if r["kind"] == "fallback"]
    assert row["question"] == "'" + FORMULA
    assert row["answer"] == "'@SUM(1+1)"


def test_the_export_follows_the_same_filters_as_the_list(staff: Console, seeded: Seeded) -> None:
    rows = list(csv.DictReader(io.StringIO(staff.get("/conversations.csv?kind=answer").text)))
    assert {r["conversation_id"] for r in rows} == {seeded.answer}
    assert len(rows) == 2  # one line per message
    assert "[1] Insurance and payment" in rows[0]["sources"] + rows[1]["sources"]


def test_the_list_flags_emergencies_refusals_and_thumbs_down_in_words(
    staff: Console, seeded: Seeded
) -> None:
    page = staff.get("/conversations").text
    rows = {
        conv_id: row
        for row in page.split("<tbody>")[1].split("</tr>")
        for conv_id in listed_ids(row)
    }
    flags = {
        conv_id: re.findall(
            r'<span class="flag flag-\w+">([^<]+)</span>',
            row.split('class="flags">')[1].split("</td>")[0],
        )
        for conv_id, row in rows.items()
    }
    assert flags[seeded.emergency] == ["Emergency"]
    assert flags[seeded.hostile] == ["Refusal"]
    assert flags[seeded.fallback] == ["Thumbs down"]
    assert flags[seeded.answer] == []


def test_one_click_shows_only_the_flagged_conversations(staff: Console, seeded: Seeded) -> None:
    page = staff.get("/conversations").text
    links = dict(
        re.findall(
            r'<a class="flag-filter" href="/staff/conversations\?([^"]*)"[^>]*>'
            r'<span class="flag flag-\w+">([^<]+)</span>',
            page,
        )
    )
    assert {name: query for query, name in links.items()} == {
        "Emergency": "kind=emergency",
        "Refusal": "kind=refusal",
        "Thumbs down": "thumbs_down=1",
    }
    expected = {
        "Emergency": {seeded.emergency},
        "Refusal": {seeded.hostile},
        "Thumbs down": {seeded.fallback},
    }
    for query, name in links.items():
        shown = staff.get(f"/conversations?{query}").text
        assert set(listed_ids(shown)) == expected[name], name
        assert 'aria-current="page"><span class="flag' in shown


@pytest.mark.parametrize(
    "query",
    [
        "page=" + "9" * 30,  # overflowed the database's offset: a 500 before (issue 18)
        "page=10001",
        "page=-1",
        "page=abc",
        "page=1e9",
        "start=2025-13-45",
        "end=" + "9" * 50,
    ],
)
def test_a_bad_query_parameter_is_a_400_not_a_500(
    staff: Console, seeded: Seeded, query: str
) -> None:
    response = staff.get(f"/conversations?{query}")
    assert response.status_code == 400
    assert "use a" in response.text  # says what would work


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/insights?days=abc", 400),
        ("/insights?days=" + "9" * 40, 200),  # not a choice: the default 30 days
        ("/conversations/" + "x" * 500, 404),
        ("/conversations.csv?page=" + "9" * 30, 400),
    ],
)
def test_other_bad_parameters_never_fail_the_server(
    staff: Console, seeded: Seeded, path: str, status: int
) -> None:
    assert staff.get(path).status_code == status


def test_a_huge_request_id_is_a_404_not_a_500(staff: Console, seeded: Seeded) -> None:
    response = staff.post("/requests/" + "9" * 30 + "/status", {"status": "closed"})
    assert response.status_code == 404
