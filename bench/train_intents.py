"""Train the learned `asks` layer of the focus check (bot/answer/intent_model.py).

    make intent-model          # = python bench/train_intents.py; then make answer-model

1. Examples: bot/answer/data/intent-examples.jsonl, each question embedded as serving embeds
   it (normalised, spelling fixed and acronyms spelt out against the served pages, synonyms
   appended, the served all-MiniLM-L6-v2 encoder: `Retriever.embed_query`).
2. Multinomial logistic regression over the vector, classes the intents of
   bot/answer/data/intents.json and "none". Its C and the threshold on an intent's probability
   by 5 × repeated stratified 5-fold CV on the examples: for each C the lowest threshold whose
   out-of-fold precision (intents the layer says are asked that the example does not ask, over
   all it says) reaches PRECISION; then, of the C values, the most regularised whose share of
   intents found at its threshold is within one standard error of the best (as
   bench/train_answerability.py chooses its C: on a few hundred examples the C values differ
   by less than noise).
3. The model fitted on all examples is written to bot/answer/data/intent-model.npz.

The answerability model's focus feature reads this layer: retrain it afterwards
(`make answer-model`).
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.answer import focus, intent_model  # noqa: E402
from bot.triage.normalise import normalise  # noqa: E402

SEED = 0
REPEATS = 5
C_GRID = (3.0, 10.0, 30.0, 100.0)
THRESHOLDS = np.round(np.arange(0.50, 0.991, 0.01), 2)
# A false "asks for the cost" makes the bot decline a question the pages answer; a missed one
# leaves the question to the similarity model, as before this layer.
PRECISION = 0.98


def fit(x: np.ndarray, y: np.ndarray, c: float):
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=c, max_iter=5000).fit(x, y)


def cv_probabilities(x: np.ndarray, y: np.ndarray, c: float) -> np.ndarray:
    """Out-of-fold class probabilities, (REPEATS, examples, classes)."""
    from sklearn.model_selection import StratifiedKFold

    out = np.zeros((REPEATS, len(y), int(y.max()) + 1))
    for r in range(REPEATS):
        for train, test in StratifiedKFold(5, shuffle=True, random_state=SEED + r).split(x, y):
            clf = fit(x[train], y[train], c)
            out[r][np.ix_(test, clf.classes_)] = clf.predict_proba(x[test])
    return out


def scores(probs: np.ndarray, y: np.ndarray, none: int, t: float) -> tuple[float, float, float]:
    """(precision, recall, false intents per repeat) of "asks intent k" when P(k) >= t."""
    said = probs >= t
    said[:, :, none] = False
    truth = np.zeros(probs.shape[1:], dtype=bool)
    truth[np.arange(len(y)), y] = True
    truth[:, none] = False
    tp = (said & truth).sum()
    fp = (said & ~truth).sum()
    precision = tp / (tp + fp) if tp + fp else 1.0
    return precision, tp / truth.sum() / len(probs), fp / len(probs)


def choose(x: np.ndarray, y: np.ndarray, none: int) -> tuple[float, float, np.ndarray]:
    """(C, threshold, out-of-fold probabilities at that C), as in the module doc."""
    tried = []
    for c in C_GRID:
        probs = cv_probabilities(x, y, c)
        ok = [t for t in THRESHOLDS if scores(probs, y, none, t)[0] >= PRECISION]
        t = float(ok[0]) if ok else float(THRESHOLDS[-1])
        precision, recall, _ = scores(probs, y, none, t)
        print(f"  C {c:>5}: threshold {t:.2f}, precision {precision:.3f}, recall {recall:.3f}")
        tried.append((recall, c, t, probs))
    best = max(recall for recall, *_ in tried)
    asked = int((y != none).sum())
    standard_error = math.sqrt(best * (1 - best) / asked)
    chosen = min((row for row in tried if row[0] >= best - standard_error), key=lambda r: r[1])
    return chosen[1], chosen[2], chosen[3]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, help="index directory (default: the served one)")
    args = parser.parse_args()
    from bot.ask import build_responder

    table = focus.intents()
    names = [i.name for i in table]
    examples = intent_model.read_examples(intent_model.EXAMPLES_FILE, frozenset(names))
    classes = (*names, intent_model.NONE)
    responder, _ = build_responder(args.index)
    retriever = responder.retriever()
    x = np.vstack(
        [retriever.embed_query(retriever.normalise_query(normalise(e.text))) for e in examples]
    ).astype(np.float64)
    y = np.array([classes.index(e.intent) for e in examples])
    none = classes.index(intent_model.NONE)
    counts = ", ".join(f"{c} {int((y == k).sum())}" for k, c in enumerate(classes))
    print(f"examples: {len(y)} ({counts})")

    c, threshold, probs = choose(x, y, none)
    precision, recall, fp = scores(probs, y, none, threshold)
    clf = fit(x, y, c)
    coef = np.zeros((len(classes), x.shape[1]))
    intercept = np.full(len(classes), -50.0)
    coef[clf.classes_], intercept[clf.classes_] = clf.coef_, clf.intercept_
    model = intent_model.IntentModel(retriever.embedder.name, classes, coef, intercept, threshold)
    intent_model.save(intent_model.MODEL_FILE, model)

    regex = np.array([[bool(i.asks.search(normalise(e.text))) for i in table] for e in examples])
    print(f"chosen: C {c}, threshold {threshold:.2f}")
    print(
        f"out of fold ({REPEATS} x 5-fold): precision {precision:.3f}, intents found "
        f"{recall:.3f}, false intents {fp:.1f} per pass over the {len(y)} examples"
    )
    print("| intent | examples | pattern finds | layer finds (out of fold) | either |")
    print("|---|---|---|---|---|")
    said = probs[:, :, : len(names)] >= threshold
    for k, name in enumerate(names):
        rows = y == k
        pattern = regex[rows, k].mean()
        layer = said[:, rows, k].mean()
        either = (said[:, rows, k] | regex[rows, k]).mean()
        print(f"| {name} | {rows.sum()} | {pattern:.2f} | {layer:.2f} | {either:.2f} |")
    wrong = said & (np.arange(len(names)) != y[:, None])[None]
    for i, k in zip(*np.nonzero(wrong.any(axis=0)), strict=True):
        print(
            f"  out of fold, read as {names[k]} ({wrong[:, i, k].mean():.1f} of passes): "
            f"{examples[i].text!r} [{examples[i].intent}]"
        )
    print(f"wrote {intent_model.MODEL_FILE.relative_to(ROOT)}; now run make answer-model")
    return 0


if __name__ == "__main__":
    sys.exit(main())
