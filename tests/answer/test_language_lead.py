"""A question asked in another language than English: an answer tells the visitor, in their
language when we have it, that the quotes that follow are the pages' English; the framing around
the quotes (the reminder, a fallback, its safety net) is in their language too."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.index import open_index
from bot.triage import replies
from bot.triage.replies import language_lead

pytestmark = pytest.mark.model


def page_text(index_dir: Path) -> str:
    return "\n".join(p.text for p in open_index(index_dir).pages.values())


def test_a_spanish_question_the_page_answers_quotes_it_verbatim_after_a_spanish_line(
    real_responder, shipped_index_dir: Path
):
    reply = real_responder.reply("¿Se puede combinar la ketamina con la terapia TMS?")
    assert reply.kind == "answer", reply.notes
    assert reply.answer.startswith("Nuestras páginas están en inglés")
    text = page_text(shipped_index_dir)
    assert reply.citations and any("TMS" in c.quote for c in reply.citations)
    for citation in reply.citations:
        assert citation.quote in text  # the English sentence, verbatim
        assert f"{citation.quote} [{citation.n}]" in reply.answer
    assert reply.answer.endswith(replies.text("reminder", "es"))  # "no un consejo médico"
    assert "not medical advice" not in reply.answer


def test_an_english_answer_has_no_language_line(real_responder):
    reply = real_responder.reply("Is Spravato used for migraines?")
    assert reply.kind == "answer"
    assert "Our pages are in English" not in reply.answer
    assert "inglés" not in reply.answer


def test_a_spanish_question_the_page_does_not_answer_gets_the_fallback_in_spanish(real_responder):
    reply = real_responder.reply("¿Tienen estacionamiento para pacientes?")
    assert reply.kind == "fallback"
    # Read through its English gloss ("have parking for patients?"), the focus check names
    # what the page lacks, in Spanish (bot/answer/spanish.py).
    assert reply.answer.startswith("Nuestra página “")
    assert "no menciona estacionamiento o cómo llegar" in reply.answer
    assert "Lo siento, nuestras páginas no responden a eso" in reply.answer
    assert "I'm sorry" not in reply.answer and "Our team can help" not in reply.answer
    assert "Nuestras páginas están en inglés" not in reply.answer
    assert reply.answer.endswith("llame o envíe un mensaje de texto al 988.")


def test_a_german_question_the_page_does_not_answer_gets_the_english_fallback(real_responder):
    reply = real_responder.reply("Gibt es bei Ihnen Parkplätze für Patienten?")
    assert reply.kind == "fallback"
    assert reply.answer.startswith("I'm sorry, our pages don't answer that")
    assert "This clinic's chat answers in English and Spanish." in reply.answer
    assert reply.answer.endswith("If this is an emergency call 911; in crisis call or text 988.")


def test_languages_without_their_own_line_get_the_english_one():
    assert language_lead("en") == ""
    assert language_lead("es").startswith("Nuestras páginas están en inglés")
    assert language_lead("de") == "Our pages are in English; this is what they say:"
