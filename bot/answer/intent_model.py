"""The learned `asks` layer: which kind of information a question asks for, read from its vector.

The `asks` patterns of `data/intents.json` are lists; a wording they do not know ("what's one
session run me", "r there any downsides") leaves the question to the similarity model alone.
Beside them, a multinomial logistic regression over the question's all-MiniLM-L6-v2 vector (the
one retrieval has already made: no second encoding) gives P(intent) for every intent of the
table and for "none" (a question about a topic, asking for no particular kind of information);
`focus.asked` adds an intent whose probability reaches the threshold chosen by cross-validation
on the examples for high precision, since a false "asks for the cost" makes the bot decline.

Examples: `data/intent-examples.jsonl` ({"text", "intent"}, written from the intent definitions,
never from an eval set); trained by `make intent-model` (bench/train_intents.py, scikit-learn);
weights in `data/intent-model.npz`, scored here with numpy only.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

DATA = Path(__file__).with_name("data")
EXAMPLES_FILE = DATA / "intent-examples.jsonl"
MODEL_FILE = DATA / "intent-model.npz"
NONE = "none"  # the class of questions that ask for no particular kind of information


class IntentDataError(ValueError):
    """An intent examples file or model file that cannot be used; says where and why."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


@dataclass(frozen=True)
class Example:
    """One written question and the intent it asks for (`NONE`: a plain topic question)."""

    text: str
    intent: str


def read_examples(path: Path, names: frozenset[str]) -> list[Example]:
    """The examples of a JSONL file, each intent one of `names` or "none"; a malformed line,
    an unknown intent or a question written twice stops with the line number."""
    examples: list[Example] = []
    seen: dict[str, int] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        where = f"line {number}"
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise IntentDataError(path, f"{where}: not JSON ({exc.msg})") from exc
        if not isinstance(row, dict) or set(row) != {"text", "intent"}:
            raise IntentDataError(path, f'{where}: want an object with "text" and "intent" only')
        text, intent = row["text"], row["intent"]
        if not isinstance(text, str) or not text.strip():
            raise IntentDataError(path, f"{where}: empty text")
        if intent != NONE and intent not in names:
            raise IntentDataError(path, f"{where}: unknown intent {intent!r}")
        key = " ".join(text.lower().split())
        if key in seen:
            raise IntentDataError(path, f"{where}: the same question as line {seen[key]}")
        seen[key] = number
        examples.append(Example(text, intent))
    return examples


@dataclass(frozen=True)
class IntentModel:
    """Softmax over the classes (the table's intents and "none") of a linear map of the vector."""

    encoder: str  # the embedding model the vectors must come from
    classes: tuple[str, ...]
    coef: np.ndarray  # (classes, dimension)
    intercept: np.ndarray  # (classes,)
    threshold: float  # an intent is asked when its probability reaches this

    def probabilities(self, vector: np.ndarray) -> dict[str, float]:
        """Class probabilities for one unit-length question vector."""
        logits = self.coef @ vector.astype(np.float64) + self.intercept
        z = np.exp(logits - logits.max())
        return dict(zip(self.classes, (z / z.sum()).tolist(), strict=True))

    def asked(self, vector: np.ndarray) -> frozenset[str]:
        """The intents (never "none") whose probability reaches the threshold."""
        if vector.shape != (self.coef.shape[1],):
            return frozenset()
        p = self.probabilities(vector)
        return frozenset(c for c, v in p.items() if c != NONE and v >= self.threshold)


def save(path: Path, model: IntentModel) -> None:
    np.savez_compressed(
        path,
        encoder=np.array(model.encoder),
        classes=np.array(model.classes),
        coef=model.coef.astype(np.float32),
        intercept=model.intercept.astype(np.float32),
        threshold=np.array(model.threshold),
    )


def load(path: Path, names: frozenset[str]) -> IntentModel:
    """The model of `path`; its intents must be those of the table (`names`) and "none"."""
    try:
        with np.load(path, allow_pickle=False) as data:
            model = IntentModel(
                str(data["encoder"]),
                tuple(str(c) for c in data["classes"]),
                data["coef"].astype(np.float64),
                data["intercept"].astype(np.float64),
                float(data["threshold"]),
            )
    except (OSError, KeyError, ValueError) as exc:
        raise IntentDataError(path, f"not an intent model ({exc})") from exc
    if set(model.classes) != names | {NONE}:
        raise IntentDataError(
            path, f"trained on other intents {sorted(model.classes)}: run make intent-model"
        )
    if model.coef.shape[0] != len(model.classes) or model.intercept.shape != (len(model.classes),):
        raise IntentDataError(path, "weights do not match the classes")
    return model


@lru_cache(maxsize=1)
def shipped() -> IntentModel | None:
    """The model made by `make intent-model`, read once; None when none was made."""
    from bot.answer import focus

    if not MODEL_FILE.exists():
        return None
    return load(MODEL_FILE, frozenset(i.name for i in focus.intents()))


def reads(encoder: str) -> bool:
    """Whether the shipped model reads vectors of this encoder (pass it only those)."""
    model = shipped()
    return model is not None and model.encoder == encoder


def learned(vector: np.ndarray | None) -> frozenset[str]:
    """The intents the shipped model finds asked in a question vector (none without one)."""
    model = shipped()
    if vector is None or model is None:
        return frozenset()
    return model.asked(vector)
