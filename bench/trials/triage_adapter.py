"""Trial: a small layer trained over the frozen encoder's token vectors (no second encoder pass).

`python bench/trials/triage_adapter.py [--folds N] [--epochs E] [--lr X] [--hidden N]`

The encoder fine-tuned on the triage kinds gave the embedding layer a better view
(triage_finetune.py) but needs a second encoder pass per message. Here, per fold of the messages
with a training target (as triage_finetune.py splits them), the adapter
(`bot.triage.train_adapter.fit_adapter`: one pre-norm transformer layer over all-MiniLM-L6-v2's
last-layer token vectors, output projections started at zero, trained with a linear head on the
kinds) is trained on the training folds, and the shipped MLP (`train.fit_layer`) fitted on its
vectors. Side by side in the same run, the same MLP on the frozen vectors. Printed after each
fold, over the folds so far, out of fold: the figures of triage_finetune.py (the MLP alone, not
the whole triage). The options override the adapter's settings for this run only.
Build-time only (docs/TRIAGE.md, "Seventeenth round").
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench" / "trials"))

from triage_finetune import out_of_fold, report  # noqa: E402

from bot.triage import train_adapter  # noqa: E402
from bot.triage.adapter import mean_unit  # noqa: E402
from bot.triage.cases import from_exemplar, load_dev  # noqa: E402
from bot.triage.decision import model_text  # noqa: E402
from bot.triage.exemplars import load_exemplars  # noqa: E402
from bot.triage.report import DEV_SET  # noqa: E402
from bot.triage.train import FOLDS, groups, matrix  # noqa: E402
from bot.triage.vectors import token_states  # noqa: E402


def main(argv=None) -> int:
    from sklearn.model_selection import GroupKFold

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--folds", type=int, default=FOLDS, help="how many folds to run")
    parser.add_argument("--epochs", type=int, default=train_adapter.EPOCHS)
    parser.add_argument("--lr", type=float, default=train_adapter.LEARNING_RATE)
    parser.add_argument("--hidden", type=int, default=train_adapter.HIDDEN)
    args = parser.parse_args(argv)
    train_adapter.EPOCHS, train_adapter.LEARNING_RATE = args.epochs, args.lr
    train_adapter.HIDDEN = args.hidden

    cases = [from_exemplar(e, i) for i, e in enumerate(load_exemplars())]
    cases += load_dev(DEV_SET)
    cases = [c for c in cases if c.target is not None]
    kinds = np.array([str(c.target).split(".")[0] for c in cases])
    x = matrix([model_text(c.text) for c in cases])
    group = groups(x)
    tokens = token_states([c.text for c in cases])
    frozen = np.stack([mean_unit(t) for t in tokens])
    p_frozen: list[dict[str, float]] = [{} for _ in cases]
    p_adapted: list[dict[str, float]] = [{} for _ in cases]
    rows: list[int] = []
    for fold, (train, test) in enumerate(GroupKFold(n_splits=FOLDS).split(x, kinds, group)):
        if fold >= args.folds:
            break
        print(f"fold {fold + 1}/{FOLDS}: {len(train)} train, {len(test)} test", file=sys.stderr)
        out_of_fold(frozen, kinds, train, test, p_frozen)
        adapter = train_adapter.fit_adapter([tokens[i] for i in train], kinds[train], seed=fold)
        out_of_fold(adapter.vectors(tokens), kinds, train, test, p_adapted)
        rows += test.tolist()
        report("frozen", cases, p_frozen, rows)
        report("adapter", cases, p_adapted, rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
