"""Ingest timings with the real embedding model: first ingest, no-op, one page changed.

    python bench/bench_ingest.py [--pages N] [--medquad] [--keep DIR] [--raw-sample N]

Builds a deterministic synthetic corpus of N pages (default 2000) in a temporary directory, or
uses the MedQuAD pages (`../shared/corpora/medquad/make_pages.py`), ingests it with
all-MiniLM-L6-v2 and prints: first ingest, no-op re-ingest (in process and as the CLI),
one-page-changed re-ingest (seconds, chunks and sentences embedded), and raw
`SentenceTransformer.encode` throughput on the same chunk texts and sentence texts, with two
ratios: chunks per second end to end against raw chunk encoding (the figure before ingest also
embedded sentences), and the raw encode time of everything the first ingest embedded against
its wall time (the share of the ingest that is encoding). Every line ends with the 1-minute
load average: the machine may be shared.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchlib import ingest_command  # noqa: E402

from bot.embed import SentenceTransformerEmbedder, bundled_model_path  # noqa: E402
from bot.index import open_index  # noqa: E402
from bot.ingest import IngestReport, publish  # noqa: E402
from bot.settings import Settings, offline_environment  # noqa: E402

MEDQUAD = ROOT.parent / "shared" / "corpora" / "medquad" / "make_pages.py"

TOPICS = (
    "migraine", "cluster headache", "depression", "anxiety", "PTSD", "OCD", "chronic pain",
    "neuropathic pain", "bipolar disorder", "insomnia", "fibromyalgia", "tension headache",
)  # fmt: skip
TREATMENTS = (
    "ketamine infusion therapy", "transcranial magnetic stimulation", "intranasal esketamine",
    "cognitive behavioural therapy", "a triptan", "a preventive medication", "nerve blocks",
    "ketamine assisted psychotherapy", "an IV infusion series", "lifestyle changes",
)  # fmt: skip
CLAIMS = (
    "may reduce how often symptoms return", "is usually given over about forty minutes",
    "is monitored by a nurse for the whole session", "can be combined with counselling",
    "is not covered by every insurance plan", "needs a referral from your physician",
    "works differently from older medications", "is considered off-label for this use",
    "often brings relief within hours", "requires a short recovery period before driving",
)  # fmt: skip
PEOPLE = ("patients", "adults", "many people", "some patients", "people with long histories")
EXTRA = (
    "Ask your provider whether this is right for you.", "Results vary from person to person.",
    "Bring a list of your current medications to the first visit.",
    "Side effects are usually mild and short-lived.", "Call the clinic if you have questions.",
)  # fmt: skip


def _sentence(rng: random.Random) -> str:
    topic, treatment = rng.choice(TOPICS), rng.choice(TREATMENTS)
    forms = (
        f"For {rng.choice(PEOPLE)} with {topic}, {treatment} {rng.choice(CLAIMS)}.",
        f"{treatment.capitalize()} {rng.choice(CLAIMS)} in {topic}.",
        f"Research on {topic} suggests that {treatment} {rng.choice(CLAIMS)}.",
        rng.choice(EXTRA),
        f"Session {rng.randint(1, 12)} of {treatment} {rng.choice(CLAIMS)}.",
    )
    return rng.choice(forms)


def _paragraph(rng: random.Random) -> str:
    kind = rng.random()
    if kind < 0.15:  # a bullet list
        return "\n".join(f"- {_sentence(rng)}" for _ in range(rng.randint(3, 6)))
    n = (
        rng.randint(1, 2)
        if kind < 0.45
        else rng.randint(3, 5)
        if kind < 0.85
        else rng.randint(8, 16)
    )
    return " ".join(_sentence(rng) for _ in range(n))


def synthetic_corpus(folder: Path, pages: int, seed: int = 7) -> None:
    """Deterministic Markdown pages: sections of short, medium and long paragraphs and lists."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(pages):
        topic = rng.choice(TOPICS)
        title = f"{rng.choice(TREATMENTS).capitalize()} for {topic} ({i})"
        parts = [f"# {title}"]
        for s in range(rng.randint(1, 4)):
            parts.append(
                f"## {rng.choice(('About', 'Cost of', 'Risks of', 'Preparing for'))} {topic} {s}"
            )
            parts += [_paragraph(rng) for _ in range(rng.randint(1, 4))]
        if rng.random() < 0.3:
            parts += ["Share Post:", "Request An Appointment"]
        body = "\n\n".join(parts)
        (folder / f"page-{i:05d}.md").write_text(
            f'---\ntitle: "{title}"\nupdated: 2026-11-24\n---\n\n{body}\n', encoding="utf-8"
        )


def _load() -> str:
    return f"load {os.getloadavg()[0]:.1f}"


def _timed(label: str, settings: Settings, embedder: SentenceTransformerEmbedder) -> IngestReport:
    report = publish(settings, embedder, progress=True)
    print(
        f"{label:<28} {report.seconds:8.2f} s   {report.chunks_embedded:6d} chunks + "
        f"{report.sentences_embedded} sentences embedded ({report.chunk_count} chunks, "
        f"{'new version' if report.new_version else 'no change'})   {_load()}",
        flush=True,
    )
    return report


def _encode_seconds(model, texts: list[str], batch_size: int) -> float:
    started = time.perf_counter()
    model.encode(texts, batch_size=batch_size, normalize_embeddings=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--medquad", action="store_true", help="the 1,009 MedQuAD pages instead")
    parser.add_argument("--keep", type=Path, help="work in this directory and leave it there")
    parser.add_argument(
        "--raw-sample", type=int, default=0, help="time raw encode on N of the chunks (default all)"
    )
    args = parser.parse_args()
    offline_environment()
    work = args.keep or Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    knowledge, index_dir = work / "knowledge", work / "index"
    if args.medquad:
        subprocess.run([sys.executable, str(MEDQUAD), str(knowledge)], check=True)
        corpus = "MedQuAD"
    else:
        synthetic_corpus(knowledge, args.pages)
        corpus = f"synthetic, {args.pages} pages"
    n_pages = len(list(knowledge.glob("*.md")))
    settings = Settings(knowledge_dir=knowledge, index_dir=index_dir, data_dir=work)
    started = time.perf_counter()
    embedder = SentenceTransformerEmbedder(settings.embedding_model, settings.embedding_batch_size)
    print(f"corpus: {corpus} ({n_pages} pages) in {work}")
    print(f"model load                   {time.perf_counter() - started:8.2f} s   {_load()}")

    first = _timed("first ingest", settings, embedder)
    _timed("no-op re-ingest (in process)", settings, embedder)
    started = time.perf_counter()
    subprocess.run(ingest_command(knowledge, index_dir), check=True, capture_output=True)
    print(f"no-op re-ingest (CLI, wall)  {time.perf_counter() - started:8.2f} s   {_load()}")
    page = sorted(knowledge.glob("*.md"))[n_pages // 2]
    page.write_text(page.read_text(encoding="utf-8") + "\nOne new paragraph for the benchmark.\n")
    _timed("one page changed", settings, embedder)

    with open_index(index_dir) as index:
        texts = [c.text for c in index.chunks]
        spans = index.sentences.spans if index.sentences else {}
        sentences = [c.text[s:e] for c in index.chunks for s, e, _ in spans.get(c.chunk_id, ())]
    n_chunks = len(texts)
    sentences = list(dict.fromkeys(sentences))  # the ingest embeds each distinct text once
    if args.raw_sample:
        rng = random.Random(1)
        texts = rng.sample(texts, min(args.raw_sample, len(texts)))
        sentences = rng.sample(sentences, min(args.raw_sample, len(sentences)))
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(bundled_model_path(), device="cpu", local_files_only=True)
    batch = settings.embedding_batch_size
    raw = len(texts) / _encode_seconds(model, texts, batch)
    print(f"raw encode throughput        {raw:8.1f} chunks/s on {len(texts)} of the same chunk "
          f"texts   {_load()}")  # fmt: skip
    raw_sentences = len(sentences) / _encode_seconds(model, sentences, batch) if sentences else 0
    if sentences:
        print(f"raw encode throughput        {raw_sentences:8.1f} sentences/s on {len(sentences)} "
              f"of the same sentence texts   {_load()}")  # fmt: skip
    ingest_rate = n_chunks / first.seconds
    print(f"first ingest throughput      {ingest_rate:8.1f} chunks/s end to end "
          f"(ratio {ingest_rate / raw:.2f} to raw chunk encoding)")  # fmt: skip
    encoding = first.chunks_embedded / raw
    encoding += first.sentences_embedded / raw_sentences if sentences else 0
    print(f"encoding share               {encoding:8.1f} s of raw encode for what the first ingest "
          f"embedded, in {first.seconds:.1f} s (ratio {encoding / first.seconds:.2f})")  # fmt: skip


if __name__ == "__main__":
    main()
