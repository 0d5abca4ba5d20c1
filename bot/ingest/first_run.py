"""First run: publish the knowledge directory when no index version was ever published.

The chat (`app.py`) and the command-line tools (`bot.ask`, `bot.eval`) share this, so a fresh
checkout answers without a separate `python ingest.py` step.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from bot.index import read_current
from bot.index.publish import IngestError
from bot.ingest.pipeline import publish
from bot.settings import Settings

if TYPE_CHECKING:
    from bot.embed import Embedder


class FirstIngestFailed(IngestError):
    """The first ingest published nothing (bad pages); the message names them."""


def ensure_index(
    settings: Settings, embedder: Embedder | None = None, *, verbose: bool = True
) -> str | None:
    """Publish `settings.knowledge_dir` if `settings.resolved_index_dir` has no version yet.

    Returns the new version id, or None when a version was already published (nothing is done,
    and a damaged one raises IndexCorrupt rather than being replaced). One line on stderr says
    that it ingests; `verbose` adds the progress bar and the ingest report, as the app shows them.
    """
    index_dir = settings.resolved_index_dir
    if read_current(index_dir) is not None:
        return None
    print(
        f"No index in {index_dir} yet: ingesting {settings.knowledge_dir} first.", file=sys.stderr
    )
    if verbose and embedder is None:
        _prepare_model(settings)
    report = publish(settings, embedder, progress=verbose)
    if verbose:
        for line in report.lines():
            print(line, file=sys.stderr)
    if report.stopped or report.version is None:
        bad = "; ".join(str(b) for b in report.bad_files) or "nothing to publish"
        raise FirstIngestFailed(f"the first ingest did not publish an index ({bad})")
    return report.version


def _prepare_model(settings: Settings) -> None:
    """The first run's longest silent step, under a progress bar of its own: loading the
    model and exporting its ONNX query encoder (cached; the publish below then reuses it)."""
    from bot.ingest import pipeline
    from bot.quiet import steps

    with steps(["model"], desc="preparing") as bar:
        bar.next("the embedding model (first run only)")
        pipeline._encoder_dir(settings, None, pipeline.expected_model_name(settings))
        bar.done()
