"""Time triage alone, per message: `python bench/bench_triage.py [FILE ...]`.

Runs bot.triage.triage (normalise, language, rules, classifier, decision) over every message of
the given sets (default: the exemplars, plus ../shared/eval/safety-dev.jsonl when present), a few
rounds after a warm-up, and prints p50/p95/max in milliseconds, as wall time and as the thread's
CPU time, with the load average: on a shared 2-core machine the wall time's tail is mostly other
processes, the CPU time is what triage costs. The bound in issue 13 is p95 <= 5 ms.

Each message is timed twice, interleaved: with its token vectors (the shipped stack: the
embedding layer's adapter and MLP reading the encoder pass the pipeline shares with retrieval;
the token vectors are computed beforehand by `bot.triage.vectors`, the encoder's own cost is
retrieval's) and without them (rules and n-grams, as when no encoder is available).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.stats import percentile  # noqa: E402
from bot.triage import load, triage  # noqa: E402
from bot.triage.exemplars import DATA_DIR  # noqa: E402
from bot.triage.vectors import token_states  # noqa: E402


def messages(paths: list[Path]) -> list[str]:
    found = []
    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                found.append(row.get("question") or row["text"])
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    dev = ROOT.parent / "shared" / "eval" / "safety-dev.jsonl"
    paths = args.files or [*sorted(DATA_DIR.glob("*.jsonl")), *([dev] if dev.exists() else [])]
    texts = messages(paths)

    started = time.perf_counter()
    load()
    print(
        f"load (rules, model, language identifier): {(time.perf_counter() - started) * 1000:.0f} ms"
    )
    for text in texts[:50]:
        triage(text)  # warm-up
    tokens = token_states(texts)
    times: dict[tuple[str, str], list[float]] = {}
    for _ in range(args.rounds):
        for text, encoded in zip(texts, tokens, strict=True):
            for stack, given in (("with the encoder", encoded), ("without the encoder", None)):
                t0, c0 = time.perf_counter(), time.thread_time()
                triage(text, tokens=given)
                times.setdefault((stack, "CPU time (this thread)"), []).append(
                    (time.thread_time() - c0) * 1000
                )
                times.setdefault((stack, "wall time"), []).append((time.perf_counter() - t0) * 1000)
    print(f"messages {len(texts)} x {args.rounds} rounds, load average {os.getloadavg()[0]:.2f}")
    for (stack, name), measured in sorted(times.items()):
        print(
            f"triage per message {stack}, {name}: p50 {percentile(measured, 50):.2f} ms, "
            f"p95 {percentile(measured, 95):.2f} ms, max {max(measured):.2f} ms"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
