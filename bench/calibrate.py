"""Calibrate the answer/fallback rule on a question set: `python bench/calibrate.py [FILE...]`.

For every case whose expected kinds include `answer` or `fallback` (and that triage
lets through), prints the best sentence score and the question words the pages never use, then
sweeps MIN_SENTENCE_SIMILARITY and reports answer/fallback accuracy for each value. The value in
bot/answer/compose.py is chosen from this sweep on the dev set: the middle of the widest range
that separates the two kinds, not a value that fixes any single case.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.answer import compose  # noqa: E402
from bot.answer.pipeline import retrieval_query  # noqa: E402
from bot.answer.retrieve import diversify  # noqa: E402
from bot.eval import load_cases  # noqa: E402
from bot.settings import Settings, offline_environment  # noqa: E402
from bot.triage import triage  # noqa: E402
from bot.triage.normalise import normalise  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "files", nargs="*", type=Path, default=[ROOT.parent / "shared/eval/dev-questions.jsonl"]
    )
    parser.add_argument("--index", type=Path, help="index directory (default: the served one)")
    args = parser.parse_args()
    offline_environment()
    from bot.answer.pipeline import load_responder

    settings = Settings() if args.index is None else Settings(index_dir=args.index)
    responder = load_responder(settings)
    retriever = responder.retriever()
    rows = []
    for path in args.files:
        for case in load_cases(path):
            expect = set(case["expect"])
            if not expect & {"answer", "fallback"}:
                continue
            if triage(case["question"]).kind != "question":
                continue
            query = retrieval_query(normalise(case["question"]), [])
            vector = retriever.embed_query(query)
            hits = diversify(retriever.search(query, k=8, query_vector=vector))
            scored = compose.score_sentences(
                query,
                vector,
                hits,
                responder.embed_sentences,
                retriever.idf,
                retriever.index.sentences,
            )
            best = scored[0][0] if scored else 0.0
            unknown = compose.unknown_terms(query, retriever.vocabulary)
            rows.append((case["id"], expect, best, unknown))
            print(
                f"{case['id']:<10} {'/'.join(sorted(expect)):<16} best={best:.3f} "
                f"unknown={','.join(unknown) or '-'}"
            )

    print("\nthreshold  accuracy (answer/fallback cases)")
    for step in range(20, 81, 5):
        threshold = step / 100
        ok = 0
        for _, expect, best, unknown in rows:
            kind = "answer" if best >= threshold and not unknown else "fallback"
            ok += kind in expect
        marker = "  <- current" if abs(threshold - compose.MIN_SENTENCE_SIMILARITY) < 1e-9 else ""
        print(f"  {threshold:.2f}     {ok / max(len(rows), 1):.3f}{marker}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
