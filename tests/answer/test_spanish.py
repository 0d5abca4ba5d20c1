"""Spanish questions are read through an English gloss (bot/answer/spanish.py): a Spanish
question about something the pages cover is answered with the pages' English sentences, verbatim,
under the Spanish line; an off-topic one still falls back; a malformed glossary stops start-up."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.answer import spanish
from bot.answer.spanish import GlossaryError, fold, gloss, load_glossary
from bot.index import open_index
from bot.triage import replies


def test_accents_are_folded_and_phrases_come_before_words():
    assert fold("¿Náuseas? Niño, año") == " nauseas? nino, ano"
    assert gloss("¿Cuáles son los efectos secundarios del spray nasal?") == (
        "is the side effects nasal spray?"
    )
    assert gloss("¿Cuánto tiempo dura una sesión?") == "how long last a session?"
    assert gloss("¿la ketamina ayuda con el dolor de cabeza?") == (
        "the ketamine help with the headache?"
    )


def test_words_without_an_entry_stay_as_they_are():
    # so a word the glossary does not know still counts as a word the pages never use
    assert gloss("¿Venden boletos para el concierto?") == "venden boletos for the concierto?"


def test_where_the_clinic_is_keeps_its_intent():
    # the location intent is decisive: its English wording must survive the gloss
    from bot.answer import focus

    for question in ("¿Dónde están ubicados?", "¿En qué ciudad están?", "¿dónde queda la clínica?"):
        assert "location" in [i.name for i in focus.asked(gloss(question))], gloss(question)


def test_the_shipped_glossary_is_general_vocabulary_of_a_few_hundred_entries():
    entries = spanish.GLOSSARY.entries
    assert len(entries) > 300
    for spanish_word, english in [
        (("seguro",), "insurance"),
        (("nauseas",), "nausea"),
        (("cerebro",), "brain"),
        (("migranas",), "migraines"),
        (("cefalea", "en", "racimos"), "cluster headache"),
        (("embarazada",), "pregnant"),
    ]:
        assert entries[spanish_word] == english


def write(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "es-en-glossary.json"
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return path


GOOD = {"_doc": "test", "function_words": ["que"], "phrases": {"dolor de cabeza": "headache"},
        "words": {"cerebro": "brain"}}  # fmt: skip


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"_doc": ""}, "'_doc'"),
        ({"words": {"náuseas": "nausea"}}, "lower-case, unaccented"),
        ({"words": {"Cerebro": "brain"}}, "lower-case, unaccented"),
        ({"words": {"cerebro": ""}}, "not lower-case English"),
        ({"words": {"cerebro": 3}}, "not lower-case English"),
        ({"words": {"dolor de": "pain"}}, "under 'phrases'"),
        ({"phrases": {"dolor": "pain"}}, "2 to 4 words"),
        ({"words": {"que": "what"}}, "listed twice"),
        ({"function_words": []}, "'function_words'"),
        ({"extra": {}}, "unknown keys"),
    ],
)
def test_a_malformed_glossary_fails_loudly_with_file_and_reason(tmp_path, change, reason):
    assert load_glossary(write(tmp_path, GOOD)).entries[("cerebro",)] == "brain"
    path = write(tmp_path, {**GOOD, **change})
    with pytest.raises(GlossaryError) as failure:
        load_glossary(path)
    assert str(path) in str(failure.value) and reason in str(failure.value)


def test_a_glossary_that_is_not_json_fails_loudly(tmp_path):
    path = write(tmp_path, '{"_doc": "x", "words": {')
    with pytest.raises(GlossaryError, match="is not valid JSON"):
        load_glossary(path)


@pytest.mark.model
def test_a_spanish_question_the_pages_cover_is_answered_with_a_verbatim_english_quote(
    real_responder, shipped_index_dir: Path
):
    # Before the gloss this fell back: "síntomas", "tiene", "migraña" were unknown words.
    reply = real_responder.reply("¿Qué síntomas tiene una migraña?")
    assert reply.kind == "answer", reply.notes
    lead, quoted, *_ = reply.answer.split("\n\n")
    assert lead == replies.language_lead("es")  # the Spanish line, then the English quote
    text = "\n".join(p.text for p in open_index(shipped_index_dir).pages.values())
    assert reply.citations and "nausea" in reply.citations[0].quote
    for citation in reply.citations:
        assert citation.quote in text  # the page's English sentence, verbatim
        assert f"{citation.quote} [{citation.n}]" in reply.answer
    assert quoted.startswith(reply.citations[0].quote)
    assert reply.answer.endswith(replies.text("reminder", "es"))


@pytest.mark.model
def test_an_off_topic_spanish_question_still_falls_back_in_spanish(real_responder):
    reply = real_responder.reply("¿Hay trenes al aeropuerto?")
    assert reply.kind == "fallback", reply.notes
    assert reply.answer.startswith("Lo siento, nuestras páginas no responden a eso")
    assert not reply.citations
