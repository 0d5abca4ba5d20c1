"""From a visitor's message to the Reply the chat shows: triage, retrieval, composition."""

from __future__ import annotations

import logging
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from urllib.parse import quote

import numpy as np

from bot import triage
from bot.answer import answerability, compose, focus, intent_model, parts, spanish
from bot.answer.retrieve import Hit, Retriever, diversify
from bot.answer.text import content_terms, words
from bot.embed import Embedder, RememberingEmbedder
from bot.sentences import SentenceTable
from bot.settings import Settings
from bot.triage import replies as triage_replies
from bot.triage.conversation import triage_turn
from bot.triage.embedding import embedding_text
from bot.triage.normalise import normalise
from bot.types import Chunk, Reply, Retrieved

log = logging.getLogger(__name__)

RETRIEVED_SHOWN = 5
# The reply kind each triage kind is shown as (a question goes on to retrieval).
TRIAGE_REPLY_KIND = {
    "emergency": "emergency",
    "advice": "refusal",
    "appointment": "appointment",
    "smalltalk": "fallback",
}

# Follow-ups lean on the previous question: pronouns and elliptical openings.
_FOLLOW_UP = re.compile(
    r"\b(it|its|they|them|their|this|that|those|these|one|ones|there)\b|"
    r"^(and|what about|how about|how many|how long|how often|how much|is that|are they|"
    r"does it|do they|can it|will it|would i|do i|should i)\b",
    re.I,
)
# A question that points at its subject ("does it work quickly") with few words of its own.
_POINTING = re.compile(r"\b(it|its|this|that|they|them)\b", re.I)
POINTING_TOPIC_WORDS = 3


class IndexSource:
    """Anything that hands out the currently served index version (bot.index.IndexWatcher)."""

    def current(self):  # pragma: no cover - protocol documentation only
        raise NotImplementedError


def page_link(chunk: Chunk, quote_text: str, root_path: str = "") -> str:
    """A link that scrolls to the quote: the canonical URL (or our page view) + a text fragment."""
    base = chunk.url or f"{root_path.rstrip('/')}/knowledge/{chunk.source}"
    tokens = quote_text.split()
    if len(tokens) > 8:
        fragment = f"{_enc(' '.join(tokens[:4]))},{_enc(' '.join(tokens[-4:]))}"
    else:
        fragment = _enc(quote_text)
    return f"{base}#:~:text={fragment}"


def _enc(text: str) -> str:
    return quote(text, safe="")


def retrieval_query(message: str, history: Sequence[str]) -> str:
    """The message, joined with the previous question when it is a follow-up that needs it."""
    if not history:
        return message
    previous = history[-1]
    terse = len(content_terms(message)) <= 2
    if _FOLLOW_UP.search(message) and (terse or len(words(message)) <= 8):
        return f"{previous} {message}"
    return message


class Responder:
    """Answers messages from the served index; reloads itself when a new version is published."""

    def __init__(self, index_source, embedder: Embedder, settings: Settings | None = None):
        self.index_source = index_source
        self.embedder = embedder
        # Triage embeds the question first; retrieval asking for the same text reuses it.
        self.query_embedder = RememberingEmbedder(embedder)
        self.settings = settings or Settings()
        self._retriever: Retriever | None = None
        self._lock = threading.Lock()
        self._sentence_cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self.phraser: Callable[[str, Reply], Reply] | None = None  # optional LLM (bot.answer.llm)
        self.answer_model: answerability.Model | None = None  # None: the shipped model
        triage.load()  # a bad rule, exemplar or model file stops start-up here

    # -- plumbing -------------------------------------------------------------------
    def retriever(self) -> Retriever:
        index = self.index_source.current()
        with self._lock:
            if self._retriever is None or self._retriever.index is not index:
                self._retriever = Retriever(index, self.query_embedder)
            return self._retriever

    def embed_sentences(self, texts: Sequence[str]) -> np.ndarray:
        """Sentence vectors for versions published without them, cached: the same page
        sentences come back query after query."""
        missing = [t for t in dict.fromkeys(texts) if t not in self._sentence_cache]
        if missing:
            for text, vec in zip(missing, self.embedder.embed(missing), strict=True):
                self._sentence_cache[text] = vec
            while len(self._sentence_cache) > 20_000:
                self._sentence_cache.popitem(last=False)
        return np.vstack([self._sentence_cache[t] for t in texts])

    def contact_suffix(self, lang: str = "en") -> str:
        """ ", or contact us at …" in the visitor's language; "" when the clinic published none."""
        contact = self.settings.clinic_contact.strip()
        return triage_replies.text("contact", lang, contact=contact) if contact else ""

    # -- the work ---------------------------------------------------------------------
    def reply(self, message: str, history: Sequence[str] = (), remind: bool = True) -> Reply:
        """The reply to one visitor message; `history` holds their earlier questions.

        `remind`: end an answer with the "general information, not medical advice" reminder;
        the chat passes False once the conversation has shown it.
        """
        started = time.perf_counter()
        reply = self._reply(message, history, remind)
        if self.phraser is not None and reply.kind == "answer":
            reply = self.phraser(message, reply)
        elapsed = (time.perf_counter() - started) * 1000
        return _with_latency(reply, elapsed)

    def _reply(self, message: str, history: Sequence[str], remind: bool = True) -> Reply:
        # First: emergencies never wait for retrieval; one told over several messages counts.
        verdict = triage_turn(message, history, self.triage_tokens(message))
        if verdict.kind != "question":
            kind = TRIAGE_REPLY_KIND[verdict.kind]
            text = triage_replies.reply_text(verdict)
            return Reply(message, kind, text, notes=(verdict.reason,))  # type: ignore[arg-type]

        question = normalise(message)
        query = retrieval_query(question, [normalise(h) for h in history])
        lead = triage_replies.topic_notice(verdict)
        reply = self.answer_from_pages(message, query, lead=lead, remind=remind, lang=verdict.lang)
        if reply.kind == "fallback":
            reply = replace(reply, answer=triage_replies.non_answer(reply.answer, verdict.lang))
        return reply

    def triage_tokens(self, message: str) -> np.ndarray | None:
        """The message's token vectors for triage's embedding layer, from the encoder retrieval
        uses (their pooled vector is remembered, so retrieval of the same text does not encode
        it again). None when the shipped layer reads another encoder's vectors or no encoder is
        available (no index yet, a damaged one, one without token vectors): triage then runs
        on its rules and n-grams alone."""
        wanted = triage.embedding_encoder()
        if wanted is None or self.embedder is None:
            return None
        try:
            if self.query_embedder.name != wanted:
                return None
            return self.query_embedder.tokens(embedding_text(message))
        except Exception as exc:  # any encoder or index failure: triage must still answer
            log.warning("triage without the question vector: %s", exc)
            return None

    def analyse(self, query: str, lang: str = "en") -> Analysis:
        """Retrieval, sentence scoring and the answerability evidence for one query.

        A query in Spanish (`lang` "es") is read as its English gloss (`spanish.gloss`): the
        pages and the encoder are English. Only the machine reads the gloss; the quotes stay
        the pages' sentences and the reply's framing stays in Spanish."""
        if lang == "es":
            query = spanish.gloss(query)
        retriever = self.retriever()
        query = retriever.normalise_query(query)
        query_vector = retriever.embed_query(query)
        hits = diversify(retriever.search(query, k=8, query_vector=query_vector))
        return self.analyse_hits(query, query_vector, hits, retriever.vocabulary)

    def analyse_question(self, query: str, lang: str = "en") -> Analysis:
        """`analyse`, judged with the subject filled in for a short question that only points
        at it.

        Asked with nothing before it, "does it work quickly" is about what the site is about:
        whether the pages answer it is judged on the query joined with the title of the page
        that matches it best. The passages and sentences quoted stay those of the question
        itself (the title's words would pull the ranking towards the title). A Spanish query
        is judged on its English gloss, as in `analyse`."""
        if lang == "es":
            query = spanish.gloss(query)
        found = self.analyse(query)
        pointing = _POINTING.search(query) and len(content_terms(query)) <= POINTING_TOPIC_WORDS
        if pointing and found.hits:
            judged = self.analyse(f"{query} ({found.hits[0].chunk.title})")
            return replace(found, evidence=judged.evidence)
        return found

    def analyse_hits(
        self,
        query: str,
        query_vector: np.ndarray,
        hits: list[Hit],
        vocabulary: frozenset[str],
    ) -> Analysis:
        """Sentence scoring and answerability evidence for given passages (`analyse` after
        retrieval; the training benchmarks pass passages with a page left out)."""
        retriever = self.retriever()
        table = retriever.index.sentences  # None: published before ingest embedded sentences
        scored = compose.score_sentences(
            query, query_vector, hits, self.embed_sentences, retriever.idf, table
        )
        sentence_dense = 0.0
        if scored:
            found = [s for _, s in scored]
            vectors = compose.sentence_vectors(found, table, self.embed_sentences)
            sentence_dense = float(np.max(vectors @ query_vector))
        # The learned intent layer reads this vector only if it was trained on the same encoder.
        vector = query_vector if intent_model.reads(retriever.embedder.name) else None
        scored = [*scored, *_giving_decisive(query, scored, retriever.chunks, table, vector)]
        evidence = answerability.gather(
            query,
            hits,
            scored,
            vocabulary,
            retriever.idf,
            sentence_dense=sentence_dense,
            query_vector=vector,
        )
        return Analysis(query, hits, scored, evidence, table, retriever.index.version)

    def answer_from_pages(
        self, message: str, query: str, lead: str = "", remind: bool = True, lang: str = "en"
    ) -> Reply:
        """An extractive answer to `query` when the model finds the pages answer it, else a
        fallback that says what the pages lack. The framing (fallback, notes, reminder) is in
        the visitor's language `lang`; an answer to a question not in English starts with a
        line saying the quotes that follow are the pages' English."""
        answer_lead = "\n\n".join(p for p in (lead, triage_replies.language_lead(lang)) if p)
        reminder = triage_replies.text("reminder", lang) if remind else ""
        pieces = parts.split_parts(query)
        if len(pieces) > 1:
            partial = self.answer_parts(
                message, pieces, lead=answer_lead, reminder=reminder, lang=lang
            )
            if partial is not None:
                return partial
        found = self.analyse_question(query, lang)
        retrieved = tuple(_as_retrieved(h) for h in found.hits[:RETRIEVED_SHOWN])
        decision = answerability.decide(found.evidence, self.answer_model)
        notes = (decision.reason, f"p={decision.probability:.3f}", *decision.unknown_terms)
        if not decision.answerable:
            text = self.fallback_text(decision, found, lang)
            if lead:
                text = f"{lead}\n\n{text}"
            return Reply(
                message,
                "fallback",
                text,
                retrieved=retrieved,
                index_version=found.version,
                notes=notes,
            )
        chosen = _quoted(found, decision)
        citations = compose.cite(chosen, lambda c, q: page_link(c, q, self.settings.root_path))
        return Reply(
            message,
            "answer",
            compose.answer_text(citations, lead=answer_lead, reminder=reminder),
            citations=tuple(citations),
            retrieved=retrieved,
            index_version=found.version,
            notes=notes,
        )

    def answer_parts(
        self,
        message: str,
        pieces: Sequence[str],
        lead: str = "",
        reminder: str = "",
        lang: str = "en",
    ) -> Reply | None:
        """Answer each part the pages cover, with its citations, and name the parts they don't.

        None when no part is covered: the question as a whole then gets the usual treatment.
        """
        judged = []
        for i, piece in enumerate(pieces):
            found = self.analyse(parts.with_context(piece, pieces[i - 1] if i else ""), lang)
            judged.append((piece, found, answerability.decide(found.evidence, self.answer_model)))
        covered = [(found, d) for _, found, d in judged if d.answerable]
        if not covered:
            return None
        chosen: list[compose.Sentence] = []
        for found, decision in covered:
            for sentence in _quoted(found, decision)[:2]:
                if not any(_same_span(sentence, c) for c in chosen):
                    chosen.append(sentence)
        citations = compose.cite(chosen, lambda c, q: page_link(c, q, self.settings.root_path))
        missing = [piece for piece, _, d in judged if not d.answerable]
        note = ""
        if missing:
            asked = "; ".join(f"“{m}”" for m in missing)
            note = triage_replies.text(
                "partial_missing", lang, asked=asked, contact=self.contact_suffix(lang)
            )
        hits = _interleave([found.hits for _, found, _ in judged])
        return Reply(
            message,
            "answer",
            compose.answer_text(citations, lead=lead, note=note, reminder=reminder),
            citations=tuple(citations),
            retrieved=tuple(_as_retrieved(h) for h in hits[:RETRIEVED_SHOWN]),
            index_version=judged[0][1].version,
            notes=(
                "partial" if missing else "parts",
                *(f"p={d.probability:.3f}" for *_, d in judged),
            ),
        )

    def fallback_text(
        self, decision: answerability.Decision, found: Analysis, lang: str = "en"
    ) -> str:
        """The pages don't answer: say so, name what they lack when we know, offer the hand-off,
        in the visitor's language."""
        text = triage_replies.text("fallback", lang, contact=self.contact_suffix(lang))
        if decision.unmet_intents and found.hits:
            word = triage_replies.text("or", lang)
            lacking = word.join(i.label_for(lang) for i in decision.unmet_intents)
            title = found.hits[0].chunk.title
            said = triage_replies.text("fallback_lacking", lang, title=title, lacking=lacking)
            text = f"{said} {text}"
        return text


@dataclass(frozen=True)
class Analysis:
    """What answering one query found: ranked passages, scored sentences, answerability evidence."""

    query: str
    hits: list[Hit]
    scored: list[tuple[float, compose.Sentence]]
    evidence: answerability.Evidence
    table: SentenceTable | None
    version: str


def _giving_decisive(
    query: str,
    scored: Sequence[tuple[float, compose.Sentence]],
    chunks: Sequence[Chunk],
    table: SentenceTable | None,
    vector: focus.Vector = None,
) -> list[tuple[float, compose.Sentence]]:
    """For a decisive intent the question asks that no retrieved sentence gives: the first
    sentence of the pages that gives it, scored below every candidate (so it is quoted only
    when the intent decides, and never claimed missing when the pages have it).

    "¿dónde están ubicados?" retrieves nothing near "in Annapolis, MD": the Spanish words
    match no passage, yet the pages say where the clinic is."""
    if not any(i.decisive for i in focus.asked(query, vector)):
        return []
    if focus.settling(query, [s.text for _, s in scored], vector) is not None:
        return []
    pages = [s for c in chunks for s in compose.sentences(c, table) if compose.is_candidate(s.text)]
    settled = focus.settling(query, [s.text for s in pages], vector)
    if settled is None:
        return []
    floor = min((score for score, _ in scored), default=0.0) - 1.0
    return [(floor, pages[settled[1]])]


def _quoted(found: Analysis, decision: answerability.Decision) -> list[compose.Sentence]:
    """The sentences to quote: the best and close runners-up, or only the sentence that gives
    the decisive intent asked (the clinic's town for "where are you"), whatever its score."""
    if decision.quote is not None:
        return compose.select([found.scored[decision.quote]], None, found.table)
    top = found.hits[0].chunk if found.hits else None
    return compose.select(found.scored, top, found.table)


def _same_span(a: compose.Sentence, b: compose.Sentence) -> bool:
    return a.chunk.chunk_id == b.chunk.chunk_id and a.start < b.end and b.start < a.end


def _interleave(rankings: Sequence[Sequence[Hit]]) -> list[Hit]:
    """The parts' rankings merged turn by turn, each passage once."""
    seen: set[str] = set()
    merged: list[Hit] = []
    for rank in range(max((len(r) for r in rankings), default=0)):
        for ranking in rankings:
            if rank < len(ranking) and ranking[rank].chunk.chunk_id not in seen:
                seen.add(ranking[rank].chunk.chunk_id)
                merged.append(ranking[rank])
    return merged


def _as_retrieved(hit: Hit) -> Retrieved:
    return Retrieved(hit.chunk.source, hit.chunk.chunk_id, round(hit.fused, 6), hit.chunk.text)


def _with_latency(reply: Reply, elapsed_ms: float) -> Reply:
    return replace(reply, latency_ms=round(elapsed_ms, 2))


def load_responder(
    settings: Settings, embedder: Embedder | None = None, index_source: IndexSource | None = None
) -> Responder:
    """The Responder over the served index of `settings` (or `index_source`, an IndexWatcher
    the caller already loaded), with the optional LLM if configured.

    Without `embedder`, questions are embedded by the served version's own ONNX encoder
    (bot.index.CurrentEncoder): no torch, and nothing loaded before the first question."""
    from bot.index import CurrentEncoder, IndexWatcher

    watcher = index_source or IndexWatcher(settings.resolved_index_dir)
    responder = Responder(watcher, embedder or CurrentEncoder(watcher), settings)
    if settings.llm_model:
        from bot.answer.llm import make_phraser

        responder.phraser = make_phraser(settings)
    return responder
