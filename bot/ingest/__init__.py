"""Knowledge ingestion: pages -> clean text -> chunks -> embeddings -> a published index version.

The flow is load.py -> clean.py -> chunk.py -> cache.py -> sentences.py, driven by pipeline.py,
which hands the new version to `bot.index.publish` (build, verify, atomic switch).
Public API: `plan`, `publish`, `rollback` and their `IngestReport`; the version errors are
re-exported from `bot.index.publish`.
"""

from bot.index.publish import (
    IndexNotWritable,
    IngestBusy,
    IngestError,
    RollbackError,
    VerificationFailed,
    verify_version,
)
from bot.ingest.pipeline import KnowledgeDirMissing, plan, publish, rollback
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
