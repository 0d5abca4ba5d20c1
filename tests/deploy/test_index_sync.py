"""Index distribution to other hosts with deploy/sync-index.sh (here: to a local directory).

An app following the destination (`IndexWatcher`, as every instance does) switches to the
copied version without a restart, and keeps serving the old one while a copy is incomplete
or interrupted. Versions are built with the test-only hashing embedder: the copy, not the
embedding, is under test.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import NamedTuple

import pytest

from bot.embed import HashingEmbedder
from bot.index import IndexWatcher, read_current
from bot.ingest.pipeline import publish as ingest
from bot.settings import PROJECT_ROOT, Settings

SYNC = PROJECT_ROOT / "deploy" / "sync-index.sh"


def publish(knowledge: Path, index: Path) -> str:
    report = ingest(Settings(knowledge_dir=knowledge, index_dir=index), HashingEmbedder())
    assert report.version is not None and not report.stopped, report.lines()
    return report.version


def sync(source: Path, dest: Path, path: str | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    if path is not None:
        env["PATH"] = path
    return subprocess.run(
        ["bash", str(SYNC), str(source), str(dest)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    """An index with two published versions, and the version directory of each."""
    if not (shutil.which("rsync") and shutil.which("flock")):
        pytest.skip("rsync and flock are needed by deploy/sync-index.sh")
    root = tmp_path_factory.mktemp("source")
    knowledge = root / "knowledge"
    knowledge.mkdir()
    (knowledge / "hours.md").write_text(
        "---\ntitle: Opening hours\n---\n\nWe are open Monday to Friday, 8am to 6pm.\n"
    )
    index = root / "index"
    first = publish(knowledge, index)
    (knowledge / "parking.md").write_text(
        "---\ntitle: Parking\n---\n\nPatients park for free behind the building.\n"
    )
    second = publish(knowledge, index)
    return index, [first, second]


def serve(index: Path, version: str) -> Path:
    """A copy of `index` serving only `version` (as a destination host before a sync)."""
    (index / "CURRENT").write_text(version + "\n")
    return index


class Follower(NamedTuple):
    """A destination host holding only the first version, and a running app's watcher on it."""

    index: Path
    first: str
    second: str
    dest: Path
    watcher: IndexWatcher


@pytest.fixture
def follower(source: tuple[Path, list[str]], tmp_path: Path) -> Follower:
    index, (first, second) = source
    dest = tmp_path / "dest"
    (dest / "versions").mkdir(parents=True)
    shutil.copytree(index / "versions" / first, dest / "versions" / first)
    serve(dest, first)
    watcher = IndexWatcher(dest)
    assert watcher.current().version == first
    return Follower(index, first, second, dest, watcher)


def test_a_sync_switches_a_running_follower_to_the_new_version(follower: Follower) -> None:
    index, _, second, dest, watcher = follower

    done = sync(index, dest)

    assert done.returncode == 0, done.stderr
    assert read_current(dest) == second
    assert watcher.current().version == second  # no restart
    leftovers = [p.name for p in dest.iterdir() if p.name.startswith((".incoming", "CURRENT."))]
    assert leftovers == []
    again = sync(index, dest)
    assert again.returncode == 0 and "already serves" in again.stdout


def test_an_interrupted_copy_is_never_served_and_the_next_run_completes_it(
    follower: Follower, tmp_path: Path
) -> None:
    index, first, second, dest, watcher = follower
    # An rsync that copies the manifest, then dies (a dropped connection, a full disk).
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "rsync").write_text(
        "#!/bin/sh\n"
        'for last; do :; done\nmkdir -p "$last"\n'
        f'cp "{index / "versions" / second / "manifest.json"}" "$last"\n'
        "exit 23\n"
    )
    (fake / "rsync").chmod(0o755)

    broken = sync(index, dest, path=f"{fake}:{os.environ['PATH']}")

    assert broken.returncode != 0
    assert read_current(dest) == first
    assert (dest / f".incoming-{second}" / "manifest.json").is_file()
    assert not (dest / "versions" / second).exists()
    assert watcher.current().version == first

    done = sync(index, dest)

    assert done.returncode == 0, done.stderr
    assert watcher.current().version == second
    assert not (dest / f".incoming-{second}").exists()


def test_a_source_without_a_published_version_is_refused(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "CURRENT").write_text("not-a-version\n")

    done = sync(tmp_path / "src", tmp_path / "dest")

    assert done.returncode == 1
    assert "does not name a version" in done.stderr
    assert not (tmp_path / "dest").exists()
