"""Score a question set (../shared/eval/FORMAT.md): `python -m bot.eval FILE [--index DIR]`.

`python -m bot.eval safety FILE` scores triage alone (bot.triage.evaluate).

Prints every metric FORMAT.md names, latency p50/p95 and the failing cases. The metric functions
are pure so the benchmarks reuse them on other pipelines (bench/bench_answer.py).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.answer.text import normalise_text
from bot.stats import percentile


@dataclass
class CaseResult:
    """One scored case, kept for the failure list."""

    case: Mapping[str, Any]
    reply: Mapping[str, Any]
    kind_ok: bool
    cited_hit: bool | None  # None: not applicable (no gold or not an answer)
    top1_hit: bool | None
    rank: int | None  # 1-based rank of the first gold passage in `retrieved`; None = absent
    has_gold: bool
    verbatim_ok: bool
    forbid_hits: list[str] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return (
            not self.kind_ok
            or self.cited_hit is False
            or not self.verbatim_ok
            or bool(self.forbid_hits)
        )


def load_cases(path: Path) -> list[dict[str, Any]]:
    """The JSONL question set, skipping blank lines."""
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def is_gold(text: str, source: str, case: Mapping[str, Any]) -> bool:
    """Whether a passage answers the case: contains a gold quote or comes from a gold source."""
    if source and source in case.get("gold_sources", ()):
        return True
    passage = normalise_text(text)
    return any(normalise_text(q) in passage for q in case.get("gold_quotes", ()))


def score_case(
    case: Mapping[str, Any], reply: Mapping[str, Any], page_texts: Mapping[str, str]
) -> CaseResult:
    """Score one reply (the JSON of `bot.ask --json`) against its case."""
    has_gold = bool(case.get("gold_quotes") or case.get("gold_sources"))
    citations = reply.get("citations", [])
    cited_hit = top1_hit = None
    if has_gold and reply["kind"] == "answer":
        hits = [is_gold(c["passage"], c["source"], case) for c in citations]
        cited_hit, top1_hit = any(hits), bool(hits and hits[0])
    rank = None
    if has_gold:
        for i, r in enumerate(reply.get("retrieved", []), start=1):
            if is_gold(r["text"], r["source"], case):
                rank = i
                break
    verbatim_ok = all(
        normalise_text(c["quote"]) in normalise_text(page_texts.get(c["source"], ""))
        for c in citations
    )
    forbid_hits = [p for p in case.get("forbid", ()) if re.search(p, reply["answer"], re.I)]
    return CaseResult(
        case=case,
        reply=reply,
        kind_ok=reply["kind"] in case["expect"],
        cited_hit=cited_hit,
        top1_hit=top1_hit,
        rank=rank,
        has_gold=has_gold,
        verbatim_ok=verbatim_ok,
        forbid_hits=forbid_hits,
    )


def _share(values: Iterable[bool | None]) -> float | None:
    counted = [v for v in values if v is not None]
    return sum(counted) / len(counted) if counted else None


def summarise(results: Sequence[CaseResult]) -> dict[str, float | int | None]:
    """Every metric of FORMAT.md plus hit@k/MRR and latency percentiles."""
    gold = [r for r in results if r.has_gold]
    emergency_only = [r for r in results if list(r.case["expect"]) == ["emergency"]]
    others = [r for r in results if "emergency" not in r.case["expect"]]
    latencies = [float(r.reply.get("latency_ms", 0.0)) for r in results]
    return {
        "cases": len(results),
        "kind_accuracy": _share(r.kind_ok for r in results),
        "cited_hit": _share(r.cited_hit for r in results),
        "top1_hit": _share(r.top1_hit for r in results),
        "hit@1": _share(r.rank == 1 for r in gold),
        "hit@5": _share(r.rank is not None and r.rank <= 5 for r in gold),
        "mrr": (sum(1 / r.rank for r in gold if r.rank) / len(gold)) if gold else None,
        "verbatim_quotes": _share(r.verbatim_ok for r in results),
        "forbid_violations": sum(len(r.forbid_hits) for r in results),
        "emergency_recall": _share(r.reply["kind"] == "emergency" for r in emergency_only),
        "false_emergencies": sum(r.reply["kind"] == "emergency" for r in others),
        "latency_p50_ms": percentile(latencies, 50),
        "latency_p95_ms": percentile(latencies, 95),
    }


def format_summary(summary: Mapping[str, float | int | None]) -> str:
    lines = []
    for name, value in summary.items():
        shown = "n/a" if value is None else (f"{value:.3f}" if isinstance(value, float) else value)
        lines.append(f"{name:<18} {shown}")
    return "\n".join(lines)


def describe_failure(result: CaseResult) -> str:
    reply, case = result.reply, result.case
    why = []
    if not result.kind_ok:
        why.append(f"kind {reply['kind']} not in {case['expect']}")
    if result.cited_hit is False:
        why.append("no cited passage holds a gold quote")
    if not result.verbatim_ok:
        why.append("a quote is not verbatim")
    if result.forbid_hits:
        why.append(f"forbidden pattern {result.forbid_hits}")
    first_line = reply["answer"].splitlines()[0][:100] if reply["answer"] else ""
    return f"- {case['id']}: {case['question']!r}: {'; '.join(why)} | {first_line}"


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["safety"]:  # triage alone: python -m bot.eval safety FILE
        from bot.triage.evaluate import main as safety_main

        return safety_main(argv[1:])
    parser = argparse.ArgumentParser(prog="clinicbot-eval", description=__doc__)
    parser.add_argument("file", type=Path, help="question set (JSONL, see FORMAT.md)")
    parser.add_argument("--index", type=Path, help="index directory (default: the served one)")
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    args = parser.parse_args(argv)

    from bot.ask import build_responder  # the same set-up as the ask tool

    cases = load_cases(args.file)
    responder, index = build_responder(args.index)
    page_texts = {source: page.text for source, page in index.pages.items()}
    results = []
    for case in cases:
        reply = responder.reply(case["question"]).to_json()
        results.append(score_case(case, reply, page_texts))
    summary = summarise(results)
    if args.json:
        print(json.dumps(summary))
    else:
        print(format_summary(summary))
        failures = [describe_failure(r) for r in results if r.failed]
        print(f"\nfailing cases: {len(failures)}")
        print("\n".join(failures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
