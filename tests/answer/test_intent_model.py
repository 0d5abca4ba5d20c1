"""The learned `asks` layer: wordings the patterns miss, read from the question's vector."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from bot.answer import focus, intent_model
from bot.answer.text import expand_query_text
from bot.settings import PROJECT_ROOT
from bot.triage.normalise import normalise

NAMES = frozenset(i.name for i in focus.intents())


def _vector(embedder, question: str) -> np.ndarray:
    """The vector retrieval embeds for a question (its spelling needs no fixing here)."""
    return embedder.embed([expand_query_text(normalise(question))])[0]


# Written for this test (none is an example of the file or an eval question): wordings the
# `asks` patterns do not know, and the intent the layer reads in them.
CAUGHT = [
    ("how many ppl does this work for", "success_rate"),
    ("which doctor would treat me", "people"),
    ("is there a place to leave my car", "parking"),
    ("can my son in middle school do it", "age"),
    ("can i text the clinic", "contact"),
    ("any negatives to ketamine i should worry about", "side_effects"),
    ("your clinic, which town", "location"),
]
# ... and questions about a topic, an insurer or a town that ask for none of them.
NOT_CAUGHT = [
    "would ketamine do anything for my tension headaches",
    "is united healthcare in network",
    "who discovered ketamine",
    "is baltimore nice in the spring",
    "any good sushi in towson",
]


@pytest.mark.parametrize("question, name", CAUGHT)
def test_a_wording_the_patterns_miss_is_read_from_the_question_vector(
    real_embedder, question, name
):
    assert name not in [i.name for i in focus.asked(question)]
    vector = _vector(real_embedder, question)
    assert name in [i.name for i in focus.asked(question, vector)]


@pytest.mark.parametrize("question", NOT_CAUGHT)
def test_a_topic_question_asks_for_no_particular_kind_of_information(real_embedder, question):
    assert focus.asked(question, _vector(real_embedder, question)) == []


def test_the_layer_only_adds_to_the_patterns(real_embedder):
    question = "how much does an infusion cost?"
    vector = _vector(real_embedder, "would ketamine do anything for my tension headaches")
    assert "cost" in [i.name for i in focus.asked(question, vector)]


def test_the_shipped_model_reads_the_served_encoder_and_every_intent_of_the_table():
    model = intent_model.shipped()
    assert model is not None and intent_model.reads("all-MiniLM-L6-v2")
    assert set(model.classes) == NAMES | {intent_model.NONE}
    assert not intent_model.reads("some-other-encoder")


def test_every_intent_has_at_least_fifteen_examples_and_topic_questions_more():
    examples = intent_model.read_examples(intent_model.EXAMPLES_FILE, NAMES)
    counts = Counter(e.intent for e in examples)
    assert set(counts) == NAMES | {intent_model.NONE}
    assert min(counts[n] for n in NAMES) >= 15
    assert counts[intent_model.NONE] >= 100


@pytest.mark.parametrize(
    "line, reason",
    [
        ('{"text": "how much is it", "intent": "cost"', "line 2: not JSON"),
        ('{"text": "how much is it"}', 'line 2: want an object with "text" and "intent"'),
        ('{"text": "how much is it", "intent": "price"}', "line 2: unknown intent 'price'"),
        ('{"text": "  ", "intent": "cost"}', "line 2: empty text"),
        ('{"text": "Any  side effects?", "intent": "side_effects"}', "the same question as line 1"),
    ],
)
def test_a_malformed_examples_file_stops_training_with_the_line(tmp_path: Path, line, reason):
    path = tmp_path / "examples.jsonl"
    path.write_text('{"text": "any side effects?", "intent": "side_effects"}\n' + line + "\n")
    with pytest.raises(intent_model.IntentDataError, match=reason):
        intent_model.read_examples(path, NAMES)


def test_a_model_trained_on_other_intents_fails_loudly(tmp_path: Path):
    classes = ("cost", intent_model.NONE)
    weights = np.zeros((2, 4)), np.zeros(2)
    model = intent_model.IntentModel("all-MiniLM-L6-v2", classes, *weights, 0.7)
    intent_model.save(tmp_path / "model.npz", model)
    with pytest.raises(intent_model.IntentDataError, match="make intent-model"):
        intent_model.load(tmp_path / "model.npz", NAMES)


def test_a_damaged_model_file_fails_loudly(tmp_path: Path):
    path = tmp_path / "model.npz"
    path.write_bytes(b"not a model")
    with pytest.raises(intent_model.IntentDataError, match="not an intent model"):
        intent_model.load(path, NAMES)


@pytest.mark.skipif(
    not (PROJECT_ROOT.parent / "shared/eval/answer-dev.jsonl").exists(),
    reason="the shared eval sets are not beside this checkout",
)
def test_no_example_copies_or_lightly_rewrites_an_eval_question(pairs_check):
    examples = intent_model.read_examples(intent_model.EXAMPLES_FILE, NAMES)
    found = pairs_check.flagged([e.text for e in examples], pairs_check.eval_questions())
    assert not found, [example for example, _, _ in found[:5]]
