"""The ONNX query encoder stored in each version: it embeds like the torch model, serving never
imports torch, one load per process, and a version refuses an encoder that is not its own."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from bot.index import ENCODER, VERSIONS, IndexCorrupt, open_index, read_current
from bot.ingest import VerificationFailed, verify_version
from tests.support.commands import python_last_line

pytestmark = pytest.mark.model

QUESTIONS = [
    "How long does a ketamine infusion take?",
    "Can I drive home after my treatment?",
    "does it help with migranes",
]


def version_dir(index_dir: Path) -> Path:
    return index_dir / VERSIONS / str(read_current(index_dir))


def test_the_stored_encoder_embeds_as_the_torch_model_does(shipped_index_dir, real_embedder):
    index = open_index(shipped_index_dir)
    onnx = index.query_encoder()
    texts = [*QUESTIONS, index.chunks[0].text]

    cosines = (onnx.embed(texts) * real_embedder.embed(texts)).sum(axis=1)

    assert type(onnx).__name__ == "OnnxEmbedder"
    assert cosines.min() > 0.9999


def test_the_stored_encoder_gives_triage_the_torch_models_token_vectors(
    shipped_index_dir, real_embedder
):
    """Triage's adapter reads token vectors from the served encoder; it was trained on the
    torch model's, and their mean is the question's retrieval vector."""
    onnx = open_index(shipped_index_dir).query_encoder()
    served, trained = onnx.embed_tokens(QUESTIONS), real_embedder.embed_tokens(QUESTIONS)
    for text, ours, theirs in zip(QUESTIONS, served, trained, strict=True):
        assert ours.shape == theirs.shape
        cosines = (ours * theirs).sum(1) / np.linalg.norm(ours, axis=1)
        assert (cosines / np.linalg.norm(theirs, axis=1)).min() > 0.999
        pooled = ours.mean(0) / np.linalg.norm(ours.mean(0))
        assert float(pooled @ onnx.embed([text])[0]) > 0.99999


def test_versions_sharing_an_encoder_share_one_loaded_model(shipped_index_dir):
    first, second = open_index(shipped_index_dir), open_index(shipped_index_dir)

    assert first.query_encoder() is second.query_encoder()


def test_the_manifest_records_the_encoder_and_the_chunk_vectors(shipped_index_dir):
    folder = version_dir(shipped_index_dir)
    manifest = json.loads((folder / "manifest.json").read_text())
    vectors = np.load(folder / "vectors.npy")

    assert set(manifest["encoder"]["files"]) == {
        "model.onnx",
        "model.onnx.data",
        "tokenizer.json",
        "encoder.json",
    }
    assert manifest["encoder"]["name"] == manifest["embedding_model"]
    assert vectors.shape == (len(manifest["chunk_ids"]), manifest["dimension"])


def test_a_version_refuses_an_encoder_that_does_not_match_its_manifest(shipped_index_dir, tmp_path):
    copy = tmp_path / "index"
    shutil.copytree(shipped_index_dir, copy, ignore=shutil.ignore_patterns("encoders"))
    tokenizer = version_dir(copy) / ENCODER / "tokenizer.json"
    tokenizer.chmod(0o644)
    tokenizer.write_text(tokenizer.read_text().replace('"[UNK]"', '"[UNKNOWN]"', 1))

    with pytest.raises(IndexCorrupt, match=r"tokenizer\.json does not match"):
        open_index(copy).query_encoder()
    with pytest.raises(VerificationFailed, match=r"tokenizer\.json does not match"):
        verify_version(version_dir(copy))


def test_a_version_published_with_a_one_file_encoder_still_serves(shipped_index_dir, tmp_path):
    import onnx

    from bot.index import combined_hash, file_sha256

    copy = tmp_path / "index"
    shutil.copytree(shipped_index_dir, copy, ignore=shutil.ignore_patterns("encoders"))
    folder = version_dir(copy)
    encoder = folder / ENCODER
    encoder.chmod(0o755)
    for name in ("model.onnx", "model.onnx.data"):
        (encoder / name).chmod(0o644)
    onnx.save_model(onnx.load(str(encoder / "model.onnx")), str(encoder / "model.onnx"))
    (encoder / "model.onnx.data").unlink()  # the layout published before the weights were split
    manifest = json.loads((folder / "manifest.json").read_text())
    files = {n: file_sha256(encoder / n) for n in ("model.onnx", "tokenizer.json", "encoder.json")}
    manifest["encoder"]["files"], manifest["encoder"]["sha256"] = files, combined_hash(files)
    (folder / "manifest.json").write_text(json.dumps(manifest))

    served = open_index(copy).query_encoder().embed(QUESTIONS)
    expected = open_index(shipped_index_dir).query_encoder().embed(QUESTIONS)

    assert np.allclose(served, expected, atol=1e-5)


def run_python(code: str, index_dir: Path) -> str:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "INDEX": str(index_dir)}
    return python_last_line(code, env=env)


HEAVY = "('torch', 'sentence_transformers', 'transformers', 'chromadb')"


def test_answering_a_question_never_imports_torch(shipped_index_dir):
    code = f"""
import os, sys
from bot import ask
ask.main(["--index", os.environ["INDEX"], "--json", "How long does an infusion take?"])
print([m for m in {HEAVY} if m in sys.modules])
"""
    assert run_python(code, shipped_index_dir) == "[]"


def test_importing_the_app_loads_no_model(shipped_index_dir):
    code = f"""
import sys
import app, bot.ask, bot.answer.pipeline, bot.index
print([m for m in ("onnxruntime", *{HEAVY}) if m in sys.modules])
"""
    assert run_python(code, shipped_index_dir) == "[]"
