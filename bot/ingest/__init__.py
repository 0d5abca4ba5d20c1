"""Knowledge ingestion: pages -> clean text -> chunks -> embeddings -> a published index version.

The flow is load.py -> clean.py -> chunk.py -> cache.py -> publish.py, driven by pipeline.py.
Public API: `plan`, `publish`, `rollback` and their `IngestReport`. The name `publish` here is
the pipeline function, which hides the `publish` module (reach it with importlib if needed).
"""

from bot.ingest.pipeline import KnowledgeDirMissing, plan, publish, rollback
from bot.ingest.publish import (
    IndexNotWritable,
    IngestBusy,
    IngestError,
    RollbackError,
    VerificationFailed,
    verify_version,
)
from bot.ingest.report import BadFile, IngestReport

__all__ = [
    "BadFile",
    "IndexNotWritable",
    "IngestBusy",
    "IngestError",
    "IngestReport",
    "KnowledgeDirMissing",
    "RollbackError",
    "VerificationFailed",
    "plan",
    "publish",
    "rollback",
    "verify_version",
]
