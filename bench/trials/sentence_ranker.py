"""Tried 2026-12-07: a learned sentence ranker instead of the hand-weighed sentence score.

    python bench/trials/sentence_ranker.py     # needs ../shared/eval and a built index

compose.score_sentences ranks a question's candidate sentences by cosine + 0.25 x the covered
share of its topic words + answer-type cues (constants chosen by CV, bench/tune_sentences.py).
Here a logistic regression learns "is a gold sentence" from those parts and a few more a
generic sentence differs in: the sentence's length in words (log), its place in its passage,
the cosine minus the best cosine among the question's candidates, the covered share minus the
best. Pointwise, fitted on four folds of the answerable dev questions and scored on the fifth
(3 x 5-fold CV), against the shipped score on the same folds: how often the first quote is gold.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))

import tune_sentences  # noqa: E402

from bot.answer import compose  # noqa: E402


def text_parts(vectors: np.ndarray, table, texts: list[str]) -> np.ndarray:
    """Per candidate: log word count, place in the passage's candidates (0 first)."""
    return np.array([[np.log1p(len(t.split())), i] for i, t in enumerate(texts)], dtype=float)


def design_full(rows: np.ndarray) -> np.ndarray:
    """Features of each candidate row (cos, covered, cue, rank, gold, log length, place)."""
    cos, covered, cue, rank = rows[:, 0], rows[:, 1], rows[:, 2], rows[:, 3]
    return np.column_stack(
        [
            cos,
            covered,
            cue,
            rank,
            rows[:, 5],
            np.minimum(rows[:, 6], 5),
            cos - cos.max(),
            covered - covered.max(),
        ]
    )


def design_base(rows: np.ndarray) -> np.ndarray:
    """The shipped score's own parts only: what a learned weighting of them alone gives."""
    return rows[:, :3]


def first_gold(rows: np.ndarray, score: np.ndarray) -> float:
    return float(rows[int(np.argmax(score)), 4])


def main() -> int:
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import KFold

    found = tune_sentences.dev_candidates(text_parts)
    cases = [r[r[:, 3] < compose.CANDIDATE_CHUNKS] for r in found]
    cases = [r for r in cases if len(r)]
    shipped = [first_gold(r, r[:, 0] + compose.LEXICAL_WEIGHT * r[:, 1] + r[:, 2]) for r in cases]
    for (name, design), c in (
        (("parts", design_base), 1.0),
        (("parts + length, place, gaps", design_full), 0.1),
        (("parts + length, place, gaps", design_full), 1.0),
    ):
        learned, base = [], []
        for repeat in range(3):
            for train, test in KFold(5, shuffle=True, random_state=repeat).split(cases):
                x = np.vstack([design(cases[i]) for i in train])
                y = np.concatenate([cases[i][:, 4] for i in train])
                mean, scale = x.mean(0), x.std(0) + 1e-9
                model = LogisticRegression(C=c, max_iter=2000).fit((x - mean) / scale, y)
                for i in test:
                    score = model.decision_function((design(cases[i]) - mean) / scale)
                    learned.append(first_gold(cases[i], score))
                    base.append(shipped[i])
        print(
            f"{name}, C {c}: {len(cases)} questions; first quote gold, out of fold: learned "
            f"{np.mean(learned):.3f}, shipped score {np.mean(base):.3f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
