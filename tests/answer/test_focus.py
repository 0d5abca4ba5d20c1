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


# Issue 14, pattern bugs. Every alternative of a pattern ends a word: "fees?" once matched the
# start of "feel", so "will i feel ok after" read as a price question. Written for the tests.
COST_WORDINGS = [
    "what are your fees",
    "is it affordable",
    "is ketamine pricey",
    "will i be charged for the consult",
    "is it cheaper than spravato",
]
NOT_COST = [
    "will i feel better after the first infusion",
    "what does the drip feel like",
    "can i eat or feed my baby after",
    "my feet get cold during migraines",
    "does a costume party trigger migraines",
]


def _words_cut_short(pattern, words):
    return [w for w in words for m in pattern.finditer(w) if m.end() < len(w)]


def test_no_pattern_matches_only_the_start_of_a_word():
    words = ["feel", "feeling", "feedback", "feet", "costume", "costco", "priceless", "charger"]
    words += ["percentile", "dangerously", "hurtful", "safekeeping", "parkway", "hourglass"]
    for intent in focus.intents():
        for pattern in (intent.asks, intent.gives):
            assert _words_cut_short(pattern, words) == [], (intent.name, pattern.pattern[:40])


# Pain *of the treatment* is a side-effect question; pain as the visitor's condition is not.
TREATMENT_PAIN = [
    "does the iv hurt",
    "will it hurt",
    "is the infusion painful",
    "do migraine nerve blocks hurt",
    "is the first ketamine drip painful",
    "do the shots sting",
    "is getting the needle put in painful",
    "any pain during the injection?",
    "can ketamine hurt my bladder",
]
CONDITION_PAIN = [
    "my head hurts every day, can ketamine help",
    "it hurts behind my eye when a migraine starts",
    "how painful is a cluster headache",
    "will my migraines hurt less after the infusions",
    "does bright light hurt more during an attack",
    "would it hurt to ask my neurologist about ketamine",
]

# A minor's age asks whether the clinic treats someone that young; an adult's age, or how long
# the migraines have lasted, does not.
MINOR_AGE = [
    "my 16 year old has migraines, can she get ketamine",
    "do you see a 12-year-old for chronic migraine",
    "is it ok for a 17 yr old",
]
OTHER_YEARS = [
    "i am 45 years old, does ketamine work for migraines",
    "i have had migraines for 10 years",
    "how many years has ketamine been used",
]


READ_OR_NOT = [
    *(("cost", q, True) for q in COST_WORDINGS),
    *(("cost", q, False) for q in NOT_COST),
    *(("side_effects", q, True) for q in TREATMENT_PAIN),
    *(("side_effects", q, False) for q in CONDITION_PAIN),
    *(("age", q, True) for q in MINOR_AGE),
    *(("age", q, False) for q in OTHER_YEARS),
]


@pytest.mark.parametrize(("intent", "question", "reads"), READ_OR_NOT)
def test_an_intent_is_read_only_where_the_question_asks_for_it(intent, question, reads):
    """Cost wordings ask for the cost, "feel" or "costume" do not; pain *of the treatment* asks
    for side effects, pain as the visitor's condition does not; a minor's age asks about age."""
    assert (intent in [i.name for i in focus.asked(question)]) == reads
