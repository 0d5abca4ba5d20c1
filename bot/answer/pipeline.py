"""From a visitor's message to the Reply the chat shows: triage, retrieval, composition."""

from __future__ import annotations

import logging
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from urllib.parse import quote

import numpy as np

from bot import triage
from bot.answer import compose
from bot.answer.retrieve import Hit, Retriever, diversify
from bot.answer.text import content_terms, words
from bot.embed import Embedder
from bot.settings import Settings
from bot.triage import replies as triage_replies
from bot.triage.normalise import normalise
from bot.types import Chunk, Reply, Retrieved

log = logging.getLogger(__name__)

FALLBACK_TEXT = (
    "I'm sorry, our pages don't answer that, and I don't want to guess. "
    "Our team can help: use “Request an appointment” to be contacted{contact}."
)
UNAVAILABLE_TEXT = (
    "Sorry, I can't look that up right now. Please try again in a moment, or use "
    "“Request an appointment” to be contacted{contact}."
)
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
        self.settings = settings or Settings()
        self._retriever: Retriever | None = None
        self._lock = threading.Lock()
        self._sentence_cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self.phraser: Callable[[str, Reply], Reply] | None = None  # optional LLM (bot.answer.llm)
        triage.load()  # a bad rule, exemplar or model file stops start-up here

    # -- plumbing -------------------------------------------------------------------
    def retriever(self) -> Retriever:
        index = self.index_source.current()
        with self._lock:
            if self._retriever is None or self._retriever.index is not index:
                self._retriever = Retriever(index, self.embedder)
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

    def contact_suffix(self) -> str:
        contact = self.settings.clinic_contact.strip()
        return f", or contact us at {contact}" if contact else ""

    # -- the work ---------------------------------------------------------------------
    def reply(self, message: str, history: Sequence[str] = ()) -> Reply:
        """The reply to one visitor message; `history` holds their earlier questions."""
        started = time.perf_counter()
        reply = self._reply(message, history)
        if self.phraser is not None and reply.kind == "answer":
            reply = self.phraser(message, reply)
        elapsed = (time.perf_counter() - started) * 1000
        return _with_latency(reply, elapsed)

    def _reply(self, message: str, history: Sequence[str]) -> Reply:
        verdict = triage.triage(message)  # first: emergencies never wait for retrieval
        if verdict.kind != "question":
            kind = TRIAGE_REPLY_KIND[verdict.kind]
            text = triage_replies.reply_text(verdict)
            return Reply(message, kind, text, notes=(verdict.reason,))  # type: ignore[arg-type]

        retriever = self.retriever()
        question = normalise(message)
        query = retrieval_query(question, [normalise(h) for h in history])
        query_vector = retriever.embed_query(query)
        hits = diversify(retriever.search(query, k=8, query_vector=query_vector))
        retrieved = tuple(_as_retrieved(h) for h in hits[:RETRIEVED_SHOWN])
        version = retriever.index.version
        table = retriever.index.sentences  # None: published before ingest embedded sentences

        scored = compose.score_sentences(
            query, query_vector, hits, self.embed_sentences, retriever.idf, table
        )
        best = scored[0][0] if scored else 0.0
        decision = compose.decide(best, compose.unknown_terms(query, retriever.vocabulary))
        lead = triage_replies.topic_notice(verdict)
        if not decision.answerable:
            text = FALLBACK_TEXT.format(contact=self.contact_suffix())
            if lead:
                text = f"{lead}\n\n{text}"
            text = triage_replies.with_safety_net(text, verdict.lang)
            return Reply(
                message,
                "fallback",
                text,
                retrieved=retrieved,
                index_version=version,
                notes=(decision.reason, *decision.unknown_terms),
            )
        chosen = compose.select(scored, hits[0].chunk if hits else None, table)
        citations = compose.cite(chosen, lambda c, q: page_link(c, q, self.settings.root_path))
        return Reply(
            message,
            "answer",
            compose.answer_text(citations, lead=lead),
            citations=tuple(citations),
            retrieved=retrieved,
            index_version=version,
            notes=(decision.reason, f"similarity={decision.best_similarity:.3f}"),
        )


def _as_retrieved(hit: Hit) -> Retrieved:
    return Retrieved(hit.chunk.source, hit.chunk.chunk_id, round(hit.fused, 6), hit.chunk.text)


def _with_latency(reply: Reply, elapsed_ms: float) -> Reply:
    from dataclasses import replace

    return replace(reply, latency_ms=round(elapsed_ms, 2))


def load_responder(settings: Settings, embedder: Embedder | None = None) -> Responder:
    """The Responder over the served index of `settings`, with the optional LLM if configured.

    Without `embedder`, questions are embedded by the served version's own ONNX encoder
    (bot.index.CurrentEncoder): no torch, and nothing loaded before the first question."""
    from bot.index import CurrentEncoder, IndexWatcher

    watcher = IndexWatcher(settings.resolved_index_dir)
    responder = Responder(watcher, embedder or CurrentEncoder(watcher), settings)
    if settings.llm_model:
        from bot.answer.llm import make_phraser

        responder.phraser = make_phraser(settings)
    return responder
