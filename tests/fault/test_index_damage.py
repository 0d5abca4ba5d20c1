"""Damaged or missing index files: a named error, or the previous version served; never a
wrong answer.

An index with two published versions (knowledge/, then knowledge/ plus one page) is built once
with the hashing embedder. Each row of DAMAGES breaks one file of a version the way a disk, a
half-finished copy or a stray editor would. Two properties are checked per row: opening the
damaged version gives an IndexLoadError that names it, or answers exactly as the healthy copy
does; and a running app whose CURRENT moves to the damaged version keeps the previous one.
"""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.answer.pipeline import Responder
from bot.embed import HashingEmbedder
from bot.index import CURRENT, VERSIONS, IndexLoadError, IndexWatcher, open_index
from bot.ingest.pipeline import publish
from bot.settings import PROJECT_ROOT, Settings
from tests.ingest.helpers import strip_sentences
from tests.support.servers import free_port

from .gradio_queue import GradioQueue

QUESTIONS = (
    "Does ketamine work for migraines?",
    "What are the ways ketamine can be given for migraines?",
    "Does insurance cover Spravato?",
    "What is a classic migraine?",
    "Is ketamine an anesthetic?",
    "Is parking free for visitors?",
)
EXTRA_PAGE = "---\ntitle: Visiting us\n---\n\n# Parking\n\nParking is free for all visitors.\n"


@dataclass(frozen=True)
class Built:
    index: Path
    old: str  # the first version
    new: str  # the second (CURRENT)
    answers: dict[
        str, tuple[tuple[str, str], ...]
    ]  # version -> healthy (kind, answer) per question


def replies(index_dir: Path) -> tuple[tuple[str, str], ...]:
    responder = Responder(IndexWatcher(index_dir), HashingEmbedder(), Settings(index_dir=index_dir))
    return tuple((r.kind, r.answer) for r in map(responder.reply, QUESTIONS))


def set_current(index_dir: Path, version: str) -> None:
    tmp = index_dir / "CURRENT.test"
    tmp.write_text(version + "\n", encoding="utf-8")
    os.replace(tmp, index_dir / CURRENT)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    root = tmp_path_factory.mktemp("damage")
    knowledge = root / "knowledge"
    shutil.copytree(PROJECT_ROOT / "knowledge", knowledge)
    settings = Settings(data_dir=root, knowledge_dir=knowledge, index_dir=root / "index")
    old = publish(settings, HashingEmbedder(), progress=False).version
    (knowledge / "visiting.md").write_text(EXTRA_PAGE, encoding="utf-8")
    new = publish(settings, HashingEmbedder(), progress=False).version
    assert old and new and old != new
    index = settings.resolved_index_dir
    answers = {new: replies(index)}
    set_current(index, old)
    answers[old] = replies(index)
    set_current(index, new)
    return Built(index, old, new, answers)


def garble(path: Path, start: float, length: int) -> None:
    data = bytearray(path.read_bytes())
    first = int(len(data) * start)
    rng = random.Random(path.name)
    for i in range(first, min(len(data), first + length)):
        data[i] = rng.randrange(256)
    path.write_bytes(bytes(data))


def flip_a_letter_in_the_text(path: Path) -> None:
    """A same-size, still valid change: 'migraine' becomes 'migrains' everywhere."""
    text = path.read_text(encoding="utf-8")
    assert "migraine" in text
    path.write_text(text.replace("migraine", "migrains"), encoding="utf-8")


def shift_a_span(path: Path) -> None:
    """A same-size, still valid change: the first sentence of a chunk starts one later."""
    text = path.read_text(encoding="utf-8")
    assert "[[0, " in text
    path.write_text(text.replace("[[0, ", "[[1, ", 1), encoding="utf-8")


def hnsw(version: Path, name: str) -> Path:
    return next((version / "chroma").rglob(name))


Damage = Callable[[Path], None]
DAMAGES: list[Any] = [
    pytest.param(lambda v: shutil.rmtree(v), id="version-dir-missing"),
    pytest.param(lambda v: (v / "manifest.json").unlink(), id="manifest-missing"),
    pytest.param(lambda v: garble(v / "manifest.json", 0.1, 100), id="manifest-garbled"),
    pytest.param(lambda v: (v / "manifest.json").write_text("{}"), id="manifest-empty-object"),
    pytest.param(lambda v: (v / "chunks.jsonl").unlink(), id="chunks-missing"),
    pytest.param(lambda v: os.truncate(v / "chunks.jsonl", 1000), id="chunks-truncated"),
    pytest.param(lambda v: garble(v / "chunks.jsonl", 0.3, 300), id="chunks-garbled"),
    pytest.param(lambda v: garble(v / "pages.jsonl", 0.3, 300), id="pages-garbled"),
    pytest.param(lambda v: (v / "chroma" / "chroma.sqlite3").unlink(), id="chroma-db-missing"),
    pytest.param(lambda v: hnsw(v, "data_level0.bin").unlink(), id="hnsw-missing"),
    pytest.param(lambda v: garble(hnsw(v, "data_level0.bin"), 0.1, 10**6), id="hnsw-garbled"),
    pytest.param(lambda v: os.truncate(hnsw(v, "data_level0.bin"), 100), id="hnsw-truncated"),
    pytest.param(lambda v: garble(hnsw(v, "header.bin"), 0.0, 50), id="hnsw-header-garbled"),
    pytest.param(
        lambda v: garble(v / "chroma" / "chroma.sqlite3", 0.0, 100),
        id="chroma-db-header-garbled",
    ),
    pytest.param(
        lambda v: os.truncate(v / "chroma" / "chroma.sqlite3", 8192),
        id="chroma-db-truncated",
    ),
    pytest.param(lambda v: garble(v / "chroma" / "chroma.sqlite3", 0.5, 4096), id="chroma-db-body"),
    pytest.param(
        lambda v: flip_a_letter_in_the_text(v / "chunks.jsonl"),
        id="chunks-same-size-edit",
    ),
    pytest.param(lambda v: (v / "sentences.jsonl").unlink(), id="sentences-missing"),
    pytest.param(lambda v: garble(v / "sentences.jsonl", 0.3, 300), id="sentences-garbled"),
    pytest.param(lambda v: shift_a_span(v / "sentences.jsonl"), id="sentences-same-size-edit"),
    pytest.param(lambda v: (v / "sentence_vectors.npy").unlink(), id="sentence-vectors-missing"),
    pytest.param(
        lambda v: os.truncate(v / "sentence_vectors.npy", 200), id="sentence-vectors-truncated"
    ),
    pytest.param(
        lambda v: garble(v / "sentence_vectors.npy", 0.5, 64), id="sentence-vectors-garbled"
    ),
    # Not damage but age: a version published before ingest stored sentence vectors must load
    # and answer exactly as the same version with them (sentences embedded per question).
    pytest.param(strip_sentences, id="published-before-sentence-vectors"),
]


@pytest.fixture
def copy(built: Built, tmp_path: Path) -> Path:
    index = tmp_path / "index"
    shutil.copytree(built.index, index)
    return index


@pytest.mark.parametrize("damage", DAMAGES)
def test_a_damaged_version_is_refused_by_name_or_answers_as_before(
    built: Built, copy: Path, damage: Damage
) -> None:
    damage(copy / VERSIONS / built.new)
    try:
        got = replies(copy)
    except IndexLoadError as exc:
        assert built.new in str(exc) and str(copy) in str(exc)
        assert "ingest.py" in str(exc) or "damaged" in str(exc) or "unreadable" in str(exc)
        return
    assert got == built.answers[built.new], "the damaged version answered differently"


@pytest.mark.parametrize("damage", DAMAGES)
def test_a_running_app_keeps_the_previous_version_when_the_new_one_is_damaged(
    built: Built, copy: Path, damage: Damage
) -> None:
    set_current(copy, built.old)
    watcher = IndexWatcher(copy)
    responder = Responder(watcher, HashingEmbedder(), Settings(index_dir=copy))
    assert watcher.current().version == built.old

    damage(copy / VERSIONS / built.new)
    set_current(copy, built.new)
    time.sleep(0.01)  # a new mtime for CURRENT even on coarse clocks

    served = tuple((r.kind, r.answer) for r in map(responder.reply, QUESTIONS))
    if watcher.current().version == built.old:
        assert served == built.answers[built.old]
    else:  # it loaded after all: then it must answer exactly like the healthy new version
        assert served == built.answers[built.new]


@pytest.mark.parametrize("text", ["", "garbage\n", "../../etc/passwd\n", "\x00" * 30])
def test_a_garbled_current_file_keeps_the_served_version(
    built: Built, copy: Path, text: str
) -> None:
    watcher = IndexWatcher(copy)
    assert watcher.current().version == built.new
    (copy / CURRENT).write_text(text, encoding="utf-8")
    assert watcher.current().version == built.new
    with pytest.raises(IndexLoadError, match=r"CURRENT|nothing published"):
        open_index(copy)


# --- the app's start-up -----------------------------------------------------------------------


@dataclass
class Started:
    """`python app.py` on a damaged index: it either exited (with its output) or is serving."""

    proc: subprocess.Popen[str]
    url: str
    version: str
    output: str = ""

    @property
    def exited(self) -> bool:
        return self.proc.poll() is not None


@pytest.fixture(scope="module")
def app_on_damaged_index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Started]:
    """knowledge/ indexed with the real model, its chunks.jsonl garbled, then app.py started."""
    from bot.settings import offline_environment

    offline_environment()
    root = tmp_path_factory.mktemp("app-damage")
    settings = Settings(data_dir=root, knowledge_dir=PROJECT_ROOT / "knowledge")
    assert publish(settings, progress=False).version
    index = settings.resolved_index_dir
    version = (index / CURRENT).read_text().strip()
    garble(index / VERSIONS / version / "chunks.jsonl", 0.3, 300)
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "app.py", "--index", str(index), "--port", str(port)],
        cwd=PROJECT_ROOT,
        env={**os.environ, "CLINICBOT_DATA_DIR": str(root / "data")},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    started = Started(proc, f"http://127.0.0.1:{port}", version)
    deadline = time.monotonic() + 180
    while not started.exited and time.monotonic() < deadline:
        try:
            if httpx.get(started.url + "/healthz", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.3)
    if started.exited:
        started.output = proc.communicate()[0]
    yield started
    if not started.exited:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.mark.model
def test_app_refuses_to_start_on_a_damaged_index_with_one_clear_line(
    app_on_damaged_index: Started,
) -> None:
    started = app_on_damaged_index
    assert started.exited, "app.py started serving on a damaged index"
    assert started.proc.returncode != 0
    assert "app: cannot start" in started.output and started.version in started.output


@pytest.mark.model
def test_app_on_a_damaged_index_never_answers_wrongly(app_on_damaged_index: Started) -> None:
    """Whatever start-up does, no visitor gets an answer from a damaged version."""
    started = app_on_damaged_index
    if started.exited:
        assert started.proc.returncode != 0  # refused to start: the better outcome
        return
    assert httpx.get(started.url + "/readyz", timeout=10).status_code == 503
    with GradioQueue(started.url) as queue:
        reply = queue.run("ask", ["Does ketamine work for migraines?"])[0]
        # Safety runs before retrieval: emergencies still get 911 without an index.
        emergency = queue.run("ask", ["I want to kill myself"])[0]
    assert reply["kind"] == "error" and "Sorry" in reply["answer"], reply
    assert emergency["kind"] == "emergency" and "911" in emergency["answer"]
