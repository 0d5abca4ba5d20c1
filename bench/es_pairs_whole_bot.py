"""The Spanish answerability pairs through the whole bot (triage, gloss, retrieval, model).

    PYTHONPATH=. python bench/es_pairs_whole_bot.py [replies.jsonl]

Counts, among the pairs that triage sends to answering (an answer or a fallback), how many of
the answerable and of the unanswerable ones are answered; with a path, writes each reply there.
`bench/data/answerability-pairs-es.jsonl` is not used in training. PYTHONPATH=. makes the
checkout's `bot` the one imported (the shared venv may hold another checkout's).
"""

import json
import sys
from pathlib import Path

from bot.answer.pipeline import load_responder
from bot.settings import load_settings

PAIRS = Path("bench/data/answerability-pairs-es.jsonl")


def main() -> int:
    responder = load_responder(load_settings())
    rows = [json.loads(line) for line in PAIRS.read_text(encoding="utf-8").splitlines()]
    counts = {True: [0, 0], False: [0, 0]}  # answerable -> [sent to answering, answered]
    out = []
    for row in rows:
        reply = responder.reply(row["question"])
        if reply.kind not in ("answer", "fallback"):
            continue
        answerable = bool(row["answerable"])
        counts[answerable][0] += 1
        counts[answerable][1] += reply.kind == "answer"
        out.append({"answerable": answerable, "kind": reply.kind, "reply": reply.answer})
    yes, no = counts[True], counts[False]
    print(f"answerable answered {yes[1]}/{yes[0]}; unanswerable answered {no[1]}/{no[0]}")
    if len(sys.argv) > 1:
        with open(sys.argv[1], "w", encoding="utf-8") as f:
            for item in out:
                f.write(json.dumps(item, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
