"""Retrieval and answer figures with each query encoder, side by side on the same index.

    python bench/bench_encoder.py [--index DIR] [SET.jsonl ...]

Encoders: the torch model (sentence-transformers), the fp32 ONNX export stored in the index
version (what serving uses), and an int8 dynamic quantisation of that export (onnxruntime's
quantize_dynamic; not shipped unless it stays within 0.005 of torch on hit@1 and MRR). Sets
default to ../shared/eval/answer-dev.jsonl and dev-questions.jsonl; the index defaults to
data/bench/clinic-index (built with ingest.py if missing).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.settings import Settings, offline_environment  # noqa: E402

METRICS = ("kind_accuracy", "cited_hit", "top1_hit", "hit@1", "hit@5", "mrr", "latency_p50_ms")


def int8_copy(folder: Path, target: Path) -> Path:
    """The encoder folder with model.onnx quantised to int8 weights."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    shutil.copytree(folder, target)
    (target / "model.onnx").chmod(0o644)
    (target / "model.onnx.data").unlink(missing_ok=True)  # the int8 model is one file
    quantize_dynamic(
        folder / "model.onnx",
        target / "model.onnx",
        weight_type=QuantType.QInt8,
        extra_options={"DefaultTensorType": 1},  # float: the fused nodes defeat shape inference
    )
    return target


def evaluate(index: Path, embedder, path: Path) -> dict:
    from bot.answer.pipeline import load_responder
    from bot.eval import load_cases, score_case, summarise
    from bot.index import open_index

    responder = load_responder(Settings(index_dir=index), embedder=embedder)
    pages = {s: p.text for s, p in open_index(index).pages.items()}
    results = [score_case(c, responder.reply(c["question"]).to_json(), pages) for c in
               load_cases(path)]  # fmt: skip
    return summarise(results)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sets", nargs="*", type=Path)
    parser.add_argument("--index", type=Path, default=ROOT / "data" / "bench" / "clinic-index")
    parser.add_argument("--no-int8", action="store_true", help="torch and fp32 only")
    args = parser.parse_args()
    offline_environment()
    sets = args.sets or [ROOT.parent / "shared" / "eval" / n for n in
                         ("answer-dev.jsonl", "dev-questions.jsonl")]  # fmt: skip
    if not (args.index / "CURRENT").exists():
        cmd = [sys.executable, str(ROOT / "ingest.py"), "--index", str(args.index)]
        subprocess.run(cmd, check=True)

    from bot.embed import QUERY_THREADS, OnnxEmbedder, SentenceTransformerEmbedder
    from bot.index import ENCODER, open_index

    stored = open_index(args.index).path / ENCODER
    tmp = Path(tempfile.mkdtemp(prefix="bench-int8-"))
    encoders = {
        "torch": SentenceTransformerEmbedder(),
        "onnx fp32 (shipped)": OnnxEmbedder(stored, threads=QUERY_THREADS),  # as serving
    }
    if not args.no_int8:
        encoders["onnx int8"] = OnnxEmbedder(int8_copy(stored, tmp / "int8"))
        size = {n: sum(f.stat().st_size for f in p.glob("model.onnx*")) for n, p in
                (("fp32", stored), ("int8", tmp / "int8"))}  # fmt: skip
        print(
            f"model.onnx: fp32 {size['fp32'] / 2**20:.1f} MiB, int8 {size['int8'] / 2**20:.1f} MiB"
        )
    for path in sets:
        rows = {name: evaluate(args.index, emb, path) for name, emb in encoders.items()}
        print(f"\n{path.name} ({rows['torch']['cases']} cases), index {args.index}")
        print("| metric | " + " | ".join(rows) + " |")
        print("|---|" + "---|" * len(rows))
        for metric in METRICS:
            cells = [rows[n][metric] for n in rows]
            shown = ["n/a" if v is None else f"{v:.3f}" for v in cells]
            print(f"| {metric} | " + " | ".join(shown) + " |")
    shutil.rmtree(tmp)
    return 0


if __name__ == "__main__":
    sys.exit(main())
