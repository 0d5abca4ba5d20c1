"""Layer 3: rules as data. The phrase syntax, the shipped files, and loud failure on a bad file."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.triage import TriageDataError, load
from bot.triage.rules import compile_phrase, default_rules, load_rules

from .conftest import replace_line


@pytest.mark.parametrize(
    "phrase, matches, misses",
    [
        ("kill myself", ["i will kill myself"], ["skill myself", "kill my self-esteem"]),
        ("(took|swallowed) pills", ["i swallowed pills"], ["i took some pills"]),
        ("took (all )?pills", ["took all pills", "took pills"], ["took no pills"]),
        ("suicid*", ["suicidal", "suicide"], ["unsuicid"]),
        ("took ~ pills", ["took all my pills", "took pills"], ["took a lot of my pills"]),
        ("(no (quiero|puedo)) vivir", ["no quiero vivir"], ["quiero vivir"]),
    ],
)
def test_the_phrase_syntax(phrase: str, matches: list[str], misses: list[str]) -> None:
    pattern = compile_phrase(phrase)
    for text in matches:
        assert pattern.search(text), text
    for text in misses:
        assert not pattern.search(text), text


def test_phrases_without_word_boundaries_match_inside_chinese_text() -> None:
    assert compile_phrase("想死", fold=False, boundaries=False).search("我真的想死了")


def test_every_shipped_rule_file_loads_and_has_rules_of_each_section() -> None:
    rules = default_rules()
    assert all(rules.emergency[sub] for sub in ("self_harm", "overdose_poisoning", "medical"))
    assert rules.masks and rules.advice and rules.appointment
    names = {r.name.split(":")[0] for r in (*rules.advice, *rules.emergency["self_harm"])}
    assert {"en", "es", "xx"} <= names


@pytest.mark.parametrize(
    "old, new, reason",
    [
        ('"bleed out"', '"(bleed out"', "unbalanced parentheses"),
        ('"bleed out"', '"Bleed Out"', "upper-case"),
        ('"worst (headache', '"worst [headache', "outside the phrase syntax"),
        ("  medical:", "  medicall:", "medicall"),
    ],
)
def test_a_bad_rule_is_reported_with_file_line_and_reason(
    rules_copy: Path, old: str, new: str, reason: str
) -> None:
    line = replace_line(rules_copy / "en.yaml", old, new)
    with pytest.raises(TriageDataError) as caught:
        load_rules()
    assert caught.value.path == rules_copy / "en.yaml"
    assert caught.value.line == line
    assert reason in str(caught.value)
    assert f"en.yaml line {line}" in str(caught.value)


def test_broken_yaml_is_reported_with_its_line(rules_copy: Path) -> None:
    line = replace_line(rules_copy / "es.yaml", "advice:", "advice: a: b")
    with pytest.raises(TriageDataError) as caught:
        load()
    assert caught.value.path.name == "es.yaml"
    assert caught.value.line == line
    assert "not YAML" in str(caught.value)


def test_a_bad_spelling_file_stops_loading(rules_copy: Path) -> None:
    line = replace_line(rules_copy / "spelling.yaml", "  u: you", "  two words: you")
    with pytest.raises(TriageDataError) as caught:
        load()
    assert caught.value.path.name == "spelling.yaml" and caught.value.line == line


def _medical_rule(message: str):
    """The emergency.medical rule the shipped rules match in `message`, or None."""
    from bot.triage.normalise import normalise_plain, plain

    unfolded = plain(message)
    return default_rules().emergency["medical"].first(normalise_plain(unfolded), unfolded)


def test_a_seizure_happening_now_is_an_emergency_but_asking_about_seizures_is_not() -> None:
    # The other-language rules are substrings read in every language: a bare "convulsion"
    # raised Spanish and French questions about seizures as emergencies.
    assert _medical_rule("mon fils fait une convulsion, il ne répond pas")
    assert _medical_rule("¿la ketamina puede causar convulsiones?") is None
    assert _medical_rule("est-ce que la kétamine provoque des convulsions ?") is None
