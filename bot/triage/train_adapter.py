"""Fit the adapter (`bot.triage.adapter`) on token vectors and kinds: build time only (torch).

A pre-norm transformer layer with zero-started output projections, mean-pooled and normalised,
under a linear head on the kinds (cross-entropy, balanced class weights); the head is dropped
after training and the embedding layer's MLP is fitted on the adapter's vectors instead
(`bot.triage.train.fit_layer`). One thread and a fixed seed: the same data gives the same
weights. Settings from the trial that chose them (bench/trials/triage_adapter.py, docs/TRIAGE.md
"Seventeenth round").
"""

from __future__ import annotations

import numpy as np

from bot.triage.adapter import MATRICES, WEIGHTS, Adapter

EPOCHS = 6
LEARNING_RATE = 3e-4  # the adapter's; the head learns at HEAD_LEARNING_RATE
HEAD_LEARNING_RATE = 1e-3
WEIGHT_DECAY = 0.01
HIDDEN = 768  # the adapter's feed-forward units (MiniLM's own layers have 1,536)
HEADS = 6  # attention heads (64 dimensions each over MiniLM's 384)
DROPOUT = 0.1
BATCH = 32
SCALE = 20.0  # the head reads unit vectors times this (a cosine classifier's temperature)


def _module(dimension: int):
    from torch import nn

    class Layer(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.ln1 = nn.LayerNorm(dimension)
            self.qkv = nn.Linear(dimension, 3 * dimension)
            self.proj = nn.Linear(dimension, dimension)
            self.ln2 = nn.LayerNorm(dimension)
            self.fc1 = nn.Linear(dimension, HIDDEN)
            self.fc2 = nn.Linear(HIDDEN, dimension)
            self.drop = nn.Dropout(DROPOUT)
            for start_at_zero in (self.proj, self.fc2):
                nn.init.zeros_(start_at_zero.weight)
                nn.init.zeros_(start_at_zero.bias)

        def forward(self, x, mask):
            b, t, d = x.shape
            q, k, v = self.qkv(self.ln1(x)).view(b, t, 3, HEADS, d // HEADS).permute(2, 0, 3, 1, 4)
            scores = (q @ k.transpose(-1, -2)) / (d // HEADS) ** 0.5
            attention = scores.masked_fill(mask[:, None, None, :] == 0, -1e9).softmax(-1)
            x = x + self.drop(self.proj((attention @ v).transpose(1, 2).reshape(b, t, d)))
            hidden = nn.functional.gelu(self.fc1(self.ln2(x)), approximate="tanh")
            x = x + self.drop(self.fc2(hidden))
            m = mask[..., None].float()
            return nn.functional.normalize((x * m).sum(1) / m.sum(1).clamp(min=1e-9), dim=-1)

    return Layer()


def _padded(batch: list[np.ndarray]):
    import torch

    longest = max(len(b) for b in batch)
    x = np.zeros((len(batch), longest, batch[0].shape[1]), dtype=np.float32)
    mask = np.zeros((len(batch), longest), dtype=np.int64)
    for i, tokens in enumerate(batch):
        x[i, : len(tokens)] = tokens
        mask[i, : len(tokens)] = 1
    return torch.from_numpy(x), torch.from_numpy(mask)


def fit_adapter(tokens: list[np.ndarray], kinds: np.ndarray, seed: int = 0) -> Adapter:
    """The adapter trained on each message's token vectors and kind, as served (float16
    matrices, `Adapter.rounded`)."""
    import torch
    from sklearn.utils.class_weight import compute_class_weight

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        torch.manual_seed(seed)
        order_of = np.random.default_rng(seed)
        classes = sorted(set(kinds.tolist()))
        target = torch.tensor([classes.index(k) for k in kinds])
        weight = compute_class_weight("balanced", classes=np.array(classes), y=kinds)
        dimension = tokens[0].shape[1]
        layer = _module(dimension)
        head = torch.nn.Linear(dimension, len(classes))
        optimiser = torch.optim.AdamW(
            [
                {"params": layer.parameters(), "lr": LEARNING_RATE},
                {"params": head.parameters(), "lr": HEAD_LEARNING_RATE},
            ],
            weight_decay=WEIGHT_DECAY,
        )
        loss_of = torch.nn.CrossEntropyLoss(weight=torch.tensor(weight, dtype=torch.float32))
        layer.train()
        for _ in range(EPOCHS):
            order = order_of.permutation(len(tokens))
            for start in range(0, len(order), BATCH):
                rows = order[start : start + BATCH]
                x, mask = _padded([tokens[i] for i in rows])
                loss = loss_of(head(layer(x, mask) * SCALE), target[rows])
                optimiser.zero_grad()
                loss.backward()
                optimiser.step()
        return _exported(layer).rounded()
    finally:
        torch.set_num_threads(threads)


def _exported(layer) -> Adapter:
    """The numpy adapter of a trained torch layer: weight "fc1_w" is parameter "fc1.weight",
    "fc1_b" is "fc1.bias"; the matrices transposed to the `x @ w` layout."""
    state = {k: v.detach().cpu().numpy().astype(np.float32) for k, v in layer.state_dict().items()}

    def weight(name: str) -> np.ndarray:
        module, part = name.rsplit("_", 1)
        value = state[f"{module}.{'weight' if part == 'w' else 'bias'}"]
        return value.T.copy() if name in MATRICES else value

    return Adapter(HEADS, **{name: weight(name) for name in WEIGHTS})
