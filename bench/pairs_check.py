"""Answerability pairs that come too close to a question of an eval set.

    python bench/pairs_check.py [PAIRS.jsonl]

The figures in docs/ANSWERING.md mean something only if no training pair copies or lightly
rewrites a question the model is judged on: ../shared/eval/*.jsonl, the internal held-out
sets (bench/data/heldout-questions.jsonl, bench/data/heldout-*/). Two measures, either
one flags a pair: the n-gram cosine triage's folds use for near-duplicates
(`bot.triage.decontaminate`, ≥ 0.8), and rapidfuzz's ratio of the lower-cased texts (≥ 85:
the same words with a few letters changed). Exit status 1 when any pair is flagged.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.triage.decontaminate import eval_messages, near_copies  # noqa: E402
from bot.triage.normalise import normalise  # noqa: E402

PAIRS = ROOT / "bench/data/answerability-pairs.jsonl"
# The shared dev sets and every internal held-out set (bench/data/heldout-DATE/), new ones too.
EVAL_DIRS = (ROOT.parent / "shared/eval", *sorted(ROOT.glob("bench/data/heldout-*/")))
EVAL_FILES = (ROOT / "bench/data/heldout-questions.jsonl",)
FUZZ_RATIO = 85.0


def eval_questions() -> list[str]:
    """Every question of the eval sets this checkout can see."""
    texts = [t for d in EVAL_DIRS if d.is_dir() for t in eval_messages(d)]
    for path in EVAL_FILES:
        if path.exists():
            texts += [
                json.loads(line)["question"]
                for line in path.read_text(encoding="utf-8").splitlines()
                if line.strip()
            ]
    return texts


def flagged(pairs: list[str], evals: list[str]) -> list[tuple[str, str, str]]:
    """(pair, eval question, why) for every pair too close to an eval question."""
    from rapidfuzz import fuzz, process

    found = {
        c.exemplar: (c.eval_text, f"n-gram cosine {c.similarity:.2f}")
        for c in near_copies([(p, "pair") for p in pairs], evals)
    }
    lowered = [normalise(e) for e in evals]
    for p in pairs:
        if p in found:
            continue
        best = process.extractOne(normalise(p), lowered, scorer=fuzz.ratio)
        if best is not None and best[1] >= FUZZ_RATIO:
            found[p] = (evals[best[2]], f"fuzz ratio {best[1]:.0f}")
    return [(p, e, why) for p, (e, why) in found.items()]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pairs", nargs="?", type=Path, default=PAIRS)
    args = parser.parse_args()
    pairs = [
        json.loads(line)["question"]
        for line in args.pairs.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    evals = eval_questions()
    found = flagged(pairs, evals)
    for pair, text, why in found:
        print(f"{why}: {pair!r} ~ {text!r}")
    print(f"{len(found)} of {len(pairs)} pairs close to one of {len(evals)} eval questions")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
