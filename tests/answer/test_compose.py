"""Extractive composition: verbatim sentences, numbered citations, the confidence rule."""

from __future__ import annotations

import numpy as np
import pytest

from bot.answer import compose
from bot.answer.retrieve import Hit
from bot.answer.text import expand_query_terms, expand_query_text, light_stem, word_synonyms
from bot.answer.text import vocabulary as text_vocabulary
from bot.types import Chunk

TEXT = (
    "Intranasal ketamine spray and intravenous (IV) ketamine infusion are two of the main "
    "methods. Both methods have shown promise in providing rapid pain relief."
)


def chunk(text: str = TEXT, cid: str = "c1", source: str = "page") -> Chunk:
    return Chunk(cid, source, "Title", "", text, 100, 100 + len(text), "v1")


def test_sentences_are_verbatim_spans_of_the_chunk():
    c = chunk()
    spans = compose.sentences(c)
    assert [s.text for s in spans] == [
        "Intranasal ketamine spray and intravenous (IV) ketamine infusion are two of the main "
        "methods.",
        "Both methods have shown promise in providing rapid pain relief.",
    ]
    assert all(c.text[s.start : s.end] == s.text for s in spans)


def test_a_sentence_that_points_back_is_quoted_with_its_antecedent():
    c = chunk()
    both = compose.sentences(c)[1]
    widened = compose.select([(0.9, both)])
    assert widened[0].text == TEXT


def test_citations_are_numbered_by_relevance_and_merge_adjacent_sentences():
    a = chunk(cid="a", source="one")
    b = chunk("Spravato is a nasal spray. It is not indicated for migraines.", "b", "two")
    first, second = compose.sentences(a)
    citations = compose.cite(
        [compose.sentences(b)[0], first, second], lambda c, q: f"/k/{c.source}"
    )
    assert [c.n for c in citations] == [1, 2]
    assert citations[0].quote == "Spravato is a nasal spray."
    assert citations[1].quote == TEXT  # the two adjacent sentences became one span
    assert citations[1].passage == a.text and citations[1].url == "/k/one"


def test_answer_text_puts_markers_after_each_quote_and_ends_with_the_reminder():
    citations = compose.cite(compose.sentences(chunk())[:1], lambda c, q: None)
    text = compose.answer_text(
        citations, lead="If you are in crisis, call or text 988.", reminder="Not advice."
    )
    assert text.startswith("If you are in crisis")
    assert "main methods. [1]" in text
    assert text.endswith("[1]\n\nNot advice.")


def test_the_reminder_can_be_left_out_once_the_conversation_has_shown_it():
    citations = compose.cite(compose.sentences(chunk())[:1], lambda c, q: None)
    text = compose.answer_text(citations, reminder="")
    assert text.endswith("[1]")


def test_unknown_terms_ignore_question_scaffolding_and_honour_synonyms():
    vocabulary = text_vocabulary(TEXT + " imitrex triptan cost")
    assert compose.unknown_terms("What are the ways ketamine can be given?", vocabulary) == ()
    assert compose.unknown_terms("Is Spravato covered?", vocabulary) == ("covered",)
    assert compose.unknown_terms("Does sumatriptan work?", vocabulary) == ()
    assert compose.unknown_terms("Does ketamine cause hallucinations?", vocabulary) == (
        "cause",
        "hallucinations",
    )


@pytest.mark.parametrize(
    ("question", "page", "unknown"),
    [
        ("Is ketamine addictive?", "Ketamine is used for PTSD and addiction.", ("addictive",)),
        ("Can you get addicted to it?", "Used for depression, addiction and OCD.", ("addicted",)),
        ("Are infusions painful?", "Infusions relieve migraine pain.", ("painful",)),
        ("Is it effective?", "Side effects are mild.", ("effective",)),
        ("Does it treat addictions?", "It is used for addiction.", ()),
        ("Is it used for migraines?", "Ketamine is being used to treat a migraine.", ()),
        ("Has it been tried for cluster headaches?", "Doctors try it for a cluster headache.", ()),
    ],
)
def test_a_question_word_counts_in_any_inflection_but_not_in_a_derived_form(
    question: str, page: str, unknown: tuple[str, ...]
) -> None:
    assert compose.unknown_terms(question, text_vocabulary(page)) == unknown


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("migraine", "migraines"),
        ("use", "using"),
        ("used", "uses"),
        ("try", "tried"),
        ("stop", "stopping"),
        ("therapy", "therapies"),
        ("addiction", "addictions"),
        ("covered", "covers"),
        ("rapid", "rapidly"),
        ("ketamine", "ketamine's"),
    ],
)
def test_light_stem_joins_the_inflections_of_a_word(a: str, b: str) -> None:
    assert light_stem(a) == light_stem(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [("addictive", "addiction"), ("painful", "pain"), ("effective", "effects")],
)
def test_light_stem_keeps_derived_words_apart(a: str, b: str) -> None:
    assert light_stem(a) != light_stem(b)


def test_patient_synonyms_expand_queries():
    assert "esketamin" in expand_query_terms("Is Spravato covered?")
    assert "intraven" in expand_query_terms("Do you do IV treatment?")
    assert "sumatriptan" in expand_query_text("imitrex")


def test_sentences_scored_by_similarity_and_shared_words():
    c = chunk()
    hits = [Hit(c, 0.03, 0.5, 1.0)]

    def embed(texts):
        return np.array([[1.0, 0.0] if "rapid" in t else [0.0, 1.0] for t in texts])

    scored = compose.score_sentences("rapid relief?", np.array([1.0, 0.0]), hits, embed)
    assert scored[0][1].text.startswith("Both methods")
    assert scored[0][0] > scored[1][0]


def test_a_question_on_the_page_is_never_quoted_as_an_answer():
    c = chunk("Have you ever had a migraine? Migraines often come with nausea.")
    hits = [Hit(c, 0.03, 0.5, 1.0)]

    def embed(texts):  # the page's question is the closest, as a real model often finds
        return np.array([[1.0, 0.0] if t.endswith("?") else [0.6, 0.8] for t in texts])

    scored = compose.score_sentences(
        "Do migraines come with nausea?", np.array([1.0, 0.0]), hits, embed
    )
    assert [s.text for _, s in scored] == ["Migraines often come with nausea."]


def test_a_how_fast_question_prefers_a_sentence_that_states_a_speed_or_a_time():
    question = "how soon does it work?"
    for timed in ("It brings rapid relief.", "Relief comes within hours.", "It works in 2 days."):
        assert compose.answer_type_bonus(question, timed) > 0
    assert compose.answer_type_bonus(question, "It works by blocking receptors.") == 0
    assert compose.answer_type_bonus("does it work?", "It brings rapid relief.") == 0


@pytest.mark.parametrize(
    ("question", "word", "expected", "not_expected"),
    [
        ("Who can I talk to about side effects?", "talk", "consult", "psychotherapy"),
        ("Do you offer talk therapy?", "talk", "psychotherapy", "consult"),
        ("Do you offer talk therapy?", "therapy", "treatment", "consult"),
    ],
)
def test_a_two_word_synonym_entry_fixes_the_sense_of_its_words(
    question: str, word: str, expected: str, not_expected: str
) -> None:
    synonyms = dict(word_synonyms(question))[word]
    assert expected in synonyms and not_expected not in synonyms


def test_a_word_outside_its_two_word_entries_gets_no_synonym():
    assert dict(word_synonyms("Can I talk about my fears?"))["talk"] == ()


LIST_PAGE = (
    "Ketamine is given in two ways:\n\n- by IV infusion\n- as a nasal spray (Spravato)\n\n"
    "Each session is monitored."
)


@pytest.mark.parametrize("picked", [0, 1, 2])
def test_a_quoted_list_item_or_opening_line_shows_the_whole_list(picked):
    page = Chunk("l1", "list", "List", "", LIST_PAGE, 0, len(LIST_PAGE), "v1")
    found = compose.sentences(page)
    chosen = compose.select([(1.0, found[picked])])
    assert chosen[0].text == LIST_PAGE.split("\n\nEach")[0]
    assert chosen[0].text in LIST_PAGE  # still verbatim


def test_a_sentence_after_a_list_is_quoted_alone():
    page = Chunk("l1", "list", "List", "", LIST_PAGE, 0, len(LIST_PAGE), "v1")
    last = compose.sentences(page)[-1]
    assert compose.select([(1.0, last)])[0].text == "Each session is monitored."
