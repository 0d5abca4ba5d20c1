"""The embedding layer: a small MLP over the question's sentence vector, a gate on the n-grams.

The n-gram classifier reads surface forms; an indirect farewell or an overdose told without the
word shares few n-grams with the exemplars but lands near them in a sentence-embedding space.
The retrieval encoder (all-MiniLM-L6-v2) is English-centric, so for English messages only the
MLP may overrule the n-grams, and only towards safety: it raises an emergency the n-grams missed
when its own emergency probability is at least `up` and the n-grams' at least `floor` (both
chosen on out-of-fold probabilities at training time, `bot.triage.train`).
It never drops one: when in doubt, emergency ("i'm so tired of existing, i have a plan for
sunday" reads as an appointment to MiniLM). Between advice and question it may decide both
ways, where the n-grams are unsure (`AdviceGate`, chosen out of fold): "would ketamine help
my fibromyalgia" (a question) and "is ketamine safe with my fibromyalgia meds" (advice) share
most of their n-grams; an advice rule still refuses first. Where the n-grams hand a message to
the booking form, a sure MLP may send it to answering instead (`AppointmentGate`, chosen out of
fold), never the reverse: "is a taxi home after the infusion ok?" shares its logistics
words with bookings ("can you hold a spot until I confirm with my ride"); an appointment rule
still hands off. Rules still come first, and negations and idioms are masked for the rules and
the n-grams as before.

The MLP reads the message's sentence vector as the adapter (`bot.triage.adapter`, a small
transformer layer trained on the kinds) pools it from the encoder's last token vectors: the
ones the pipeline computes for retrieval anyway (`embedding_text`: the normalised message), so
serving pays for the encoder once. Without token vectors (unit tests, no index, another
encoder) triage is the rules and the n-gram classifier alone. Weights: `model/embedding.npz`
and `model/adapter.npz`, numpy only at serving (scikit-learn and torch fit them in
`bot.triage.train`).
"""

from __future__ import annotations

import zipfile
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from bot.triage import adapter as adapters
from bot.triage.adapter import Adapter, mean_unit
from bot.triage.errors import TriageDataError
from bot.triage.normalise import normalise

EMBEDDING_FILE = "embedding.npz"
GATED_LANGUAGES = ("en",)


def embedding_text(message: str) -> str:
    """The text whose vector the layer reads: the message as normalised for the rules (lower
    case, misspellings fixed), which is also the question retrieval starts from."""
    return normalise(message)


@dataclass(frozen=True)
class Gate:
    """When the MLP overrules the n-grams on the emergency question (see the module doc)."""

    up: float  # raise an emergency when the MLP's emergency probability is at least this
    floor: float = 0.0  # ... and the n-grams' is at least this (some surface evidence too)

    def applies(self, ngram_emergency: float, mlp_emergency: float, threshold: float) -> bool:
        return mlp_emergency >= self.up and self.floor <= ngram_emergency < threshold


NEVER = Gate(up=2.0)


@dataclass(frozen=True)
class AdviceGate:
    """When the MLP decides advice-vs-question for the n-grams: the n-grams' own pick among the
    non-emergency kinds is advice or question, and advice's share of the two is in [lo, hi]
    (they are unsure); the MLP then picks, if its own share for its pick is at least `up`."""

    lo: float
    hi: float
    up: float = 0.5

    def applies(self, ngram_share: float) -> bool:
        return self.lo <= ngram_share <= self.hi


NO_ADVICE_GATE = AdviceGate(lo=2.0, hi=2.0)


@dataclass(frozen=True)
class AppointmentGate:
    """When the MLP turns the n-grams' hand-off into a question: their pick among the
    non-emergency kinds is appointment with appointment's share of appointment + question at
    most `hi`, and the MLP's question share of the two is at least `up`. One way only: a
    question's reply offers the hand-off anyway, a booking form answers no question."""

    hi: float
    up: float = 0.99

    def applies(self, ngram_share: float, mlp_question_share: float) -> bool:
        return ngram_share <= self.hi and mlp_question_share >= self.up


NO_APPOINTMENT_GATE = AppointmentGate(hi=-1.0, up=2.0)


@dataclass(frozen=True)
class EmbeddingLayer:
    """One hidden ReLU layer, softmax over the kinds (emergency, advice, ..., offtopic)."""

    encoder: str  # the embedding model the vectors must come from
    classes: tuple[str, ...]
    hidden_w: np.ndarray  # (dimension, hidden)
    hidden_b: np.ndarray
    out_w: np.ndarray  # (hidden, classes)
    out_b: np.ndarray
    gate: Gate
    advice_gate: AdviceGate = NO_ADVICE_GATE  # where the MLP decides advice vs question
    appointment_gate: AppointmentGate = NO_APPOINTMENT_GATE  # ... a hand-off is a question
    adapter: Adapter | None = None  # None: the MLP reads the encoder's own (mean) vector

    @property
    def dimension(self) -> int:
        return int(self.hidden_w.shape[0])

    def view(self, tokens: np.ndarray) -> np.ndarray:
        """The sentence vector the MLP reads, from one message's token vectors."""
        return mean_unit(tokens) if self.adapter is None else self.adapter.vector(tokens)

    def read(self, tokens: np.ndarray) -> dict[str, float]:
        """Kind probabilities for one message's token vectors (tokens, dimension)."""
        return self.probabilities(self.view(tokens))

    def probabilities(self, vector: np.ndarray) -> dict[str, float]:
        """Kind probabilities for one unit-length sentence vector."""
        hidden = np.maximum(vector.astype(np.float32) @ self.hidden_w + self.hidden_b, 0.0)
        logits = hidden @ self.out_w + self.out_b
        z = np.exp(logits - logits.max())
        return dict(zip(self.classes, (z / z.sum()).tolist(), strict=True))

    def accepts(self, tokens: np.ndarray | None, lang: str) -> bool:
        """Whether the layer reads this message at all (`tokens`: its token vectors)."""
        return (
            tokens is not None
            and lang in GATED_LANGUAGES
            and tokens.ndim == 2
            and len(tokens) > 0
            and tokens.shape[1] == self.dimension
        )


def emergency_share(probabilities: Mapping[str, float]) -> float:
    """The n-gram classifier's emergency probability (its sub-kinds summed)."""
    return sum(p for c, p in probabilities.items() if c.startswith("emergency."))


def gated(
    ngram: Mapping[str, float], mlp: Mapping[str, float], gate: Gate, threshold: float
) -> dict[str, float]:
    """The n-gram probabilities, or the MLP's kinds (emergency split by the n-grams' sub-kind
    shares) where the gate lets the MLP decide. Pure: training scores gates with it."""
    if not gate.applies(emergency_share(ngram), mlp.get("emergency", 0.0), threshold):
        return dict(ngram)
    return mlp_kinds(ngram, mlp)


def mlp_kinds(ngram: Mapping[str, float], mlp: Mapping[str, float]) -> dict[str, float]:
    """The MLP's kinds in the n-grams' classes: its emergency probability split by the n-grams'
    sub-kind shares (evenly when they give none)."""
    e_ngram, e_mlp = emergency_share(ngram), mlp.get("emergency", 0.0)
    subs = [c for c in ngram if c.startswith("emergency.")]
    out = {c: e_mlp * (ngram[c] / e_ngram if e_ngram else 1 / len(subs)) for c in subs}
    out.update({c: mlp.get(c, 0.0) for c in ngram if not c.startswith("emergency.")})
    return out


def advice_gated(
    ngram: Mapping[str, float], mlp: Mapping[str, float], gate: AdviceGate, threshold: float
) -> dict[str, float]:
    """The probabilities with advice and question's pooled share given to the MLP's pick of the
    two, where the gate lets it decide; unchanged for an emergency or another kind. Pure."""
    if emergency_share(ngram) >= threshold:
        return dict(ngram)
    others = {c: p for c, p in ngram.items() if not c.startswith("emergency.")}
    if max(others, key=lambda c: others[c], default="") not in ("advice", "question"):
        return dict(ngram)
    advice, question = ngram.get("advice", 0.0), ngram.get("question", 0.0)
    m_advice, m_question = mlp.get("advice", 0.0), mlp.get("question", 0.0)
    if advice + question <= 0 or m_advice + m_question <= 0:
        return dict(ngram)
    if not gate.applies(advice / (advice + question)):
        return dict(ngram)
    m_share = m_advice / (m_advice + m_question)
    pick = "advice" if m_share >= gate.up else "question" if 1 - m_share >= gate.up else ""
    if not pick:
        return dict(ngram)
    out = dict(ngram)
    out["advice"], out["question"] = 0.0, 0.0
    out[pick] = advice + question
    return out


def appointment_gated(
    ngram: Mapping[str, float], mlp: Mapping[str, float], gate: AppointmentGate, threshold: float
) -> dict[str, float]:
    """The probabilities with appointment and question's pooled share given to question where
    the gate lets the MLP overrule the n-grams' hand-off; unchanged otherwise. Pure."""
    if emergency_share(ngram) >= threshold:
        return dict(ngram)
    others = {c: p for c, p in ngram.items() if not c.startswith("emergency.")}
    if max(others, key=lambda c: others[c], default="") != "appointment":
        return dict(ngram)
    booking, question = ngram.get("appointment", 0.0), ngram.get("question", 0.0)
    m_booking, m_question = mlp.get("appointment", 0.0), mlp.get("question", 0.0)
    if booking + question <= 0 or m_booking + m_question <= 0:
        return dict(ngram)
    if not gate.applies(booking / (booking + question), m_question / (m_booking + m_question)):
        return dict(ngram)
    out = dict(ngram)
    out["appointment"], out["question"] = 0.0, booking + question
    return out


def save_layer(directory: Path, layer: EmbeddingLayer) -> dict:
    """Write the weights; returns the metadata model.json keeps under "embedding"."""
    np.savez_compressed(
        directory / EMBEDDING_FILE,
        hidden_w=layer.hidden_w.astype(np.float16),
        hidden_b=layer.hidden_b.astype(np.float32),
        out_w=layer.out_w.astype(np.float32),
        out_b=layer.out_b.astype(np.float32),
    )
    meta = {
        "encoder": layer.encoder,
        "classes": list(layer.classes),
        "gate": asdict(layer.gate),
        "advice_gate": asdict(layer.advice_gate),
        "appointment_gate": asdict(layer.appointment_gate),
    }
    if layer.adapter is not None:
        meta["adapter"] = adapters.save(directory, layer.adapter)
    return meta


def load_layer(directory: Path, meta: Mapping | None) -> EmbeddingLayer | None:
    """The layer of a model directory; None for a model trained without one."""
    if not meta:
        return None
    path = directory / EMBEDDING_FILE
    try:
        stored = np.load(path)
        arrays = [stored[k].astype(np.float32) for k in ("hidden_w", "hidden_b", "out_w", "out_b")]
        gate = Gate(**{k: float(v) for k, v in meta["gate"].items()})
        advice = meta.get("advice_gate")
        advice_gate = (
            AdviceGate(**{k: float(v) for k, v in advice.items()}) if advice else NO_ADVICE_GATE
        )
        booking = meta.get("appointment_gate")
        appointment_gate = (
            AppointmentGate(**{k: float(v) for k, v in booking.items()})
            if booking
            else NO_APPOINTMENT_GATE
        )
        adapter = adapters.load(directory, meta["adapter"]) if meta.get("adapter") else None
        layer = EmbeddingLayer(
            str(meta["encoder"]),
            tuple(meta["classes"]),
            *arrays,
            gate,
            advice_gate,
            appointment_gate,
            adapter,
        )
    except FileNotFoundError as exc:
        raise TriageDataError(path, None, "missing: run `make triage-model`") from exc
    except (OSError, ValueError, KeyError, TypeError, zipfile.BadZipFile) as exc:
        raise TriageDataError(path, None, f"unreadable embedding layer: {exc}") from exc
    hw, hb, ow, ob = arrays
    if hb.shape != (hw.shape[1],) or ow.shape != (hw.shape[1], len(layer.classes)):
        raise TriageDataError(path, None, "weights do not match the classes in model.json")
    if ob.shape != (len(layer.classes),):
        raise TriageDataError(path, None, "weights do not match the classes in model.json")
    if adapter is not None and adapter.dimension != layer.dimension:
        raise TriageDataError(path, None, "the adapter's dimension is not the MLP's")
    return layer
