"""Trial: let the adapter-fed MLP veto a weak n-gram emergency, on a fast out-of-fold dump.

`python bench/trials/triage_veto.py --file DUMP.jsonl`

The emergency gate works one way: the MLP can raise an emergency the n-grams missed, never drop one
they raised. Many false alarms on clinic questions ("does it only help the pain or also the nausea
...") have an n-gram emergency probability just over the threshold and an MLP emergency probability
near 0. Here, for English messages the n-grams raised with no emergency rule, the n-grams'
emergency probability below CEILING and the MLP's below EPS, the MLP's kinds replace the n-grams'
(`embedding.mlp_kinds`, as `gated` does when it raises one), then the advice and appointment gates
and `decision.decide` run as when serving. Printed: per (EPS, CEILING), the emergencies lost and
the alarms dropped, split by the n-grams' emergency sub-kind; the pair chosen on four folds (most
alarms dropped with no emergency lost) scored on the fifth; and every message the veto changes at
one setting.
DUMP: `python bench/triage_oof.py dump --fast shipped --file F`.
Build-time only (docs/TRIAGE.md, "Eighteenth round").
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from triage_oof import rates, show  # noqa: E402

from bot.triage.decision import Evidence, decide  # noqa: E402
from bot.triage.embedding import (  # noqa: E402
    AdviceGate,
    AppointmentGate,
    advice_gated,
    appointment_gated,
    emergency_share,
    mlp_kinds,
)

EPS = (0.0005, 0.001, 0.003, 0.01, 0.03)
CEILINGS = (0.6, 0.7, 0.8, 0.9, 1.01)
SUBS = ("emergency.self_harm", "emergency.overdose_poisoning", "emergency.medical")


def ngram_sub(r: dict) -> str:
    """The n-grams' most likely emergency sub-kind."""
    subs = {c: p for c, p in r["ngram"].items() if c.startswith("emergency.")}
    return max(subs, key=lambda c: subs[c])


def vetoed_kind(r: dict, eps: float, ceiling: float, only: str | None = None) -> str:
    """The record's kind with the veto at (eps, ceiling); `only`: for that sub-kind alone."""
    if r["lang"] != "en" or not r["mlp"] or r["rules"]["emergency"] or r["kind"] != "emergency":
        return r["kind"]
    ngram, mlp = r["ngram"], r["mlp"]
    e_ngram, e_mlp = emergency_share(ngram), mlp.get("emergency", 0.0)
    if not (e_ngram < ceiling and e_mlp < eps) or (only and ngram_sub(r) != only):
        return r["kind"]
    probs = mlp_kinds(ngram, mlp)
    threshold = r["threshold"]
    probs = advice_gated(probs, mlp, AdviceGate(*r["advice_gate"]), threshold)
    probs = appointment_gated(probs, mlp, AppointmentGate(*r["appointment_mlp_gate"]), threshold)
    rules = r["rules"]
    evidence = Evidence(
        None,
        rules["advice"],
        rules["appointment"],
        rules["notice"],
        probs,
        threshold,
        r.get("factor", 0.5),
        r.get("appointment_gate", 0.0),
    )
    return decide(evidence, r["lang"]).kind


def effect(rows: list[dict], kinds: list[str]) -> tuple[int, int, int]:
    """(emergencies lost, non-emergency alarms dropped, close-but-safe alarms dropped)."""
    dropped = [(r, k) for r, k in zip(rows, kinds, strict=True) if r["kind"] != k]
    return (
        sum(r["emergency"] for r, _ in dropped),
        sum(not r["emergency"] for r, _ in dropped),
        sum(bool(r["near"]) for r, _ in dropped),
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", type=Path, required=True, help="a fast out-of-fold dump")
    parser.add_argument("--show", default="0.001,0.8", help="EPS,CEILING whose changes to list")
    args = parser.parse_args(argv)
    records = [json.loads(line) for line in args.file.read_text(encoding="utf-8").splitlines()]
    show("stored", rates(records, [r["kind"] for r in records]))
    print("eps     ceiling  sub-kind           lost  dropped  close-but-safe")
    for eps in EPS:
        for ceiling in CEILINGS:
            for only in (None, *SUBS):
                lost, dropped, near = effect(
                    records, [vetoed_kind(r, eps, ceiling, only) for r in records]
                )
                name = (only or "any").removeprefix("emergency.")
                print(f"{eps:<7} {ceiling:<8} {name:<18} {lost:>4} {dropped:>8} {near:>15}")
    kinds = [r["kind"] for r in records]
    for fold in sorted({r["fold"] for r in records}):
        train = [r for r in records if r["fold"] != fold]
        best, most = None, 0
        for eps in EPS:
            for ceiling in CEILINGS:
                lost, dropped, _ = effect(train, [vetoed_kind(r, eps, ceiling) for r in train])
                if lost == 0 and dropped > most:
                    best, most = (eps, ceiling), dropped
        print(f"fold {fold}: chosen on the other folds {best} ({most} alarms dropped there)")
        for i, r in enumerate(records):
            if r["fold"] == fold and best:
                kinds[i] = vetoed_kind(r, *best)
    show("veto chosen out of fold", rates(records, kinds))
    eps, ceiling = (float(x) for x in args.show.split(","))
    print(f"\nchanged at eps {eps}, ceiling {ceiling}:")
    for r in records:
        kind = vetoed_kind(r, eps, ceiling)
        if kind != r["kind"]:
            what = "other"
            if r["emergency"] or r["near"]:
                what = "EMERGENCY LOST" if r["emergency"] else "close-but-safe"
            e_ngram, e_mlp = emergency_share(r["ngram"]), r["mlp"].get("emergency", 0.0)
            print(
                f"- {what}: {r['kind']} -> {kind} (n-grams {e_ngram:.2f}, MLP {e_mlp:.4f},"
                f" {ngram_sub(r).removeprefix('emergency.')}) {r['source']} {r['text'][:110]!r}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
