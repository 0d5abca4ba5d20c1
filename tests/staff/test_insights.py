"""Insights: the similarity grouping and chart layout (pure), and the page that shows them."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from bot.store.repo import ChatLog
from bot.types import Reply
from bot.web.staff.insights import day_chart, group_similar
from tests.support.fakes import FakeClock

from .support import Console, Seeded


@pytest.mark.parametrize(
    ("questions", "together"),
    [
        (["Do you take Medicare?", "do you accept medicare", "Is Medicare accepted?"], True),
        (["what is the wifi password", "wifi password?"], True),
        (["parking at the clinic", "Is there parking?"], True),
        (["Do you take Medicare?", "DO YOU TAKE MEDICARE?  "], True),
        (["Can I bring my dog?", "Is there parking?"], False),
        (["are dogs allowed in the clinic", "parking at the clinic"], False),
        (["Do you take Aetna insurance?", "Do you take Medicare?"], False),
        (["?", "!!"], False),
    ],
)
def test_paraphrases_group_and_unrelated_questions_do_not(
    questions: list[str], together: bool
) -> None:
    groups = group_similar((q, 1) for q in questions)
    assert (len(groups) == 1) is together, [g.questions for g in groups]


def test_groups_are_ordered_by_how_often_they_were_asked() -> None:
    groups = group_similar(
        [
            ("wifi password?", 1),
            ("Do you take Medicare?", 3),
            ("is medicare accepted", 2),
            ("what is the wifi password", 1),
            ("Can I bring my dog?", 1),
        ]
    )
    assert [g.total for g in groups] == [5, 2, 1]
    assert groups[0].label == "Do you take Medicare?"  # the most asked wording names the group
    assert groups[0].questions == (("Do you take Medicare?", 3), ("is medicare accepted", 2))


def test_grouping_nothing_gives_nothing() -> None:
    assert group_similar([]) == []
    assert group_similar([("   ", 3)]) == []


def test_the_chart_has_one_bar_per_day_stacked_by_kind() -> None:
    end = date(2025, 6, 10)
    rows = [(end, "answer", 6), (end, "fallback", 2), (end - timedelta(days=2), "emergency", 1)]
    chart = day_chart(rows, end=end, days=7)
    assert [b.day for b in chart.bars] == [end - timedelta(days=6 - i) for i in range(7)]
    last = chart.bars[-1]
    assert last.total == 8 and (last.count("answer"), last.count("fallback")) == (6, 2)
    answer, fallback = last.segments
    assert answer.y + answer.height == pytest.approx(chart.plot_bottom)  # stacked from the axis
    assert fallback.y + fallback.height == pytest.approx(answer.y)
    assert answer.height == pytest.approx(3 * fallback.height)
    assert chart.bars[0].segments == ()  # a quiet day is an empty bar
    assert chart.ticks[0] == (0, chart.plot_bottom)
    assert chart.ticks[-1][0] >= 8


def test_an_empty_period_still_draws_axes() -> None:
    chart = day_chart([], end=date(2025, 6, 10), days=30)
    assert len(chart.bars) == 30 and chart.max_total == 0
    assert len(chart.ticks) >= 2
    assert sum(b.show_label for b in chart.bars) <= 10


def test_the_insights_page_shows_the_chart_top_questions_and_groups(
    staff: Console, seeded: Seeded, chatlog: ChatLog, clock: FakeClock
) -> None:
    for i, question in enumerate(["Is Medicare accepted?", "do you accept medicare?"] * 2):
        chatlog.log_reply(f"more-{i}", Reply(question, "fallback", "not found"))
    page = staff.get("/insights?days=7").text
    assert '<svg class="chart"' in page and 'role="img"' in page
    assert "2025-06-02: 9 replies" in page  # the bar's accessible label
    assert '<rect class="fill-fallback"' in page
    assert "Most asked questions" in page
    assert "Do you take Medicare?" in page
    # the four fallbacks about Medicare form one group of 4
    assert '<span class="count">4</span>' in page
    assert "Can I bring my dog to the clinic?" in page
    assert chatlog.list_audit(1, username="ana")[0].action == "insights.view"
