"""The focus check: a question's intent (cost, side effects, hours...) and what gives it."""

from __future__ import annotations

import pytest

from bot.answer import focus

# One row per intent of bot/answer/data/intents.json: a question that asks for it, a sentence
# that gives it, and a sentence on the same topic that does not.
ROWS = [
    (
        "cost",
        "how much does an infusion cost?",
        "Each infusion is $450.",
        "Infusions relieve pain.",
    ),
    ("side_effects", "any side effects?", "Common side effects include nausea.", "It treats OCD."),
    (
        "duration",
        "how long does the drip take",
        "An infusion takes 40 minutes.",
        "It is an IV drip.",
    ),
    ("schedule", "are you open saturday mornings", "Open Monday to Saturday.", "We treat pain."),
    ("contact", "what's your phone number", "Call us at 410-555-0100.", "We are in Annapolis."),
    ("people", "who are the doctors at the clinic", "Dr. Lee leads our team.", "We offer TMS."),
    ("success_rate", "what's the success rate", "About 70% of patients improve.", "It may help."),
    ("location", "where is your office", "We are in Annapolis, MD.", "We treat migraines."),
    ("street_address", "what's the street address", "We're at 12 Holly Ave.", "We treat pain."),
    ("parking", "is there parking", "Free parking is behind the building.", "We are downtown."),
    ("age", "is there a minimum age", "We treat adults 18 and older.", "Migraines are common."),
]


def test_every_intent_of_the_table_has_a_row_here():
    assert {i.name for i in focus.intents()} == {row[0] for row in ROWS}


@pytest.mark.parametrize("name, question, gives, lacks", ROWS)
def test_an_intent_is_met_only_by_a_sentence_that_gives_it(name, question, gives, lacks):
    assert name in [i.name for i in focus.asked(question)]
    assert name not in [i.name for i in focus.unmet(question, [gives])]
    assert name in [i.name for i in focus.unmet(question, [lacks])]


@pytest.mark.parametrize(
    "question",
    ["does ketamine help migraines", "tell me about TMS", "can it help my depression too"],
)
def test_plain_topic_questions_have_no_particular_intent(question):
    assert focus.asked(question) == []
    assert focus.focus_score(question, ["anything"]) == 0.0


def test_focus_score_is_negative_when_the_asked_kind_of_information_is_missing():
    assert focus.focus_score("what does it cost", ["Ketamine is given by IV."]) == -1.0
    assert focus.focus_score("what does it cost", ["It costs $400."]) == 1.0


@pytest.mark.parametrize(
    "sentence",
    [
        "Emerging research supports what many ketamine doctors already know.",
        "Patients should consult their healthcare providers for guidance.",
    ],
)
def test_a_sentence_that_only_mentions_doctors_does_not_say_who_the_staff_are(sentence):
    assert focus.focus_score("who are the doctors at your clinic", [sentence]) == -1.0


# Written for this test in the ways visitors ask where a clinic is (none is an eval question).
WHERE_IS_THE_CLINIC = [
    "where's the clinic",
    "whereabouts is your office",
    "is your office in annapolis",
    "which part of maryland are you in",
    "do yall see people from delaware",
    "how far are you from alexandria va",
    "do you have an office near silver spring",
    "is there a ketamine clinic near me",
    "¿dónde se encuentra la clínica?",
    "¿en qué ciudad están?",
]
# ... and questions that use the same words about something else.
NOT_ABOUT_WHERE = [
    "are you in network with aetna",
    "are you in person or online",
    "do you serve veterans",
    "where do you get ketamine from",
    "where are you getting your ketamine",
    "which area of the brain does ketamine affect",
    "what state is ketamine legal in",
    "which ER near me has the shortest wait",
    "does it address the emotional side too",
]


@pytest.mark.parametrize("question", WHERE_IS_THE_CLINIC)
def test_questions_about_where_the_clinic_is_ask_for_its_location(question):
    assert "location" in [i.name for i in focus.asked(question)]


@pytest.mark.parametrize("question", NOT_ABOUT_WHERE)
def test_the_same_words_about_something_else_do_not(question):
    assert not {"location", "street_address"} & {i.name for i in focus.asked(question)}


def test_a_decisive_intent_is_settled_by_the_first_sentence_that_gives_it():
    sentences = ["We treat migraines.", "Our office is in Annapolis, MD.", "We are in Bowie, MD."]
    intent, rank = focus.settling("where r u", sentences)
    assert (intent.name, rank) == ("location", 1)
    assert focus.settling("where r u", ["We treat migraines."]) is None
    # Only decisive intents settle: a price question is still the model's call.
    assert focus.settling("how much is it", ["Each infusion is $450."]) is None
