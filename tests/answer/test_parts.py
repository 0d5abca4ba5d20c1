"""Splitting a message into the questions it asks, and pointing a part back at its topic."""

from __future__ import annotations

import pytest

from bot.answer.parts import split_parts, with_context


@pytest.mark.parametrize(
    "message, expected",
    [
        (
            "is ketamine covered by insurance and how long does an infusion take?",
            ["is ketamine covered by insurance", "how long does an infusion take"],
        ),
        (
            "does ketamine help cluster headaches? and what does it cost",
            ["does ketamine help cluster headaches", "what does it cost"],
        ),
        ("how does it work; is it safe", ["how does it work", "is it safe"]),
    ],
)
def test_a_message_asking_two_things_is_split_in_two(message, expected):
    assert split_parts(message) == expected


@pytest.mark.parametrize(
    "message",
    [
        "does ketamine help nausea and light sensitivity",  # one question about two symptoms
        "where are you located? thanks",  # a courtesy is not a question
        "what is spravato",
    ],
)
def test_a_single_question_stays_whole(message):
    assert len(split_parts(message)) == 1


def test_a_part_that_says_it_borrows_the_topic_of_the_part_before():
    assert "ketamine" in with_context("what does it cost", "does ketamine help cluster headaches")
    assert with_context("how long does an infusion take", "is tms covered") == (
        "how long does an infusion take"
    )
