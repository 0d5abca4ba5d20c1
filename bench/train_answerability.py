"""Train the answerability model and regenerate its section of docs/ANSWERING.md.

    make answer-model          # = python bench/train_answerability.py

1. Features (bot.answer.answerability.FEATURES) of every labelled pair in
   bench/data/answerability-pairs.jsonl (questions we wrote from knowledge/ in visitors' words),
   computed by the serving code over the served index.
2. Logistic regression (scikit-learn); its regularisation C and the threshold on its probability
   are the ones with the best out-of-fold accuracy in repeated stratified 5-fold cross-validation
   on the pairs (the threshold in the middle of the best range, so no single case decides it).
3. The model fitted on all pairs is written to bot/answer/data/answerability.json.
4. Figures on ../shared/eval/answer-dev.jsonl, whose questions are never in the pairs:
   (a) the shipped model, not trained on any dev question, end to end (bot.eval metrics);
   (b) 5-fold cross-validation where the model is refitted on the pairs plus four folds of the
       dev set and scored end to end on the fifth (out-of-fold figures only).
   And dev-questions.jsonl end to end with the shipped model.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.answer import answerability  # noqa: E402
from bot.answer.pipeline import retrieval_query  # noqa: E402
from bot.eval import load_cases, score_case, summarise  # noqa: E402
from bot.triage.lang import detect  # noqa: E402
from bot.triage.normalise import normalise  # noqa: E402

PAIRS = ROOT / "bench/data/answerability-pairs.jsonl"
MEDQUAD_PAIRS = ROOT / "bench/data/answerability-medquad.jsonl"  # bench/medquad_pairs.py
DEV = ROOT.parent / "shared/eval/answer-dev.jsonl"
DEV_QUESTIONS = ROOT.parent / "shared/eval/dev-questions.jsonl"
DOC = ROOT / "docs/ANSWERING.md"
START, END = "<!-- answer-model:start -->", "<!-- answer-model:end -->"
SEED = 0
C_GRID = (0.03, 0.1, 0.3, 1.0, 3.0)  # inverse regularisation, chosen by CV on the pairs


def features(responder, questions: list[str]) -> np.ndarray:
    """Each question's features as serving computes them: in its detected language (a Spanish
    question is read through its English gloss, `bot.answer.spanish`)."""
    rows = []
    for q in questions:
        query = retrieval_query(normalise(q), [])
        rows.append(responder.analyse_question(query, detect(q)).evidence.vector())
    return np.vstack(rows)


def fit(x: np.ndarray, y: np.ndarray, threshold: float, c: float = 1.0) -> answerability.Model:
    from sklearn.linear_model import LogisticRegression

    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale == 0] = 1.0
    clf = LogisticRegression(C=c, max_iter=1000).fit((x - mean) / scale, y)
    return answerability.Model(
        answerability.FEATURES, mean, scale, clf.coef_[0], float(clf.intercept_[0]), threshold
    )


def cv_probabilities(x: np.ndarray, y: np.ndarray, repeats: int = 5, c: float = 1.0) -> np.ndarray:
    """Out-of-fold probabilities, `repeats` shuffles of stratified 5-fold CV (one column each)."""
    from sklearn.model_selection import StratifiedKFold

    out = np.zeros((len(y), repeats))
    for r in range(repeats):
        for train, test in StratifiedKFold(5, shuffle=True, random_state=SEED + r).split(x, y):
            model = fit(x[train], y[train], 0.5, c)
            out[test, r] = [model.probability(row) for row in x[test]]
    return out


def choose_threshold(probs: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """The middle of the range of thresholds with the best mean out-of-fold accuracy."""
    grid = np.round(np.arange(0.05, 0.951, 0.01), 2)
    acc = np.array([((probs >= t) == y[:, None]).mean() for t in grid])
    best = np.flatnonzero(acc >= acc.max() - 1e-9)
    # the longest run of consecutive best thresholds, its middle
    runs, run = [], [best[0]]
    for i in best[1:]:
        if i == run[-1] + 1:
            run.append(i)
        else:
            runs.append(run)
            run = [i]
    runs.append(run)
    chosen = max(runs, key=len)
    return float(grid[chosen[len(chosen) // 2]]), float(acc.max())


def choose(
    x: np.ndarray, y: np.ndarray, repeats: int = 5
) -> tuple[float, float, float, np.ndarray]:
    """Regularisation and threshold by out-of-fold accuracy: (C, threshold, accuracy, the
    out-of-fold probabilities at that C).

    The one-standard-error rule: the most regularised C whose accuracy is within one standard
    error of the best, since on a few hundred pairs the C values differ by less than noise.
    """
    tried = []
    for c in C_GRID:
        probs = cv_probabilities(x, y, repeats, c)
        threshold, acc = choose_threshold(probs, y)
        tried.append((c, threshold, acc, probs))
    best = max(acc for _, _, acc, _ in tried)
    standard_error = math.sqrt(best * (1 - best) / len(y))
    return min((t for t in tried if t[2] >= best - standard_error), key=lambda t: t[0])


def answered_shares(results: list) -> tuple[float | None, float | None]:
    """Share of answer-only cases answered, and of cases that must not be answered that were."""
    must = [r.reply["kind"] == "answer" for r in results if list(r.case["expect"]) == ["answer"]]
    never = [r.reply["kind"] == "answer" for r in results if "answer" not in r.case["expect"]]
    return (
        sum(must) / len(must) if must else None,
        sum(never) / len(never) if never else None,
    )


def medquad_transfer(model: answerability.Model) -> str:
    """The shipped model on MedQuAD pairs (a page present / left out of a 1,009-page corpus):
    does a gate fitted on the clinic's page carry over to a larger site? Not used for fitting."""
    if not MEDQUAD_PAIRS.exists():
        return "MedQuAD pairs: none (run bench/medquad_pairs.py)."
    rows = [json.loads(line) for line in MEDQUAD_PAIRS.open(encoding="utf-8") if line.strip()]
    if any(set(answerability.FEATURES) - set(r["features"]) for r in rows):
        return "MedQuAD pairs: made with other features (rerun bench/medquad_pairs.py)."
    x = np.array([[r["features"][n] for n in answerability.FEATURES] for r in rows])
    y = np.array([bool(r["answerable"]) for r in rows])
    said = np.array([model.probability(row) >= model.threshold for row in x])
    return (
        f"MedQuAD pairs ({MEDQUAD_PAIRS.relative_to(ROOT)}, {len(y)} pairs, {int(y.sum())} "
        f"answerable), shipped model: accuracy {(said == y).mean():.3f}; answerable answered "
        f"{said[y].mean():.3f}; page left out but answered {said[~y].mean():.3f}."
    )


def dev_label(case: dict) -> int | None:
    """1 answerable, 0 not, None when both kinds are accepted (not used for fitting)."""
    expect = set(case["expect"])
    if "answer" in expect and "fallback" not in expect:
        return 1
    if "answer" not in expect and expect & {"fallback", "refusal"}:
        return 0
    return None


def run_cases(responder, cases, page_texts, model) -> list:
    responder.answer_model = model
    try:
        return [score_case(c, responder.reply(c["question"]).to_json(), page_texts) for c in cases]
    finally:
        responder.answer_model = None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, help="index directory (default: the served one)")
    parser.add_argument("--no-docs", action="store_true", help="do not rewrite docs/ANSWERING.md")
    args = parser.parse_args()
    from sklearn.model_selection import KFold

    from bot.ask import build_responder

    responder, index = build_responder(args.index)
    page_texts = {s: p.text for s, p in index.pages.items()}
    pairs = [json.loads(line) for line in PAIRS.open(encoding="utf-8") if line.strip()]
    x = features(responder, [p["question"] for p in pairs])
    y = np.array([int(p["answerable"]) for p in pairs])

    c, threshold, pairs_cv_acc, probs = choose(x, y)
    model = fit(x, y, threshold, c)
    pairs_cv_answered = float(
        ((probs >= threshold) & (y[:, None] == 1)).sum() / (y == 1).sum() / probs.shape[1]
    )
    pairs_cv_false = float(
        ((probs >= threshold) & (y[:, None] == 0)).sum() / (y == 0).sum() / probs.shape[1]
    )
    transfer = medquad_transfer(model)
    print(transfer)
    print(
        f"pairs: {len(y)} ({y.sum()} answerable); C {c}; threshold {threshold:.2f}; "
        f"CV accuracy {pairs_cv_acc:.3f}, answered {pairs_cv_answered:.3f}, "
        f"unanswerable answered {pairs_cv_false:.3f}"
    )

    # (a) the shipped model on the dev set, never trained on it
    dev = load_cases(DEV)
    shipped_results = run_cases(responder, dev, page_texts, model)
    dev_q_results = run_cases(responder, load_cases(DEV_QUESTIONS), page_texts, model)

    # (b) dev folds: refit on pairs + four folds, score the fifth
    dev_x = features(responder, [c["question"] for c in dev])
    labels = [dev_label(c) for c in dev]
    oof = []
    for train, test in KFold(5, shuffle=True, random_state=SEED).split(dev):
        keep = [i for i in train if labels[i] is not None]
        fx = np.vstack([x, dev_x[keep]])
        fy = np.concatenate([y, [labels[i] for i in keep]])
        fold_c, t, _, _ = choose(fx, fy, repeats=2)
        fold_model = fit(fx, fy, t, fold_c)
        oof += run_cases(responder, [dev[i] for i in test], page_texts, fold_model)

    meta = {
        "trained_on": f"{PAIRS.relative_to(ROOT)} ({len(y)} pairs, {int(y.sum())} answerable)",
        "cv": {
            "accuracy": round(pairs_cv_acc, 4),
            "answered": round(pairs_cv_answered, 4),
            "unanswerable_answered": round(pairs_cv_false, 4),
        },
        "made_by": "make answer-model (bench/train_answerability.py)",
    }
    answerability.MODEL_FILE.write_text(
        json.dumps(model.to_json(**meta), indent=1) + "\n", encoding="utf-8"
    )
    keys = [
        "kind_accuracy",
        "cited_hit",
        "top1_hit",
        "hit@1",
        "mrr",
        "verbatim_quotes",
        "forbid_violations",
    ]
    keys += ["answered", "false_answers"]
    rows = [
        ("answer-dev, shipped model (never trained on it)", shipped_results),
        ("answer-dev, 5-fold CV with dev folds (out-of-fold)", oof),
        ("dev-questions, shipped model", dev_q_results),
    ]
    table = ["| set | " + " | ".join(keys) + " |", "|---" * (len(keys) + 1) + "|"]
    for name, results in rows:
        s = summarise(results)
        s["answered"], s["false_answers"] = answered_shares(results)
        cells = [
            ("n/a" if s[k] is None else f"{s[k]:.3f}" if isinstance(s[k], float) else str(s[k]))
            for k in keys
        ]
        table.append(f"| {name} (n={s['cases']}) | " + " | ".join(cells) + " |")
    weights = "\n".join(
        f"| `{n}` | {c:+.3f} |" for n, c in zip(model.features, model.coef, strict=True)
    )
    section = f"""{START}
Generated by `make answer-model` (bench/train_answerability.py); do not edit by hand.

- Training pairs: {meta["trained_on"]}.
- Model: logistic regression (C = {c}, chosen from {C_GRID} by the same CV: the most
  regularised within one standard error of the best accuracy) on standardised features;
  weights in
  `bot/answer/data/answerability.json`, scored with numpy when serving.
- Threshold on the probability: **{threshold:.2f}**, the middle of the best range of out-of-fold
  accuracy in 5 × repeated stratified 5-fold CV on the pairs (accuracy {pairs_cv_acc:.3f};
  answerable pairs answered {pairs_cv_answered:.3f};
  unanswerable pairs answered {pairs_cv_false:.3f}).

| feature | weight (per standard deviation) |
|---|---|
{weights}
| intercept | {model.intercept:+.3f} |

Transfer to a larger site (not used for fitting): {transfer}

End-to-end figures (bot.eval metrics; `answered`: share of the answer-only cases answered;
`false_answers`: share of the cases that must not be answered (fallback / refusal) that were):

{chr(10).join(table)}
{END}"""
    print(section)
    if not args.no_docs:
        doc = DOC.read_text(encoding="utf-8")
        if START in doc:
            doc = re.sub(
                re.escape(START) + ".*?" + re.escape(END), lambda _: section, doc, flags=re.S
            )
        else:
            doc = doc.rstrip() + "\n\n## The answerability model\n\n" + section + "\n"
        DOC.write_text(doc, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
