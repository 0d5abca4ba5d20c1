"""Time triage alone, per message: `python bench/bench_triage.py [FILE ...]`.

Runs bot.triage.triage (normalise, language, rules, classifier, decision) over every message of
the given sets (default: the exemplars, plus ../shared/eval/safety-dev.jsonl when present), a few
rounds after a warm-up, and prints p50/p95/max in milliseconds, as wall time and as the thread's
CPU time, with the load average: on a shared 2-core machine the wall time's tail is mostly other
processes, the CPU time is what triage costs. The bound in issue 13 is p95 <= 5 ms.
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
    wall, cpu = [], []
    for _ in range(args.rounds):
        for text in texts:
            t0, c0 = time.perf_counter(), time.thread_time()
            triage(text)
            cpu.append((time.thread_time() - c0) * 1000)
            wall.append((time.perf_counter() - t0) * 1000)
    print(f"messages {len(texts)} x {args.rounds} rounds, load average {os.getloadavg()[0]:.2f}")
    for name, times in (("wall time", wall), ("CPU time (this thread)", cpu)):
        print(
            f"triage per message, {name}: p50 {percentile(times, 50):.2f} ms, "
            f"p95 {percentile(times, 95):.2f} ms, max {max(times):.2f} ms"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
