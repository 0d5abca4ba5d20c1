"""Layer 1: the text the rules and the classifier read."""

from __future__ import annotations

import pytest

from bot.triage.normalise import fold_accents, normalise, plain


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("I WANT TO DIE", "i want to die"),
        ("i wanna kms", "i want to kill myself"),
        ("u r scaring me pls", "you are scaring me please"),
        ("im sucidal", "i'm suicidal"),
        ("I’m so tired", "i'm so tired"),  # curly apostrophe
        ("helllllp meeee", "hellp mee"),  # a held key squeezed to two
        ("ｆｕｌｌｗｉｄｔｈ", "fullwidth"),  # NFKC
        ("kill\u200bmyself", "killmyself"),  # zero-width space dropped
        ("<b>chest</b> pain", "chest pain"),
        ("no   sé\n qué hacer", "no se que hacer"),
        ("sewer slide", "suicide"),
    ],
)
def test_messages_are_normalised_the_way_the_rules_expect(raw: str, expected: str) -> None:
    assert normalise(raw) == expected


def test_numbers_are_never_squeezed() -> None:
    assert "1000 mg" in normalise("took 1000 mg")


def test_accents_are_folded_on_latin_letters_only() -> None:
    assert fold_accents("más dolor, tự tử") == "mas dolor, tu tu"
    assert fold_accents("죽고 싶어") == "죽고 싶어"  # Hangul would decompose into jamo
    assert fold_accents("想死") == "想死"


def test_plain_keeps_accents_for_the_multilingual_rules() -> None:
    assert plain("Tôi MUỐN chết") == "tôi muốn chết"
