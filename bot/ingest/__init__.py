"""Knowledge ingestion: pages -> clean text -> chunks -> embeddings -> a published index version.

The flow is load.py -> clean.py -> chunk.py -> cache.py -> publish.py, driven by pipeline.py.
Note `bot.ingest.publish` here is the pipeline function; the module is `bot.ingest.publish` in
sys.modules (import it with importlib when you need it).
"""

from bot.ingest.pipeline import BadFile, IngestReport, KnowledgeDirMissing, plan, publish, rollback
from bot.ingest.publish import (
    IndexNotWritable,
    IngestBusy,
    IngestError,
    RollbackError,
    VerificationFailed,
    verify_version,
)

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
