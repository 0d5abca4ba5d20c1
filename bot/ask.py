"""Ask the bot from the command line: `python -m bot.ask "question" [--json] [--batch FILE]`.

`--batch FILE` reads JSONL objects with `id` and `question` and writes one JSON reply per line,
in order, loading the models once.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bot.answer.pipeline import Responder, load_responder
from bot.settings import Settings, offline_environment
from bot.types import Reply


def build_responder(index_dir: Path | None) -> tuple[Responder, Any]:
    """The Responder over the served index (or `index_dir`) and that index, loaded once,
    failing with a clear message.

    With the configured index (no `index_dir`) and nothing published yet, the knowledge
    directory is ingested first, as the app does; an explicit `index_dir` must already exist.
    The query encoder loads in a thread while triage loads (hashing and onnxruntime's session
    set-up release the GIL): on two free cores a cold question takes ~0.3 s less.
    """
    offline_environment()
    from bot.index import IndexLoadError, IndexWatcher
    from bot.ingest import IngestError
    from bot.ingest.first_run import ensure_index

    settings = Settings() if index_dir is None else Settings(index_dir=index_dir)
    try:
        if index_dir is None:
            ensure_index(settings, verbose=False)
        watcher = IndexWatcher(settings.resolved_index_dir)
        index = watcher.current()
    except (IndexLoadError, IngestError) as exc:
        raise SystemExit(f"error: {exc}") from exc
    warming = threading.Thread(target=_load_encoder, args=(index,), daemon=True)
    warming.start()
    responder = load_responder(settings, index_source=watcher)
    warming.join()
    try:
        index.query_encoder()  # loaded by the thread; raises here if it could not be
    except IndexLoadError as exc:
        raise SystemExit(f"error: {exc}") from exc
    return responder, index


def _load_encoder(index: Any) -> None:
    with contextlib.suppress(Exception):  # build_responder loads it again and reports why
        index.query_encoder()


def for_person(reply: Reply) -> str:
    """The reply as a visitor would read it, with its sources underneath."""
    lines = [f"[{reply.kind}]", reply.answer]
    if reply.citations:
        lines.append("\nSources:")
        for c in reply.citations:
            lines.append(f"  [{c.n}] {c.title}: “{c.quote}”")
            if c.url:
                lines.append(f"      {c.url}")
    lines.append(f"\n({reply.latency_ms:.0f} ms, index {reply.index_version or '-'})")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="clinicbot-ask", description=__doc__)
    parser.add_argument("question", nargs="?", help="the visitor's message")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--batch", type=Path, help="JSONL file of {id, question} objects")
    parser.add_argument("--index", type=Path, help="index directory (default: the served one)")
    args = parser.parse_args(argv)
    if (args.question is None) == (args.batch is None):
        parser.error("give a question or --batch FILE (one of them)")

    responder, _ = build_responder(args.index)
    if args.batch is None:
        reply = responder.reply(args.question)
        print(json.dumps(reply.to_json(), ensure_ascii=False) if args.json else for_person(reply))
        return 0

    with args.batch.open(encoding="utf-8") as f:
        for n, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
                question = str(item["question"])
            except (json.JSONDecodeError, KeyError, TypeError) as exc:
                print(
                    f"error: {args.batch}:{n}: not an object with a question ({exc})",
                    file=sys.stderr,
                )
                return 2
            out = {"id": item.get("id"), **responder.reply(question).to_json()}
            print(json.dumps(out, ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
