"""`clinicbot-ingest` (or `python ingest.py`): publish the pages as the index the chat answers.

    clinicbot-ingest [--knowledge DIR] [--index DIR] [--dry-run] [--rebuild] [--rollback]
                     [--keep-going] [--json]

Exit status: 0 on success; 1 when a page file is bad (one `path: reason` line each, the served
index unchanged) or the run cannot go on (the reason on one line).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from bot.settings import Settings, offline_environment


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="clinicbot-ingest", description="Publish knowledge/ as a new index version."
    )
    parser.add_argument(
        "--knowledge", type=Path, metavar="DIR", help="pages to ingest (default: knowledge/)"
    )
    parser.add_argument(
        "--index", type=Path, metavar="DIR", help="index directory (default: data/index)"
    )
    parser.add_argument("--dry-run", action="store_true", help="print the report, write nothing")
    parser.add_argument(
        "--rebuild", action="store_true", help="re-embed every chunk into a fresh version"
    )
    parser.add_argument("--rollback", action="store_true", help="serve the previous version again")
    parser.add_argument(
        "--keep-going",
        action="store_true",
        help="publish despite bad files; a bad page keeps its last published content (exit 1)",
    )
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    # Tests: a fast deterministic embedder instead of the model (never for real indexes).
    parser.add_argument("--hashing-embedder", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    offline_environment()
    settings = Settings()
    updates = {"knowledge_dir": args.knowledge, "index_dir": args.index}
    settings = settings.model_copy(update={k: v for k, v in updates.items() if v is not None})

    from bot.index import IndexLoadError
    from bot.ingest import IngestError, plan, publish, rollback

    embedder = None
    if args.hashing_embedder:
        from bot.embed import HashingEmbedder

        embedder = HashingEmbedder()
    try:
        if args.rollback:
            version = rollback(settings)
            print(f"rolled back: serving {version}")
            return 0
        if args.dry_run:
            report = plan(settings, embedder, rebuild=args.rebuild, keep_going=args.keep_going)
        else:
            report = publish(
                settings,
                embedder,
                progress=not args.json,
                rebuild=args.rebuild,
                keep_going=args.keep_going,
            )
    except (IngestError, IndexLoadError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for bad in report.bad_files:
        print(bad, file=sys.stderr)
    if args.json:
        print(json.dumps(report.to_json(), indent=1))
    else:
        print("\n".join(report.lines()))
    return 0 if report.ok else 1


def run() -> int:
    """The command line: library chatter to the log file, the report and progress on screen.

    Not with `--json`, whose output is read by programs. `main` alone leaves logging as it
    is, for callers (and tests) that own it.
    """
    if "--json" in sys.argv[1:]:
        return main()
    from bot import quiet

    log_file = quiet.configure(Settings().data_dir)
    status = main()
    print(f"log: {log_file}")
    return status


if __name__ == "__main__":
    sys.exit(run())
