"""Extractive answers: pick the page sentences that answer, cite them verbatim, or decline.

No language model: the answer *is* the clinic's own sentences, each followed by its [n] marker,
so every factual sentence shown is a verbatim, cited span of a page. Whether those sentences
really answer the question (`answer`) or the pages are silent (`fallback`) is decided by
bot.answer.answerability.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from bot.answer.retrieve import Hit
from bot.answer.text import (
    STOP_WORDS,
    content_terms,
    light_stem,
    term_groups,
    word_synonyms,
)
from bot.sentences import SentenceTable, sentence_spans
from bot.types import Chunk, Citation

SECOND_SENTENCE_MARGIN = 0.08  # a further sentence must score within this of the best
MAX_SENTENCES = 3
CANDIDATE_CHUNKS = 6

_ASKS_REASON = re.compile(r"^(why|how come)\b|\bhow does .* work\b|\bwhat makes\b")
_GIVES_REASON = re.compile(
    r"\b(because|due to|since|so that|as a result|works by|by (\w+ing))\b", re.I
)
# "How fast / how soon" is answered by a speed or a time, as "why" is by a reason: a sentence
# that states none answers another question, however close its words (same bonus as a reason).
_ASKS_SPEED = re.compile(r"^how (fast|quickly|soon|long)\b")
_GIVES_SPEED = re.compile(
    r"\b(rapid(ly)?|quick(ly)?|fast(er)?|immediate(ly)?|instant(ly)?|within|seconds?|minutes?|"
    r"hours?|days?|weeks?|months?)\b",
    re.I,
)
# A page's own question ("Have you ever had a migraine?") never answers the visitor's.
_QUESTION_SENTENCE = re.compile(r"\?[\"'”’)\]]*$")
# Sentences that only make sense with the one before them.
# Lists and headings, so a quote shows a list whole (with the line that introduces it) and a
# heading is never quoted as if it were an answer.
_LIST_ITEM = re.compile(r"^\s*(?:[-*•]|\d{1,2}[.)])\s+")
_LIST_INTRO = re.compile(r":\s*(?:[-*•]\s|$)")
_HEADING = re.compile(r"^#{1,6}\s")
MAX_LIST_CHARS = 600  # a list quoted whole up to this length; longer ones end at an item
_ANAPHORIC_START = re.compile(
    r"^(this|these|those|both|it|they|such|that|them|the latter|the former)\b", re.I
)
# Question scaffolding and everyday words: what a question is *about* is rarely one of these, so
# the pages not using them says nothing ("what does X stand for", "the ways it can be given").
GENERIC_WORDS = STOP_WORDS | frozenset(
    [
        "really",
        "actually",
        "currently",
        "possibly",
        "probably",
        "usually",
        "generally",
        "ever",
        "still",
        "also",
        "always",
        "kind",
        "kinds",
        "sort",
        "sorts",
        "type",
        "types",
        "way",
        "ways",
        "thing",
        "things",
        "stuff",
        "example",
        "examples",
        "option",
        "options",
        "people",
        "person",
        "someone",
        "anyone",
        "everyone",
        # indefinite pronouns and degree words: function words of any question
        "else",
        "nothing",
        "anything",
        "something",
        "everything",
        "whatever",
        "least",
        "now",
        "patient",
        "patients",
        "use",
        "used",
        "using",
        "uses",
        "need",
        "needs",
        "needed",
        "treatment",
        "treatments",
        "treat",
        "treated",
        "help",
        "helps",
        "helped",
        "work",
        "works",
        "worked",
        "good",
        "better",
        "best",
        "new",
        "offer",
        "offers",
        "offered",
        "provide",
        "provides",
        "provided",
        "give",
        "given",
        "gives",
        "giving",
        "stand",
        "stands",
        "mean",
        "means",
        "meaning",
        "called",
        "call",
        "say",
        "says",
        "said",
        "tell",
        "explain",
        "describe",
        "define",
        "definition",
        "info",
        "information",
        "learn",
        "know",
        "go",
        "going",
        "come",
        "make",
        "makes",
        "made",
        "able",
        "possible",
        "exactly",
        "common",
        "hi",
        "hello",
        "hey",
        "thanks",
        "thank",
        "ok",
        "okay",
        "yes",
        "question",
        "questions",
        "wondering",
        "wonder",
        "curious",
        "along",
        "together",
        "alongside",
        "combined",
        "plus",
        "besides",
        "happen",
        "happens",
        "happened",
        "happening",
        "try",
        "trying",
        "tried",
        "start",
        "starting",
        "started",
        "begin",
        "beginning",
    ]
)
LEXICAL_WEIGHT = 0.25  # share of question terms found in a sentence, added to its cosine
SYNONYM_CREDIT = 0.3  # a synonym covers a question word less well than the word itself
ANSWER_TYPE_BONUS = 0.05
REASON_BONUS = 0.2  # a why-question is answered by a reason, not by its own words echoed
PASSAGE_MARGIN = 0.2  # the top passage's best sentence is cited too if this close
CONTEXT_WEIGHT = 0.0  # weight of the whole passage's similarity in a sentence's score
RANK_PENALTY = 0.0  # per place down the fused ranking (CV chose none: the sentence decides)
# Question forms and the sentence forms that answer them (classic answer-type cues).
ANSWER_TYPES = [
    (
        re.compile(r"^how (many|much|often)\b"),
        re.compile(
            r"\b(\d+|one|two|three|four|five|six|single|series|millions?|thousands?)\b", re.I
        ),
    ),
    (
        re.compile(r"^(what (is|are|does)|define)\b"),
        re.compile(r"\b(is|are) (a|an|the)\b|\bstands? for\b|, or [A-Z]{2,}\b|\(", re.I),
    ),
]


@dataclass(frozen=True)
class Sentence:
    """A sentence of a chunk with its offsets inside the chunk text."""

    chunk: Chunk
    start: int
    end: int
    row: int = field(default=-1, compare=False)  # its vector in the SentenceTable; -1: none

    @property
    def text(self) -> str:
        return self.chunk.text[self.start : self.end]


def sentences(chunk: Chunk, table: SentenceTable | None = None) -> list[Sentence]:
    """The chunk's sentences as verbatim spans: as split and stored at ingest when the version
    has them (`table`), else split now by the same function (bot.sentences)."""
    stored = table.spans.get(chunk.chunk_id) if table is not None else None
    if stored is not None:
        return [Sentence(chunk, s, e, row) for s, e, row in stored]
    return [Sentence(chunk, s, e) for s, e in sentence_spans(chunk.text)]


def sentence_vectors(
    found: Sequence[Sentence],
    table: SentenceTable | None,
    embed: Callable[[Sequence[str]], np.ndarray],
) -> np.ndarray:
    """The sentences' vectors: stored at ingest if the version has them, else embedded now."""
    if table is not None and found and all(s.row >= 0 for s in found):
        return table.vectors_of([s.row for s in found])
    return embed([s.text for s in found])


def unknown_terms(question: str, vocabulary: frozenset[str]) -> tuple[str, ...]:
    """Question words the pages never use (nor any synonym): a sign they don't cover it.

    `vocabulary` holds the pages' light stems (`text.vocabulary`): a word counts as used in any
    inflection, not in a derived form ("addiction" on a page does not cover "addictive").
    """
    missing: list[str] = []
    for word, synonyms in word_synonyms(question):
        if word in GENERIC_WORDS or len(word) < 3 or word.isdigit():
            continue
        candidates = [light_stem(w) for w in (word, *synonyms)]
        if not any(c in vocabulary for c in candidates):
            missing.append(word)
    return tuple(missing)


def covered_share(
    groups: Sequence[tuple[str, frozenset[str]]], text: str, idf: Callable[[str], float]
) -> float:
    """IDF-weighted share of the question's topic words that the text uses (synonyms count less)."""
    if not groups:
        return 0.0
    present = set(content_terms(text))
    total = covered = 0.0
    for word, synonyms in groups:
        weight = max([idf(word), *(idf(t) for t in synonyms)])
        total += weight
        if word in present:
            covered += weight
        elif synonyms & present:
            covered += SYNONYM_CREDIT * weight
    return covered / total if total > 0 else 0.0


def answer_type_bonus(question: str, sentence: str) -> float:
    """A nudge for sentences of the kind the question word asks for (why -> a reason, ...)."""
    q = question.lower()
    bonus = sum(
        ANSWER_TYPE_BONUS
        for asks, gives in ANSWER_TYPES
        if asks.search(q) and gives.search(sentence)
    )
    if _ASKS_REASON.search(q) and _GIVES_REASON.search(sentence):
        bonus += REASON_BONUS
    if _ASKS_SPEED.search(q) and _GIVES_SPEED.search(sentence):
        bonus += REASON_BONUS
    return bonus


def is_candidate(text: str) -> bool:
    """The page's own questions and its headings answer nothing: never quoted."""
    return not _QUESTION_SENTENCE.search(text) and not _HEADING.match(text)


def score_sentences(
    question: str,
    question_vector: np.ndarray,
    hits: Sequence[Hit],
    embed: Callable[[Sequence[str]], np.ndarray],
    idf: Callable[[str], float] = lambda term: 1.0,
    table: SentenceTable | None = None,
) -> list[tuple[float, Sentence]]:
    """Cosine similarity of each candidate sentence to the question, plus the words it shares.

    `table` holds the sentences and vectors computed at ingest; `embed` is only called for a
    version published without them.
    """
    groups = term_groups(question)
    candidates = [
        s
        for hit in hits[:CANDIDATE_CHUNKS]
        for s in sentences(hit.chunk, table)
        if is_candidate(s.text)
    ]
    if not candidates:
        return []
    vectors = sentence_vectors(candidates, table, embed)
    sims = (
        vectors @ question_vector
        + LEXICAL_WEIGHT * np.array([covered_share(groups, s.text, idf) for s in candidates])
        + np.array([answer_type_bonus(question, s.text) for s in candidates])
    )
    # The passage around a sentence counts too: its own similarity and its fused rank.
    context = {
        hit.chunk.chunk_id: CONTEXT_WEIGHT * hit.dense - RANK_PENALTY * r
        for r, hit in enumerate(hits)
    }
    scored = [
        (float(sim) + context[s.chunk.chunk_id], s) for sim, s in zip(sims, candidates, strict=True)
    ]
    return sorted(scored, key=lambda pair: -pair[0])


def select(
    scored: Sequence[tuple[float, Sentence]],
    top_passage: Chunk | None = None,
    table: SentenceTable | None = None,
) -> list[Sentence]:
    """The best sentence plus close runners-up, each widened to its antecedent if needed.

    When the passage ranked first by retrieval (whole-passage evidence) holds none of them, its
    best sentence is cited too if it is close: the two signals disagreeing is worth showing.
    """
    if not scored:
        return []
    best = scored[0][0]
    chosen: list[Sentence] = []
    for score, sentence in scored:
        if len(chosen) >= MAX_SENTENCES or score < best - SECOND_SENTENCE_MARGIN:
            break
        _add(chosen, sentence, table)
    if top_passage is not None and all(c.chunk != top_passage for c in chosen):
        for score, sentence in scored:
            if sentence.chunk == top_passage:
                if score >= best - PASSAGE_MARGIN:
                    if len(chosen) >= MAX_SENTENCES:
                        chosen.pop()
                    _add(chosen, sentence, table)
                break
    return chosen


def _add(chosen: list[Sentence], sentence: Sentence, table: SentenceTable | None) -> None:
    sentence = _with_list(_with_antecedent(sentence, table), table)
    if not any(_overlaps(sentence, c) for c in chosen):
        chosen.append(sentence)


def _with_list(sentence: Sentence, table: SentenceTable | None) -> Sentence:
    """A list item or a list's opening line, widened to the opening line and its items (with
    the sentences that continue an item), up to MAX_LIST_CHARS."""
    found = sentences(sentence.chunk, table)
    inside = [n for n, s in enumerate(found) if s.start < sentence.end and sentence.start < s.end]
    if not inside:
        return sentence
    i, j = inside[0], inside[-1]

    def item(n: int) -> bool:
        return 0 <= n < len(found) and bool(_LIST_ITEM.match(found[n].text))

    def intro(n: int) -> bool:
        return 0 <= n < len(found) and bool(_LIST_INTRO.search(found[n].text))

    if not (item(i) or intro(i) or intro(j)):
        return sentence
    k = i
    while k > 0 and not intro(k) and (item(k) or item(k - 1) or intro(k - 1)):
        k -= 1
    start = found[k].start if intro(k) else sentence.start
    end, n = max(found[j].end, sentence.end), j + 1
    while (item(n) or item(n + 1)) and found[n].end - start <= MAX_LIST_CHARS:
        end, n = found[n].end, n + 1
    return Sentence(sentence.chunk, min(start, sentence.start), end)


def _with_antecedent(sentence: Sentence, table: SentenceTable | None) -> Sentence:
    if not _ANAPHORIC_START.match(sentence.text):
        return sentence
    previous = [s for s in sentences(sentence.chunk, table) if s.end <= sentence.start]
    if not previous:
        return sentence
    return Sentence(sentence.chunk, previous[-1].start, sentence.end)


def _overlaps(a: Sentence, b: Sentence) -> bool:
    return a.chunk.chunk_id == b.chunk.chunk_id and a.start < b.end and b.start < a.end


def cite(chosen: Sequence[Sentence], link: Callable[[Chunk, str], str | None]) -> list[Citation]:
    """One citation per chosen span, in reading order per page; adjacent spans merged."""
    ordered = sorted(chosen, key=lambda s: (s.chunk.source, s.chunk.start + s.start))
    merged: list[Sentence] = []
    for s in ordered:
        last = merged[-1] if merged else None
        gap = s.chunk.text[last.end : s.start] if last and last.chunk == s.chunk else None
        if last is not None and gap is not None and gap.strip() == "":
            merged[-1] = Sentence(s.chunk, last.start, s.end)
        else:
            merged.append(s)
    # Keep the order of relevance for numbering: the best sentence is [1].
    rank = {id(s): i for i, s in enumerate(chosen)}

    def first_rank(m: Sentence) -> int:
        return min((rank[id(s)] for s in chosen if _overlaps(s, m) or s == m), default=len(chosen))

    merged.sort(key=first_rank)
    return [
        Citation(
            n=i,
            source=m.chunk.source,
            title=m.chunk.title,
            url=link(m.chunk, m.text),
            quote=m.text,
            passage=m.chunk.text,
            chunk_id=m.chunk.chunk_id,
            page_version=m.chunk.page_version,
        )
        for i, m in enumerate(merged, start=1)
    ]


def answer_text(
    citations: Sequence[Citation], lead: str = "", note: str = "", reminder: str = ""
) -> str:
    """The visitor-facing answer: the quoted sentences with their markers, a `note` (what the
    pages do not cover), then the "not medical advice" `reminder` in the visitor's language
    ("" once the visitor has seen it: it is shown once per conversation)."""
    body = " ".join(f"{c.quote} [{c.n}]" for c in citations)
    parts = [p for p in (lead, body, note, reminder) if p]
    return "\n\n".join(parts)
