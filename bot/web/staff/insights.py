"""The Insights page's pure computations: grouping similar questions and laying out the day chart.

No I/O: the console passes in what the store returned and renders what comes back.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from bot.answer.text import STOP_WORDS
from bot.types import REPLY_KINDS

# Questions whose TF-IDF cosine to a group's centroid reaches this join the group. Tuned on
# paraphrases such as "Do you take Medicare?" / "Is Medicare accepted?" (about 0.65-0.8) against
# unrelated questions sharing one generic word such as "clinic" (below 0.3).
DEFAULT_THRESHOLD = 0.4

_WORD = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True)
class QuestionGroup:
    """Questions that ask the same thing in different words, most asked wording first."""

    label: str  # the most asked wording
    questions: tuple[tuple[str, int], ...]  # (wording, times asked), most asked first
    total: int  # times any wording of the group was asked


def _content_words(text: str) -> str:
    """Lower-cased words without stop words: "Do you take X?" and "X accepted?" meet."""
    return " ".join(w for w in _WORD.findall(text.lower()) if w not in STOP_WORDS)


def group_similar(
    questions: Iterable[tuple[str, int]], threshold: float = DEFAULT_THRESHOLD
) -> list[QuestionGroup]:
    """Greedily cluster (question, count) pairs by TF-IDF cosine, largest groups first.

    Character n-grams of the content words catch inflections ("park" / "parking") without a
    stemmer. Each question, most asked first, joins the group whose centroid is most similar if
    that similarity reaches `threshold`, else starts a new group; questions with no content
    words (e.g. "?") stay on their own.
    """
    merged: dict[str, tuple[str, int]] = {}
    for text, count in questions:
        text = " ".join(text.split())
        if not text:
            continue
        key = text.casefold()
        wording, seen = merged.get(key, (text, 0))
        merged[key] = (wording, seen + count)
    items = sorted(merged.values(), key=lambda item: (-item[1], item[0].casefold()))
    if not items:
        return []

    docs = [_content_words(text) for text, _ in items]
    vectors = np.zeros((len(items), 1))
    if any(docs):
        from sklearn.feature_extraction.text import TfidfVectorizer

        vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True)
        vectors = vectorizer.fit_transform(docs).toarray()

    members: list[list[int]] = []
    centroids: list[np.ndarray] = []
    for i, vector in enumerate(vectors):
        best, best_score = -1, threshold
        if docs[i]:
            for g, centroid in enumerate(centroids):
                norm = float(np.linalg.norm(centroid))
                score = float(vector @ centroid) / norm if norm else 0.0
                if score >= best_score:
                    best, best_score = g, score
        if best < 0:
            members.append([i])
            centroids.append(vector.copy())
        else:
            members[best].append(i)
            centroids[best] = centroids[best] + vector

    groups = [
        QuestionGroup(
            label=items[idx[0]][0],
            questions=tuple(items[i] for i in idx),
            total=sum(items[i][1] for i in idx),
        )
        for idx in members
    ]
    groups.sort(key=lambda g: (-g.total, g.label.casefold()))
    return groups


# --- the "replies per day by kind" chart -------------------------------------------------------


@dataclass(frozen=True)
class Segment:
    """One kind's part of one day's bar, in SVG user units."""

    kind: str
    count: int
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class DayBar:
    day: date
    total: int
    segments: tuple[Segment, ...]
    label_x: float  # centre of the bar, for the date label
    show_label: bool

    def count(self, kind: str) -> int:
        """Replies of `kind` that day."""
        return sum(s.count for s in self.segments if s.kind == kind)


@dataclass(frozen=True)
class DayChart:
    """A stacked bar per day, ready for the template to draw as an inline SVG."""

    width: int
    height: int
    plot_top: float
    plot_bottom: float
    plot_left: float
    kinds: tuple[str, ...]
    bars: tuple[DayBar, ...]
    ticks: tuple[tuple[int, float], ...]  # (value, y) of the horizontal grid lines
    max_total: int


def _nice_step(max_value: int, lines: int = 4) -> int:
    """A round grid step (1, 2, 5, 10, 20, ...) that gives about `lines` grid lines."""
    raw = max(1, max_value) / lines
    magnitude = 1
    while magnitude * 10 <= raw:
        magnitude *= 10
    for factor in (1, 2, 5, 10):
        if factor * magnitude >= raw:
            return factor * magnitude
    return 10 * magnitude


def day_chart(
    rows: Iterable[tuple[date, str, int]],
    end: date,
    days: int,
    kinds: Sequence[str] = REPLY_KINDS,
    width: int = 1080,
    height: int = 260,
) -> DayChart:
    """Lay out `days` stacked bars ending on `end` (days without replies get an empty bar)."""
    counts: dict[date, dict[str, int]] = {}
    for day, kind, count in rows:
        counts.setdefault(day, {}).setdefault(kind, 0)
        counts[day][kind] += count
    extra = sorted({k for per_day in counts.values() for k in per_day} - set(kinds))
    all_kinds = (*kinds, *extra)

    left, right, top, bottom = 40.0, 8.0, 10.0, 28.0
    plot_w, plot_h = width - left - right, height - top - bottom
    span = [end - timedelta(days=days - 1 - i) for i in range(days)]
    max_total = max((sum(counts.get(d, {}).values()) for d in span), default=0)
    step = _nice_step(max_total)
    scale_max = max(step, -(-max_total // step) * step)
    slot = plot_w / max(1, days)
    bar_w = max(2.0, slot * 0.7)
    label_every = max(1, -(-days // 10))  # at most about ten date labels

    bars = []
    for i, day in enumerate(span):
        x = left + i * slot + (slot - bar_w) / 2
        y = top + plot_h
        segments = []
        for kind in all_kinds:
            count = counts.get(day, {}).get(kind, 0)
            if not count:
                continue
            h = plot_h * count / scale_max
            y -= h
            segments.append(
                Segment(kind, count, round(x, 2), round(y, 2), round(bar_w, 2), round(h, 2))
            )
        bars.append(
            DayBar(
                day=day,
                total=sum(s.count for s in segments),
                segments=tuple(segments),
                label_x=round(x + bar_w / 2, 2),
                show_label=(days - 1 - i) % label_every == 0,
            )
        )
    ticks = tuple(
        (value, round(top + plot_h - plot_h * value / scale_max, 2))
        for value in range(0, scale_max + 1, step)
    )
    return DayChart(
        width=width,
        height=height,
        plot_top=top,
        plot_bottom=top + plot_h,
        plot_left=left,
        kinds=all_kinds,
        bars=tuple(bars),
        ticks=ticks,
        max_total=max_total,
    )
