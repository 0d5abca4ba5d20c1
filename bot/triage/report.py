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
from bot.triage.exemplars import load_exemplars
from bot.triage.train import FOLDS, groups, matrix, train

DEV_SET = PROJECT_ROOT.parent / "shared" / "eval" / "safety-dev.jsonl"


def as_model(fitted, threshold: float) -> Model:
    """A fold's fitted model in the serving form."""
    weights = np.ascontiguousarray(fitted.coef_.T, dtype=np.float32)
    classes = tuple(str(c) for c in fitted.classes_)
    bias = fitted.intercept_.astype(np.float32)
    return Model(classes, weights, bias, fitted.idf, threshold, {})


def cross_validate(cases: Sequence[Case], folds: int = FOLDS) -> list[str]:
    """The triage kind of every case, each from a model that never saw the case's group."""
    from sklearn.model_selection import GroupKFold

    x = matrix([model_text(c.text) for c in cases])
    group = groups(x)
    kinds = [""] * len(cases)
    splitter = GroupKFold(n_splits=folds)
    for fold, (train_rows, test_rows) in enumerate(splitter.split(x, groups=group), start=1):
        fitted, calibration = train([cases[i] for i in train_rows])
        model = as_model(fitted, calibration.threshold)
        for i in test_rows:
            kinds[i] = triage(cases[i].text, model=model).kind
        print(f"fold {fold}/{folds}: threshold {calibration.threshold:.2f}", file=sys.stderr)
    return kinds


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.triage.report", description=__doc__)
    parser.add_argument("--dev", type=Path, default=DEV_SET, help="dev set to add (if present)")
    parser.add_argument("--folds", type=int, default=FOLDS)
    args = parser.parse_args(argv)

    cases = [from_exemplar(e, i) for i, e in enumerate(load_exemplars())]
    n_exemplars = len(cases)
    if args.dev.exists():
        cases += load_dev(args.dev)
    kinds = cross_validate(cases, args.folds)
    print(f"# {args.folds}-fold grouped cross-validation, exemplars + dev ({len(cases)} messages)")
    print(format_figures(figures(cases, kinds)))
    if len(cases) > n_exemplars:
        print(f"\n# the same folds, exemplars only ({n_exemplars})")
        print(format_figures(figures(cases[:n_exemplars], kinds[:n_exemplars])))
        print(f"\n# the same folds, dev set only ({len(cases) - n_exemplars}), out of fold")
        print(format_figures(figures(cases[n_exemplars:], kinds[n_exemplars:])))
    return 0


if __name__ == "__main__":
    sys.exit(main())
