"""Misspellings are corrected towards the pages' own words, and only misspellings."""

from __future__ import annotations

import pytest

from bot.answer.spelling import SpellFixer

PAGES = [
    "Ketamine infusions may relieve migraine symptoms such as nausea.",
    "Spravato is an esketamine nasal spray; insurance covers it for depression.",
]


@pytest.fixture(scope="module")
def fixer() -> SpellFixer:
    return SpellFixer(PAGES)


@pytest.mark.parametrize(
    "typed, meant",
    [
        ("does ketamin help migranes", "does ketamine help migraine"),
        ("is spravatto coverd by insurence", "is spravato covers by insurance"),
        ("nausia from a migraine", "nausea from a migraine"),
    ],
)
def test_misspelt_words_become_the_page_words_they_misspell(fixer, typed, meant):
    assert fixer.fix(typed).split()[:3] == meant.split()[:3]


@pytest.mark.parametrize(
    "question", ["is there parking near you", "what are the side effects", "how much is it"]
)
def test_english_words_the_pages_never_use_are_left_alone(fixer, question):
    assert fixer.fix(question) == question


def test_the_vocabulary_is_the_pages_own(fixer):
    other = SpellFixer(["Transcranial magnetic stimulation treats depression."])
    assert other.fix("transcranal") == "transcranial"
    assert fixer.fix("transcranal") == "transcranal"
