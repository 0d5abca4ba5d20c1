"""Published index versions are immutable, byte for byte: serving them (the app answering 100
questions, `python -m bot.ask`) and publishing the next version from them change no file in
them, and add none. Versions published before vectors.npy and the ONNX encoder still load."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from bot.index import VERSIONS, open_index, read_current
from bot.settings import PROJECT_ROOT, Settings
from tests.support.servers import free_port

pytestmark = [pytest.mark.slow, pytest.mark.model, pytest.mark.timeout(600)]

# Our own wording, not the dev sets'.
QUESTIONS = [
    "Can ketamine treat my migraine headaches?",
    "how does ketamine stop the pain signals",
    "Is there a ketamine nasal spray for migraine?",
    "What kinds of migraine are there?",
    "what other conditions is ketamine infusion used for",
    "Do triptans always work for migraine?",
    "Was ketamine first approved as an anesthetic?",
    "What symptoms come with a migraine attack?",
    "Does one infusion reduce how often migraines come?",
    "What is the capital of Peru?",
]


def fingerprint(folder: Path) -> dict[str, str]:
    """sha256 of every file under `folder`, by relative path (new files show up too)."""
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def index_copy(shipped_index_dir: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "index"
    shutil.copytree(shipped_index_dir, copy)
    return copy


def served_version(index_dir: Path) -> Path:
    return index_dir / VERSIONS / str(read_current(index_dir))


def ask_app_100_questions(index_dir: Path, workdir: Path) -> list[str]:
    """Start `python app.py` on the index, ask 100 questions over HTTP, stop it."""
    from gradio_client import Client

    port = free_port()
    env = {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "CLINICBOT_DATA_DIR": str(workdir),
        "CLINICBOT_RATE_LIMIT_PER_MINUTE": "100000",
    }
    cmd = [sys.executable, "app.py", "--index", str(index_dir), "--port", str(port)]
    cmd += ["--database-url", f"sqlite:///{workdir / 'clinic.sqlite3'}"]
    proc = subprocess.Popen(
        cmd, cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    kinds = []
    try:
        deadline = time.monotonic() + 240
        while proc.poll() is None and time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.3)
        assert proc.poll() is None, "app.py exited"
        client = Client(f"http://127.0.0.1:{port}", verbose=False)
        for n in range(100):
            reply = client.predict(QUESTIONS[n % len(QUESTIONS)], api_name="/ask")
            kinds.append(reply["kind"])
        client.close()
    finally:
        proc.send_signal(signal.SIGTERM)
        output, _ = proc.communicate(timeout=60)
    assert len(kinds) == 100, output[-3000:]
    return kinds


def test_serving_a_version_changes_none_of_its_files(index_copy: Path, tmp_path: Path) -> None:
    version = served_version(index_copy)
    before = fingerprint(version)
    (tmp_path / "app").mkdir()

    kinds = ask_app_100_questions(index_copy, tmp_path / "app")
    done = subprocess.run(
        [sys.executable, "-m", "bot.ask", "--index", str(index_copy), "--json", QUESTIONS[0]],
        cwd=PROJECT_ROOT,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert done.returncode == 0, done.stderr[-2000:]
    assert "answer" in kinds and json.loads(done.stdout)["kind"] == "answer"
    assert fingerprint(version) == before


def make_old_format(version_dir: Path) -> None:
    """Turn a version into one published before vectors.npy and the encoder were stored."""
    manifest = json.loads((version_dir / "manifest.json").read_text())
    manifest["records"].pop("vectors.npy")
    manifest.pop("encoder")
    (version_dir / "vectors.npy").unlink()
    shutil.rmtree(version_dir / "encoder")
    (version_dir / "manifest.json").write_text(json.dumps(manifest))


def test_an_older_version_without_vectors_or_encoder_is_served_unchanged(
    index_copy: Path, shipped_index_dir: Path, real_embedder
) -> None:
    from bot.answer.pipeline import load_responder

    version = served_version(index_copy)
    make_old_format(version)
    before = fingerprint(version)

    old = open_index(index_copy)
    new = open_index(shipped_index_dir)
    responder = load_responder(Settings(index_dir=index_copy))
    kinds = [responder.reply(q).kind for q in QUESTIONS]

    for question in QUESTIONS:  # the same nearest chunks as the version that stores them
        vector = real_embedder.embed([question])[0]
        assert [c for c, _ in old.dense_search(vector, 5)] == [
            c for c, _ in new.dense_search(vector, 5)
        ]
    assert type(old.query_encoder()).__name__ == "SentenceTransformerEmbedder"
    assert "answer" in kinds
    assert fingerprint(version) == before


def test_publishing_the_next_version_leaves_the_served_one_unchanged(
    index_copy: Path, tmp_path: Path, real_embedder
) -> None:
    from bot.ingest import publish

    knowledge = tmp_path / "knowledge"
    shutil.copytree(PROJECT_ROOT / "knowledge", knowledge)
    page = next(knowledge.glob("*.md"))
    page.write_text(page.read_text() + "\n\nWe are closed on public holidays.\n")
    version = served_version(index_copy)
    before = fingerprint(version)

    report = publish(
        Settings(knowledge_dir=knowledge, index_dir=index_copy), real_embedder, progress=False
    )

    assert report.new_version and report.chunks_embedded >= 1
    assert fingerprint(version) == before
