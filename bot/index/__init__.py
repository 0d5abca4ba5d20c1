"""The index: everything about a version, and nothing outside this package touches its files.

read.py opens a version for reading (and `IndexWatcher` follows CURRENT); publish.py builds,
verifies and publishes one (atomic CURRENT switch), rolls back and collects old versions;
chroma.py fills a version's Chroma collection; manifest.py is the typed manifest.

Layout (see docs/CONTRACTS.md):

    <index_dir>/CURRENT                      the served version id, replaced atomically
    <index_dir>/embeddings.sqlite3           embedding cache (ingest only)
    <index_dir>/encoders/<key>/              ONNX encoder cache (ingest only), linked into versions
    <index_dir>/versions/<id>/manifest.json  version, parent, created_at, model, pages, chunk ids
    <index_dir>/versions/<id>/pages.jsonl    one Page per line
    <index_dir>/versions/<id>/chunks.jsonl   one Chunk per line, in page order
    <index_dir>/versions/<id>/vectors.npy    one float32 vector per chunk, in chunk order
    <index_dir>/versions/<id>/encoder/       model.onnx(.data), tokenizer.json, encoder.json,
                                             identities.json (the files' identities when hashed)
    <index_dir>/versions/<id>/chroma/        Chroma PersistentClient dir, collection "clinic"
    <index_dir>/versions/<id>/sentences.jsonl       per chunk: its sentence spans and vector rows
    <index_dir>/versions/<id>/sentence_vectors.npy  one vector per distinct sentence (float16)

Serving reads a version and never writes to it (published versions are immutable, byte for
byte): questions are embedded by the version's ONNX encoder (onnxruntime + tokenizers, no torch)
and searched exactly against `vectors.npy` in numpy, so serving does not open Chroma. The
Chroma collection is for ingest (delta builds, verification) and other tools. A version
published before `vectors.npy` existed is read from a private copy of its Chroma directory; one
without an encoder embeds questions with sentence-transformers (torch) and says so in the log.
The two sentence files (see `bot.sentences`) are absent from older versions too; answering then
embeds their sentences per question.

`open_index` loads one version; `IndexWatcher` follows CURRENT so a running app serves a newly
published version without a restart. Nothing here imports chromadb, torch or onnxruntime at
import time: the ingest no-op path reads manifests alone and must stay fast.
"""

from bot.index.manifest import MANIFEST, Manifest
from bot.index.read import *  # noqa: F403 (the reading API, listed in read.__all__)
from bot.index.read import __all__ as _READ_API

__all__ = ["MANIFEST", "Manifest", *_READ_API]
