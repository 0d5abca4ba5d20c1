"""Which sentence is quoted first: the sentence-scoring constants of compose.py, chosen by CV.

    python bench/tune_sentences.py     # needs ../shared/eval (answer-dev, dev-questions)

For every answerable dev question that reaches retrieval, each candidate sentence's parts of
the score are computed once by the serving code (cosine to the question, covered share of its
topic words, answer-type cue, the passage's fused rank). A grid of constants (how many
passages give candidates, the weight of the covered share, a penalty per rank, the margin
within which the top passage's best sentence is quoted too) is scored by how often the first
quote is a gold sentence ("top-1") and how often some quote is, as compose.select picks them.
The choice is made on four folds and scored on the fifth (3 × 5-fold CV); the out-of-fold
figures are the ones to trust, the shipped constants' in-sample figures are printed next to
them.
"""

from __future__ import annotations

import itertools
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.answer import compose  # noqa: E402

SETS = [
    ROOT.parent / "shared/eval/answer-dev.jsonl",
    ROOT.parent / "shared/eval/dev-questions.jsonl",
]
GRID = list(
    itertools.product((4, 6, 8), (0.15, 0.25, 0.35, 0.5), (0.0, 0.01, 0.02), (0.15, 0.2, 0.25, 0.3))
)  # (candidate passages, covered-share weight, penalty per rank, top-passage margin)


def candidate_parts(
    responder, question: str, gold: list[str], extra: Callable | None = None
) -> np.ndarray:
    """Rows of (cosine, covered share, cue bonus, passage rank, is gold) for one question, then
    the columns `extra(vectors, table, texts)` gives per candidate (trials of further score
    parts)."""
    from bot.answer.pipeline import retrieval_query
    from bot.answer.retrieve import diversify
    from bot.answer.text import normalise_text, term_groups
    from bot.triage.normalise import normalise

    retriever = responder.retriever()
    table = retriever.index.sentences
    query = retriever.normalise_query(retrieval_query(normalise(question), []))
    vector = retriever.embed_query(query)
    hits = diversify(retriever.search(query, k=max(g[0] for g in GRID), query_vector=vector))
    groups = term_groups(query)
    rows = []
    for rank, hit in enumerate(hits):
        found = [s for s in compose.sentences(hit.chunk, table) if compose.is_candidate(s.text)]
        if not found:
            continue
        vectors = compose.sentence_vectors(found, table, responder.embed_sentences)
        cosines = vectors @ vector
        texts = [s.text for s in found]
        more = extra(vectors, table, texts) if extra else np.zeros((len(found), 0))
        for s, cos, added in zip(found, cosines, more, strict=True):
            text = normalise_text(s.text)
            rows.append(
                (
                    float(cos),
                    compose.covered_share(groups, s.text, retriever.idf),
                    compose.answer_type_bonus(query, s.text),
                    rank,
                    any(text in g or g in text for g in gold),
                    *added,
                )
            )
    return np.array(rows, dtype=np.float64).reshape(-1, len(rows[0]) if rows else 5)


def outcome(rows: np.ndarray, constants: tuple[int, float, float, float]) -> tuple[float, float]:
    """(the first quote is gold, some quote is gold) when compose.select picks under these
    constants: the best sentence, runners-up within its margin, the top passage's best
    sentence when within `margin` (list and antecedent widening left out)."""
    passages, lexical, penalty, margin = constants
    kept = rows[rows[:, 3] < passages]
    if not len(kept):
        return 0.0, 0.0
    score = kept[:, 0] + lexical * kept[:, 1] + kept[:, 2] - penalty * kept[:, 3]
    order = np.argsort(-score)
    best = score[order[0]]
    chosen = [
        j
        for j in order[: compose.MAX_SENTENCES]
        if score[j] >= best - compose.SECOND_SENTENCE_MARGIN
    ]
    if not any(kept[j, 3] == 0 for j in chosen):
        top = [j for j in order if kept[j, 3] == 0]
        if top and score[top[0]] >= best - margin:
            chosen = [*chosen[: compose.MAX_SENTENCES - 1], top[0]]
    return float(kept[order[0], 4]), float(max(kept[j, 4] for j in chosen))


def dev_candidates(extra: Callable | None = None) -> list[np.ndarray]:
    """`candidate_parts` of every answerable dev question with gold sentences that triage sends
    on to retrieval, from the served index."""
    from bot.answer.text import normalise_text
    from bot.ask import build_responder
    from bot.eval import load_cases
    from bot.triage.conversation import triage_turn

    responder, _ = build_responder(None)
    cases = []
    for path in SETS:
        for case in load_cases(path):
            answerable = case.get("gold_quotes") and case["expect"][0] == "answer"
            if answerable and triage_turn(case["question"], []).kind == "question":
                gold = [normalise_text(g) for g in case["gold_quotes"]]
                cases.append(candidate_parts(responder, case["question"], gold, extra))
    return cases


def main() -> int:
    from sklearn.model_selection import KFold

    cases = dev_candidates()
    top1 = np.array([[outcome(c, g)[0] for g in GRID] for c in cases])
    top3 = np.array([[outcome(c, g)[1] for g in GRID] for c in cases])  # some quote gold
    shipped = GRID.index(
        (
            compose.CANDIDATE_CHUNKS,
            compose.LEXICAL_WEIGHT,
            compose.RANK_PENALTY,
            compose.PASSAGE_MARGIN,
        )
    )
    oof1, oof3, chosen = [], [], []
    for repeat in range(3):
        for train, test in KFold(5, shuffle=True, random_state=repeat).split(cases):
            best = int(np.argmax(top1[train].mean(0) + top3[train].mean(0)))
            chosen.append(GRID[best])
            oof1 += list(top1[test, best])
            oof3 += list(top3[test, best])
    print(f"{len(cases)} answerable dev questions with gold sentences")
    print(f"chosen per fold (passages, covered-share weight, rank penalty, margin): {chosen}")
    print(f"out-of-fold: first quote gold {np.mean(oof1):.3f}, some quote gold {np.mean(oof3):.3f}")
    for name, i in (("shipped", shipped), ("former", GRID.index((4, 0.25, 0.01, 0.15)))):
        print(
            f"{name} {GRID[i]} (in-sample): first quote gold {top1[:, i].mean():.3f}, "
            f"some quote gold {top3[:, i].mean():.3f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
