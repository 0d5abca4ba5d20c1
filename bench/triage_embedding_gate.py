"""Cross-validated trial of a sentence-embedding gate over the triage classifier (not shipped).

    python bench/triage_embedding_gate.py            # exemplars + ../shared/eval/safety-dev.jsonl

The `make triage-report` folds (grouped, 5). In each, the n-gram classifier is fitted as
`bot.triage.train.fit` does (emergency threshold 0.5: what calibration chose in every fold of the
report) and a small MLP (scikit-learn, 128 hidden units) learns the kind from the message's
all-MiniLM-L6-v2 embedding (sentence-transformers here; serving would use the ONNX encoder).
For English messages the MLP may overrule the n-grams on the emergency question only: it raises
an emergency the n-grams missed when its emergency probability is at least `up`, and drops a
weak n-gram emergency (probability below `band`) when its own is at most `down`. The gate's
three numbers are chosen on the other four folds (most English emergency recall plus kind
accuracy, without more close-but-safe false alarms there than the n-grams alone raise), then
applied to the held-out fold. Every decision goes through the real rules and `decision.decide`.
Prints the issue's figures for the n-grams alone and with the gate. Takes several minutes (the
embedding of every message dominates).
"""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.embed import SentenceTransformerEmbedder  # noqa: E402
from bot.triage.cases import figures, format_figures, from_exemplar, load_dev  # noqa: E402
from bot.triage.classifier import combine  # noqa: E402
from bot.triage.decision import decide, gather, model_text  # noqa: E402
from bot.triage.exemplars import load_exemplars  # noqa: E402
from bot.triage.lang import detect_plain  # noqa: E402
from bot.triage.normalise import plain  # noqa: E402
from bot.triage.report import DEV_SET  # noqa: E402
from bot.triage.rules import default_rules  # noqa: E402
from bot.triage.train import FOLDS, fit, groups, matrix, weighted  # noqa: E402

GATES = [
    (up, down, band)
    for up in (0.8, 0.9, 0.95, 0.97, 0.99, 1.1)  # 1.1: never raise
    for down, band in (
        (0.05, 0.7),
        (0.1, 0.8),
        (0.2, 0.8),
        (0.1, 0.9),
        (-1.0, 0.0),
    )  # -1: never drop
]


class _NoModel:
    """Rules only: the classifier's probabilities are filled in per fold."""

    emergency_threshold = 0.5

    def probabilities(self, text: str) -> dict[str, float]:
        return {}


def emergency(p: dict[str, float]) -> float:
    return sum(v for k, v in p.items() if k.startswith("emergency"))


def gated(ngram: dict[str, float], embedded: dict[str, float], lang: str, gate) -> dict:
    """The n-gram probabilities, with the emergency share replaced by the MLP's where the gate
    lets the MLP decide (English only: MiniLM is English-centric)."""
    up, down, band = gate
    e_ngram, e_embedded = emergency(ngram), embedded.get("emergency", 0.0)
    raise_ = e_embedded >= up and e_ngram < 0.5
    drop = e_embedded <= down and 0.5 <= e_ngram < band
    if lang != "en" or not (raise_ or drop):
        return ngram
    subs = {k: v / e_ngram if e_ngram else 1 / 3 for k, v in ngram.items() if k.startswith("em")}
    out = {k: v * e_embedded for k, v in subs.items()}
    out.update({k: embedded.get(k, 0.0) for k in ngram if not k.startswith("emergency")})
    return out


def main() -> int:
    from sklearn.model_selection import GroupKFold
    from sklearn.neural_network import MLPClassifier

    cases = [from_exemplar(e, i) for i, e in enumerate(load_exemplars())]
    if DEV_SET.exists():
        cases += load_dev(DEV_SET)
    cases = [c for c in cases if c.target is not None]
    rules = default_rules()
    x = matrix([model_text(c.text) for c in cases])
    evidence = [gather(c.text, rules, _NoModel()) for c in cases]
    langs = [detect_plain(plain(c.text)) for c in cases]
    vectors = SentenceTransformerEmbedder().embed([c.text for c in cases])
    targets = np.array([c.target for c in cases])
    kinds = np.array([t.split(".")[0] for t in targets])

    ngram: list[dict] = [{}] * len(cases)
    embedded: list[dict] = [{}] * len(cases)
    folds = list(GroupKFold(n_splits=FOLDS).split(x, groups=groups(x)))
    for train, test in folds:
        fitted = fit(x[train], list(targets[train]))
        logits = np.asarray(weighted(x[test], fitted.idf) @ fitted.coef_.T) + fitted.intercept_
        mlp = MLPClassifier(hidden_layer_sizes=(128,), alpha=1e-3, max_iter=300, random_state=0)
        mlp.fit(vectors[train], kinds[train])
        probs = mlp.predict_proba(vectors[test])
        for j, i in enumerate(test):
            ngram[i] = combine(tuple(fitted.classes_), fitted.n_kinds, logits[j])
            embedded[i] = dict(zip(mlp.classes_, probs[j], strict=True))

    def decided(probabilities: list[dict]) -> list[str]:
        return [
            decide(replace(e, probabilities=p), lang).kind
            for e, p, lang in zip(evidence, probabilities, langs, strict=True)
        ]

    alone = decided(ngram)
    by_gate = {
        g: decided(
            [gated(a, b, lang, g) for a, b, lang in zip(ngram, embedded, langs, strict=True)]
        )
        for g in GATES
    }

    def named(rows, kinds_):
        return {
            f.name: f.value or 0.0
            for f in figures([cases[i] for i in rows], [kinds_[i] for i in rows])
        }

    final = list(alone)
    for train, test in folds:
        base = named(train, alone)["false alarms, close-but-safe"]

        def score(g, train=train, base=base) -> float:
            f = named(train, by_gate[g])
            if f["false alarms, close-but-safe"] > base + 1e-9:
                return -1.0
            return f["emergency recall, English"] + f["kind accuracy, all"]

        best = max(GATES, key=score)
        print(f"fold gate (up, down, band) = {best}", file=sys.stderr)
        for i in test:
            final[i] = by_gate[best][i]
    print(f"# n-gram classifier alone, out of fold ({len(cases)} messages)")
    print(format_figures(figures(cases, alone)))
    print("\n# with the embedding gate (chosen on the other folds), out of fold")
    print(format_figures(figures(cases, final)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
