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
sys.path.insert(0, str(ROOT))

from bot.answer import compose  # noqa: E402

SETS = [
    ROOT.parent / "shared/eval/answer-dev.jsonl",
    ROOT.parent / "shared/eval/dev-questions.jsonl",
]
GRID = list(
    itertools.product(
        (6,),
        (0.15, 0.25, 0.35, 0.5),
        (0.0,),
        (0.15, 0.2, 0.25, 0.3),
        (0.0, 0.1, 0.2, 0.3, 0.5, 0.8),
        (3, 10, 1000),
    )
)  # (candidate passages, covered-share weight, penalty per rank, top-passage margin)


def candidate_parts(responder, question: str, gold: list[str]) -> np.ndarray:
    """Rows of (cosine, covered share, cue bonus, passage rank, is gold) for one question."""
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
        vecs = compose.sentence_vectors(found, table, responder.embed_sentences)
        cosines = vecs @ vector
        allv = table.vectors.astype(np.float32)
        sims = vecs @ allv.T
        sims.sort(axis=1)
        hubs = [
            {k: float(row[-1 - min(k, len(row) - 1) : -1].mean()) for k in (3, 10, 1000)}
            for row in sims
        ]
        for s, cos, hub in zip(found, cosines, hubs, strict=True):
            text = normalise_text(s.text)
            rows.append(
                (
                    float(cos),
                    compose.covered_share(groups, s.text, retriever.idf),
                    compose.answer_type_bonus(query, s.text),
                    rank,
                    any(text in g or g in text for g in gold),
                    hub[3],
                    hub[10],
                    hub[1000],
                )
            )
    return np.array(rows, dtype=np.float64).reshape(-1, 8)


def outcome(rows: np.ndarray, constants: tuple[int, float, float, float]) -> tuple[float, float]:
    """(the first quote is gold, some quote is gold) when compose.select picks under these
    constants: the best sentence, runners-up within its margin, the top passage's best
    sentence when within `margin` (list and antecedent widening left out)."""
    passages, lexical, penalty, margin, hubw, hubk = constants
    kept = rows[rows[:, 3] < passages]
    if not len(kept):
        return 0.0, 0.0
    col = {3: 5, 10: 6, 1000: 7}[hubk]
    score = (
        kept[:, 0] + lexical * kept[:, 1] + kept[:, 2] - penalty * kept[:, 3] - hubw * kept[:, col]
    )
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


def main() -> int:
    from sklearn.model_selection import KFold

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
                cases.append(candidate_parts(responder, case["question"], gold))
    top1 = np.array([[outcome(c, g)[0] for g in GRID] for c in cases])
    top3 = np.array([[outcome(c, g)[1] for g in GRID] for c in cases])  # some quote gold
    shipped = GRID.index(
        (
            compose.CANDIDATE_CHUNKS,
            compose.LEXICAL_WEIGHT,
            compose.RANK_PENALTY,
            compose.PASSAGE_MARGIN,
            0.0,
            3,
        )
    )
    nohub = [i for i, g in enumerate(GRID) if g[4] == 0.0 and g[5] == 3]
    o1, o3 = [], []
    for repeat in range(3):
        for train, test in KFold(5, shuffle=True, random_state=repeat).split(cases):
            b = nohub[int(np.argmax(top1[train][:, nohub].mean(0) + top3[train][:, nohub].mean(0)))]
            o1 += list(top1[test, b])
            o3 += list(top3[test, b])
    print(f"no hub, out-of-fold: first {np.mean(o1):.3f}, some {np.mean(o3):.3f}")
    oof1, oof3, chosen = [], [], []
    for repeat in range(3):
        for train, test in KFold(5, shuffle=True, random_state=repeat).split(cases):
            best = int(np.argmax(top1[train].mean(0) + top3[train].mean(0)))
            chosen.append(GRID[best])
            oof1 += list(top1[test, best])
            oof3 += list(top3[test, best])
    for hw in (0.0, 0.1, 0.2, 0.3, 0.5, 0.8):
        for hk in (3, 10, 1000):
            i = GRID.index((6, 0.25, 0.0, 0.2, hw, hk))
            print("hub", hw, hk, round(top1[:, i].mean(), 3), round(top3[:, i].mean(), 3))
    print(f"{len(cases)} answerable dev questions with gold sentences")
    print(f"chosen per fold (passages, covered-share weight, rank penalty, margin): {chosen}")
    print(f"out-of-fold: first quote gold {np.mean(oof1):.3f}, some quote gold {np.mean(oof3):.3f}")
    for name, i in (("shipped", shipped),):
        print(
            f"{name} {GRID[i]} (in-sample): first quote gold {top1[:, i].mean():.3f}, "
            f"some quote gold {top3[:, i].mean():.3f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
