"""Acronyms the pages never write are spelt out in the pages' words, and only those."""

from __future__ import annotations

import itertools

import pytest

from bot.answer.acronyms import AcronymExpander

PAGES = [
    "Ketamine has been used for treatment-resistant depression and PTSD.",
    "It may help other headaches, such as cluster headaches and trigeminal autonomic cephalalgias.",
]


@pytest.fixture(scope="module")
def expander() -> AcronymExpander:
    return AcronymExpander(PAGES)


@pytest.mark.parametrize(
    "typed, meant",
    [
        ("does ketamine help trd", "does ketamine help treatment resistant depression"),
        ("what about tacs", "what about trigeminal autonomic cephalalgias"),
    ],
)
def test_an_acronym_becomes_the_page_words_it_abbreviates(expander, typed, meant):
    assert expander.expand(typed) == meant


@pytest.mark.parametrize(
    "question",
    [
        "is it good for ptsd",  # the pages write the acronym itself
        "is there a bus stop near you",  # English words, however short
        "idk lol",  # no run of page words spells them
        "what about ka",  # two letters spell too many runs to mean anything
    ],
)
def test_page_words_english_words_and_unspelt_ones_are_left_alone(expander, question):
    assert expander.expand(question) == question


def test_an_acronym_two_runs_of_page_words_spell_is_left_alone():
    expander = AcronymExpander(["Cluster headaches respond.", "Chronic headaches return."])
    assert expander.expand("chr") == "chr"  # chronic or cluster: no guess


def test_a_site_whose_words_spell_most_short_strings_trusts_only_longer_acronyms():
    # Their runs spell 1,320 of the 17,576 three-letter strings: a match there is chance.
    words = ["".join(p) + "x" for p in itertools.product("abcdefghijklmnopqrstuvwxyz", repeat=1)]
    text = " ".join(" ".join(run) for run in itertools.permutations(words[:12], 3))
    large = AcronymExpander([text + ". transcranial magnetic stimulation therapy protocol"])
    assert 3 not in large.trusted_lengths
    assert large.expand("abc") == "abc"
    assert large.expand("tmstp") == "transcranial magnetic stimulation therapy protocol"
