"""Compare answerability feature sets out of fold, before changing what the model uses.

    python bench/answer_features.py [--refresh] [--pairs FILE] [--set NAME=+feat,-feat ...]

Every value `answerability.gather` computes (the shipped FEATURES and any candidates beside
them) is computed once for the labelled pairs and for answer-dev (cached in
data/bench/answer-features.json by question; `--refresh` after changing the feature code).
Each feature set is then scored the way bench/train_answerability.py chooses and reports the
model, at the decision level (triage
and the parts split are left out, so the figures are the gate's own):
- pairs: repeated stratified 5-fold CV, C and threshold chosen inside (accuracy, answerable
  answered, unanswerable answered);
- answer-dev: the same 5 folds as the training script, refitted on pairs + four folds and
  scored on the fifth (answerable answered, unanswerable answered).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import train_answerability as train  # noqa: E402

from bot.answer import answerability  # noqa: E402
from bot.answer.pipeline import retrieval_query  # noqa: E402
from bot.eval import load_cases  # noqa: E402
from bot.triage.lang import detect  # noqa: E402
from bot.triage.normalise import normalise  # noqa: E402

CACHE = ROOT / "data" / "bench" / "answer-features.json"
# Internal held-out sets: a confirmation with a model fitted on the pairs alone, not for choosing.
HELDOUT = (
    ROOT / "bench/data/heldout-2026-12-05/answers.jsonl",
    ROOT / "bench/data/heldout-questions.jsonl",
)
SEEDS = (0, 1, 2)  # dev fold assignments averaged: one split's luck is a case or two


def values(responder, questions: list[str]) -> list[dict[str, float]]:
    out = []
    for q in questions:
        query = retrieval_query(normalise(q), [])
        out.append(dict(responder.analyse_question(query).evidence.values))
    return out


def load(refresh: bool, pairs_path: Path = train.PAIRS) -> dict:
    """Feature values of the pairs and answer-dev, computed by the serving code (cached by
    question, so another pairs file costs only its new questions)."""
    pairs = [json.loads(line) for line in pairs_path.open(encoding="utf-8") if line.strip()]
    dev = load_cases(train.DEV)
    held = [c for path in HELDOUT if path.exists() for c in load_cases(path)]
    cache = {}
    if CACHE.exists() and not refresh:
        cache = json.loads(CACHE.read_text(encoding="utf-8"))
    wanted = [p["question"] for p in pairs] + [c["question"] for c in dev + held]
    missing = [q for q in dict.fromkeys(wanted) if q not in cache]
    if missing:
        from bot.ask import build_responder

        responder, _ = build_responder(None)
        cache.update(zip(missing, values(responder, missing), strict=True))
        CACHE.parent.mkdir(parents=True, exist_ok=True)
        CACHE.write_text(json.dumps(cache), encoding="utf-8")
    return {
        "pairs_y": [int(p["answerable"]) for p in pairs],
        "pairs_x": [cache[p["question"]] for p in pairs],
        "dev_y": [train.dev_label(c) for c in dev],
        "dev_x": [cache[c["question"]] for c in dev],
        "dev_lang": [detect(c["question"]) for c in dev],
        "held_y": [train.dev_label(c) for c in held],
        "held_x": [cache[c["question"]] for c in held],
    }


def fit_probs(x: np.ndarray, y: np.ndarray, test: np.ndarray) -> tuple[np.ndarray, float]:
    """Probabilities on `test` from a model whose C and threshold are chosen by CV on (x, y)."""
    c, threshold, _, _ = train.choose(x, y, repeats=2)
    from sklearn.linear_model import LogisticRegression

    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale == 0] = 1.0
    clf = LogisticRegression(C=c, max_iter=1000).fit((x - mean) / scale, y)
    return clf.predict_proba((test - mean) / scale)[:, 1], threshold


def score(data: dict, names: list[str]) -> dict[str, float]:
    from sklearn.model_selection import KFold

    px = np.array([[r[n] for n in names] for r in data["pairs_x"]])
    py = np.array(data["pairs_y"])
    c, threshold, acc, probs = train.choose(px, py)
    said = probs >= threshold
    dx = np.array([[r[n] for n in names] for r in data["dev_x"]])
    dy = data["dev_y"]
    answered: list[bool] = []
    false: list[bool] = []
    answered_other: list[bool] = []  # answerable questions not in English (triage's language)
    idx = np.arange(len(dy))
    for seed in SEEDS:
        for tr, te in KFold(5, shuffle=True, random_state=seed).split(idx):
            keep = [i for i in tr if dy[i] is not None]
            fx = np.vstack([px, dx[keep]])
            fy = np.concatenate([py, [dy[i] for i in keep]])
            p, t = fit_probs(fx, fy, dx[te])
            for i, pi in zip(te, p, strict=True):
                if dy[i] == 1:
                    answered.append(bool(pi >= t))
                    if data["dev_lang"][i] != "en":
                        answered_other.append(bool(pi >= t))
                elif dy[i] == 0:
                    false.append(bool(pi >= t))
    hx = np.array([[r[n] for n in names] for r in data["held_x"]])
    hy = np.array([-1 if v is None else v for v in data["held_y"]])
    hp, ht = fit_probs(px, py, hx)
    return {
        "C": c,
        "threshold": threshold,
        "pairs_acc": acc,
        "pairs_answered": float(said[py == 1].mean()),
        "pairs_false": float(said[py == 0].mean()),
        "dev_answered": float(np.mean(answered)),
        "dev_false": float(np.mean(false)),
        "dev_n": (len(answered) // len(SEEDS), len(false) // len(SEEDS)),
        "dev_other_language": float(np.mean(answered_other)) if answered_other else float("nan"),
        "dev_other_n": len(answered_other) // len(SEEDS),
        "held_answered": float((hp[hy == 1] >= ht).mean()),
        "held_false": float((hp[hy == 0] >= ht).mean()),
        "held_n": (int((hy == 1).sum()), int((hy == 0).sum())),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--refresh", action="store_true")
    parser.add_argument("--pairs", type=Path, default=train.PAIRS)
    parser.add_argument("--set", action="append", default=[], help="NAME=feat1,feat2")
    args = parser.parse_args()
    data = load(args.refresh, args.pairs)
    sets = {"shipped": list(answerability.FEATURES)}
    for spec in args.set:
        name, _, feats = spec.partition("=")
        extra = [f for f in feats.split(",") if f]
        base = [f.lstrip("-") for f in extra if f.startswith("-")]
        add = [f.lstrip("+") for f in extra if not f.startswith("-")]
        sets[name] = [f for f in answerability.FEATURES if f not in base] + [
            f for f in add if f not in answerability.FEATURES
        ]
    for name, names in sets.items():
        s = score(data, names)
        n1, n0 = s["dev_n"]
        print(
            f"{name:<24} C {s['C']:<5} t {s['threshold']:.2f} | pairs acc {s['pairs_acc']:.3f} "
            f"answered {s['pairs_answered']:.3f} false {s['pairs_false']:.3f} | dev answered "
            f"{s['dev_answered']:.3f} ({n1}; not English {s['dev_other_language']:.3f} of "
            f"{s['dev_other_n']}) false {s['dev_false']:.3f} ({n0}) | held-out "
            f"answered {s['held_answered']:.3f} ({s['held_n'][0]}) false {s['held_false']:.3f} "
            f"({s['held_n'][1]})"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
