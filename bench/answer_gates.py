"""Which gate decided each reply kind: expected vs got kind, broken down by the deciding step.

    python bench/answer_gates.py ../shared/eval/answer-dev.jsonl [more sets] [--index DIR]

For every case that got a kind it should not, the step that decided it: triage (emergency,
refusal, appointment), the answerability model (its reason: off-focus, unknown-terms,
low-evidence, or "answer" when it answered a question the pages don't answer), or the parts
split. Prints the confusion of expected vs got kind, the count per gate, and the cases.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.eval import load_cases, score_case  # noqa: E402

MODEL_REASONS = ("answer", "off-focus", "unknown-terms", "low-evidence")


def expected_kind(expect: list[str]) -> str:
    """The kind a case asks for first: answer, else fallback when allowed, else its first kind."""
    if expect[0] == "answer":
        return "answer"
    return "fallback" if "fallback" in expect else expect[0]


def gate_of(kind: str, notes: tuple[str, ...]) -> str:
    """The step that chose the reply kind, from the reply's internal notes."""
    if kind in ("emergency", "refusal", "appointment"):
        return f"triage:{kind}"
    if notes and notes[0] in ("partial", "parts"):
        return "parts"
    if notes and notes[0] in MODEL_REASONS:
        return f"model:{notes[0]}"
    return "triage:smalltalk"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sets", nargs="+", type=Path)
    parser.add_argument("--index", type=Path)
    args = parser.parse_args()
    from bot.ask import build_responder

    responder, index = build_responder(args.index)
    page_texts = {s: p.text for s, p in index.pages.items()}
    for path in args.sets:
        confusion: Counter[tuple[str, str, bool]] = Counter()
        gates: Counter[tuple[str, str, str]] = Counter()
        misses = []
        cases = load_cases(path)
        for case in cases:
            reply = responder.reply(case["question"])
            result = score_case(case, reply.to_json(), page_texts)
            want = expected_kind(list(case["expect"]))
            confusion[(want, reply.kind, result.kind_ok)] += 1
            if not result.kind_ok:
                gate = gate_of(reply.kind, reply.notes)
                gates[(want, reply.kind, gate)] += 1
                misses.append(f"  {case['id']}: {gate} {reply.notes[1:3]} {case['question'][:80]}")
        print(f"== {path} ({len(cases)} cases)")
        print("expected -> got (kind accepted): count")
        for (want, got, ok), n in sorted(confusion.items()):
            print(f"  {want:<11} -> {got:<11} ({'ok' if ok else 'wrong'}): {n}")
        print("wrong kinds by deciding gate:")
        for (want, got, gate), n in gates.most_common():
            print(f"  {want} -> {got} by {gate}: {n}")
        print("\n".join(misses))
    return 0


if __name__ == "__main__":
    sys.exit(main())
