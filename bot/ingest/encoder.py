"""The query encoder stored in each index version: the embedding model exported to ONNX.

Ingest exports the sentence-transformers model once (torch.onnx.export, then onnxruntime's
transformer optimizer fuses attention and layer norms) into an encoder cache keyed by the
model's files, and hard-links the result into every version it publishes, so a publish stays
O(change). The manifest records the files' hashes; serving refuses an encoder that does not
match them, so the index and the encoder that embeds its questions can never disagree.

Why not optimum: its exporter does not support the installed transformers 5. fp32, not int8:
fp32 gives the torch model's figures exactly; onnxruntime's dynamic int8 quantisation kept hit@1
and MRR within 0.005 but lost 0.03 of cited hit and top-1 hit on answer-dev
(bench/bench_encoder.py, docs/BENCHMARKS.md). The weights are saved as ONNX external data
(`model.onnx.data`), which onnxruntime memory-maps: a serving process holds about 50 MB less
than with one self-contained `model.onnx`, for the same vectors bit for bit. Versions published
with the single file still serve.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import warnings
from pathlib import Path
from typing import Any

from bot.embed import (
    ENCODER_CONFIG,
    ENCODER_FILES,
    ONNX_MODEL,
    ONNX_WEIGHTS,
    TOKENIZER,
    EmbeddingModelError,
)
from bot.index import HASHES, IDENTITIES, file_identity, file_sha256

ENCODERS = "encoders"  # the cache folder inside the index directory
SOURCE_HASHES = "source-hashes.json"  # in the cache folder: model files' sha256 by file identity
# Bump when the export below changes: cached exports made by other code are then redone.
EXPORT_FORMAT = (
    "2: torch.onnx.export opset 17 + ort bert optimizer, fp32, mean pooling, "
    "weights as external data"
)
_SKIP = {"README.md", ".gitattributes"}


class EncoderExportError(EmbeddingModelError):
    """The model cannot be exported as a mean-pooled, normalised ONNX encoder."""


def source_key(source: Path, memo: Path | None = None) -> str:
    """A hash of the model folder's files and of the export code: the encoder cache's key.

    With `memo` (a JSON file), a file whose device, inode, size and modification time are
    those recorded there is not read again: hashing the 90 MB model on every ingest took a
    quarter of a one-page publish."""
    known = _read_memo(memo)
    seen: dict[str, list[Any]] = {}
    digest = hashlib.sha256(EXPORT_FORMAT.encode())
    for path in sorted(p for p in source.rglob("*") if p.is_file() and p.name not in _SKIP):
        st = path.stat()
        identity = [st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns]
        entry = known.get(str(path))
        sha = entry[1] if entry and entry[0] == identity else file_sha256(path)
        seen[str(path)] = [identity, sha]
        digest.update(path.relative_to(source).as_posix().encode())
        digest.update(sha.encode())
    if memo is not None and seen != {k: v for k, v in known.items() if k in seen}:
        _write_memo(memo, {**known, **seen})
    return digest.hexdigest()


def _read_memo(memo: Path | None) -> dict[str, Any]:
    if memo is None:
        return {}
    try:
        data = json.loads(memo.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _write_memo(memo: Path, data: dict[str, Any]) -> None:
    """Replace the memo atomically (a torn memo is only a cache miss, but keep it whole)."""
    try:
        memo.parent.mkdir(parents=True, exist_ok=True)
        tmp = memo.with_name(f".{memo.name}.{os.getpid()}")
        tmp.write_text(json.dumps(data), encoding="utf-8")
        os.replace(tmp, memo)
    except OSError:
        pass  # a read-only cache folder: hash again next time


def _pooling(source: Path) -> dict[str, Any]:
    """The model's sentence-transformers config, checked to be Transformer + mean Pooling
    (+ Normalize): the pooling `bot.embed.mean_pool` reproduces."""
    try:
        modules = json.loads((source / "modules.json").read_text(encoding="utf-8"))
        kinds = [m["type"].rsplit(".", 1)[-1] for m in modules]
        pooling_dir = next(m["path"] for m in modules if m["type"].endswith("Pooling"))
        pooling = json.loads((source / pooling_dir / "config.json").read_text(encoding="utf-8"))
        bert = json.loads((source / "sentence_bert_config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError, KeyError, StopIteration) as exc:
        raise EncoderExportError(f"{source} is not a sentence-transformers model: {exc}") from exc
    if kinds not in (["Transformer", "Pooling", "Normalize"], ["Transformer", "Pooling"]):
        raise EncoderExportError(f"{source}: modules {kinds} are not Transformer + Pooling")
    modes = {k for k, v in pooling.items() if k.startswith("pooling_mode_") and v}
    if modes != {"pooling_mode_mean_tokens"}:
        raise EncoderExportError(f"{source}: only mean pooling is exported")
    return {"max_seq_length": int(bert.get("max_seq_length") or 256)}


def export(source: Path, target: Path, name: str) -> None:
    """Export the model in `source` into the empty folder `target` (imports torch)."""
    import torch
    from transformers import AutoModel

    pooling = _pooling(source)
    # Eager attention exports as plain MatMul/Softmax, which the optimizer fuses into one
    # Attention node; the default SDPA path exports a graph it cannot fuse.
    base = AutoModel.from_pretrained(str(source), attn_implementation="eager")
    base.eval()
    config = base.config
    with_types = getattr(config, "type_vocab_size", 0) > 0
    names = ["input_ids", "attention_mask", *(["token_type_ids"] if with_types else [])]

    class LastHiddenState(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.base = base

        def forward(self, *inputs: torch.Tensor) -> torch.Tensor:
            return self.base(**dict(zip(names, inputs, strict=True))).last_hidden_state

    sample = tuple(torch.ones(2, 16, dtype=torch.long) for _ in names)
    axes = {n: {0: "batch", 1: "tokens"} for n in [*names, "last_hidden_state"]}
    target.mkdir(parents=True)
    with tempfile.TemporaryDirectory(prefix="export-", dir=target) as tmp:
        raw = Path(tmp) / "raw.onnx"
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # tracer warnings about Python branches on shapes
            torch.onnx.export(
                LastHiddenState(),
                sample,
                str(raw),
                input_names=names,
                output_names=["last_hidden_state"],
                dynamic_axes=axes,
                opset_version=17,
                dynamo=False,
            )
        if config.model_type == "bert":
            from onnxruntime.transformers.optimizer import optimize_model

            optimized = optimize_model(
                str(raw),
                model_type="bert",
                num_heads=config.num_attention_heads,
                hidden_size=config.hidden_size,
            )
            raw = Path(tmp) / "optimized.onnx"
            optimized.save_model_to_file(str(raw))
        _save_with_external_weights(raw, target)
    shutil.copyfile(source / TOKENIZER, target / TOKENIZER)
    from tokenizers import Tokenizer

    pad_id = Tokenizer.from_file(str(source / TOKENIZER)).token_to_id("[PAD]") or 0
    (target / ENCODER_CONFIG).write_text(
        json.dumps(
            {
                "name": name,
                "dimension": int(config.hidden_size),
                "max_seq_length": pooling["max_seq_length"],
                "pad_id": int(pad_id),
                "pooling": "mean, L2-normalised",
                "export": EXPORT_FORMAT,
            },
            indent=1,
        ),
        encoding="utf-8",
    )


def _save_with_external_weights(model_file: Path, target: Path) -> None:
    """Save the model as `ONNX_MODEL` (graph) + `ONNX_WEIGHTS` (every tensor of 1 KiB or more):
    onnxruntime then maps the weights from the file instead of copying them (see bot.embed)."""
    import onnx

    model = onnx.load(str(model_file))
    onnx.save_model(
        model,
        str(target / ONNX_MODEL),
        save_as_external_data=True,
        all_tensors_to_one_file=True,
        location=ONNX_WEIGHTS,
        size_threshold=1024,
    )


def _identities_hold(folder: Path) -> bool:
    """Whether IDENTITIES still names these very files (a copied cache has other inodes)."""
    try:
        recorded = json.loads((folder / IDENTITIES).read_text(encoding="utf-8"))
        return all(recorded[f][:4] == file_identity(folder / f) for f in ENCODER_FILES)
    except (OSError, ValueError, KeyError, TypeError):
        return False


def _record_identities(folder: Path, check: bool) -> None:
    """Write IDENTITIES: each file's identity with its sha256 from HASHES, so verifying a
    version that links these files skips hashing them (`bot.index.encoder_problem`). With
    `check`, the files are hashed first and nothing is written if one differs."""
    files = json.loads((folder / HASHES).read_text(encoding="utf-8"))
    if check and any(file_sha256(folder / f) != files.get(f) for f in ENCODER_FILES):
        return
    identities = {f: [*file_identity(folder / f), files[f]] for f in ENCODER_FILES}
    tmp = folder / f".{IDENTITIES}.{os.getpid()}"
    try:
        tmp.write_text(json.dumps(identities), encoding="utf-8")
        tmp.chmod(0o444)
        os.replace(tmp, folder / IDENTITIES)
    except OSError:
        tmp.unlink(missing_ok=True)  # a read-only cache: versions hash the files instead


def cached_encoder(source: Path, cache_root: Path, name: str) -> Path:
    """The encoder folder for the model in `source`, exported now if the cache lacks it."""
    key = source_key(source, cache_root / SOURCE_HASHES)
    folder = cache_root / key[:24]
    if all((folder / f).is_file() for f in (*ENCODER_FILES, HASHES)):
        if not _identities_hold(folder):  # exported before they were recorded, or copied
            _record_identities(folder, check=True)
        return folder
    cache_root.mkdir(parents=True, exist_ok=True)
    for stale in cache_root.glob(".tmp-*"):  # exports of runs that were killed
        pid = stale.name.split("-")[1]
        if not pid.isdigit() or not Path(f"/proc/{pid}").exists() or int(pid) == os.getpid():
            shutil.rmtree(stale, ignore_errors=True)
    tmp = cache_root / f".tmp-{os.getpid()}-{key[:8]}"
    try:
        export(source, tmp, name)
        files = {f: file_sha256(tmp / f) for f in ENCODER_FILES}
        (tmp / HASHES).write_text(json.dumps(files, indent=1), encoding="utf-8")
        for f in (*ENCODER_FILES, HASHES):  # linked into versions: never to be written again
            (tmp / f).chmod(0o444)
        _record_identities(tmp, check=False)
        if folder.exists():
            shutil.rmtree(folder)
        os.rename(tmp, folder)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp)
    return folder
