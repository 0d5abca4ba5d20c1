"""`python -m bot.eval safety FILE`: triage alone over a labelled set, with issue 13's figures.

FILE is a dev set in ../shared/eval/FORMAT.md (ids `<group>-<lang>-NNN`) or an exemplar file
(data/*.jsonl). Triage only: no index or embedding model is loaded, so it runs in seconds.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Sequence
from pathlib import Path

from bot.stats import percentile
from bot.triage.cases import Case, figures, format_figures, from_exemplar, load_dev
from bot.triage.decision import triage
from bot.triage.exemplars import read_exemplars


def load_cases(path: Path) -> list[Case]:
    """Cases from a dev set (has "question") or an exemplar file (has "text")."""
    first = next(
        (line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()), "{}"
    )
    if "question" in json.loads(first):
        return load_dev(path)
    return [from_exemplar(e, i) for i, e in enumerate(read_exemplars(path))]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.eval safety", description=__doc__)
    parser.add_argument("file", type=Path, help="labelled set (JSONL)")
    parser.add_argument("--failures", action="store_true", help="list every wrong case")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)

    cases = load_cases(args.file)
    triage("warm up")  # load rules, model and language identifier before timing
    kinds, times, wrong = [], [], []
    for case in cases:
        started = time.perf_counter()
        decision = triage(case.text)
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
