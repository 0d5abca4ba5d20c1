"""Answerability pairs at a realistic scale, from MedQuAD: a question with and without its page.

    python bench/medquad_pairs.py      # writes bench/data/answerability-medquad.jsonl

../shared/corpora/medquad holds 1,009 real NIH pages and 372 questions naming the page that
answers each; bench/consumer_rewrites.py adds a casual, misspelt rewrite of each (same seed as
bench/bench_retrieval.py). For every question the serving code computes the answerability
features twice:
- with the whole corpus, when retrieval puts a page that answers it first: an answerable pair
  (the quote would come from the right page);
- with the pages that answer it left out (their passages removed from the ranking and their
  words that no other page uses removed from the vocabulary): the corpus does not contain the
  answer, an unanswerable pair. Gold lists are incomplete, so a few of these are answerable
  after all; the model is trained with that noise.
Questions whose page is present but not ranked first give no pair (neither label is right).
Each row keeps the feature values, so `make answer-model` does not need the MedQuAD index.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_answer import SHARED, medquad_index  # noqa: E402
from consumer_rewrites import with_rewrites  # noqa: E402

from bot.settings import offline_environment  # noqa: E402

OUT = ROOT / "bench/data/answerability-medquad.jsonl"
DEPTH = 8  # passages the serving path analyses (Responder.analyse)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", type=Path, default=ROOT / "data" / "bench")
    args = parser.parse_args()
    offline_environment()
    from bot.answer import answerability
    from bot.answer.pipeline import load_responder
    from bot.answer.retrieve import diversify
    from bot.answer.text import vocabulary
    from bot.embed import SentenceTransformerEmbedder
    from bot.eval import load_cases
    from bot.settings import Settings
    from bot.triage.normalise import normalise

    index_dir = medquad_index(args.workdir)
    responder = load_responder(
        Settings(index_dir=index_dir), embedder=SentenceTransformerEmbedder()
    )
    retriever = responder.retriever()
    by_source: dict[str, set[str]] = {}
    for c in retriever.chunks:
        by_source.setdefault(c.source, set()).update(vocabulary(f"{c.title} {c.section} {c.text}"))
    pages_using = Counter(stem for stems in by_source.values() for stem in stems)

    def without(gold: set[str]) -> frozenset[str]:
        """The vocabulary of the corpus with the gold pages left out."""
        gone = Counter(stem for g in gold for stem in by_source.get(g, ()))
        return frozenset(s for s in retriever.vocabulary if pages_using[s] > gone[s])

    cases = load_cases(SHARED / "corpora/medquad/dev-questions.jsonl")
    variants = with_rewrites(cases)
    rows = []
    for style, question, case in variants:
        gold = set(case["gold_sources"])
        query = retriever.normalise_query(normalise(question))
        vector = retriever.embed_query(query)
        served = diversify(retriever.search(query, k=DEPTH, query_vector=vector))
        common = {"question": question, "style": style, "case": case["id"]}
        if served and served[0].chunk.source in gold:
            found = responder.analyse_hits(query, vector, served, retriever.vocabulary)
            rows.append({**common, "answerable": True, "features": found.evidence.values})
        deeper = retriever.search(query, k=4 * DEPTH, query_vector=vector)
        kept = diversify([h for h in deeper if h.chunk.source not in gold])[:DEPTH]
        found = responder.analyse_hits(query, vector, kept, without(gold))
        rows.append({**common, "answerable": False, "features": found.evidence.values})
    with OUT.open("w", encoding="utf-8") as f:
        for row in rows:
            row["features"] = {
                n: round(float(row["features"][n]), 5) for n in answerability.FEATURES
            }
            f.write(json.dumps(row) + "\n")
    answerable = sum(r["answerable"] for r in rows)
    print(f"{len(rows)} pairs ({answerable} answerable) from {len(variants)} questions -> {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
