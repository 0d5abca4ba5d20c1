"""The learned layer: a linear model over hashed character and word n-grams, scored with numpy.

Features are character 3-5-grams inside word boundaries (robust to typos, slang and
accents) plus word unigrams and bigrams, hashed into a fixed space, counted sublinearly and
L2-normalised. `bot.triage.train` fits a logistic regression on them (scikit-learn, at build
time only) and writes the weights here as a small .npz; serving needs numpy alone.
"""

from __future__ import annotations

import hashlib
import inspect
import itertools
import json
import re
import zipfile
import zlib
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from bot.triage.embedding import EmbeddingLayer, load_layer
from bot.triage.errors import TriageDataError

MODEL_DIR = Path(__file__).parent / "model"
WEIGHTS_FILE = MODEL_DIR / "weights.npz"
META_FILE = MODEL_DIR / "model.json"
N_FEATURES = 1 << 18
CHAR_NGRAMS = (3, 5)

_WORD = re.compile(r"[\w']+|[^\w\s]")


def features(text: str) -> tuple[np.ndarray, np.ndarray]:
    """Hashed feature indices and their sublinear counts (1 + log n) for one normalised text."""
    words = [w for w in _WORD.findall(text) if w.strip("'")]
    counts: Counter[int] = Counter()
    lo, hi = CHAR_NGRAMS
    for word in words:
        padded = f" {word} "
        for n in range(lo, hi + 1):
            for i in range(max(1, len(padded) - n + 1)):
                counts[zlib.crc32(("c" + padded[i : i + n]).encode())] += 1
        counts[zlib.crc32(("w" + word).encode())] += 1
    for first, second in itertools.pairwise(words):
        counts[zlib.crc32(f"b{first} {second}".encode())] += 1
    if not counts:
        return np.zeros(0, np.int64), np.zeros(0, np.float32)
    index = np.fromiter((k % N_FEATURES for k in counts), np.int64, len(counts))
    value = 1.0 + np.log(np.fromiter(counts.values(), np.float32, len(counts)))
    # Collisions after the modulo: add their weights up.
    index, inverse = np.unique(index, return_inverse=True)
    value = np.bincount(inverse, weights=value).astype(np.float32)
    return index, value


def weigh(index: np.ndarray, counts: np.ndarray, idf: np.ndarray) -> np.ndarray:
    """Counts times inverse document frequency, L2-normalised. The IDF keeps frequent n-grams
    ("and", "my") from carrying a message's class: without it they stood for long narratives,
    which are mostly emergencies, and short ordinary questions were read as emergencies."""
    value = counts * idf[index]
    norm = np.linalg.norm(value)
    return value / norm if norm else value


def feature_code_hash() -> str:
    """A hash of the feature code: a model trained on other features must not be loaded."""
    source = inspect.getsource(features) + inspect.getsource(weigh)
    source += repr((N_FEATURES, CHAR_NGRAMS, _WORD.pattern))
    return hashlib.sha256(source.encode()).hexdigest()[:16]


def softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise softmax."""
    z = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return z / z.sum(axis=-1, keepdims=True)


@dataclass(frozen=True)
class Model:
    """Two heads over one feature space: the kind (emergency, advice, appointment, question,
    smalltalk, offtopic) and, for an emergency, its sub-kind. One emergency class in the kind
    head keeps an uninformative message ("ty") from summing three emergency shares."""

    classes: tuple[str, ...]  # kind classes, then "sub:<sub-kind>" classes
    weights: np.ndarray  # dense (N_FEATURES, n_classes) float32, built from the stored rows
    bias: np.ndarray
    idf: np.ndarray  # (N_FEATURES,) float32
    emergency_threshold: float
    meta: dict
    embedding: EmbeddingLayer | None = None  # the gate over the question's vector (embedding.py)
    # The emergency threshold's multiplier for languages other than English and Spanish, chosen
    # out of fold by `bot.triage.train` (model.json "other_language_factor"); 1.0: no lowering.
    other_language_factor: float = 1.0
    # Appointment's share of appointment + question below which an unsure hand-off is answered as
    # a question instead (model.json "appointment_gate", chosen out of fold); 0.0: never.
    appointment_gate: float = 0.0

    @property
    def n_kinds(self) -> int:
        return sum(not c.startswith("sub:") for c in self.classes)

    def probabilities(self, text: str) -> dict[str, float]:
        """Class probabilities for one normalised text: "emergency.<sub>" for the emergency
        share split by sub-kind, and the other kinds."""
        index, counts = features(text)
        value = weigh(index, counts, self.idf)
        logits = self.bias + value @ self.weights[index] if len(index) else self.bias.copy()
        return combine(self.classes, self.n_kinds, logits)


def combine(classes: tuple[str, ...], n_kinds: int, logits: np.ndarray) -> dict[str, float]:
    """The two heads' logits as one distribution (emergency split by its sub-kind)."""
    kinds, subs = softmax(logits[:n_kinds]), softmax(logits[n_kinds:])
    out: dict[str, float] = {}
    for c, p in zip(classes[:n_kinds], kinds, strict=True):
        if c == "emergency":
            for s, q in zip(classes[n_kinds:], subs, strict=True):
                out[f"emergency.{s.removeprefix('sub:')}"] = float(p * q)
        else:
            out[c] = float(p)
    return out


def save_model(
    directory: Path,
    classes: list[str],
    coef: np.ndarray,
    bias: np.ndarray,
    idf: np.ndarray,
    meta: dict,
) -> None:
    """Write the weights (only the rows a feature ever set) and the metadata."""
    directory.mkdir(parents=True, exist_ok=True)
    rows = np.flatnonzero(np.abs(coef).sum(axis=0) > 0)
    np.savez_compressed(
        directory / WEIGHTS_FILE.name,
        rows=rows.astype(np.int32),
        weights=coef[:, rows].T.astype(np.float16),
        bias=bias.astype(np.float32),
        idf=idf.astype(np.float16),
    )
    meta = {**meta, "classes": classes, "feature_code": feature_code_hash()}
    (directory / META_FILE.name).write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n")


def load_model(directory: Path | None = None) -> Model:
    """Read the committed model; TriageDataError if it is missing, damaged or stale."""
    directory = MODEL_DIR if directory is None else directory
    meta_path, weights_path = directory / META_FILE.name, directory / WEIGHTS_FILE.name
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        stored = np.load(weights_path)
        rows, rows_weights, bias = stored["rows"], stored["weights"], stored["bias"]
        idf = stored["idf"].astype(np.float32)
    except FileNotFoundError as exc:
        raise TriageDataError(exc.filename, None, "missing: run `make triage-model`") from exc
    except (OSError, ValueError, KeyError, zipfile.BadZipFile) as exc:
        raise TriageDataError(weights_path, None, f"unreadable model: {exc}") from exc
    if meta.get("feature_code") != feature_code_hash():
        raise TriageDataError(
            meta_path,
            None,
            "trained on other features than bot/triage/classifier.py computes: "
            "run `make triage-model`",
        )
    classes = tuple(meta["classes"])
    shapes_ok = rows_weights.shape == (len(rows), len(classes)) and bias.shape == (len(classes),)
    if not shapes_ok or idf.shape != (N_FEATURES,):
        raise TriageDataError(weights_path, None, "weights do not match the classes in model.json")
    weights = np.zeros((N_FEATURES, len(classes)), np.float32)
    weights[rows] = rows_weights.astype(np.float32)
    layer = load_layer(directory, meta.get("embedding"))
    factor = other_language_factor(meta_path, meta)
    gate = appointment_gate(meta_path, meta)
    threshold = float(meta["emergency_threshold"])
    return Model(classes, weights, bias, idf, threshold, meta, layer, factor, gate)


def other_language_factor(meta_path: Path, meta: dict) -> float:
    """model.json's "other_language_factor", checked: a number in (0, 1], because a factor above
    one would make other languages harder to raise as an emergency than English."""
    value = meta.get("other_language_factor")
    if value is None:
        raise TriageDataError(meta_path, None, "no other_language_factor: run `make triage-model`")
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 1:
        raise TriageDataError(
            meta_path, None, f"other_language_factor {value!r} is not a number in (0, 1]"
        )
    return float(value)


def appointment_gate(meta_path: Path, meta: dict) -> float:
    """model.json's "appointment_gate", checked: a number in [0, 1), because at 1 or above no
    appointment the classifier found would ever be handed off (only the rules would)."""
    value = meta.get("appointment_gate")
    if value is None:
        raise TriageDataError(meta_path, None, "no appointment_gate: run `make triage-model`")
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value < 1:
        raise TriageDataError(
            meta_path, None, f"appointment_gate {value!r} is not a number in [0, 1)"
        )
    return float(value)


@lru_cache(maxsize=1)
def default_model() -> Model:
    """The committed model, loaded once per process."""
    return load_model()
