"""Our answering vs the textbook LangChain RAG pipeline, side by side in one run.

    python bench/bench_answer.py                       # the clinic pages + ../shared/eval dev set
    python bench/bench_answer.py --medquad             # the 1,009 MedQuAD pages + their questions

Textbook pipeline: RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200) over the same
cleaned page texts, the same embedding model, LangChain's Chroma and `similarity_search(k=4)`; it
has no notion of reply kinds, so it always "answers". Both are scored with bot.eval's metric
functions on the same questions; latency is wall time per question after a warm-up.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchlib import ingest_command  # noqa: E402

from bot.eval import load_cases, score_case, summarise  # noqa: E402
from bot.settings import Settings, offline_environment  # noqa: E402

SHARED = ROOT.parent / "shared"


class _LangChainEmbeddings:
    """Our embedder behind LangChain's Embeddings interface: the same model for both pipelines."""

    def __init__(self, embedder) -> None:
        self.embedder = embedder

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embedder.embed(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.embedder.embed([text])[0].tolist()


def textbook_pipeline(pages, embedder, workdir: Path):
    """Build the textbook index; return a function question -> reply JSON."""
    from langchain_chroma import Chroma
    from langchain_core.documents import Document
    from langchain_core.embeddings import Embeddings
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    Embeddings.register(_LangChainEmbeddings)
    splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200)
    docs = splitter.split_documents(
        [Document(page.text, metadata={"source": source}) for source, page in pages.items()]
    )
    store = Chroma(
        collection_name="textbook",
        embedding_function=_LangChainEmbeddings(embedder),
        persist_directory=str(workdir / "textbook-chroma"),
    )
    for i in range(0, len(docs), 500):
        store.add_documents(docs[i : i + 500])

    def ask(question: str) -> dict:
        started = time.perf_counter()
        found = store.similarity_search(question, k=4)
        elapsed = (time.perf_counter() - started) * 1000
        retrieved = [
            {"source": d.metadata["source"], "chunk_id": "", "score": 0.0, "text": d.page_content}
            for d in found
        ]
        citations = [
            {
                "n": 1,
                "source": r["source"],
                "title": "",
                "url": None,
                "quote": "",
                "passage": r["text"],
            }
            for r in retrieved[:1]
        ]
        return {
            "question": question,
            "kind": "answer",
            "answer": found[0].page_content if found else "",
            "citations": citations,
            "retrieved": retrieved,
            "latency_ms": elapsed,
        }

    return ask, len(docs)


def run(label: str, ask, cases, page_texts) -> dict:
    ask(cases[0]["question"])  # warm-up
    load_before = os.getloadavg()[0]
    results = [score_case(c, ask(c["question"]), page_texts) for c in cases]
    summary = summarise(results)
    summary["pipeline"] = label
    summary["load_average"] = [round(load_before, 2), round(os.getloadavg()[0], 2)]
    return summary


def medquad_index(workdir: Path) -> Path:
    """The MedQuAD pages written and ingested under `workdir` (once); the index directory."""
    knowledge = workdir / "medquad-pages"
    if not knowledge.exists():
        subprocess.run(
            [sys.executable, str(SHARED / "corpora/medquad/make_pages.py"), str(knowledge)],
            check=True,
        )
    index_dir = workdir / "medquad-index"
    ensure_index(knowledge, index_dir)
    return index_dir


def ensure_index(knowledge: Path, index_dir: Path) -> None:
    if (index_dir / "CURRENT").exists():
        return
    subprocess.run(ingest_command(knowledge, index_dir), check=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--medquad", action="store_true", help="use the MedQuAD corpus")
    parser.add_argument("--limit", type=int, default=0, help="only the first N questions")
    parser.add_argument("--workdir", type=Path, default=ROOT / "data" / "bench")
    args = parser.parse_args()
    offline_environment()

    from bot.answer.pipeline import load_responder
    from bot.embed import SentenceTransformerEmbedder
    from bot.index import open_index

    if args.medquad:
        knowledge = args.workdir / "medquad-pages"
        if not knowledge.exists():
            subprocess.run(
                [sys.executable, str(SHARED / "corpora/medquad/make_pages.py"), str(knowledge)],
                check=True,
            )
        cases_file = SHARED / "corpora/medquad/dev-questions.jsonl"
        index_dir = args.workdir / "medquad-index"
    else:
        knowledge = ROOT / "knowledge"
        cases_file = SHARED / "eval/dev-questions.jsonl"
        index_dir = args.workdir / "clinic-index"
    ensure_index(knowledge, index_dir)
    cases = load_cases(cases_file)
    if args.limit:
        cases = cases[: args.limit]

    embedder = SentenceTransformerEmbedder()
    index = open_index(index_dir)
    page_texts = {s: p.text for s, p in index.pages.items()}
    responder = load_responder(Settings(index_dir=index_dir), embedder=embedder)

    tmp = Path(tempfile.mkdtemp(prefix="textbook-"))
    try:
        textbook, n_chunks = textbook_pipeline(index.pages, embedder, tmp)
        ours = run("ours", lambda q: responder.reply(q).to_json(), cases, page_texts)
        base = run("textbook", textbook, cases, page_texts)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    keys = [
        "kind_accuracy",
        "cited_hit",
        "top1_hit",
        "hit@1",
        "hit@5",
        "mrr",
        "latency_p50_ms",
        "latency_p95_ms",
    ]
    print(
        f"corpus: {len(index.pages)} pages; ours {len(index.chunks)} chunks, "
        f"textbook {n_chunks} chunks; {len(cases)} questions from {cases_file.name}"
    )
    print(f"{'metric':<16}{'ours':>10}{'textbook':>10}")
    for k in keys:
        a, b = ours[k], base[k]
        fa = "n/a" if a is None else f"{a:.3f}"
        fb = "n/a" if b is None else f"{b:.3f}"
        print(f"{k:<16}{fa:>10}{fb:>10}")
    load = [f"{a:.1f} -> {b:.1f}" for a, b in (ours["load_average"], base["load_average"])]
    print(f"{'load (1 min)':<16}{load[0]:>10}  {load[1]:>10}")
    print(json.dumps({"ours": ours, "textbook": base}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
