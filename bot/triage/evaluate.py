"""`python -m bot.eval safety FILE`: triage alone over a labelled set, with issue 13's figures.

FILE is a dev set in ../shared/eval/FORMAT.md (ids `<group>-<lang>-NNN`) or an exemplar file
(data/*.jsonl). Triage only, no index: each message's token vectors for the embedding layer come
from the bundled retrieval encoder (`bot.triage.vectors`, cached), as the pipeline passes them;
`--no-embedding` triages without it (rules and n-grams, what runs when no encoder is available).
The times printed are triage's own, the encoder's not included (retrieval pays for it).
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from bot.stats import percentile
from bot.triage.cases import Case, figures, format_figures, from_exemplar, load_dev
from bot.triage.classifier import default_model
from bot.triage.decision import triage
from bot.triage.decontaminate import close_to_any
from bot.triage.exemplars import exemplar_files, read_exemplars
from bot.triage.train import NEAR_DUPLICATE
from bot.triage.vectors import token_states


def load_cases(path: Path) -> list[Case]:
    """Cases from a dev set (has "question") or an exemplar file (has "text")."""
    first = next(
        (line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()), "{}"
    )
    if "question" in json.loads(first):
        return load_dev(path)
    return [from_exemplar(e, i) for i, e in enumerate(read_exemplars(path))]


def unseen(cases: list[Case]) -> list[Case]:
    """The cases whose wording no exemplar (nearly) copies."""
    texts = [e.text for path in exemplar_files() for e in read_exemplars(path)]
    close = close_to_any([c.text for c in cases], texts)
    return [c for c, near in zip(cases, close, strict=True) if not near]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.eval safety", description=__doc__)
    parser.add_argument("file", type=Path, help="labelled set (JSONL)")
    parser.add_argument("--failures", action="store_true", help="list every wrong case")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--no-embedding", action="store_true", help="triage without token vectors")
    parser.add_argument(
        "--unseen",
        action="store_true",
        help="only the messages no exemplar comes within the near-duplicate cosine of",
    )
    args = parser.parse_args(argv)

    cases = load_cases(args.file)
    if args.unseen:
        kept = unseen(cases)
        print(
            f"unseen wording only: {len(cases) - len(kept)} of {len(cases)} messages are within "
            f"{NEAR_DUPLICATE} (n-gram cosine) of an exemplar and left out"
        )
        cases = kept
    triage("warm up")  # load rules, model and language identifier before timing
    tokens: Sequence[np.ndarray | None] = [None] * len(cases)
    if not args.no_embedding and default_model().embedding is not None:
        tokens = token_states([c.text for c in cases])
    kinds, times, wrong = [], [], []
    for case, given in zip(cases, tokens, strict=True):
        started = time.perf_counter()
        decision = triage(case.text, tokens=given)
        times.append((time.perf_counter() - started) * 1000)
        kinds.append(decision.kind)
        if decision.kind not in case.allowed:
            wrong.append(f"- {case.id} [{decision.kind}; {decision.reason}] {case.text[:110]!r}")
    rows = figures(cases, kinds)
    if args.json:
        print(
            json.dumps(
                {
                    f.name: {"value": f.value, "hits": f.hits, "n": f.n, "bound": f.bound}
                    for f in rows
                }
            )
        )
        return 0
    print(format_figures(rows))
    p50, p95 = percentile(times, 50), percentile(times, 95)
    print(f"\ntriage time per message: p50 {p50:.2f} ms, p95 {p95:.2f} ms")
    print(f"wrong kind: {len(wrong)} of {len(cases)}")
    if args.failures:
        print("\n".join(wrong))
    return 0
