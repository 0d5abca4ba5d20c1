"""Train the classifier from the exemplars: `make triage-model` (python -m bot.triage.train).

Fits a logistic regression (scikit-learn, used here only) on bot.triage.classifier features,
calibrates the emergency threshold on out-of-fold probabilities (grouped folds: near-duplicates
stay together), and writes bot/triage/model/. The model's version is a hash of the exemplar
files, the feature code and these settings, so a stale model is easy to spot.
"""

from __future__ import annotations

import argparse
import hashlib
import inspect
import json
import sys
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TypeVar

import numpy as np

from bot.triage.adapter import Adapter
from bot.triage.cases import Case, Figure, from_exemplar, load_dev
from bot.triage.classifier import (
    MODEL_DIR,
    N_FEATURES,
    combine,
    feature_code_hash,
    features,
    save_model,
    softmax,
)
from bot.triage.decision import SERVED_LANGUAGES, Evidence, decide, gather, model_text
from bot.triage.embedding import (
    NEVER,
    NO_ADVICE_GATE,
    NO_APPOINTMENT_GATE,
    AdviceGate,
    AppointmentGate,
    EmbeddingLayer,
    Gate,
    advice_gated,
    appointment_gated,
    gated,
    save_layer,
)
from bot.triage.exemplars import DATA_DIR, data_hash, exemplar_files, load_exemplars
from bot.triage.lang import detect_plain
from bot.triage.normalise import plain
from bot.triage.rules import default_rules
from bot.triage.train_adapter import fit_adapter
from bot.triage.vectors import ENCODER, token_states

G = TypeVar("G")  # a gate of the embedding layer

# Inverse regularisation: the best of 5-160 out of fold with the converged solver
# (`bench/triage_oof.py`, docs/TRIAGE.md "Twelfth round"; kept in the thirteenth).
C = 80.0
# lbfgs stops when the gradient is this small. At 1e-3 it stopped after ~40 iterations with
# weights up to 1.2 away from the optimum, and merely reordering the rows moved them by 0.6: every
# data change then refitted to a different, arbitrary point. At 1e-6 a reorder moves them 0.02.
TOL = 1e-6
CLASS_WEIGHT = "balanced"
FOLDS = 5
# The embedding layer's gates are chosen over this many out-of-fold passes, each with its own
# split into folds: on one split, a gate's gain is a few messages either way, so one shipped fit
# chose no appointment gate (a tie with "none") while every outer fold of the paired comparison
# chose one (docs/TRIAGE.md, "Fourteenth round").
GATE_SPLITS = 3
NEAR_DUPLICATE = 0.8  # cosine of the feature vectors above which two texts share a fold
MAX_NEAR_FALSE_ALARMS = 0.02  # out-of-fold, when choosing the emergency threshold
THRESHOLDS = np.round(np.arange(0.05, 0.501, 0.01), 2)
# The emergency threshold's multiplier for languages other than English and Spanish (few
# exemplars, no answers in them): chosen like the threshold, the most recall whose close-but-safe
# false alarms in those languages stay within MAX_NEAR_FALSE_ALARMS, the higher factor on ties;
# never one whose out-of-fold recall there falls below what FACTOR_REFERENCE (the hand-set
# factor it replaces) gives, and when none meets the budget, the highest that keeps that recall.
FACTORS = np.round(np.arange(0.2, 1.001, 0.05), 2)
FACTOR_REFERENCE = 0.5
HIDDEN = 128  # the embedding layer's hidden units
# The embedding layer's gates tried: the MLP's emergency probability that raises an emergency.
GATES = [Gate(up, floor) for up in (0.9, 0.95, 0.99) for floor in (0.0, 0.05, 0.1, 0.2, 0.3)]
# Close-but-safe false alarms (out of fold, a share) a gate may add for the emergencies it finds.
GATE_NEAR_FALSE_ALARMS = 0.01
# Advice-vs-question gates tried: the n-grams' advice share of the two in [lo, hi] (unsure), and
# how sure the MLP must be of its pick.
ADVICE_GATES = [
    AdviceGate(lo, hi, up)
    for lo in (0.1, 0.2, 0.3, 0.4)
    for hi in (0.65, 0.8, 0.9, 1.0)
    for up in (0.5, 0.7, 0.9)
]
# Appointment-vs-question gates of the embedding layer tried: the n-grams' appointment share of
# the two at most hi, and how sure of question the MLP must be to answer instead of handing off.
APPOINTMENT_MLP_GATES = [
    AppointmentGate(hi, up) for hi in (0.7, 0.8, 0.9, 1.0) for up in (0.9, 0.95, 0.99)
]
# Cut-offs tried for the appointment gate (decision.Evidence.appointment_gate): appointment's
# share of appointment + question below which the classifier's hand-off goes to answering
# instead. When appointment is the classifier's pick its share is at least one half, so 0.0
# (never) and cut-offs above one half are the choices; the one with the most questions routed
# plus appointment requests handed off, out of fold, wins, the lower on ties.
APPOINTMENT_GATES = (0.0, *np.round(np.arange(0.55, 0.951, 0.05), 2).tolist())


def matrix(texts: Sequence[str]):
    """The sparse feature matrix of normalised texts."""
    from scipy.sparse import csr_matrix

    indptr, indices, values = [0], [], []
    for text in texts:
        index, value = features(text)
        indices.append(index)
        values.append(value)
        indptr.append(indptr[-1] + len(index))
    return csr_matrix(
        (
            np.concatenate(values or [np.zeros(0)]),
            np.concatenate(indices or [np.zeros(0, int)]),
            indptr,
        ),
        shape=(len(texts), N_FEATURES),
    )


def idf_of(x) -> np.ndarray:
    """Smoothed inverse document frequency of every hashed feature over the rows of `x`."""
    df = np.bincount(x.indices, minlength=N_FEATURES)
    return (np.log((1 + x.shape[0]) / (1 + df)) + 1).astype(np.float32)


def weighted(x, idf: np.ndarray):
    """Raw counts -> counts x IDF, rows L2-normalised (classifier.weigh, for a matrix)."""
    from sklearn.preprocessing import normalize

    return normalize(x.multiply(idf[np.newaxis, :]).tocsr())


def groups(x) -> np.ndarray:
    """A group id per row: rows whose vectors are near-duplicates share one (union-find)."""
    from sklearn.preprocessing import normalize

    x = normalize(x)
    sim = (x @ x.T).tocoo()
    parent = list(range(x.shape[0]))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, j, s in zip(sim.row, sim.col, sim.data, strict=True):
        if i < j and s >= NEAR_DUPLICATE:
            parent[find(i)] = find(j)
    return np.array([find(i) for i in range(x.shape[0])])


@dataclass(frozen=True)
class Fitted:
    """Both heads fitted, weights spread back over the whole hashed feature space; the classes are
    the kind classes then "sub:<sub-kind>" (the layout bot.triage.classifier.Model reads)."""

    classes_: list[str]
    coef_: np.ndarray  # (classes, N_FEATURES)
    intercept_: np.ndarray
    idf: np.ndarray

    @property
    def n_kinds(self) -> int:
        return sum(not c.startswith("sub:") for c in self.classes_)

    def emergency_probability(self, x) -> np.ndarray:
        """P(emergency) per row of `x`."""
        k = self.n_kinds
        logits = np.asarray(weighted(x, self.idf) @ self.coef_[:k].T) + self.intercept_[:k]
        return softmax(logits)[:, self.classes_.index("emergency")]

    def probabilities(self, x) -> list[dict[str, float]]:
        """Per row of `x`, the class probabilities `classifier.Model.probabilities` gives."""
        logits = np.asarray(weighted(x, self.idf) @ self.coef_.T) + self.intercept_
        return [combine(tuple(self.classes_), self.n_kinds, row) for row in logits]


def _fit_head(x, y: np.ndarray, used: np.ndarray):
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=C, max_iter=5000, tol=TOL, class_weight=CLASS_WEIGHT)
    model.fit(x[:, used], y)
    coef = np.zeros((len(model.classes_), N_FEATURES), np.float32)
    coef[:, used] = model.coef_
    return [str(c) for c in model.classes_], coef, model.intercept_


def fit(x, y: Sequence[str]) -> Fitted:
    """Fit the kind head on every row and the sub-kind head on the emergencies; each is solved
    over the columns its rows use (much faster than the whole hashed space)."""
    y = np.asarray(y)
    idf = idf_of(x)
    x = weighted(x, idf)
    kind = np.array([t.split(".")[0] for t in y])
    used = np.unique(x.indices)
    kinds, kind_coef, kind_bias = _fit_head(x, kind, used)
    em = np.flatnonzero(kind == "emergency")
    sub_x = x[em]
    subs, sub_coef, sub_bias = _fit_head(
        sub_x, np.array([t.split(".")[1] for t in y[em]]), np.unique(sub_x.indices)
    )
    return Fitted(
        kinds + [f"sub:{s}" for s in subs],
        np.vstack([kind_coef, sub_coef]),
        np.concatenate([kind_bias, sub_bias]),
        idf,
    )


def out_of_fold(
    x,
    y: Sequence[str],
    group: np.ndarray,
    tokens: Sequence[np.ndarray] | None = None,
    folds: int = FOLDS,
    split: int = 0,
) -> tuple[list[dict[str, float]], list[dict[str, float]]]:
    """Each row's n-gram class probabilities and (with `tokens`, each row's token vectors)
    embedding-layer kind probabilities, from models (adapter and MLP too) that did not see its
    group. `split` 0 is the fixed split; others shuffle the groups into folds with that seed."""
    from sklearn.model_selection import GroupKFold

    splitter = GroupKFold(n_splits=folds, shuffle=split != 0, random_state=split or None)
    ngram: list[dict[str, float]] = [{} for _ in range(x.shape[0])]
    mlp: list[dict[str, float]] = [{} for _ in range(x.shape[0])]
    kinds = np.array([t.split(".")[0] for t in y])
    for fold, (train, test) in enumerate(splitter.split(x, y, group)):
        model = fit(x[train], [y[i] for i in train])
        for i, p in zip(test, model.probabilities(x[test]), strict=True):
            ngram[i] = p
        if tokens is not None:
            layer = fit_layer_on_tokens(
                [tokens[i] for i in train], kinds[train], seed=split * folds + fold
            )
            for i in test:
                mlp[i] = layer.read(tokens[i])
    return ngram, mlp


def fit_layer_on_tokens(
    tokens: Sequence[np.ndarray],
    kinds: np.ndarray,
    gates: tuple[Gate, AdviceGate, AppointmentGate] = (NEVER, NO_ADVICE_GATE, NO_APPOINTMENT_GATE),
    seed: int = 0,
) -> EmbeddingLayer:
    """The adapter trained on the messages' token vectors, then the MLP on its vectors."""
    adapter = fit_adapter(list(tokens), kinds, seed=seed)
    return fit_layer(adapter.vectors(list(tokens)), kinds, *gates, adapter=adapter)


def fit_layer(
    vectors: np.ndarray,
    kinds: np.ndarray,
    gate: Gate = NEVER,
    advice_gate: AdviceGate = NO_ADVICE_GATE,
    appointment_gate: AppointmentGate = NO_APPOINTMENT_GATE,
    adapter: Adapter | None = None,
) -> EmbeddingLayer:
    """The embedding layer's MLP fitted on sentence vectors (the `adapter`'s, if given) and
    their kinds."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    mlp = MLPClassifier(hidden_layer_sizes=(HIDDEN,), alpha=1e-3, max_iter=300, random_state=0)
    with warnings.catch_warnings():  # 300 epochs is the budget the trial measured, not a bug
        warnings.simplefilter("ignore", ConvergenceWarning)
        mlp.fit(vectors, kinds)
    (hidden_w, out_w), (hidden_b, out_b) = mlp.coefs_, mlp.intercepts_
    classes = tuple(str(c) for c in mlp.classes_)
    return EmbeddingLayer(
        ENCODER,
        classes,
        hidden_w,
        hidden_b,
        out_w,
        out_b,
        gate,
        advice_gate,
        appointment_gate,
        adapter,
    )


@dataclass(frozen=True)
class Calibration:
    threshold: float
    recall: float  # out-of-fold emergency recall at the threshold
    near_false_alarms: float  # out-of-fold, close-but-safe cases raised as emergencies
    other_language_factor: float = FACTOR_REFERENCE
    other_recall: float = 0.0  # out of fold, other languages, rules and n-grams at the factor
    other_near_false_alarms: float = 0.0
    appointment_gate: float = 0.0  # see APPOINTMENT_GATES


def calibrate(p: np.ndarray, cases: Sequence[Case]) -> Calibration:
    """The emergency threshold: the highest recall whose near false alarms stay within bound,
    the higher threshold on ties; at most 0.5, so doubt goes to emergency."""
    em = np.array([c.emergency for c in cases])
    near = np.array([c.near for c in cases])
    best = Calibration(0.5, float((p[em] >= 0.5).mean()), float((p[near] >= 0.5).mean()))
    for t in THRESHOLDS[::-1]:
        recall = float((p[em] >= t).mean()) if em.any() else 0.0
        fa = float((p[near] >= t).mean()) if near.any() else 0.0
        if fa <= MAX_NEAR_FALSE_ALARMS and recall > best.recall:
            best = Calibration(float(t), recall, fa)
    return best


def calibrate_factor(
    p: np.ndarray, cases: Sequence[Case], evidence: Sequence[Evidence], langs: Sequence[str]
) -> tuple[float, float, float]:
    """(factor, recall, near false alarms) for the messages in other languages, out of fold: an
    emergency rule or the n-grams' emergency probability `p` at the threshold times the factor
    (the embedding layer reads English only, so these are the whole decision there)."""
    threshold = evidence[0].emergency_threshold if evidence else 0.5
    other = np.array([lang not in SERVED_LANGUAGES for lang in langs])
    em = other & np.array([c.emergency for c in cases], dtype=bool)
    near = other & np.array([c.near for c in cases], dtype=bool)
    rule = np.array([e.emergency_rule is not None for e in evidence])

    def rates(factor: float) -> tuple[float, float]:
        raised = rule | (p >= threshold * factor)
        recall = float(raised[em].mean()) if em.any() else 1.0
        return recall, float(raised[near].mean()) if near.any() else 0.0

    floor = rates(FACTOR_REFERENCE)[0]
    tried = [(f, *rates(f)) for f in sorted({*map(float, FACTORS), FACTOR_REFERENCE})]
    keep = [k for k in tried if k[1] >= floor - 1e-9]  # the reference itself always stays
    within = [k for k in keep if k[2] <= MAX_NEAR_FALSE_ALARMS + 1e-9]
    if within:
        return max(within, key=lambda k: (k[1], k[0]))
    return max(keep, key=lambda k: k[0])


def rules_evidence(cases: Sequence[Case], threshold: float) -> tuple[list[Evidence], list[str]]:
    """Every case's rule evidence (no classifier) at `threshold`, and its detected language."""
    rules = default_rules()
    evidence = [
        replace(gather(c.text, rules, _RulesOnly()), emergency_threshold=threshold)  # type: ignore[arg-type]
        for c in cases
    ]
    return evidence, [detect_plain(plain(c.text)) for c in cases]


def trainable(cases: Sequence[Case]) -> list[Case]:
    return [c for c in cases if c.target is not None]


class _RulesOnly:
    """The rules' evidence without a classifier: training fills the probabilities in."""

    emergency_threshold = 0.5
    other_language_factor = 1.0
    appointment_gate = 0.0

    def probabilities(self, text: str) -> dict[str, float]:
        return {}


def stacked(
    ngram: Sequence[dict[str, float]],
    mlp: Sequence[dict[str, float]],
    langs: Sequence[str],
    gate: Gate,
    advice: AdviceGate,
    threshold: float,
    booking: AppointmentGate = NO_APPOINTMENT_GATE,
) -> list[dict[str, float]]:
    """Each case's class probabilities after the embedding layer's gates, as `decision.triage`
    computes them (the layer reads English only)."""

    def layered(n: dict[str, float], m: dict[str, float]) -> dict[str, float]:
        p = advice_gated(gated(n, m, gate, threshold), m, advice, threshold)
        return appointment_gated(p, m, booking, threshold)

    return [
        layered(n, m) if lang == "en" else n for n, m, lang in zip(ngram, mlp, langs, strict=True)
    ]


def choose_appointment_gate(
    cases: Sequence[Case],
    probabilities: Sequence[dict[str, float]],
    evidence: Sequence[Evidence],
    langs: Sequence[str],
) -> float:
    """The appointment gate (one of APPOINTMENT_GATES) with the most questions routed to
    answering plus appointment requests handed off, out of fold, the lower on ties. Messages
    are counted, not shares of each kind: with fewer booking exemplars than questions, shares
    would weigh one booking lost as several questions, the wrong way round for a visitor (a
    question's reply offers the hand-off anyway, a booking form answers nothing). Every
    decision goes through the real rules and `decision.decide`, so an appointment rule still
    hands off whatever the gate."""
    from bot.triage.cases import figures

    def routing(cut: float) -> float:
        kinds = [
            decide(replace(e, probabilities=p, appointment_gate=cut), lang).kind
            for e, p, lang in zip(evidence, probabilities, langs, strict=True)
        ]
        hits = {f.name: f.hits for f in figures(cases, kinds)}
        return hits["questions routed to answering"] + hits["appointment requests"]

    scored = [(cut, routing(cut)) for cut in APPOINTMENT_GATES]
    for cut, value in scored:
        print(f"appointment gate {cut}: questions + appointments {value:.4f}", file=sys.stderr)
    return max(scored, key=lambda k: (round(k[1], 9), -k[0]))[0]


Pass = tuple[Sequence[dict[str, float]], Sequence[dict[str, float]]]  # (n-gram, MLP) out of fold


def choose_gates(
    cases: Sequence[Case],
    passes: Sequence[Pass],
    evidence: Sequence[Evidence],
    langs: Sequence[str],
) -> tuple[Gate, AdviceGate, AppointmentGate]:
    """The emergency gate with the most English emergency recall plus kind accuracy out of fold,
    among those that add at most `GATE_NEAR_FALSE_ALARMS` close-but-safe false alarms to the
    n-grams' (NEVER if none helps); then, with it, the advice gate with the most advice refused
    plus questions routed (NO_ADVICE_GATE if none helps); then, with both, the appointment gate
    with the most questions routed plus appointment requests handed off, in messages
    (NO_APPOINTMENT_GATE if none helps). Shares are averaged and messages summed over `passes`,
    out-of-fold probabilities from different splits into folds. Every decision goes through the
    real rules and `decision.decide`."""
    from bot.triage.cases import figures

    threshold = evidence[0].emergency_threshold if evidence else 0.5

    def counted(
        gate: Gate, advice: AdviceGate, booking: AppointmentGate = NO_APPOINTMENT_GATE
    ) -> list[list[Figure]]:
        found = []
        for ngram, mlp in passes:
            probabilities = stacked(ngram, mlp, langs, gate, advice, threshold, booking)
            kinds = [
                decide(replace(e, probabilities=p), lang).kind
                for e, p, lang in zip(evidence, probabilities, langs, strict=True)
            ]
            found.append(figures(cases, kinds))
        return found

    def named(
        gate: Gate, advice: AdviceGate, booking: AppointmentGate = NO_APPOINTMENT_GATE
    ) -> dict[str, float]:
        summed: dict[str, float] = {}
        for found in counted(gate, advice, booking):
            for f in found:
                summed[f.name] = summed.get(f.name, 0.0) + (f.value or 0.0) / len(passes)
        return summed

    def score(gate: Gate) -> tuple[float, float]:
        values = named(gate, NO_ADVICE_GATE)
        fa = values["false alarms, close-but-safe"]
        return fa, values["emergency recall, English"] + values["kind accuracy, all"]

    base_fa, base_score = score(NEVER)
    best, best_score = NEVER, base_score
    for gate in GATES:
        fa, value = score(gate)
        print(f"{gate}: near false alarms {fa:.3f}, score {value:.4f}", file=sys.stderr)
        if fa <= base_fa + GATE_NEAR_FALSE_ALARMS + 1e-9 and value > best_score + 1e-9:
            best, best_score = gate, value
    print(f"no gate: near false alarms {base_fa:.3f}, score {base_score:.4f}", file=sys.stderr)

    def routing(advice: AdviceGate) -> float:
        values = named(best, advice)
        return values["advice requests refused"] + values["questions routed to answering"]

    best_advice = _first_best(NO_ADVICE_GATE, ADVICE_GATES, routing, "advice + questions")

    def handing(booking: AppointmentGate) -> float:
        # Messages counted, as in `choose_appointment_gate`.
        names = ("questions routed to answering", "appointment requests")
        return sum(
            f.hits
            for found in counted(best, best_advice, booking)
            for f in found
            if f.name in names
        )

    best_booking = _first_best(
        NO_APPOINTMENT_GATE, APPOINTMENT_MLP_GATES, handing, "questions + appointments"
    )
    return best, best_advice, best_booking


def _first_best(none: G, candidates: Sequence[G], value: Callable[[G], float], what: str) -> G:
    """The candidate with the highest `value`, the first on ties and `none` unless one beats
    it (so a gate stays off unless it helps); both ends printed to stderr."""
    best, best_value = none, value(none)
    print(f"no gate: {what} {best_value:.4f}", file=sys.stderr)
    for candidate in candidates:
        score = value(candidate)
        if score > best_value + 1e-9:
            best, best_value = candidate, score
    print(f"{best}: {what} {best_value:.4f}", file=sys.stderr)
    return best


def train(cases: Sequence[Case], tokens: Sequence[np.ndarray] | None = None):
    """Fit on `cases` and calibrate the threshold and the appointment gate on their out-of-fold
    probabilities; with `tokens` (one per case: the token vectors of `embedding_text`) also
    the embedding layer (adapter and MLP) and its gates.
    Returns (fitted n-grams, calibration, embedding layer or None)."""
    keep = [i for i, c in enumerate(cases) if c.target is not None]
    cases = [cases[i] for i in keep]
    tokens = None if tokens is None else [tokens[i] for i in keep]
    x = matrix([model_text(c.text) for c in cases])
    y = [str(c.target) for c in cases]
    group = groups(x)
    ngram, mlp = out_of_fold(x, y, group, tokens)
    p = np.array([sum(v for k, v in row.items() if k.startswith("emergency.")) for row in ngram])
    calibration = calibrate(p, cases)
    evidence, langs = rules_evidence(cases, calibration.threshold)
    factor, other_recall, other_fa = calibrate_factor(p, cases, evidence, langs)
    calibration = replace(
        calibration,
        other_language_factor=factor,
        other_recall=other_recall,
        other_near_false_alarms=other_fa,
    )
    evidence = [replace(e, other_language_factor=factor) for e in evidence]
    layer, probabilities = None, ngram
    if tokens is not None:
        passes = [(ngram, mlp)]
        passes += [out_of_fold(x, y, group, tokens, split=s) for s in range(1, GATE_SPLITS)]
        gates = choose_gates(cases, passes, evidence, langs)
        layer = fit_layer_on_tokens(tokens, np.array([t.split(".")[0] for t in y]), gates)
        gate, advice_gate, booking = gates
        threshold = calibration.threshold
        probabilities = stacked(ngram, mlp, langs, gate, advice_gate, threshold, booking)
    cut = choose_appointment_gate(cases, probabilities, evidence, langs)
    return fit(x, y), replace(calibration, appointment_gate=cut), layer


def version(paths: Sequence[Path], extra: Sequence[Path] = ()) -> str:
    """Hash of the exemplar files, the feature code and this training code (the adapter's
    training and serving code with it)."""
    from bot.triage import adapter, train_adapter

    code = "".join(inspect.getsource(m) for m in (sys.modules[__name__], train_adapter, adapter))
    parts = [
        data_hash([*paths, *extra]),
        feature_code_hash(),
        hashlib.sha256(code.encode()).hexdigest(),
    ]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.triage.train", description=__doc__)
    parser.add_argument("--data", type=Path, default=DATA_DIR, help="exemplar directory")
    parser.add_argument("--out", type=Path, default=MODEL_DIR, help="model directory")
    parser.add_argument("--with-dev", type=Path, help="also train on a dev set (safety-dev.jsonl)")
    args = parser.parse_args(argv)

    exemplars = load_exemplars(args.data)
    cases = [from_exemplar(e, i) for i, e in enumerate(exemplars)]
    extra: list[Path] = []
    if args.with_dev:
        cases += load_dev(args.with_dev)
        extra.append(args.with_dev)
    model, calibration, layer = train(cases, token_states([c.text for c in cases]))
    used = trainable(cases)
    meta = {
        "version": version(exemplar_files(args.data), extra),
        "data_hash": data_hash(exemplar_files(args.data)),
        "trained_on": [p.name for p in [*exemplar_files(args.data), *extra]],
        "examples": len(used),
        "C": C,
        "emergency_threshold": calibration.threshold,
        "other_language_factor": calibration.other_language_factor,
        "appointment_gate": calibration.appointment_gate,
        "calibration": {
            "oof_emergency_recall": round(calibration.recall, 4),
            "oof_near_false_alarms": round(calibration.near_false_alarms, 4),
            "oof_other_language_emergency_recall": round(calibration.other_recall, 4),
            "oof_other_language_near_false_alarms": round(calibration.other_near_false_alarms, 4),
        },
    }
    if layer is not None:
        args.out.mkdir(parents=True, exist_ok=True)
        meta["embedding"] = save_layer(args.out, layer)
    save_model(args.out, model.classes_, model.coef_, model.intercept_, model.idf, meta)
    print(json.dumps(meta, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
