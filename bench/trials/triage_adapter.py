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

from triage_finetune import labelled, side_by_side  # noqa: E402

from bot.triage import train_adapter  # noqa: E402
from bot.triage.adapter import mean_unit  # noqa: E402
from bot.triage.train import FOLDS  # noqa: E402
from bot.triage.vectors import token_states  # noqa: E402


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--folds", type=int, default=FOLDS, help="how many folds to run")
    parser.add_argument("--epochs", type=int, default=train_adapter.EPOCHS)
    parser.add_argument("--lr", type=float, default=train_adapter.LEARNING_RATE)
    parser.add_argument("--hidden", type=int, default=train_adapter.HIDDEN)
    args = parser.parse_args(argv)
    train_adapter.EPOCHS, train_adapter.LEARNING_RATE = args.epochs, args.lr
    train_adapter.HIDDEN = args.hidden

    cases, kinds, folds = labelled()
    tokens = token_states([c.text for c in cases])

    def adapted(train, fold: int) -> np.ndarray:
        adapter = train_adapter.fit_adapter([tokens[i] for i in train], kinds[train], seed=fold)
        return adapter.vectors(tokens)

    frozen = np.stack([mean_unit(t) for t in tokens])
    side_by_side(cases, kinds, folds, args.folds, frozen, "adapter", adapted)
    return 0


if __name__ == "__main__":
    sys.exit(main())
