"""`python -m bot.triage.decontaminate`: exemplars that come too close to an eval-set message.

The figures mean something only if no exemplar copies or lightly rewrites a message of
../shared/eval/: the dev sets measure wording nobody here wrote. "Too close" is the measure the
folds already use for near-duplicates (`train.NEAR_DUPLICATE`): cosine of the normalised texts'
character and word n-gram vectors. Exit status 1 when any exemplar is that close.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bot.settings import PROJECT_ROOT
from bot.triage.exemplars import exemplar_files, read_exemplars
from bot.triage.normalise import normalise
from bot.triage.train import NEAR_DUPLICATE, matrix

EVAL_DIR = PROJECT_ROOT.parent / "shared" / "eval"


@dataclass(frozen=True)
class NearCopy:
    """An exemplar and the eval-set message it comes closest to."""

    exemplar: str
    source: str  # "file:line" of the exemplar
    eval_text: str
    similarity: float


def eval_messages(directory: Path = EVAL_DIR) -> list[str]:
    """Every visitor message of the eval sets in `directory`, or of the one set it names (the
    "question" of each line). A path that holds no set is an error, not an empty list: a check
    against nothing would pass whatever the exemplars say."""
    paths = [directory] if directory.is_file() else sorted(directory.glob("*.jsonl"))
    if not paths:
        raise FileNotFoundError(f"no eval set (*.jsonl) at {directory}")
    texts = []
    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                text = json.loads(line).get("question")
                if isinstance(text, str) and text.strip():
                    texts.append(text)
    return texts


def _nearest(texts: Sequence[str], others: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """For each of `texts`: its best n-gram cosine to `others`, and the index of that text."""
    from sklearn.preprocessing import normalize

    a = normalize(matrix([normalise(text) for text in texts]))
    b = normalize(matrix([normalise(text) for text in others]))
    sim = (a @ b.T).tocsr()
    return sim.max(axis=1).toarray().ravel(), np.asarray(sim.argmax(axis=1)).ravel()


def near_copies(
    exemplars: Sequence[tuple[str, str]],
    eval_texts: Sequence[str],
    threshold: float = NEAR_DUPLICATE,
) -> list[NearCopy]:
    """The (text, source) exemplars whose n-gram cosine to some eval text reaches `threshold`."""
    if not exemplars or not eval_texts:
        return []
    best, nearest = _nearest([text for text, _ in exemplars], eval_texts)
    return [
        NearCopy(exemplars[i][0], exemplars[i][1], eval_texts[nearest[i]], float(best[i]))
        for i in np.flatnonzero(best >= threshold)
    ]


def close_to_any(
    texts: Sequence[str], others: Sequence[str], threshold: float = NEAR_DUPLICATE
) -> list[bool]:
    """For each of `texts`, whether some text of `others` is within the near-duplicate cosine:
    an eval message an exemplar (nearly) copies measures remembered wording, not new wording."""
    if not texts or not others:
        return [False] * len(texts)
    return [bool(value >= threshold) for value in _nearest(texts, others)[0]]


def exemplar_lines(paths: Sequence[Path]) -> list[tuple[str, str]]:
    """(text, "file:line") of every exemplar in `paths`."""
    found = []
    for path in paths:
        numbers = [
            n
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
            if line.strip()
        ]
        for number, e in zip(numbers, read_exemplars(path), strict=True):
            found.append((e.text, f"{path.name}:{number}"))
    return found


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.triage.decontaminate", description=__doc__)
    parser.add_argument("files", nargs="*", type=Path, help="exemplar files (default: all)")
    parser.add_argument(
        "--eval", type=Path, default=EVAL_DIR, help="an eval set, or a folder of them"
    )
    parser.add_argument("--threshold", type=float, default=NEAR_DUPLICATE)
    args = parser.parse_args(argv)

    try:
        messages = eval_messages(args.eval)
    except FileNotFoundError as exc:
        print(f"decontaminate: {exc}", file=sys.stderr)
        return 2
    found = near_copies(exemplar_lines(args.files or exemplar_files()), messages, args.threshold)
    for copy in found:
        print(f"{copy.source} {copy.similarity:.2f} {copy.exemplar!r} ~ {copy.eval_text!r}")
    print(f"{len(found)} exemplar(s) at or above {args.threshold} similarity", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
