"""Out-of-fold error analysis of triage: `python bench/triage_oof.py COMMAND`.

`dump` runs the folds of `make triage-report` (exemplars + ../shared/eval/safety-dev.jsonl,
each fold trained exactly as `make triage-model`) and keeps, for every message, what each layer
said out of fold: the rules that matched, the n-gram probabilities, the embedding layer's
probabilities, the threshold and gate of its fold, and the shipped decision. They go to
.cache/triage-oof.jsonl, so decision variants can be scored without retraining.
`misses` lists the out-of-fold misses (advice not refused, questions not routed to answering,
close-but-safe false alarms, emergencies missed) with their source file and line.
`gates` scores advice gates and `appointment` appointment gates on a dump's stored evidence.
`dump --fast shipped` fits each fold once with the shipped model.json's threshold, factor and
gates (about 2.5 minutes instead of about 40; within a few dozen messages of the full dump): for
screening variants, not for the figures reported.
`dump --folds-from EARLIER` keeps an earlier dump's folds, so two data variants compare paired;
`compare --before EARLIER` gives both dumps' figures on the messages they share and how many
messages each figure gains and loses.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from dataclasses import asdict, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.triage.cases import from_exemplar, load_dev  # noqa: E402
from bot.triage.decision import gather, model_text, triage  # noqa: E402
from bot.triage.embedding import NEVER, NO_APPOINTMENT_GATE, Gate  # noqa: E402
from bot.triage.exemplars import exemplar_files, read_exemplars  # noqa: E402
from bot.triage.lang import detect_plain  # noqa: E402
from bot.triage.normalise import plain  # noqa: E402
from bot.triage.report import DEV_SET, as_model  # noqa: E402
from bot.triage.rules import default_rules  # noqa: E402
from bot.triage.train import (  # noqa: E402
    FOLDS,
    Calibration,
    fit,
    fit_layer_on_tokens,
    groups,
    matrix,
    train,
)
from bot.triage.vectors import token_states  # noqa: E402

OOF_FILE = ROOT / ".cache" / "triage-oof.jsonl"


def sources(data: Path | None = None) -> list[str]:
    """`file:line` of every exemplar, in load order."""
    found = []
    for path in exemplar_files(data):
        lines = path.read_text(encoding="utf-8").splitlines()
        numbers = [n for n, line in enumerate(lines, start=1) if line.strip()]
        assert len(numbers) == len(read_exemplars(path))
        found += [f"{path.stem}:{n}" for n in numbers]
    return found


def fast_train(cases, tokens, calibration: Calibration, gates: tuple):
    """One fold fitted once, with a fixed calibration and embedding-layer gates (no inner folds):
    a small fraction of `train.train`'s time, for screening data variants on the same footing."""
    import numpy as np

    keep = [i for i, c in enumerate(cases) if c.target is not None]
    x = matrix([model_text(cases[i].text) for i in keep])
    y = [str(cases[i].target) for i in keep]
    kinds = np.array([t.split(".")[0] for t in y])
    return fit(x, y), calibration, fit_layer_on_tokens([tokens[i] for i in keep], kinds, gates)


def fixed_settings(fast: str) -> tuple[Calibration, tuple]:
    """`--fast` as a calibration and gates: "shipped" takes the shipped model's threshold,
    other-language factor, appointment gate and the embedding layer's three gates (as
    `classifier.default_model` loads and validates them); otherwise "THRESHOLD,UP,FLOOR" (an
    emergency gate only, the other gates off)."""
    from bot.triage.classifier import default_model
    from bot.triage.embedding import NO_ADVICE_GATE

    if fast == "shipped":
        model = default_model()
        calibration = Calibration(
            model.emergency_threshold,
            0.0,
            0.0,
            other_language_factor=model.other_language_factor,
            appointment_gate=model.appointment_gate,
        )
        layer = model.embedding
        if layer is None:
            return calibration, (NEVER, NO_ADVICE_GATE, NO_APPOINTMENT_GATE)
        return calibration, (layer.gate, layer.advice_gate, layer.appointment_gate)
    t, up, floor = (float(v) for v in fast.split(","))
    return Calibration(t, 0.0, 0.0), (Gate(up, floor), NO_ADVICE_GATE, NO_APPOINTMENT_GATE)


def record_key(source: str, text: str) -> tuple[str, str]:
    """A message's identity across dumps of different data: its file and text (dev: its id)."""
    return (source, "") if source.startswith("dev:") else (source.split(":")[0], text)


def kept_folds(earlier: Path, where: list[str], cases, group) -> list:
    """(train, test) rows per fold, each message in its fold of an `earlier` dump; a new one in
    the fold of an old near-duplicate (its group) or else by a hash of its text. A paired
    comparison: figures then move with the training data only, not with reshuffled folds."""
    import zlib

    import numpy as np

    old = {
        record_key(r["source"], r["text"]): r["fold"]
        for r in map(json.loads, earlier.read_text(encoding="utf-8").splitlines())
    }
    folds = np.array([old.get(record_key(w, c.text), 0) for w, c in zip(where, cases, strict=True)])
    by_group = {g: f for g, f in zip(group, folds, strict=True) if f}
    for i, f in enumerate(folds):
        if not f:
            folds[i] = by_group.get(group[i], zlib.crc32(cases[i].text.encode()) % FOLDS + 1)
    return [(np.flatnonzero(folds != f), np.flatnonzero(folds == f)) for f in range(1, FOLDS + 1)]


def dump(
    out: Path, dev: Path, data: Path | None = None, fast: str = "", folds_from: Path | None = None
) -> None:
    """Run the folds and write one record per message. `fast` ("shipped" or
    "THRESHOLD,UP,FLOOR", `fixed_settings`): each fold fitted once with those settings instead of
    choosing them itself.
    `folds_from`: an earlier dump whose folds to keep (`kept_folds`)."""
    from sklearn.model_selection import GroupKFold

    exemplars = [e for path in exemplar_files(data) for e in read_exemplars(path)]
    cases = [from_exemplar(e, i) for i, e in enumerate(exemplars)]
    where = sources(data)
    if dev.exists():
        dev_cases = load_dev(dev)
        cases += dev_cases
        where += [f"dev:{c.id}" for c in dev_cases]
    tokens = token_states([c.text for c in cases])
    x = matrix([model_text(c.text) for c in cases])
    rules = default_rules()
    records: list[dict] = [{} for _ in cases]
    group = groups(x)
    splits = (
        kept_folds(folds_from, where, cases, group)
        if folds_from
        else list(GroupKFold(n_splits=FOLDS).split(x, groups=group))
    )
    settings = fixed_settings(fast) if fast else None
    for fold, (train_rows, test_rows) in enumerate(splits, start=1):
        if settings:
            chosen = [cases[i] for i in train_rows]
            fold_tokens = [tokens[i] for i in train_rows]
            fitted, calibration, layer = fast_train(chosen, fold_tokens, *settings)
        else:
            fold_tokens = [tokens[i] for i in train_rows]
            fitted, calibration, layer = train([cases[i] for i in train_rows], fold_tokens)
        model = as_model(fitted, calibration, layer)
        # The same fold without either appointment gate, to tell their share apart.
        ungated = replace(model, appointment_gate=0.0)
        if layer:
            open_layer = replace(layer, appointment_gate=NO_APPOINTMENT_GATE)
            ungated = replace(ungated, embedding=open_layer)
        for i in test_rows:
            case = cases[i]
            evidence = gather(case.text, rules, model)
            decision = triage(case.text, model=model, tokens=tokens[i])
            records[i] = {
                "id": case.id,
                "source": where[i],
                "text": case.text,
                "lang": detect_plain(plain(case.text)),
                "case_lang": case.lang,
                "allowed": sorted(case.allowed),
                "target": case.target,
                "near": case.near,
                "emergency": case.emergency,
                "fold": fold,
                "threshold": calibration.threshold,
                "factor": calibration.other_language_factor,
                "appointment_gate": calibration.appointment_gate,
                "gate": [layer.gate.up, layer.gate.floor] if layer else None,
                "advice_gate": list(asdict(layer.advice_gate).values()) if layer else None,
                "rules": {
                    "emergency": evidence.emergency_rule[1] if evidence.emergency_rule else None,
                    "advice": evidence.advice_rule,
                    "appointment": evidence.appointment_rule,
                    "notice": evidence.notice_rule,
                },
                "ngram": {k: round(v, 5) for k, v in evidence.probabilities.items()},
                "mlp": {k: round(v, 5) for k, v in layer.read(tokens[i]).items()} if layer else {},
                "kind": decision.kind,
                "reason": decision.reason,
                "kind_ungated": triage(case.text, model=ungated, tokens=tokens[i]).kind,
                "appointment_mlp_gate": list(asdict(layer.appointment_gate).values())
                if layer
                else None,
            }
        print(f"fold {fold}/{FOLDS} done", file=sys.stderr)
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8") as f:
        for record in records:
            f.write(json.dumps(record, ensure_ascii=False) + "\n")
    print(f"wrote {out} ({len(records)} messages)", file=sys.stderr)


def miss_kind(r: dict) -> str | None:
    """Which of issue 13's figures a record counts against, if any."""
    if r["emergency"] and r["kind"] != "emergency":
        return "emergency missed"
    if r["near"] and r["kind"] == "emergency":
        return "near false alarm"
    if r["allowed"] == ["advice"] and r["kind"] != "advice":
        return "advice not refused"
    if r["target"] == "question" and "question" in r["allowed"] and r["kind"] != "question":
        return "question not answered"
    return None


def misses(path: Path, only: str | None) -> None:
    """Print the misses grouped by figure, with the decision and where the message lives."""
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    grouped: dict[str, list[dict]] = {}
    for r in records:
        kind = miss_kind(r)
        if kind and (only is None or only in kind):
            grouped.setdefault(kind, []).append(r)
    for kind, rows in grouped.items():
        by = Counter(r["kind"] for r in rows)
        print(f"\n## {kind}: {len(rows)} ({dict(by)})")
        for r in sorted(rows, key=lambda r: (r["lang"], r["source"])):
            p = r["mlp"].get("advice", 0.0)
            print(
                f"- {r['source']} [{r['lang']}] -> {r['kind']} ({r['reason']}; mlp advice {p:.2f})"
                f" {r['text'][:150]!r}"
            )


def simulate(
    records: list[dict], advice_gate=None, advice_langs=("en",), appointment_gate=None
) -> list[str]:
    """Each record's kind, re-decided from its stored evidence (emergency gate of its fold, then
    `advice_gate(ngram, mlp, lang)` if given, then `decision.decide` with `appointment_gate`,
    or its fold's when None)."""
    from bot.triage.decision import Evidence, decide
    from bot.triage.embedding import gated

    kinds = []
    for r in records:
        probs = r["ngram"]
        if r["lang"] == "en" and r["mlp"] and r["gate"]:
            probs = gated(probs, r["mlp"], Gate(*r["gate"]), r["threshold"])
        if r["lang"] in advice_langs and r["mlp"] and advice_gate is not None:
            probs = advice_gate(probs, r["mlp"], r["threshold"])
        rules = r["rules"]
        emergency = ("medical", rules["emergency"]) if rules["emergency"] else None
        evidence = Evidence(
            emergency,
            rules["advice"],
            rules["appointment"],
            rules["notice"],
            probs,
            r["threshold"],
            r.get("factor", 0.5),
            r.get("appointment_gate", 0.0) if appointment_gate is None else appointment_gate,
        )
        kinds.append(decide(evidence, r["lang"]).kind)
    return kinds


def rates(records: list[dict], kinds: list[str]) -> dict[str, float]:
    """The figures that matter here, from records and kinds."""
    from bot.triage.cases import Case, figures

    cases = [
        Case(r["id"], r["text"], r["case_lang"], frozenset(r["allowed"]), r["target"], r["near"])
        for r in records
    ]
    return {f.name: f.value or 0.0 for f in figures(cases, kinds)}


SHORT = {
    "emergency recall, English": "EN",
    "emergency recall, Spanish": "ES",
    "false alarms, close-but-safe": "nearFA",
    "advice requests refused": "advice",
    "questions routed to answering": "questions",
    "appointment requests": "appt",
    "kind accuracy, all": "acc",
}


def show(name: str, values: dict[str, float]) -> None:
    print(f"{name:<40} " + " ".join(f"{SHORT[k]} {values[k]:.3f}" for k in SHORT))


def advice_gates(path: Path, langs: tuple[str, ...] = ("en",)) -> None:
    """Score advice-vs-question gates: each fold's gate chosen on the other four folds."""
    from bot.triage.embedding import advice_gated

    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    show("stored (shipped stack)", rates(records, [r["kind"] for r in records]))
    show("re-decided, no advice gate", rates(records, simulate(records)))
    from bot.triage.train import ADVICE_GATES as grid

    def objective(rows: list[dict], gate) -> float:
        fn = None if gate is None else (lambda n, m, t, g=gate: advice_gated(n, m, g, t))
        v = rates(rows, simulate(rows, fn, langs))
        return v["advice requests refused"] + v["questions routed to answering"]

    for gate in grid[:: max(1, len(grid) // 16)]:
        fn = lambda n, m, t, g=gate: advice_gated(n, m, g, t)  # noqa: E731
        show(f"all folds, {gate}", rates(records, simulate(records, fn, langs)))
    kinds = [""] * len(records)
    for fold in sorted({r["fold"] for r in records}):
        train = [r for r in records if r["fold"] != fold]
        best = max([None, *grid], key=lambda g: objective(train, g))
        test = [i for i, r in enumerate(records) if r["fold"] == fold]
        fn = None if best is None else (lambda n, m, t, g=best: advice_gated(n, m, g, t))
        chosen = simulate([records[i] for i in test], fn, langs)
        for i, k in zip(test, chosen, strict=True):
            kinds[i] = k
        print(f"fold {fold}: {best}", file=sys.stderr)
    show("advice gate chosen out of fold", rates(records, kinds))


def gated_kind(r: dict, cut: float) -> str:
    """A record's stored kind under appointment gate `cut`: a hand-off the classifier chose (no
    rule) whose n-gram appointment share of appointment + question is below `cut` becomes a
    question. Exact on the stored evidence: when the classifier picks appointment, neither
    embedding gate has changed its probabilities (either would have picked another kind)."""
    if r["kind"] != "appointment" or r["rules"]["appointment"]:
        return r["kind"]
    a, q = r["ngram"].get("appointment", 0.0), r["ngram"].get("question", 0.0)
    return "question" if a / (a + q) < cut else "appointment"


def appointment_gates(path: Path) -> None:
    """Score appointment gates on the stored evidence of a dump made with the gate off: each
    alone over all folds, then each fold's chosen on the other four (as
    `train.choose_appointment_gate` does within a fold's training folds)."""
    from bot.triage.train import APPOINTMENT_GATES

    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    show("stored", rates(records, [r["kind"] for r in records]))

    def objective(rows: list[dict], cut: float) -> float:
        v = rates(rows, [gated_kind(r, cut) for r in rows])
        return v["questions routed to answering"] + v["appointment requests"]

    for cut in APPOINTMENT_GATES:
        show(f"all folds, gate {cut}", rates(records, [gated_kind(r, cut) for r in records]))
    kinds = [""] * len(records)
    for fold in sorted({r["fold"] for r in records}):
        train = [r for r in records if r["fold"] != fold]
        best = max(APPOINTMENT_GATES, key=lambda c: (round(objective(train, c), 9), -c))
        for i, r in enumerate(records):
            if r["fold"] == fold:
                kinds[i] = gated_kind(r, best)
        print(f"fold {fold}: appointment gate {best}", file=sys.stderr)
    show("appointment gate chosen out of fold", rates(records, kinds))


def compare(before_path: Path, after_path: Path) -> None:
    """Both dumps' figures on the messages they share (`record_key`), and per figure how many
    messages become hits and how many stop being hits (for the false alarms, a hit is an alarm)."""
    from bot.triage.cases import Case, figures

    def load(path: Path) -> dict[tuple[str, str], dict]:
        rows = map(json.loads, path.read_text(encoding="utf-8").splitlines())
        return {record_key(r["source"], r["text"]): r for r in rows}

    before, after = load(before_path), load(after_path)
    keys = [k for k in before if k in after]
    rows = [before[k] for k in keys]
    cases = [
        Case(r["id"], r["text"], r["case_lang"], frozenset(r["allowed"]), r["target"], r["near"])
        for r in rows
    ]
    old = figures(cases, [before[k]["kind"] for k in keys])
    new = figures(cases, [after[k]["kind"] for k in keys])
    print(f"{len(keys)} shared messages ({len(before)} before, {len(after)} after)")
    print(f"{'figure':<36} {'before':>18} {'after':>18}  hits +gained / -lost")
    # Per message, each figure's hit (0 or 1, n 0 where the figure does not count it).
    one = [figures([c], [before[k]["kind"]]) for c, k in zip(cases, keys, strict=True)]
    two = [figures([c], [after[k]["kind"]]) for c, k in zip(cases, keys, strict=True)]
    for index, (f, g) in enumerate(zip(old, new, strict=True)):
        counted = [(a[index], b[index]) for a, b in zip(one, two, strict=True) if a[index].n]
        gained = sum(b.hits > a.hits for a, b in counted)
        lost = sum(b.hits < a.hits for a, b in counted)
        cells = [f"{x.value or 0:.3f} ({x.hits}/{x.n})" for x in (f, g)]
        print(f"{f.name:<36} {cells[0]:>18} {cells[1]:>18}  +{gained} / -{lost}")
    moved = Counter(
        (before[k]["kind"], after[k]["kind"]) for k in keys if before[k]["kind"] != after[k]["kind"]
    )
    print(
        f"kind changed: {sum(moved.values())} messages: "
        + ", ".join(f"{a}->{b} {n}" for (a, b), n in moved.most_common())
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=("dump", "misses", "gates", "appointment", "compare"))
    parser.add_argument("--file", type=Path, default=OOF_FILE)
    parser.add_argument("--dev", type=Path, default=DEV_SET)
    parser.add_argument("--only", help="misses of one figure (a substring of its name)")
    parser.add_argument("--data", type=Path, help="exemplar directory (dump)")
    parser.add_argument(
        "--fast", default="", help="'shipped' or THRESHOLD,UP,FLOOR: no inner folds (dump)"
    )
    parser.add_argument("--folds-from", type=Path, help="an earlier dump whose folds to keep")
    parser.add_argument("--before", type=Path, help="the earlier dump (compare)")
    parser.add_argument("--langs", default="en", help="languages the advice gate reads (gates)")
    args = parser.parse_args()
    if args.command == "dump":
        dump(args.file, args.dev, args.data, args.fast, args.folds_from)
    elif args.command == "gates":
        advice_gates(args.file, tuple(args.langs.split(",")))
    elif args.command == "appointment":
        appointment_gates(args.file)
    elif args.command == "compare":
        compare(args.before, args.file)
    else:
        misses(args.file, args.only)
    return 0


if __name__ == "__main__":
    sys.exit(main())
