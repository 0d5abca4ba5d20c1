"""The answerability model's training pairs: labelled, and no copy of a question it is judged on."""

from __future__ import annotations

import json

import pytest

from bot.settings import PROJECT_ROOT

PAIRS = PROJECT_ROOT / "bench/data/answerability-pairs.jsonl"


def _pairs() -> list[dict]:
    return [json.loads(line) for line in PAIRS.read_text(encoding="utf-8").splitlines() if line]


def test_every_pair_is_a_labelled_question_asked_once():
    pairs = _pairs()
    assert all(isinstance(p["answerable"], bool) and p["question"].strip() for p in pairs)
    questions = [p["question"].lower().strip() for p in pairs]
    assert len(questions) == len(set(questions))


def test_the_check_flags_a_lightly_rewritten_eval_question(pairs_check):
    evals = ["how long does one ketamine infusion take"]
    assert pairs_check.flagged(["how long does one ketamine infusion tak"], evals)
    assert not pairs_check.flagged(["is there parking at the clinic"], evals)


@pytest.mark.skipif(
    not (PROJECT_ROOT.parent / "shared/eval/answer-dev.jsonl").exists(),
    reason="the shared eval sets are not beside this checkout",
)
def test_no_pair_copies_or_lightly_rewrites_an_eval_question(pairs_check):
    found = pairs_check.flagged([p["question"] for p in _pairs()], pairs_check.eval_questions())
    assert not found, found[:5]
