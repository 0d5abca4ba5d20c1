"""The labelled exemplars the classifier learns from (bot/triage/data/*.jsonl), validated.

Format (one JSON object a line): {"text", "label", "sub", "lang", "tags"}; see data/README.md.
A bad line raises TriageDataError with the file and line, at training and at start-up.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from bot.triage.errors import TriageDataError

DATA_DIR = Path(__file__).parent / "data"

Label = Literal["emergency", "advice", "appointment", "question", "smalltalk", "offtopic"]
LABELS: tuple[Label, ...] = (
    "emergency",
    "advice",
    "appointment",
    "question",
    "smalltalk",
    "offtopic",
)


class Exemplar(BaseModel):
    """One labelled message."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    text: str
    label: Label
    sub: Literal["self_harm", "overdose_poisoning", "medical", ""] = ""
    lang: str = "en"
    tags: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _sub_matches_label(self) -> Exemplar:
        if not self.text.strip():
            raise ValueError("text is empty")
        if len(self.text) > 4000:
            raise ValueError("text is longer than 4000 characters")
        if self.label == "emergency" and not self.sub:
            raise ValueError("an emergency needs a sub: self_harm, overdose_poisoning or medical")
        if self.label != "emergency" and self.sub:
            raise ValueError(f"sub {self.sub!r} is only for label emergency")
        return self

    @property
    def target(self) -> str:
        """The classifier's class: the emergency sub-kind, or the label."""
        return f"emergency.{self.sub}" if self.label == "emergency" else self.label


def read_exemplars(path: Path) -> list[Exemplar]:
    """One file's exemplars; TriageDataError on the first bad line."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise TriageDataError(path, None, f"cannot read: {exc}") from exc
    found = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            found.append(Exemplar.model_validate(json.loads(line)))
        except json.JSONDecodeError as exc:
            raise TriageDataError(path, number, f"not JSON: {exc.msg}") from exc
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            reason = first["msg"].removeprefix("Value error, ")
            raise TriageDataError(path, number, f"{where}: {reason}" if where else reason) from exc
    return found


def exemplar_files(directory: Path | None = None) -> list[Path]:
    """The exemplar files, in a stable order."""
    return sorted((DATA_DIR if directory is None else directory).glob("*.jsonl"))


def load_exemplars(directory: Path | None = None) -> list[Exemplar]:
    """Every exemplar of every file in `directory`."""
    return [e for path in exemplar_files(directory) for e in read_exemplars(path)]


def data_hash(paths: Sequence[Path]) -> str:
    """A short hash of the exemplar files' bytes: part of the model's version."""
    digest = hashlib.sha256()
    for path in sorted(paths, key=lambda p: p.name):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]
