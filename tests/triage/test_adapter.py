"""The adapter over the encoder's token vectors: numpy serving is the layer torch trained, it
starts as the encoder's own vector, training is repeatable, a damaged weights file stops
start-up, and the pipeline's one encoder pass serves both triage and retrieval."""

from __future__ import annotations

import json
import shutil
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from bot.embed import RememberingEmbedder
from bot.triage import classifier
from bot.triage.adapter import ADAPTER_FILE, mean_unit
from bot.triage.classifier import default_model, load_model
from bot.triage.errors import TriageDataError

torch = pytest.importorskip("torch")  # build time only: serving runs the numpy side
from bot.triage import train_adapter  # noqa: E402


def messages(n: int, seed: int = 0) -> list[np.ndarray]:
    """Token vectors of `n` made-up messages of different lengths."""
    rng = np.random.default_rng(seed)
    return [rng.normal(size=(int(rng.integers(3, 12)), 384)).astype(np.float32) for _ in range(n)]


def test_an_untrained_adapter_reads_the_encoders_own_vector() -> None:
    """Zero-started output projections: before training it changes nothing."""
    adapter = train_adapter._exported(train_adapter._module(384))
    for tokens in messages(5):
        assert np.allclose(adapter.vector(tokens), mean_unit(tokens), atol=1e-6)


def test_the_served_numpy_adapter_is_the_layer_torch_trained() -> None:
    """Padded batches in training, one message at a time in serving: the same vectors."""
    torch.manual_seed(1)
    layer = train_adapter._module(384)
    with torch.no_grad():
        for p in layer.parameters():  # away from the identity start, or the check is empty
            p.add_(torch.randn_like(p) * 0.05)
    layer.eval()
    tokens = messages(12)
    x, mask = train_adapter._padded(tokens)
    with torch.no_grad():
        trained = layer(x, mask).numpy()
    served = train_adapter._exported(layer).vectors(tokens)
    assert np.abs(trained - served).max() < 1e-5
    assert not np.allclose(served, np.stack([mean_unit(t) for t in tokens]), atol=1e-2)


def test_training_gives_the_same_adapter_twice_and_learns_the_kinds() -> None:
    rng = np.random.default_rng(2)
    direction = rng.normal(size=384).astype(np.float32)
    tokens = messages(64, seed=3)
    kinds = np.array(["emergency" if i % 2 else "question" for i in range(64)])
    for t, k in zip(tokens, kinds, strict=True):  # one token carries the kind
        t[0] += (3.0 if k == "emergency" else -3.0) * direction
    first = train_adapter.fit_adapter(tokens, kinds, seed=0)
    second = train_adapter.fit_adapter(tokens, kinds, seed=0)
    assert np.array_equal(first.qkv_w, second.qkv_w) and np.array_equal(first.fc2_w, second.fc2_w)
    assert first.proj_w.any() and first.fc2_w.any()  # it moved away from the identity


def _model_copy(tmp_path: Path) -> Path:
    shutil.copytree(classifier.MODEL_DIR, tmp_path / "model")
    return tmp_path / "model"


def test_the_shipped_layer_has_an_adapter_that_survives_a_save() -> None:
    layer = default_model().embedding
    assert layer is not None and layer.adapter is not None
    assert layer.adapter.dimension == layer.dimension


@pytest.mark.parametrize("name", ["weights.npz", "embedding.npz", ADAPTER_FILE])
def test_a_truncated_weights_file_stops_start_up_naming_it(tmp_path: Path, name: str) -> None:
    model = _model_copy(tmp_path)
    (model / name).write_bytes((model / name).read_bytes()[:1000])
    with pytest.raises(TriageDataError) as caught:
        load_model(model)
    assert name in str(caught.value) and "unreadable" in str(caught.value)


@pytest.mark.parametrize("damage", ["missing", "truncated", "wrong shape", "no heads"])
def test_a_damaged_adapter_stops_start_up_naming_its_file(tmp_path: Path, damage: str) -> None:
    model = _model_copy(tmp_path)
    path = model / ADAPTER_FILE
    if damage == "missing":
        path.unlink()
    elif damage == "truncated":
        path.write_bytes(path.read_bytes()[:1000])
    elif damage == "wrong shape":
        with np.load(path) as stored:
            arrays = dict(stored)
        arrays["fc1_w"] = arrays["fc1_w"][:, :10]
        np.savez(path, **arrays)
    else:
        meta = json.loads((model / "model.json").read_text())
        meta["embedding"]["adapter"]["heads"] = 0
        (model / "model.json").write_text(json.dumps(meta))
    with pytest.raises(TriageDataError) as caught:
        load_model(model)
    assert ADAPTER_FILE in str(caught.value)


class _TokenEncoder:
    """A fake encoder with token vectors, counting its passes."""

    name, dimension = "fake", 384

    def __init__(self) -> None:
        self.passes: list[str] = []

    def embed_tokens(self, texts: Sequence[str]) -> list[np.ndarray]:
        self.passes.extend(texts)
        return [messages(1, seed=len(t))[0] for t in texts]

    def embed(self, texts: Sequence[str], progress=None) -> np.ndarray:
        return np.stack([mean_unit(t) for t in self.embed_tokens(texts)])


def test_retrieval_reuses_the_vector_of_triages_token_pass() -> None:
    encoder = _TokenEncoder()
    remembering = RememberingEmbedder(encoder)
    tokens = remembering.tokens("can i drive home after")
    vector = remembering.embed(["can i drive home after"])[0]
    assert encoder.passes == ["can i drive home after"]  # one encoder pass for both
    assert np.allclose(vector, mean_unit(tokens), atol=1e-6)
