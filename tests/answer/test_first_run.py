"""A fresh checkout: `bot.ask` and `bot.eval` build the configured index on first use, as the app.

The command-line runs use a small real knowledge directory and the real model, with the index
placed in a temporary data directory through the CLINICBOT_* environment (never data/).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.embed import HashingEmbedder
from bot.index import read_current
from bot.ingest.first_run import FirstIngestFailed, ensure_index
from bot.settings import Settings
from tests.support.commands import run_command

PAGE = (
    "---\ntitle: Visiting the clinic\n---\n\n# Visiting the clinic\n\n"
    "Our clinic is open on weekdays from 9 am to 5 pm.\n\n"
    "Parking is free in the lot behind the building.\n"
)


def knowledge_dir(tmp_path: Path) -> Path:
    knowledge = tmp_path / "knowledge"
    knowledge.mkdir()
    (knowledge / "visiting.md").write_text(PAGE, encoding="utf-8")
    return knowledge


def run(args: list[str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "CLINICBOT_KNOWLEDGE_DIR": str(tmp_path / "knowledge"),
        "CLINICBOT_DATA_DIR": str(tmp_path / "data"),
    }
    return run_command([sys.executable, "-m", *args], env=env)


def ingest_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if "ingesting" in line]


# --- ensure_index, in process with the fast hashing embedder -------------------------------


def test_ensure_index_publishes_the_knowledge_dir_when_nothing_was_published(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = Settings(knowledge_dir=knowledge_dir(tmp_path), index_dir=tmp_path / "index")

    version = ensure_index(settings, HashingEmbedder(), verbose=False)

    assert version is not None and read_current(tmp_path / "index") == version
    assert len(ingest_lines(capsys.readouterr().err)) == 1


def test_ensure_index_leaves_a_published_index_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = Settings(knowledge_dir=knowledge_dir(tmp_path), index_dir=tmp_path / "index")
    first = ensure_index(settings, HashingEmbedder(), verbose=False)
    capsys.readouterr()

    assert ensure_index(settings, HashingEmbedder(), verbose=False) is None
    assert read_current(tmp_path / "index") == first
    assert capsys.readouterr().err == ""


def test_ensure_index_names_the_bad_page_that_stopped_the_first_ingest(tmp_path: Path) -> None:
    knowledge = knowledge_dir(tmp_path)
    (knowledge / "broken.md").write_bytes(b"\xff\xfe not utf-8")
    settings = Settings(knowledge_dir=knowledge, index_dir=tmp_path / "index")

    with pytest.raises(FirstIngestFailed, match=r"broken\.md"):
        ensure_index(settings, HashingEmbedder(), verbose=False)
    assert read_current(tmp_path / "index") is None


# --- the command-line tools, as a newcomer runs them ---------------------------------------


@pytest.mark.slow  # a real ingest in a subprocess
@pytest.mark.model
def test_ask_builds_the_configured_index_first_and_says_so_once(tmp_path: Path) -> None:
    knowledge_dir(tmp_path)

    first = run(["bot.ask", "--json", "Is parking free?"], tmp_path)
    second = run(["bot.ask", "--json", "When are you open?"], tmp_path)

    assert first.returncode == 0, first.stderr
    lines = ingest_lines(first.stderr)
    assert len(lines) == 1 and str(tmp_path / "knowledge") in lines[0]
    assert (tmp_path / "data" / "index" / "CURRENT").is_file()
    reply = json.loads(first.stdout)
    assert reply["kind"] == "answer"
    assert "Parking is free" in reply["citations"][0]["quote"]
    assert second.returncode == 0, second.stderr
    assert ingest_lines(second.stderr) == []  # built once, then reused


@pytest.mark.slow  # a real ingest in a subprocess
@pytest.mark.model
def test_eval_builds_the_configured_index_first(tmp_path: Path) -> None:
    knowledge_dir(tmp_path)
    cases = tmp_path / "cases.jsonl"
    cases.write_text(
        '{"id": "p", "question": "Is parking free?", "expect": ["answer"], '
        '"gold_quotes": ["Parking is free"]}\n',
        encoding="utf-8",
    )

    result = run(["bot.eval", "--json", str(cases)], tmp_path)

    assert result.returncode == 0, result.stderr
    assert len(ingest_lines(result.stderr)) == 1
    summary = json.loads(result.stdout)
    assert summary["cases"] == 1 and summary["kind_accuracy"] == 1.0


def test_an_explicit_index_that_does_not_exist_stays_a_clear_error(tmp_path: Path) -> None:
    knowledge_dir(tmp_path)
    missing = tmp_path / "elsewhere"

    result = run(["bot.ask", "--index", str(missing), "Is parking free?"], tmp_path)

    assert result.returncode != 0
    assert result.stderr.strip().splitlines()[-1].startswith(f"error: no index at {missing}")
    assert ingest_lines(result.stderr) == []
    assert not missing.exists()
