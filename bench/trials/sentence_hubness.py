"""Tried 2026-12-07, not adopted: a hubness correction in the sentence score (issue 14).

    python bench/trials/sentence_hubness.py     # needs ../shared/eval and a built index

A generic sentence ("Ketamine offers a potential treatment option for individuals suffering
from migraines.") is close to many questions and was quoted first for several dev questions whose
gold sentence is more specific. The CSLS idea from cross-lingual retrieval: subtract from each
candidate's score `weight` x its mean cosine to its `k` nearest sentences of the index (a "hub"
is near everything). The grid of bench/tune_sentences.py (covered-share weight and top-passage
margin; 6 passages, no rank penalty) with the weight (0-0.8) and k (3, 10, all) added, 3 x 5-fold
CV on the answerable dev questions: every fold chose weight 0, and in-sample the first quote is
gold less often at every weight above 0 (0.815 at 0, 0.808 at 0.1, 0.769 at 0.2, 0.685 at 0.8).
"""

from __future__ import annotations

import itertools
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))

import tune_sentences  # noqa: E402

NEIGHBOURS = (3, 10, 1_000_000)  # k: "all" is any k above the number of sentences
WEIGHTS = (0.0, 0.1, 0.2, 0.3, 0.5, 0.8)
GRID = list(itertools.product((0.15, 0.25, 0.35, 0.5), (0.15, 0.2, 0.25, 0.3), WEIGHTS, (0, 1, 2)))


def hubness(vectors: np.ndarray, table, texts: list[str]) -> np.ndarray:
    """Per candidate, its mean cosine to its k nearest stored sentences, one column per k."""
    sims = np.sort(vectors @ table.vectors.astype(np.float32).T, axis=1)[:, :-1]  # not itself
    return np.stack([sims[:, -min(k, sims.shape[1]) :].mean(1) for k in NEIGHBOURS], axis=1)


def outcome(rows: np.ndarray, constants: tuple[float, float, float, int]) -> tuple[float, float]:
    """tune_sentences.outcome with the hub term taken off the cosine."""
    lexical, margin, weight, k = constants
    shifted = rows[:, :5].copy()
    shifted[:, 0] -= weight * rows[:, 5 + k]
    return tune_sentences.outcome(shifted, (6, lexical, 0.0, margin))


def main() -> int:
    from sklearn.model_selection import KFold

    cases = tune_sentences.dev_candidates(hubness)
    top1 = np.array([[outcome(c, g)[0] for g in GRID] for c in cases])
    some = np.array([[outcome(c, g)[1] for g in GRID] for c in cases])
    chosen, oof1, oof3 = [], [], []
    for repeat in range(3):
        for train, test in KFold(5, shuffle=True, random_state=repeat).split(cases):
            best = int(np.argmax(top1[train].mean(0) + some[train].mean(0)))
            chosen.append(GRID[best][2:])
            oof1 += list(top1[test, best])
            oof3 += list(some[test, best])
    print(f"{len(cases)} answerable dev questions; (weight, k index) per fold: {chosen}")
    print(f"out-of-fold: first quote gold {np.mean(oof1):.3f}, some quote gold {np.mean(oof3):.3f}")
    for weight, k in itertools.product(WEIGHTS, range(len(NEIGHBOURS))):
        i = GRID.index((0.25, 0.2, weight, k))
        print(f"in sample, weight {weight} k {NEIGHBOURS[k]}: first {top1[:, i].mean():.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
