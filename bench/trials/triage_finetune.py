"""Trial: does fine-tuning the encoder on the triage kinds give the embedding layer a better view?

`python bench/trials/triage_finetune.py [--folds N] [--epochs E] [--top-layers N]`

The embedding layer reads one frozen MiniLM vector per message; many of its errors are messages
that ask about an emergency against messages that have one, which a topic-shaped vector may
place close together. Here, per fold of the messages with a training target (exemplars +
safety-dev, split as `train.out_of_fold` splits them: GroupKFold over near-duplicate groups, the
fixed split), the bundled all-MiniLM-L6-v2 is fine-tuned on the training folds' kinds
(cross-entropy through a linear head, balanced class weights), and the layer's MLP
(`train.fit_layer`, as shipped) is fitted on the fine-tuned vectors of the training folds. Side
by side in the same run, the same MLP on the frozen vectors. Printed after each fold, over the
folds so far, out of fold: English and Spanish emergency-vs-rest AUC, emergency recall at 3 %
and 10 % close-but-safe false alarms, and kind accuracy (the MLP's pick among the allowed kinds).
The MLP alone, not the whole triage: a screen, not a figure to report. Build-time only; nothing
here is served (docs/TRIAGE.md, "Sixteenth round").
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bot.triage.cases import from_exemplar, load_dev  # noqa: E402
from bot.triage.decision import model_text  # noqa: E402
from bot.triage.embedding import embedding_text  # noqa: E402
from bot.triage.exemplars import load_exemplars  # noqa: E402
from bot.triage.report import DEV_SET  # noqa: E402
from bot.triage.train import FOLDS, fit_layer, groups, matrix  # noqa: E402
from bot.triage.vectors import embed_texts  # noqa: E402


def fine_tuned(
    texts: list[str], kinds: np.ndarray, epochs: int, seed: int = 0, top_layers: int = 0
):
    """The bundled encoder fine-tuned on (texts, kinds); returns it (a SentenceTransformer).
    With `top_layers`, only that many of the last transformer layers learn (the rest frozen):
    served, the frozen layers' output could be shared with retrieval's forward pass."""
    import torch
    from sentence_transformers import SentenceTransformer
    from sklearn.utils.class_weight import compute_class_weight

    from bot.embed import bundled_model_path

    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    model = SentenceTransformer(bundled_model_path(), device="cpu")
    classes = sorted(set(kinds.tolist()))
    target = torch.tensor([classes.index(k) for k in kinds])
    weight = compute_class_weight("balanced", classes=np.array(classes), y=kinds)
    head = torch.nn.Linear(model.get_embedding_dimension(), len(classes))
    learning = list(model.parameters())
    if top_layers:
        for p in model.parameters():
            p.requires_grad_(False)
        layers = model[0].auto_model.encoder.layer
        learning = [p for layer in layers[-top_layers:] for p in layer.parameters()]
        for p in learning:
            p.requires_grad_(True)
    optimiser = torch.optim.AdamW(
        [
            {"params": learning, "lr": 2e-5},
            {"params": head.parameters(), "lr": 1e-3},
        ]
    )
    loss_of = torch.nn.CrossEntropyLoss(weight=torch.tensor(weight, dtype=torch.float32))
    model.train()
    for epoch in range(epochs):
        order = rng.permutation(len(texts))
        total = 0.0
        for start in range(0, len(order), 32):
            batch = order[start : start + 32]
            features = model.preprocess([texts[i] for i in batch])
            embedded = model(features)["sentence_embedding"]
            loss = loss_of(head(embedded * 20.0), target[batch])
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            total += loss.item() * len(batch)
        print(f"  epoch {epoch + 1}: loss {total / len(texts):.4f}", file=sys.stderr)
    model.eval()
    return model


def recall_at(scores, emergency, near, budget: float) -> float:
    """Emergency recall at the lowest cut-off whose close-but-safe false alarms stay in budget."""
    near_scores = np.sort(scores[near])[::-1]
    allowed = int(np.floor(budget * len(near_scores)))
    cut = near_scores[allowed] if allowed < len(near_scores) else -np.inf
    return float(np.mean(scores[emergency] > cut))


def report(name: str, cases, probabilities: list[dict[str, float]], rows: list[int]) -> None:
    """The figures of the module doc over `rows`, from each row's kind probabilities."""
    from sklearn.metrics import roc_auc_score

    for lang in ("en", "es"):
        idx = [i for i in rows if cases[i].lang == lang]
        scores = np.array([probabilities[i]["emergency"] for i in idx])
        emergency = np.array([cases[i].emergency for i in idx])
        near = np.array([cases[i].near for i in idx])
        auc = roc_auc_score(emergency, scores)
        r3 = recall_at(scores, emergency, near, 0.03)
        r10 = recall_at(scores, emergency, near, 0.10)
        print(f"{name:>10} {lang}: AUC {auc:.4f}  recall@3% {r3:.3f}  recall@10% {r10:.3f}")
    right = sum(max(probabilities[i], key=probabilities[i].get) in cases[i].allowed for i in rows)
    print(f"{name:>10}: kind {right}/{len(rows)} ({right / len(rows):.3f})")


def out_of_fold(vectors: np.ndarray, kinds: np.ndarray, train, test, found: list) -> None:
    """The shipped layer's MLP fitted on the `train` rows; each `test` row's probabilities."""
    layer = fit_layer(vectors[train], kinds[train])
    for i in test:
        found[i] = layer.probabilities(vectors[i])


def labelled():
    """The messages with a training target (exemplars + safety-dev), their kinds, and the fixed
    split into folds `train.out_of_fold` uses (near-duplicates kept together)."""
    from sklearn.model_selection import GroupKFold

    cases = [from_exemplar(e, i) for i, e in enumerate(load_exemplars())]
    cases += load_dev(DEV_SET)
    cases = [c for c in cases if c.target is not None]
    kinds = np.array([str(c.target).split(".")[0] for c in cases])
    x = matrix([model_text(c.text) for c in cases])
    return cases, kinds, list(GroupKFold(n_splits=FOLDS).split(x, kinds, groups(x)))


def side_by_side(cases, kinds, folds, limit: int, frozen: np.ndarray, name: str, view) -> None:
    """Per fold (the first `limit`), the shipped MLP on the frozen vectors and on
    `view(train_rows, fold)` (every message's vectors from a model fitted on those rows),
    reported out of fold over the folds so far."""
    p_frozen: list[dict[str, float]] = [{} for _ in cases]
    p_view: list[dict[str, float]] = [{} for _ in cases]
    rows: list[int] = []
    for fold, (train, test) in enumerate(folds[:limit]):
        print(f"fold {fold + 1}/{FOLDS}: {len(train)} train, {len(test)} test", file=sys.stderr)
        out_of_fold(frozen, kinds, train, test, p_frozen)
        out_of_fold(view(train, fold), kinds, train, test, p_view)
        rows += test.tolist()
        report("frozen", cases, p_frozen, rows)
        report(name, cases, p_view, rows)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--folds", type=int, default=FOLDS, help="how many folds to run")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--top-layers", type=int, default=0, help="fine-tune only these (0: all)")
    args = parser.parse_args(argv)

    cases, kinds, folds = labelled()
    prepared = [embedding_text(c.text) for c in cases]

    def tuned(train, fold: int) -> np.ndarray:
        texts = [prepared[i] for i in train]
        encoder = fine_tuned(texts, kinds[train], args.epochs, fold, args.top_layers)
        return encoder.encode(prepared, batch_size=64, normalize_embeddings=True)

    frozen = embed_texts([c.text for c in cases])
    side_by_side(cases, kinds, folds, args.folds, frozen, "fine-tuned", tuned)
    return 0


if __name__ == "__main__":
    sys.exit(main())
