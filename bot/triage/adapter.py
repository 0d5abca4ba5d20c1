"""The adapter: one small transformer layer over the retrieval encoder's token vectors.

The embedding layer's MLP used to read the mean of the encoder's last token vectors: a vector
shaped by topic, where "what if someone takes too much" (a question) and "i took too much"
(an emergency) lie close together. Fine-tuning the encoder on the triage kinds separates them,
but a second encoder pass costs about 15 ms; this layer is trained on the kinds over the same
token vectors retrieval has already computed (`bot.triage.train_adapter`, build time), and
costs well under a millisecond here in numpy. It is pre-norm with its output projections
started at zero, so before training it is the identity and its pooled vector is the frozen
one (docs/TRIAGE.md, "Seventeenth round").

Serving: numpy only. Weights: `model/adapter.npz` (matrices in float16).
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, fields
from pathlib import Path

import numpy as np

from bot.embed import mean_pool
from bot.triage.errors import TriageDataError

ADAPTER_FILE = "adapter.npz"
LAYER_NORM_EPS = 1e-5
MATRICES = ("qkv_w", "proj_w", "fc1_w", "fc2_w")  # stored in float16


def layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + LAYER_NORM_EPS) * weight + bias


def gelu(x: np.ndarray) -> np.ndarray:
    """GELU, tanh form (the one training uses: numpy has no erf). The cube is two products:
    numpy's float32 `x**3` took 0.9 ms of the adapter's 2.3 ms."""
    return 0.5 * x * (1.0 + np.tanh(0.7978845608028654 * (x + 0.044715 * (x * x * x))))


_blas: list = []


def one_blas_thread():
    """A context in which numpy's BLAS runs on one thread. These products are small (a message
    is about 20 tokens): split over threads on two shared cores, one message took 2.5 ms at the
    median but 18 ms at p95 while other work ran; on one thread, 3.7 ms at p95. Concurrent
    questions run on their own threads anyway (as the ONNX encoder's one intra-op thread)."""
    if not _blas:
        from threadpoolctl import ThreadpoolController

        _blas.append(ThreadpoolController())
    return _blas[0].limit(limits=1, user_api="blas")


def mean_unit(tokens: np.ndarray) -> np.ndarray:
    """The unit-length mean of one message's token vectors: the encoder's own sentence vector."""
    return mean_pool(tokens.astype(np.float32)[None], np.ones((1, len(tokens))))[0]


@dataclass(frozen=True)
class Adapter:
    """Weights laid out for `x @ w` (torch's Linear weights transposed)."""

    heads: int
    ln1_w: np.ndarray
    ln1_b: np.ndarray
    qkv_w: np.ndarray  # (dimension, 3 * dimension): queries, keys, values; heads inside each
    qkv_b: np.ndarray
    proj_w: np.ndarray  # (dimension, dimension)
    proj_b: np.ndarray
    ln2_w: np.ndarray
    ln2_b: np.ndarray
    fc1_w: np.ndarray  # (dimension, hidden)
    fc1_b: np.ndarray
    fc2_w: np.ndarray  # (hidden, dimension)
    fc2_b: np.ndarray

    @property
    def dimension(self) -> int:
        return int(self.qkv_w.shape[0])

    def vector(self, tokens: np.ndarray) -> np.ndarray:
        """The unit-length sentence vector of one message's token vectors (tokens, dimension)."""
        with one_blas_thread():
            return self._vector(tokens)

    def _vector(self, tokens: np.ndarray) -> np.ndarray:
        x = tokens.astype(np.float32)
        t, d = x.shape
        size = d // self.heads
        qkv = layer_norm(x, self.ln1_w, self.ln1_b) @ self.qkv_w + self.qkv_b
        q, k, v = qkv.reshape(t, 3, self.heads, size).transpose(1, 2, 0, 3)  # (heads, t, size)
        scores = q @ k.transpose(0, 2, 1) / np.float32(np.sqrt(size))
        scores = np.exp(scores - scores.max(-1, keepdims=True))
        attention = scores / scores.sum(-1, keepdims=True)
        x = x + (attention @ v).transpose(1, 0, 2).reshape(t, d) @ self.proj_w + self.proj_b
        hidden = gelu(layer_norm(x, self.ln2_w, self.ln2_b) @ self.fc1_w + self.fc1_b)
        return mean_unit(x + hidden @ self.fc2_w + self.fc2_b)

    def vectors(self, tokens: list[np.ndarray]) -> np.ndarray:
        """`vector` of each message (build and measurement time)."""
        with one_blas_thread():
            return np.stack([self._vector(t) for t in tokens]).astype(np.float32)

    def stored(self) -> dict[str, np.ndarray]:
        """The weights as `save` writes them: the matrices in float16, the rest in float32."""
        return {
            name: getattr(self, name).astype(np.float16 if name in MATRICES else np.float32)
            for name in WEIGHTS
        }

    def rounded(self) -> Adapter:
        """The adapter as served: its weights through `stored`, back in float32."""
        return Adapter(self.heads, **{k: v.astype(np.float32) for k, v in self.stored().items()})


WEIGHTS = tuple(f.name for f in fields(Adapter) if f.name != "heads")


def save(directory: Path, adapter: Adapter) -> dict:
    """Write the weights; returns the metadata model.json keeps under "embedding" "adapter"."""
    np.savez_compressed(directory / ADAPTER_FILE, **adapter.stored())
    return {"heads": adapter.heads, "hidden": int(adapter.fc1_w.shape[1])}


def load(directory: Path, meta: dict) -> Adapter:
    """The adapter of a model directory, its shapes checked against each other."""
    path = directory / ADAPTER_FILE
    try:
        with np.load(path) as stored:
            arrays = {name: stored[name].astype(np.float32) for name in WEIGHTS}
        adapter = Adapter(int(meta["heads"]), **arrays)
    except FileNotFoundError as exc:
        raise TriageDataError(path, None, "missing: run `make triage-model`") from exc
    except (OSError, ValueError, KeyError, TypeError, zipfile.BadZipFile) as exc:
        raise TriageDataError(path, None, f"unreadable adapter: {exc}") from exc
    d, hidden = adapter.dimension, int(meta.get("hidden", adapter.fc1_w.shape[1]))
    expected = {
        "ln1_w": (d,), "ln1_b": (d,), "qkv_w": (d, 3 * d), "qkv_b": (3 * d,),
        "proj_w": (d, d), "proj_b": (d,), "ln2_w": (d,), "ln2_b": (d,),
        "fc1_w": (d, hidden), "fc1_b": (hidden,), "fc2_w": (hidden, d), "fc2_b": (d,),
    }  # fmt: skip
    wrong = [k for k, shape in expected.items() if getattr(adapter, k).shape != shape]
    if wrong or adapter.heads < 1 or d % adapter.heads:
        raise TriageDataError(path, None, f"adapter weights do not fit together: {wrong}")
    return adapter
