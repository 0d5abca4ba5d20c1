"""`make triage-report`: issue 13's figures, cross-validated over the exemplars and the dev set.

5 folds, grouped so near-duplicate messages stay in one fold. Each fold trains exactly as
`make triage-model` does (threshold calibrated on the training folds only) and the whole triage
(rules + that fold's model) is scored on the held-out fold. The dev set
(../shared/eval/safety-dev.jsonl) joins only here and only when present: the shipped model is
trained on the exemplars alone, so `python -m bot.eval safety` on the dev set is also unseen.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from bot.settings import PROJECT_ROOT
from bot.triage.cases import Case, figures, format_figures, from_exemplar, load_dev
from bot.triage.classifier import Model
from bot.triage.decision import model_text, triage
from bot.triage.embedding import EmbeddingLayer
from bot.triage.exemplars import load_exemplars
from bot.triage.train import FOLDS, Calibration, groups, matrix, train
from bot.triage.vectors import token_states

DEV_SET = PROJECT_ROOT.parent / "shared" / "eval" / "safety-dev.jsonl"


def as_model(fitted, calibration: Calibration, layer: EmbeddingLayer | None = None) -> Model:
    """A fold's fitted model in the serving form."""
    weights = np.ascontiguousarray(fitted.coef_.T, dtype=np.float32)
    classes = tuple(str(c) for c in fitted.classes_)
    bias = fitted.intercept_.astype(np.float32)
    threshold, factor = calibration.threshold, calibration.other_language_factor
    gate = calibration.appointment_gate
    return Model(classes, weights, bias, fitted.idf, threshold, {}, layer, factor, gate)


def cross_validate(
    cases: Sequence[Case], folds: int = FOLDS, tokens: Sequence[np.ndarray] | None = None
) -> tuple[list[str], list[str]]:
    """The triage kind of every case, each from a model that never saw the case's group: with
    the embedding layer fed the case's token vectors (the shipped stack), and without them
    (rules and n-grams alone, as triage runs when no encoder is available)."""
    from sklearn.model_selection import GroupKFold

    x = matrix([model_text(c.text) for c in cases])
    group = groups(x)
    stacked, alone = [""] * len(cases), [""] * len(cases)
    splitter = GroupKFold(n_splits=folds)
    for fold, (train_rows, test_rows) in enumerate(splitter.split(x, groups=group), start=1):
        fold_tokens = None if tokens is None else [tokens[i] for i in train_rows]
        fitted, calibration, layer = train([cases[i] for i in train_rows], fold_tokens)
        model = as_model(fitted, calibration, layer)
        for i in test_rows:
            given = None if tokens is None else tokens[i]
            stacked[i] = triage(cases[i].text, model=model, tokens=given).kind
            alone[i] = triage(cases[i].text, model=model).kind
        gate = ""
        if layer:
            gate = f", gate {layer.gate}, {layer.advice_gate}, {layer.appointment_gate}"
        chosen = f"threshold {calibration.threshold:.2f}"
        chosen += f", other languages x{calibration.other_language_factor:.2f}"
        chosen += f", appointment gate {calibration.appointment_gate:.2f}"
        print(f"fold {fold}/{folds}: {chosen}{gate}", file=sys.stderr)
    return stacked, alone


def print_sections(cases: Sequence[Case], kinds: Sequence[str], n_exemplars: int, title: str):
    """The figures over everything, the exemplars alone and the dev set alone."""
    print(f"# {title}, exemplars + dev ({len(cases)} messages)")
    print(format_figures(figures(cases, kinds)))
    if len(cases) > n_exemplars:
        print(f"\n# {title}, exemplars only ({n_exemplars})")
        print(format_figures(figures(cases[:n_exemplars], kinds[:n_exemplars])))
        print(f"\n# {title}, dev set only ({len(cases) - n_exemplars}), out of fold")
        print(format_figures(figures(cases[n_exemplars:], kinds[n_exemplars:])))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.triage.report", description=__doc__)
    parser.add_argument("--dev", type=Path, default=DEV_SET, help="dev set to add (if present)")
    parser.add_argument("--folds", type=int, default=FOLDS)
    parser.add_argument(
        "--no-embedding", action="store_true", help="skip the embedding layer (no encoder)"
    )
    args = parser.parse_args(argv)

    cases = [from_exemplar(e, i) for i, e in enumerate(load_exemplars())]
    n_exemplars = len(cases)
    if args.dev.exists():
        cases += load_dev(args.dev)
    tokens = None if args.no_embedding else token_states([c.text for c in cases])
    stacked, alone = cross_validate(cases, args.folds, tokens)
    folds = f"{args.folds}-fold grouped cross-validation"
    if tokens is not None:
        print_sections(cases, stacked, n_exemplars, f"{folds}, shipped stack (with the encoder)")
        print()
    print_sections(cases, alone, n_exemplars, f"{folds}, rules + n-grams (no encoder)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
