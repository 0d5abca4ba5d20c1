"""Which gate decided each reply kind: expected vs got kind, broken down by the deciding step.

    python bench/answer_gates.py ../shared/eval/answer-dev.jsonl [more sets] [--index DIR]
    python bench/answer_gates.py --oof [--dump misses.jsonl]   # answer-dev, out of fold

For every case that got a kind it should not, the step that decided it: triage (emergency,
refusal, appointment), the answerability model (its reason: off-focus, unknown-terms,
low-evidence, or "answer" when it answered a question the pages don't answer), or the parts
split. Prints the confusion of expected vs got kind, the count per gate, and the cases.

With `--oof` the answerability model of each case is the one `make answer-model` fits for its
dev fold (pairs + the other four folds; bench/train_answerability.py), so the misses are the
out-of-fold ones the docs report, not the shipped model's own; each model miss is listed with
its probability and the features that pulled it furthest from the model's mean (weight ×
standardised value), and the misses are grouped by that feature: causes, not single cases.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bot.answer import answerability  # noqa: E402
from bot.answer.pipeline import retrieval_query  # noqa: E402
from bot.eval import load_cases, score_case  # noqa: E402
from bot.triage.normalise import normalise  # noqa: E402

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


def contributions(model: answerability.Model, x: np.ndarray) -> dict[str, float]:
    """Each feature's push on the logit relative to an average question (weight × z-score)."""
    z = (x - model.mean) / model.scale * model.coef
    return {n: float(v) for n, v in zip(model.features, z, strict=True)}


def fold_models(responder, dev: Sequence[dict]) -> list[answerability.Model]:
    """The model each dev case is scored with out of fold, as bench/train_answerability.py
    fits it: pairs + the four other folds, C and threshold chosen by CV on them."""
    import train_answerability as train
    from sklearn.model_selection import KFold

    pairs = [json.loads(line) for line in train.PAIRS.open(encoding="utf-8") if line.strip()]
    x = train.features(responder, [p["question"] for p in pairs])
    y = np.array([int(p["answerable"]) for p in pairs])
    dev_x = train.features(responder, [c["question"] for c in dev])
    labels = [train.dev_label(c) for c in dev]
    models: list[answerability.Model | None] = [None] * len(dev)
    for train_idx, test_idx in KFold(5, shuffle=True, random_state=train.SEED).split(dev):
        keep = [i for i in train_idx if labels[i] is not None]
        fx = np.vstack([x, dev_x[keep]])
        fy = np.concatenate([y, [labels[i] for i in keep]])
        c, t, _, _ = train.choose(fx, fy, repeats=2)
        model = train.fit(fx, fy, t, c)
        for i in test_idx:
            models[i] = model
    return models  # type: ignore[return-value]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sets", nargs="*", type=Path)
    parser.add_argument("--index", type=Path)
    parser.add_argument("--oof", action="store_true", help="answer-dev with its fold models")
    parser.add_argument("--dump", type=Path, help="write every miss with its features (JSONL)")
    args = parser.parse_args()
    from bot.ask import build_responder

    responder, index = build_responder(args.index)
    page_texts = {s: p.text for s, p in index.pages.items()}
    sets = args.sets
    if args.oof:
        import train_answerability as train

        sets = [train.DEV]
    dumped = []
    for path in sets:
        cases = load_cases(path)
        models = fold_models(responder, cases) if args.oof else [None] * len(cases)
        confusion: Counter[tuple[str, str, bool]] = Counter()
        gates: Counter[tuple[str, str, str]] = Counter()
        causes: Counter[tuple[str, str]] = Counter()
        misses = []
        for case, model in zip(cases, models, strict=True):
            responder.answer_model = model
            reply = responder.reply(case["question"])
            result = score_case(case, reply.to_json(), page_texts)
            want = expected_kind(list(case["expect"]))
            confusion[(want, reply.kind, result.kind_ok)] += 1
            if result.kind_ok:
                continue
            gate = gate_of(reply.kind, reply.notes)
            gates[(want, reply.kind, gate)] += 1
            row: dict[str, object] = {
                "id": case["id"],
                "question": case["question"],
                "want": want,
                "got": reply.kind,
                "gate": gate,
                "notes": list(reply.notes),
                "gold_rank": result.rank,
            }
            line = f"  {case['id']}: {gate} {reply.notes[1:3]} {case['question'][:80]}"
            if gate.startswith("model:"):
                used = model or answerability.shipped_model()
                query = retrieval_query(normalise(case["question"]), [])
                evidence = responder.analyse_question(query).evidence
                push = contributions(used, evidence.vector())
                row["features"] = {k: round(v, 4) for k, v in evidence.values.items()}
                row["push"] = {k: round(v, 3) for k, v in push.items()}
                # the cause: the feature pulling hardest the wrong way
                worst = min(push, key=push.get) if want == "answer" else max(push, key=push.get)
                causes[(gate, worst)] += 1
                top = sorted(push.items(), key=lambda kv: kv[1])[:3]
                line += f"\n      rank {result.rank}; " + ", ".join(f"{k} {v:+.2f}" for k, v in top)
            misses.append(line)
            dumped.append(row)
        responder.answer_model = None
        print(f"== {path} ({len(cases)} cases){' out of fold' if args.oof else ''}")
        print("expected -> got (kind accepted): count")
        for (want, got, ok), n in sorted(confusion.items()):
            print(f"  {want:<11} -> {got:<11} ({'ok' if ok else 'wrong'}): {n}")
        print("wrong kinds by deciding gate:")
        for (want, got, gate), n in gates.most_common():
            print(f"  {want} -> {got} by {gate}: {n}")
        if causes:
            print("model misses by the feature pulling hardest the wrong way:")
            for (gate, name), n in causes.most_common():
                print(f"  {gate} {name}: {n}")
        print("\n".join(misses))
    if args.dump:
        args.dump.write_text("".join(json.dumps(r) + "\n" for r in dumped), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
